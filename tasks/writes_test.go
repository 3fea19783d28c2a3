package tasks

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// requireRule checks that err is nil when wantField is "", else a
// *ValidationError naming wantField whose rule contains wantRule.
func requireRule(t *testing.T, err error, wantField, wantRule string) {
	t.Helper()
	if wantField == "" {
		require.NoError(t, err)
		return
	}
	var verr *ValidationError
	require.True(t, errors.As(err, &verr), "want a *ValidationError, got %v", err)
	require.Equal(t, wantField, verr.Field, "field (rule %q)", verr.Rule)
	require.Contains(t, verr.Rule, wantRule)
}

func TestRecallMessage_Validate(t *testing.T) {
	t.Parallel()

	yes := true
	zero := time.Time{}
	now := time.Now()
	tests := []struct {
		name      string
		p         RecallMessage
		wantField string
		wantRule  string
	}{
		{name: "valid chat", p: RecallMessage{MsgID: "1028442084794698104", To: "bob", ChatType: "chat"}},
		{name: "valid group, forced, from, sent_at", p: RecallMessage{MsgID: "1", To: "184524748161025", ChatType: "groupchat",
			From: "alice", Force: &yes, SyncDevice: &yes, SentAt: &now}},
		{name: "valid room", p: RecallMessage{MsgID: "1", To: "room-1", ChatType: "chatroom"}},
		{name: "msg_id missing", p: RecallMessage{To: "bob", ChatType: "chat"}, wantField: "msg_id", wantRule: ruleRequired},
		{name: "msg_id with slash", p: RecallMessage{MsgID: "1/2", To: "bob", ChatType: "chat"}, wantField: "msg_id", wantRule: "[a-zA-Z0-9_-]"},
		{name: "msg_id 65", p: RecallMessage{MsgID: strings.Repeat("1", 65), To: "bob", ChatType: "chat"}, wantField: "msg_id", wantRule: "1 to 64"},
		{name: "chat_type missing", p: RecallMessage{MsgID: "1", To: "bob"}, wantField: "chat_type", wantRule: ruleRequired},
		{name: "chat_type agora spelling", p: RecallMessage{MsgID: "1", To: "g", ChatType: "group_chat"}, wantField: "chat_type", wantRule: ruleChatType},
		{name: "to missing", p: RecallMessage{MsgID: "1", ChatType: "chat"}, wantField: "to", wantRule: ruleRequired},
		{name: "to not a username", p: RecallMessage{MsgID: "1", To: "Bob", ChatType: "chat"}, wantField: "to", wantRule: ruleUsername},
		{name: "to a dot segment group", p: RecallMessage{MsgID: "1", To: "..", ChatType: "groupchat"}, wantField: "to", wantRule: "dot segment"},
		{name: "from not a username", p: RecallMessage{MsgID: "1", To: "bob", ChatType: "chat", From: "A B"}, wantField: "from", wantRule: ruleUsername},
		{name: "sent_at zero", p: RecallMessage{MsgID: "1", To: "bob", ChatType: "chat", SentAt: &zero}, wantField: "sent_at", wantRule: "zero"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			requireRule(t, tt.p.Validate(Limits{}), tt.wantField, tt.wantRule)
		})
	}
}

func TestUpdateGroup_Validate(t *testing.T) {
	t.Parallel()

	str := func(s string) *string { return &s }
	num := func(n int) *int { return &n }
	yes := true
	tests := []struct {
		name      string
		p         UpdateGroup
		wantField string
		wantRule  string
	}{
		{name: "valid name", p: UpdateGroup{GroupID: "g1", GroupName: str("Team")}},
		{name: "valid every field", p: UpdateGroup{GroupID: "g1", GroupName: str(strings.Repeat("群", 128)),
			Description: str(strings.Repeat("d", 512)), Avatar: str(strings.Repeat("a", 1024)), MaxUsers: num(2000),
			MembersOnly: &yes, AllowInvites: &yes, Public: &yes, InviteNeedConfirm: &yes, Custom: str(strings.Repeat("c", 1024))}},
		{name: "valid empty description", p: UpdateGroup{GroupID: "g1", Description: str("")}},
		{name: "group_id missing", p: UpdateGroup{GroupName: str("x")}, wantField: "group_id", wantRule: ruleRequired},
		{name: "group_id dot segment", p: UpdateGroup{GroupID: "%2e%2e", GroupName: str("x")}, wantField: "group_id", wantRule: "dot segment"},
		{name: "nothing to change", p: UpdateGroup{GroupID: "g1"}, wantField: "payload", wantRule: "at least one"},
		{name: "groupname empty", p: UpdateGroup{GroupID: "g1", GroupName: str("")}, wantField: "groupname", wantRule: "1 to 128"},
		{name: "groupname 129", p: UpdateGroup{GroupID: "g1", GroupName: str(strings.Repeat("a", 129))}, wantField: "groupname", wantRule: "1 to 128"},
		{name: "description 513", p: UpdateGroup{GroupID: "g1", Description: str(strings.Repeat("a", 513))}, wantField: "description", wantRule: "0 to 512"},
		{name: "avatar 1025", p: UpdateGroup{GroupID: "g1", Avatar: str(strings.Repeat("a", 1025))}, wantField: "avatar", wantRule: "0 to 1024"},
		{name: "maxusers 0", p: UpdateGroup{GroupID: "g1", MaxUsers: num(0)}, wantField: "maxusers", wantRule: ">= 1"},
		{name: "custom 1025", p: UpdateGroup{GroupID: "g1", Custom: str(strings.Repeat("c", 1025))}, wantField: "custom", wantRule: "0 to 1024"},
		{name: "custom invalid UTF-8", p: UpdateGroup{GroupID: "g1", Custom: str("\xff")}, wantField: "custom", wantRule: ruleUTF8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			requireRule(t, tt.p.Validate(Limits{}), tt.wantField, tt.wantRule)
		})
	}
}

func TestUpdateGroup_Fields(t *testing.T) {
	t.Parallel()
	name, no := "n", false
	p := UpdateGroup{GroupID: "g", GroupName: &name, Public: &no}
	require.Equal(t, []string{"groupname", "public"}, p.Fields())
}

func TestRestCall_Validate(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name      string
		p         RestCall
		wantField string
		wantRule  string
	}{
		{name: "valid PUT json", p: RestCall{Method: "PUT", Path: "chatgroups/123", JSON: json.RawMessage(`{"groupname":"x"}`)}},
		{name: "valid POST array", p: RestCall{Method: "POST", Path: "users", JSON: json.RawMessage(`[{"username":"a"}]`)}},
		{name: "valid PUT form", p: RestCall{Method: "PUT", Path: "metadata/user/alice", Form: map[string]string{"k": "v"}}},
		{name: "valid DELETE list segment", p: RestCall{Method: "DELETE", Path: "chatgroups/1/users/a,b"}},
		{name: "valid GET disconnect", p: RestCall{Method: "GET", Path: "users/alice/disconnect"}},
		{name: "valid GET disconnect device", p: RestCall{Method: "GET", Path: "users/alice/disconnect/android_1"}},
		{name: "method missing", p: RestCall{Path: "users"}, wantField: "method", wantRule: ruleRequired},
		{name: "method lower case", p: RestCall{Method: "post", Path: "users"}, wantField: "method", wantRule: "POST, PUT, DELETE"},
		{name: "method PATCH", p: RestCall{Method: "PATCH", Path: "users"}, wantField: "method", wantRule: "POST, PUT, DELETE"},
		{name: "GET a read", p: RestCall{Method: "GET", Path: "users/alice"}, wantField: "method", wantRule: "disconnect"},
		{name: "GET with a body", p: RestCall{Method: "GET", Path: "users/alice/disconnect", JSON: json.RawMessage(`{}`)}, wantField: "method", wantRule: "no json or form"},
		{name: "path missing", p: RestCall{Method: "POST"}, wantField: "path", wantRule: ruleRequired},
		{name: "path absolute", p: RestCall{Method: "POST", Path: "/users"}, wantField: "path", wantRule: "must not start with '/'"},
		{name: "path protocol-relative", p: RestCall{Method: "POST", Path: "//evil.example/users"}, wantField: "path", wantRule: "must not start with '/'"},
		{name: "path absolute URL", p: RestCall{Method: "POST", Path: "https://evil.example/x"}, wantField: "path", wantRule: "no query, fragment, percent-encoding, scheme"},
		{name: "path traversal", p: RestCall{Method: "DELETE", Path: "chatgroups/../users/alice"}, wantField: "path", wantRule: "dot segment"},
		{name: "path leading dot dot", p: RestCall{Method: "DELETE", Path: "../other-app/users/alice"}, wantField: "path", wantRule: "dot segment"},
		{name: "path dot", p: RestCall{Method: "POST", Path: "./users"}, wantField: "path", wantRule: "dot segment"},
		{name: "path dot dot in a list", p: RestCall{Method: "DELETE", Path: "chatgroups/1/users/a,.."}, wantField: "path", wantRule: "dot segment"},
		{name: "path encoded dots", p: RestCall{Method: "DELETE", Path: "chatgroups/%2e%2e/users/a"}, wantField: "path", wantRule: "percent-encoding"},
		{name: "path encoded slash", p: RestCall{Method: "DELETE", Path: "chatgroups/a%2Fb"}, wantField: "path", wantRule: "percent-encoding"},
		{name: "path query", p: RestCall{Method: "POST", Path: "users?x=1"}, wantField: "path", wantRule: "query"},
		{name: "path fragment", p: RestCall{Method: "POST", Path: "users#x"}, wantField: "path", wantRule: "fragment"},
		{name: "path matrix parameter", p: RestCall{Method: "POST", Path: "users;x"}, wantField: "path", wantRule: "[A-Za-z0-9_.,-]"},
		{name: "path backslash", p: RestCall{Method: "POST", Path: `users\..\token`}, wantField: "path", wantRule: "[A-Za-z0-9_.,-]"},
		{name: "path empty segment", p: RestCall{Method: "POST", Path: "chatgroups//users"}, wantField: "path", wantRule: "segment 2 is empty"},
		{name: "path trailing slash", p: RestCall{Method: "POST", Path: "users/"}, wantField: "path", wantRule: "segment 2 is empty"},
		{name: "path token endpoint", p: RestCall{Method: "POST", Path: "token"}, wantField: "path", wantRule: "token"},
		{name: "path too long", p: RestCall{Method: "POST", Path: strings.Repeat("a", 1025)}, wantField: "path", wantRule: "at most 1024"},
		{name: "json and form", p: RestCall{Method: "POST", Path: "users", JSON: json.RawMessage(`{}`), Form: map[string]string{"a": "b"}}, wantField: "form", wantRule: "at most one"},
		{name: "json a string", p: RestCall{Method: "POST", Path: "users", JSON: json.RawMessage(`"x"`)}, wantField: "json", wantRule: "object or array"},
		{name: "json too large", p: RestCall{Method: "POST", Path: "users", JSON: json.RawMessage(`["` + strings.Repeat("a", 64<<10) + `"]`)}, wantField: "json", wantRule: "at most 65536"},
		{name: "form empty key", p: RestCall{Method: "PUT", Path: "users", Form: map[string]string{"": "v"}}, wantField: "form", wantRule: "keys"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			requireRule(t, tt.p.Validate(Limits{}), tt.wantField, tt.wantRule)
		})
	}
}

// TestDecode_restCallStrict: the JSON line form decodes strictly, as every
// payload does.
func TestDecode_restCallStrict(t *testing.T) {
	t.Parallel()
	p, err := Decode(TypeRestCall, []byte(`{"method":"PUT","path":"chatgroups/1","json":{"groupname":"x"}}`), Limits{})
	require.NoError(t, err)
	require.JSONEq(t, `{"groupname":"x"}`, string(p.(RestCall).JSON))

	_, err = Decode(TypeRestCall, []byte(`{"method":"PUT","path":"chatgroups/1","query":"x=1"}`), Limits{})
	requireRule(t, err, "query", "unknown field")
}
