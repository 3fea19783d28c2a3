package sandbox_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/sandbox"
)

// userArray returns a JSON array of n user objects.
func userArray(n int) string {
	users := make([]string, n)
	for i := range users {
		users[i] = fmt.Sprintf(`{"username":"u%d"}`, i)
	}
	return "[" + strings.Join(users, ",") + "]"
}

func TestServer_RegisterUserErrors(t *testing.T) {
	t.Parallel()
	newBundle := func(t *testing.T) *testBundle {
		t.Helper()
		b := setup(t, sandbox.Config{MaxUsers: 3})
		b.srv.SeedUsers("taken", "other")
		return b
	}
	reg := func(name, body string, status int, code, msg string) errorCase {
		return errorCase{name, "POST", "/org/app/users", body, status, code, msg}
	}
	runErrorCases(t, newBundle, []errorCase{
		reg("existing user", `{"username":"taken"}`, 400, "duplicate_unique_property_exists",
			"Application null Entity user requires that property named 'username' be unique, value of taken exists."),
		reg("missing username", `{"password":"p"}`, 400, "illegal_argument", "Entity 'user' requires a property named username."),
		reg("empty username", `{"username":""}`, 400, "illegal_argument", "Entity 'user' requires a property named username."),
		reg("upper case", `{"username":"Bob"}`, 400, "illegal_argument", "username [Bob] is not legal"),
		reg("bad character", `{"username":"a b"}`, 400, "illegal_argument", "username [a b] is not legal"),
		reg("too long", `{"username":"`+strings.Repeat("a", 65)+`"}`, 400, "illegal_argument",
			"username ["+strings.Repeat("a", 65)+"] is not legal"),
		reg("batch names first bad", `[{"username":"ok"},{"username":"B@d"},{"username":"W!"}]`, 400, "illegal_argument", "username [B@d] is not legal"),
		reg("batch missing username", `[{"username":"ok"},{}]`, 400, "illegal_argument", "Entity 'user' requires a property named username."),
		reg("batch of 61", userArray(61), 400, "illegal_argument",
			"Request body array size[61] had almost reached or been greater than the upper range value[60]"),
		reg("empty batch", `[]`, 400, "illegal_argument", "This is an invalid request."),
		reg("not an object", `"bob"`, 400, "invalid_request_body", "Request body is invalid."),
		reg("over user cap", `[{"username":"n1"},{"username":"n2"}]`, 429, "resource_limited",
			"You have exceeded the limit of the Free edition. Please upgrade to higher edition."),
	})
}

// registerResponse is the register_user success body.
type registerResponse struct {
	Action   string `json:"action"`
	Path     string `json:"path"`
	Entities []struct {
		UUID      string `json:"uuid"`
		Type      string `json:"type"`
		Created   int64  `json:"created"`
		Modified  int64  `json:"modified"`
		Username  string `json:"username"`
		Activated bool   `json:"activated"`
	} `json:"entities"`
	Data []struct {
		Username string `json:"username"`
		Reason   string `json:"registerUserFailReason"`
	} `json:"data"`
}

func TestServer_RegisterUser(t *testing.T) {
	t.Parallel()
	b := setup(t, sandbox.Config{})
	var got registerResponse
	resp := b.do(t, http.MethodPost, "/org/app/users", b.token(t), `{"username":"alice","password":"ignored"}`)
	requireOK(t, resp, &got)
	require.NotContains(t, string(resp.body), `"data"`, "a single registration has no data")
	require.Equal(t, "post", got.Action)
	require.Equal(t, "/users", got.Path)
	require.Len(t, got.Entities, 1)
	e := got.Entities[0]
	require.Equal(t, "alice", e.Username)
	require.Equal(t, "user", e.Type)
	require.True(t, e.Activated)
	require.NotEmpty(t, e.UUID)
	require.Positive(t, e.Created)
	require.Equal(t, e.Created, e.Modified)
	require.True(t, b.srv.HasUser("alice"))
}

func TestServer_RegisterUserBatch(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name        string
		body        string
		wantCreated []string
		wantFailed  []string
	}{
		{"all new", `[{"username":"a"},{"username":"b"}]`, []string{"a", "b"}, []string{}},
		{"some exist", `[{"username":"a"},{"username":"old"},{"username":"b"}]`, []string{"a", "b"}, []string{"old"}},
		{"repeat within batch", `[{"username":"a"},{"username":"a"}]`, []string{"a"}, []string{"a"}},
		{"all exist", `[{"username":"old"}]`, []string{}, []string{"old"}},
		{"60 users", userArray(60), nil, []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, sandbox.Config{})
			b.srv.SeedUsers("old")
			var got registerResponse
			resp := b.do(t, http.MethodPost, "/org/app/users", b.token(t), tc.body)
			requireOK(t, resp, &got)
			require.Contains(t, string(resp.body), `"data":[`, "a batch always has data")

			created := []string{}
			for _, e := range got.Entities {
				created = append(created, e.Username)
				require.True(t, b.srv.HasUser(e.Username))
			}
			if tc.wantCreated == nil {
				require.Len(t, created, 60)
			} else {
				require.Equal(t, tc.wantCreated, created)
			}
			failed := []string{}
			for _, d := range got.Data {
				failed = append(failed, d.Username)
				require.Equal(t, "the "+d.Username+" already exists", d.Reason)
			}
			require.Equal(t, tc.wantFailed, failed)
		})
	}
}

func TestServer_RegisterUserCapCountsOnlyNewUsers(t *testing.T) {
	t.Parallel()
	b := setup(t, sandbox.Config{MaxUsers: 2})
	b.srv.SeedUsers("old")
	tok := b.token(t)
	resp := b.do(t, http.MethodPost, "/org/app/users", tok, `[{"username":"old"},{"username":"new"}]`)
	require.Equal(t, http.StatusOK, resp.status, "body %s", resp.body)
	requireAPIError(t, b.do(t, http.MethodPost, "/org/app/users", tok, `{"username":"third"}`),
		http.StatusTooManyRequests, "resource_limited",
		"You have exceeded the limit of the Free edition. Please upgrade to higher edition.")
	require.False(t, b.srv.HasUser("third"))
}
