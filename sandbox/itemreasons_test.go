package sandbox_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/sandbox"
)

func TestServer_RegisterUserBatchItemReasons(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name        string
		body        string
		wantStatus  int
		wantCreated []string
	}{
		{"batch: named users fail alone", `[{"username":"a"},{"username":"bad"},{"username":"b"}]`, http.StatusOK, []string{"a", "b"}},
		{"single object: ignored", `{"username":"bad"}`, http.StatusOK, []string{"bad"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, sandbox.Config{})
			f := sandbox.Fault{Endpoint: sandbox.EndpointRegisterUser, ItemReasons: map[string]string{"bad": "username [bad] is not legal"}}
			require.NoError(t, f.Validate())
			b.srv.AddFault(f)
			var got registerResponse
			resp := b.do(t, http.MethodPost, "/org/app/users", b.token(t), tc.body)
			require.Equal(t, tc.wantStatus, resp.status)
			requireOK(t, resp, &got)
			created := []string{}
			for _, e := range got.Entities {
				created = append(created, e.Username)
			}
			require.Equal(t, tc.wantCreated, created)
			if len(tc.wantCreated) == 2 {
				require.Len(t, got.Data, 1)
				require.Equal(t, "bad", got.Data[0].Username)
				require.Equal(t, "username [bad] is not legal", got.Data[0].Reason)
				require.False(t, b.srv.HasUser("bad"))
			}
		})
	}
}
