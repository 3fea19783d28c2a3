package sandbox_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/sandbox"
)

// TestServer_DialectStrictness sends the same requests to a sandbox of each
// dialect: each rejects what its provider rejects and accepts the rest.
func TestServer_DialectStrictness(t *testing.T) {
	t.Parallel()
	bigMsg := `{"target":"users","to":["u1"],"type":"txt","body":{"msg":"` + strings.Repeat("x", 5120) + `"}}`
	tests := []struct {
		name        string
		dialect     string
		method      string
		path        string
		body        string
		wantStatus  int
		wantCode    string
		wantMsg     string
		wantErrCode float64 // Easemob's numeric error_code; 0 = absent
	}{
		{name: "agora register without password", dialect: "agora", method: "POST", path: "/org/app/users",
			body: `{"username":"u9"}`, wantStatus: 200},
		{name: "easemob register without password", dialect: "easemob", method: "POST", path: "/org/app/users",
			body: `{"username":"u9"}`, wantStatus: 400, wantCode: "illegal_argument", wantMsg: "password or pin must provided"},
		{name: "easemob batch register, one without password", dialect: "easemob", method: "POST", path: "/org/app/users",
			body: `[{"username":"u8","password":"p"},{"username":"u9"}]`, wantStatus: 400, wantCode: "illegal_argument", wantMsg: "password or pin must provided"},
		{name: "easemob register with password and nickname", dialect: "easemob", method: "POST", path: "/org/app/users",
			body: `{"username":"u9","password":"p","nickname":"Nine"}`, wantStatus: 200},
		{name: "agora create without public", dialect: "agora", method: "POST", path: "/org/app/chatgroups",
			body: `{"groupname":"g","owner":"u1"}`, wantStatus: 200},
		{name: "easemob create without public", dialect: "easemob", method: "POST", path: "/org/app/chatgroups",
			body: `{"groupname":"g","owner":"u1"}`, wantStatus: 400, wantCode: "illegal_argument", wantMsg: "group must contain public field!"},
		{name: "agora create with groupid", dialect: "agora", method: "POST", path: "/org/app/chatgroups",
			body: `{"groupid":"77","groupname":"g","public":false,"owner":"u1"}`, wantStatus: 400, wantCode: "invalid_parameter", wantMsg: "Some of [groupid] are not valid fields."},
		{name: "easemob create with groupid", dialect: "easemob", method: "POST", path: "/org/app/chatgroups",
			body: `{"groupid":"77","groupname":"g","public":false,"owner":"u1"}`, wantStatus: 200},
		{name: "easemob create with an existing groupid", dialect: "easemob", method: "POST", path: "/org/app/chatgroups",
			body: `{"groupid":"g1","groupname":"g","public":false,"owner":"u1"}`, wantStatus: 400, wantCode: "illegal_argument", wantMsg: "group ID g1 already exists!"},
		{name: "create with an undocumented field", dialect: "easemob", method: "POST", path: "/org/app/chatgroups",
			body: `{"groupname":"g","public":true,"owner":"u1","colour":"red"}`, wantStatus: 400, wantCode: "invalid_parameter", wantMsg: "Some of [colour] are not valid fields."},
		{name: "agora message over 5 KB", dialect: "agora", method: "POST", path: "/org/app/messages/users",
			body: bigMsg, wantStatus: 400, wantCode: "illegal_argument", wantMsg: "message is too large"},
		{name: "easemob message over 5 KB", dialect: "easemob", method: "POST", path: "/org/app/messages/users",
			body: bigMsg, wantStatus: 400, wantCode: "message_send_error", wantMsg: "message is too large", wantErrCode: 14007},
		{name: "documented optional send fields", dialect: "easemob", method: "POST", path: "/org/app/messages/chatgroups",
			body: `{"to":["g1"],"type":"txt","body":{"msg":"hi"},"need_group_ack":true,"roam_ignore_users":["u2"]}`, wantStatus: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, sandbox.Config{Dialect: tt.dialect})
			b.srv.SeedUsers("u1", "u2")
			b.srv.SeedGroup("g1", "u1")
			resp := b.do(t, tt.method, tt.path, b.token(t), tt.body)
			if tt.wantStatus == http.StatusOK {
				require.Equal(t, http.StatusOK, resp.status, "body %s", resp.body)
				return
			}
			requireAPIError(t, resp, tt.wantStatus, tt.wantCode, tt.wantMsg)
			var body map[string]any
			require.NoError(t, json.Unmarshal(resp.body, &body))
			if tt.wantErrCode == 0 {
				require.NotContains(t, body, "error_code")
			} else {
				require.Equal(t, tt.wantErrCode, body["error_code"])
			}
		})
	}
}

// TestServer_RefusedAnswers checks the documented negative 200 answers a
// fault asks for, and that they change nothing.
func TestServer_RefusedAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		fault    sandbox.Fault
		method   string
		path     string
		body     string
		wantData string
		want     func(t *testing.T, g sandbox.Group)
	}{
		{name: "delete", fault: sandbox.Fault{Endpoint: sandbox.EndpointDeleteGroup, Refuse: true},
			method: "DELETE", path: "/org/app/chatgroups/g1", wantData: `{"success":false,"groupid":"g1"}`},
		{name: "transfer", fault: sandbox.Fault{Endpoint: sandbox.EndpointTransferOwner, Refuse: true},
			method: "PUT", path: "/org/app/chatgroups/g1", body: `{"newowner":"m1"}`, wantData: `{"newowner":false}`,
			want: func(t *testing.T, g sandbox.Group) { require.Equal(t, "owner", g.Owner) }},
		{name: "add one", fault: sandbox.Fault{Endpoint: sandbox.EndpointAddMembers, Refuse: true},
			method: "POST", path: "/org/app/chatgroups/g1/users/m2", wantData: `{"result":false,"groupid":"g1","action":"add_member","user":"m2"}`,
			want: func(t *testing.T, g sandbox.Group) { require.NotContains(t, g.Members, "m2") }},
		{name: "add batch, one left out", fault: sandbox.Fault{Endpoint: sandbox.EndpointAddMembers, ItemReasons: map[string]string{"m3": "x"}},
			method: "POST", path: "/org/app/chatgroups/g1/users", body: `{"usernames":["m2","m3"]}`,
			wantData: `{"newmembers":["m2"],"groupid":"g1","action":"add_member"}`,
			want:     func(t *testing.T, g sandbox.Group) { require.NotContains(t, g.Members, "m3") }},
		{name: "remove batch, one refused", fault: sandbox.Fault{Endpoint: sandbox.EndpointRemoveMembers, ItemReasons: map[string]string{"m1": "try later"}},
			method: "DELETE", path: "/org/app/chatgroups/g1/users/m1,owner",
			wantData: `[{"result":false,"action":"remove_member","reason":"try later","user":"m1","groupid":"g1"},` +
				`{"result":false,"action":"remove_member","reason":"forbidden operation on group owner!","user":"owner","groupid":"g1"}]`,
			want: func(t *testing.T, g sandbox.Group) { require.Contains(t, g.Members, "m1") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, sandbox.Config{})
			b.srv.SeedUsers("owner", "m1", "m2", "m3")
			b.srv.SeedGroup("g1", "owner", "m1")
			require.NoError(t, tt.fault.Validate())
			b.srv.AddFault(tt.fault)
			var out struct {
				Data json.RawMessage `json:"data"`
			}
			requireOK(t, b.do(t, tt.method, tt.path, b.token(t), tt.body), &out)
			require.JSONEq(t, tt.wantData, string(out.Data))
			g, ok := b.srv.Group("g1")
			require.True(t, ok, "the group is still there")
			require.Contains(t, g.Members, "m1")
			if tt.want != nil {
				tt.want(t, g)
			}
		})
	}
}

// TestServer_DropAfter checks that a dropped answer still did the work.
func TestServer_DropAfter(t *testing.T) {
	t.Parallel()
	b := setup(t, sandbox.Config{})
	b.srv.SeedUsers("u1")
	tok := b.token(t)
	b.srv.AddFault(sandbox.Fault{Endpoint: sandbox.EndpointCreateGroup, DropAfter: true, Times: 1})
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, b.ts.URL+"/org/app/chatgroups",
		strings.NewReader(`{"groupname":"lost","owner":"u1"}`))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := b.ts.Client().Do(req)
	if err == nil {
		_ = resp.Body.Close()
	}
	require.Error(t, err, "no answer")
	require.Len(t, b.srv.GroupsNamed("lost"), 1, "the group was created")
	require.Equal(t, 1, b.srv.Stats().Responses["drop"])
}
