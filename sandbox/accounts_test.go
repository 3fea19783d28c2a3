package sandbox_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/sandbox"
)

// form sends body as a form, as the user-attributes call takes it.
func (b *testBundle) form(t *testing.T, method, path, token, body string) response {
	t.Helper()
	return b.doWith(t, method, path, body, func(r *http.Request) {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Authorization", "Bearer "+token)
	})
}

func TestServer_deactivateAndActivate(t *testing.T) {
	t.Parallel()
	b := setup(t, sandbox.Config{})
	b.srv.SeedUsers("alice")
	require.Equal(t, []string{"alice"}, b.srv.SetOnline("alice"))
	tok := b.token(t)

	for range 2 { // a second deactivate answers the same
		var out struct {
			Action   string `json:"action"`
			Entities []struct {
				Username  string `json:"username"`
				Activated bool   `json:"activated"`
			} `json:"entities"`
		}
		requireOK(t, b.do(t, http.MethodPost, "/org/app/users/alice/deactivate", tok, ""), &out)
		require.Equal(t, "Deactivate user", out.Action)
		require.Len(t, out.Entities, 1)
		require.Equal(t, "alice", out.Entities[0].Username)
		require.False(t, out.Entities[0].Activated)
	}
	u, ok := b.srv.User("alice")
	require.True(t, ok)
	require.True(t, u.Deactivated)
	require.False(t, u.Online, "a deactivated user goes offline")
	require.Empty(t, b.srv.SetOnline("alice"), "a deactivated user cannot log in")

	for range 2 { // activating an active user answers the same
		var out map[string]any
		requireOK(t, b.do(t, http.MethodPost, "/org/app/users/alice/activate", tok, ""), &out)
		require.Equal(t, "activate user", out["action"])
		require.NotContains(t, out, "data")
	}
	u, _ = b.srv.User("alice")
	require.False(t, u.Deactivated)
	require.Equal(t, []string{"alice"}, b.srv.SetOnline("alice"))
}

func TestServer_disconnect(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		dialect     string
		wantOffline bool // result for a user without a connection
	}{
		{dialect: sandbox.DialectAgora, wantOffline: true},
		{dialect: sandbox.DialectEasemob, wantOffline: false},
	} {
		t.Run(tt.dialect, func(t *testing.T) {
			t.Parallel()
			b := setup(t, sandbox.Config{Dialect: tt.dialect})
			b.srv.SeedUsers("alice")
			b.srv.SetOnline("alice")
			tok := b.token(t)
			var out struct {
				Data struct {
					Result bool `json:"result"`
				} `json:"data"`
			}
			requireOK(t, b.do(t, http.MethodGet, "/org/app/users/alice/disconnect", tok, ""), &out)
			require.True(t, out.Data.Result, "an online user is forced offline")
			u, _ := b.srv.User("alice")
			require.False(t, u.Online)
			requireOK(t, b.do(t, http.MethodGet, "/org/app/users/alice/disconnect", tok, ""), &out)
			require.Equal(t, tt.wantOffline, out.Data.Result, "a user already offline")
			resp := b.do(t, http.MethodPost, "/org/app/users/alice/disconnect", tok, "")
			require.Equal(t, http.StatusMethodNotAllowed, resp.status)
		})
	}
}

func TestServer_deleteUser(t *testing.T) {
	t.Parallel()
	b := setup(t, sandbox.Config{})
	b.srv.SeedGroup("g1", "alice", "bob")
	b.srv.SeedGroup("g2", "bob", "alice")
	b.srv.SeedRoom("r1", "alice", 10, "bob")
	b.srv.SeedRoom("r2", "bob", 10, "alice")
	tok := b.token(t)
	var out struct {
		Entities []struct {
			Username string `json:"username"`
		} `json:"entities"`
	}
	requireOK(t, b.do(t, http.MethodDelete, "/org/app/users/alice", tok, ""), &out)
	require.Equal(t, "alice", out.Entities[0].Username)
	require.False(t, b.srv.HasUser("alice"))
	_, ok := b.srv.Group("g1")
	require.False(t, ok, "the groups a deleted user owns are deleted")
	g2, _ := b.srv.Group("g2")
	require.Empty(t, g2.Members, "a deleted user leaves the groups it was in")
	_, ok = b.srv.Room("r1")
	require.False(t, ok, "the chat rooms a deleted user owns are deleted")
	r2, _ := b.srv.Room("r2")
	require.Empty(t, r2.Members, "a deleted user leaves the chat rooms it was in")
}

func TestServer_mute(t *testing.T) {
	t.Parallel()
	b := setup(t, sandbox.Config{})
	b.srv.SeedUsers("alice")
	tok := b.token(t)
	var out struct {
		Data struct {
			Result string `json:"result"`
		} `json:"data"`
	}
	requireOK(t, b.do(t, http.MethodPost, "/org/app/mutes", tok, `{"username":"alice","chat":100,"groupchat":-1,"chatroom":-5}`), &out)
	require.Equal(t, "ok", out.Data.Result)
	u, _ := b.srv.User("alice")
	require.Equal(t, map[string]int64{"chat": 100, "groupchat": -1}, u.Muted, "-5 does nothing, as documented")
	requireOK(t, b.do(t, http.MethodPost, "/org/app/mutes", tok, `{"username":"alice","chat":0}`), &out)
	u, _ = b.srv.User("alice")
	require.Equal(t, map[string]int64{"groupchat": -1}, u.Muted, "0 unmutes")
}

func TestServer_setMetadata(t *testing.T) {
	t.Parallel()
	b := setup(t, sandbox.Config{})
	b.srv.SeedUsers("alice")
	tok := b.token(t)
	var out struct {
		Data map[string]string `json:"data"`
	}
	requireOK(t, b.form(t, http.MethodPut, "/org/app/metadata/user/alice", tok, "nickname=A+b&ext=x%26y"), &out)
	require.Equal(t, map[string]string{"nickname": "A b", "ext": "x&y"}, out.Data)
	requireOK(t, b.form(t, http.MethodPut, "/org/app/metadata/user/alice", tok, "sign=hi"), &out)
	u, _ := b.srv.User("alice")
	require.Equal(t, map[string]string{"nickname": "A b", "ext": "x&y", "sign": "hi"}, u.Metadata, "pairs are merged")

	resp := b.form(t, http.MethodPut, "/org/app/metadata/user/alice", tok, "ext="+strings.Repeat("x", 2040))
	requireAPIError(t, resp, http.StatusForbidden, "FORBIDDEN",
		"size of metadata for this single user exceeds the user defined limit, 2048Bytes")
	u, _ = b.srv.User("alice")
	require.Equal(t, "x&y", u.Metadata["ext"], "nothing is set by a refused call")
}

func TestServer_userAdminErrors(t *testing.T) {
	t.Parallel()
	for _, dialect := range sandbox.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			notFoundDelete := errorCase{wantStatus: http.StatusNotFound, wantCode: "service_resource_not_found", wantMsg: "Service resource not found"}
			notFoundMute := notFoundDelete
			if dialect == sandbox.DialectEasemob {
				notFoundDelete = errorCase{wantStatus: http.StatusBadRequest, wantCode: "management", wantMsg: "User with id null does not exist in app org#app"}
				notFoundMute = errorCase{wantStatus: http.StatusBadRequest, wantCode: "required_property_not_found", wantMsg: "Entity user requires a property named username"}
			}
			cases := []errorCase{
				{name: "delete missing", method: http.MethodDelete, path: "/org/app/users/ghost",
					wantStatus: notFoundDelete.wantStatus, wantCode: notFoundDelete.wantCode, wantMsg: notFoundDelete.wantMsg},
				{name: "deactivate missing", method: http.MethodPost, path: "/org/app/users/ghost/deactivate",
					wantStatus: http.StatusNotFound, wantCode: "service_resource_not_found", wantMsg: "Service resource not found"},
				{name: "activate missing", method: http.MethodPost, path: "/org/app/users/ghost/activate",
					wantStatus: http.StatusNotFound, wantCode: "service_resource_not_found", wantMsg: "Service resource not found"},
				{name: "disconnect missing", method: http.MethodGet, path: "/org/app/users/ghost/disconnect",
					wantStatus: http.StatusNotFound, wantCode: "service_resource_not_found", wantMsg: "Service resource not found"},
				{name: "mute missing", method: http.MethodPost, path: "/org/app/mutes", body: `{"username":"ghost","chat":1}`,
					wantStatus: notFoundMute.wantStatus, wantCode: notFoundMute.wantCode, wantMsg: notFoundMute.wantMsg},
				{name: "mute unknown field", method: http.MethodPost, path: "/org/app/mutes", body: `{"username":"alice","chat":1,"forever":true}`,
					wantStatus: http.StatusBadRequest, wantCode: "invalid_request_body", wantMsg: "Request body is invalid."},
				{name: "mute not JSON", method: http.MethodPost, path: "/org/app/mutes", body: `{`,
					wantStatus: http.StatusBadRequest, wantCode: "json_parse", wantMsg: "Unexpected character."},
				{name: "metadata as JSON", method: http.MethodPut, path: "/org/app/metadata/user/alice", body: `{"nickname":"a"}`,
					wantStatus: http.StatusUnsupportedMediaType, wantCode: "web_application", wantMsg: "Unsupported Media Type."},
				{name: "delete the collection", method: http.MethodDelete, path: "/org/app/users/alice/..",
					wantStatus: http.StatusMethodNotAllowed, wantMsg: "Method Not Allowed"},
			}
			runErrorCases(t, func(t *testing.T) *testBundle {
				b := setup(t, sandbox.Config{Dialect: dialect})
				b.srv.SeedUsers("alice")
				return b
			}, cases)
		})
	}
}

func TestServer_userAdminMetadataErrors(t *testing.T) {
	t.Parallel()
	b := setup(t, sandbox.Config{})
	b.srv.SeedUsers("alice")
	tok := b.token(t)
	requireAPIError(t, b.form(t, http.MethodPut, "/org/app/metadata/user/ghost", tok, "k=v"),
		http.StatusNotFound, "service_resource_not_found", "Service resource not found")
	requireAPIError(t, b.form(t, http.MethodPut, "/org/app/metadata/user/alice", tok, "nickname="+strings.Repeat("n", 65)),
		http.StatusForbidden, "FORBIDDEN", "size of metadata for this single user exceeds the current mysql column size, 65Bytes")
}

// TestServer_userAdminRefuse: a Refuse fault answers each call's negative
// 200 and changes nothing.
func TestServer_userAdminRefuse(t *testing.T) {
	t.Parallel()
	b := setup(t, sandbox.Config{})
	b.srv.SeedUsers("alice")
	b.srv.SetOnline("alice")
	tok := b.token(t)
	for _, ep := range []string{sandbox.EndpointDeactivateUser, sandbox.EndpointDisconnectUser, sandbox.EndpointMuteUser, sandbox.EndpointSetMetadata} {
		b.srv.AddFault(sandbox.Fault{Endpoint: ep, Refuse: true})
	}
	resp := b.do(t, http.MethodPost, "/org/app/users/alice/deactivate", tok, "")
	require.Contains(t, string(resp.body), `"activated":true`)
	resp = b.do(t, http.MethodGet, "/org/app/users/alice/disconnect", tok, "")
	require.Contains(t, string(resp.body), `"result":false`)
	resp = b.do(t, http.MethodPost, "/org/app/mutes", tok, `{"username":"alice","chat":5}`)
	require.Contains(t, string(resp.body), `"result":"fail"`)
	resp = b.form(t, http.MethodPut, "/org/app/metadata/user/alice", tok, "k=v")
	require.Contains(t, string(resp.body), `"data":{}`)
	u, _ := b.srv.User("alice")
	require.Equal(t, sandbox.User{Name: "alice", Online: true, Metadata: map[string]string{}, Muted: map[string]int64{}}, u)
}

// TestServer_userToken: under easemob a user token (grant_type inherit,
// with an app token) logs the user in; a deactivated user gets none, as
// Easemob's user-token page documents, until activated.
func TestServer_userToken(t *testing.T) {
	t.Parallel()
	b := setup(t, sandbox.Config{Dialect: sandbox.DialectEasemob})
	b.srv.SeedUsers("alice")
	tok := b.token(t)
	userToken := func() response {
		return b.do(t, http.MethodPost, "/org/app/token", tok, `{"grant_type":"inherit","username":"alice","autoCreateUser":false}`)
	}
	var out struct {
		AccessToken string `json:"access_token"`
		User        struct {
			Username  string `json:"username"`
			Activated bool   `json:"activated"`
		} `json:"user"`
	}
	requireOK(t, userToken(), &out)
	require.NotEmpty(t, out.AccessToken)
	require.Equal(t, "alice", out.User.Username)
	u, _ := b.srv.User("alice")
	require.True(t, u.Online, "logged in")
	resp := b.do(t, http.MethodPost, "/org/app/users/alice/activate", out.AccessToken, "")
	require.Equal(t, http.StatusUnauthorized, resp.status, "a user token is no app token")

	requireOK(t, b.do(t, http.MethodPost, "/org/app/users/alice/deactivate", tok, ""), &map[string]any{})
	requireAPIError(t, userToken(), http.StatusBadRequest, "invalid_grant", "user not activated")
	requireOK(t, b.do(t, http.MethodPost, "/org/app/users/alice/activate", tok, ""), &map[string]any{})
	requireOK(t, userToken(), &out)

	requireAPIError(t, b.do(t, http.MethodPost, "/org/app/token", tok, `{"grant_type":"inherit","username":"ghost"}`),
		http.StatusNotFound, "invalid_grant", "user not found")
	requireAPIError(t, b.do(t, http.MethodPost, "/org/app/token", "", `{"grant_type":"inherit","username":"alice"}`),
		http.StatusUnauthorized, "unauthorized", "Unable to authenticate due to expired access token.")
}

// TestServer_adminUsers: the admin API shows a user's state and logs a
// user in, refusing a deactivated one.
func TestServer_adminUsers(t *testing.T) {
	t.Parallel()
	b := setup(t, sandbox.Config{})
	b.srv.SeedUsers("alice")
	require.Equal(t, http.StatusNoContent, b.do(t, http.MethodPost, "/_sandbox/users/alice/online", "", "").status)
	var u sandbox.User
	requireOK(t, b.do(t, http.MethodGet, "/_sandbox/users/alice", "", ""), &u)
	require.True(t, u.Online)
	requireOK(t, b.do(t, http.MethodPost, "/org/app/users/alice/deactivate", b.token(t), ""), &map[string]any{})
	require.Equal(t, http.StatusConflict, b.do(t, http.MethodPost, "/_sandbox/users/alice/online", "", "").status)
	requireOK(t, b.do(t, http.MethodGet, "/_sandbox/users/alice", "", ""), &u)
	require.Equal(t, sandbox.User{Name: "alice", Deactivated: true, Metadata: map[string]string{}, Muted: map[string]int64{}}, u)
	require.Equal(t, http.StatusNotFound, b.do(t, http.MethodGet, "/_sandbox/users/ghost", "", "").status)
	require.Equal(t, http.StatusNotFound, b.do(t, http.MethodPost, "/_sandbox/users/ghost/online", "", "").status)
}
