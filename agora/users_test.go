package agora

import (
	"net/http"
	"testing"

	"github.com/chatq/chatq/tasks"
	"github.com/stretchr/testify/require"
)

func TestClient_RegisterUsers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		users    []tasks.User
		wantBody string
		response string
		want     RegisterResult
	}{
		{
			name:     "one user: object body",
			users:    []tasks.User{{Username: "user1"}},
			wantBody: `{"username":"user1"}`,
			response: `{"action":"post","path":"/users","entities":[{"uuid":"u-1","type":"user","username":"user1","activated":true}]}`,
			want:     RegisterResult{Created: []string{"user1"}},
		},
		{
			name:     "batch: array body, existing users in data",
			users:    []tasks.User{{Username: "user1"}, {Username: "user2"}, {Username: "user3"}},
			wantBody: `[{"username":"user1"},{"username":"user2"},{"username":"user3"}]`,
			response: `{"action":"post","entities":[{"username":"user1"},{"username":"user2"}],
				"data":[{"username":"user3","registerUserFailReason":"the user3 already exists"}]}`,
			want: RegisterResult{Created: []string{"user1", "user2"},
				Existing: []ItemFailure{{Username: "user3", Reason: "the user3 already exists"}}},
		},
		{
			name:     "batch: empty data",
			users:    []tasks.User{{Username: "a"}, {Username: "b"}},
			wantBody: `[{"username":"a"},{"username":"b"}]`,
			response: `{"entities":[{"username":"a"},{"username":"b"}],"data":[]}`,
			want:     RegisterResult{Created: []string{"a", "b"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, Config{})
			b.mux.HandleFunc("/org/app/users", func(w http.ResponseWriter, r *http.Request) {
				testRequest(t, r, "POST", "/org/app/users", true)
				testBody(t, r, tt.wantBody)
				writeJSON(t, w, http.StatusOK, tt.response)
			})
			got, err := b.client.RegisterUsers(t.Context(), testToken, tt.users)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestClient_RegisterUsers_duplicate(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{})
	b.mux.HandleFunc("/org/app/users", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, http.StatusBadRequest, `{"error":"duplicate_unique_property_exists",
			"exception":"org.apache.usergrid.persistence.exceptions.DuplicateUniquePropertyExistsException",
			"error_description":"Application null Entity user requires that property named username be unique, value of user1 exists"}`)
	})
	_, err := b.client.RegisterUsers(t.Context(), testToken, []tasks.User{{Username: "user1"}})
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	require.Equal(t, 400, apiErr.Status)
	require.Equal(t, "duplicate_unique_property_exists", apiErr.Code)
	require.Equal(t, "POST /users", apiErr.Op)
}

func TestClient_RegisterUsers_invalidInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		count int
	}{
		{name: "none", count: 0},
		{name: "61", count: 61},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, Config{})
			b.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
				t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
			})
			_, err := b.client.RegisterUsers(t.Context(), testToken, make([]tasks.User, tt.count))
			require.ErrorIs(t, err, ErrInvalidInput)
		})
	}
}
