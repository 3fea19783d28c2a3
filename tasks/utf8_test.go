package tasks

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSendMessage_Validate_UTF8: invalid UTF-8 in body or ext, in a value
// at any depth or in an object key, is refused at enqueue with the path of
// the string and the rule (issue 10, item 2); valid non-ASCII text passes.
func TestSendMessage_Validate_UTF8(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name      string
		body, ext string
		wantField string
		wantRule  string
	}{
		{name: "non-ASCII is fine", body: `{"msg":"héllo 你好 👋"}`, ext: `{"ключ":"значение"}`},
		{name: "body value", body: "{\"msg\":\"caf\xe9\"}", wantField: "body.msg", wantRule: ruleUTF8},
		{name: "body value at depth", body: "{\"msg\":\"x\",\"extra\":{\"a\":[1,{\"b\":\"\xff\"}]}}", wantField: "body.extra.a[1].b", wantRule: ruleUTF8},
		{name: "body key", body: "{\"msg\":\"x\",\"k\xc3\":1}", wantField: "body.k\ufffd", wantRule: "object key must be valid UTF-8"},
		{name: "ext value", body: `{"msg":"x"}`, ext: "{\"a\":\"ok\",\"b\":[\"ok\",\"\xed\xa0\x80\"]}", wantField: "ext.b[1]", wantRule: ruleUTF8},
		{name: "ext key", body: `{"msg":"x"}`, ext: "{\"\xfe\":\"v\"}", wantField: "ext.\ufffd", wantRule: "object key must be valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := validSendMessage()
			p.Body = json.RawMessage(tt.body)
			if tt.ext != "" {
				p.Ext = json.RawMessage(tt.ext)
			}
			requireValidation(t, p.Validate(Limits{}), TypeSendMessage, tt.wantField, tt.wantRule)
			_, err := NewSendMessageTask(p)
			requireValidation(t, err, TypeSendMessage, tt.wantField, tt.wantRule)
		})
	}
}

// TestDecode_invalidUTF8: the worker refuses a foreign payload with
// invalid UTF-8 anywhere, naming the string, including in fields that
// encoding/json would otherwise quietly decode to U+FFFD.
func TestDecode_invalidUTF8(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name, typ, payload  string
		wantField, wantRule string
	}{
		{"group name", TypeCreateGroup, "{\"groupname\":\"t\xe9am\",\"owner\":\"alice\"}", "groupname", ruleUTF8},
		{"group description", TypeCreateGroup, "{\"groupname\":\"t\",\"description\":\"\xff\",\"owner\":\"alice\"}", "description", ruleUTF8},
		{"group custom", TypeCreateGroup, "{\"groupname\":\"t\",\"custom\":\"\xff\",\"owner\":\"alice\"}", "custom", ruleUTF8},
		{"username", TypeRegisterUser, "{\"users\":[{\"username\":\"a\"},{\"username\":\"b\xff\"}]}", "users[1].username", ruleUTF8},
		{"group id", TypeDeleteGroup, "{\"group_id\":\"1\xff\"}", "group_id", ruleUTF8},
		{"message body", TypeSendMessage, "{\"target\":\"users\",\"to\":[\"a\"],\"type\":\"txt\",\"body\":{\"msg\":\"\xc0\xaf\"}}", "body.msg", ruleUTF8},
		{"message ext key", TypeSendMessage, "{\"target\":\"users\",\"to\":[\"a\"],\"type\":\"txt\",\"body\":{\"msg\":\"x\"},\"ext\":{\"\xff\":1}}", "ext.\ufffd", "object key"},
		{"a key of the payload", TypeDeleteGroup, "{\"group_id\":\"1\",\"\xff\":1}", "\ufffd", "object key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Decode(tt.typ, []byte(tt.payload), Limits{})
			requireValidation(t, err, tt.typ, tt.wantField, tt.wantRule)
		})
	}
}

func TestCreateGroup_Validate_customUTF8(t *testing.T) {
	t.Parallel()
	p := CreateGroup{GroupName: "g", Owner: "alice", Custom: "caf\xe9"}
	requireValidation(t, p.Validate(Limits{}), TypeCreateGroup, "custom", ruleUTF8)
}

func TestInvalidUTF8Path(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]string{
		"\"\xff\"":                           "",
		"[\"a\",\"\xff\"]":                   "[1]",
		"{\"a\":{\"b\":[[0,\"\xff\"]]}}":     "a.b[0][1]",
		"{\"a\":[],\"b\":{},\"c\":\"\xff\"}": "c",
		"{\"a\":1,\"b\":\"\xff\"}":           "b",
	} {
		got, _ := invalidUTF8Path([]byte(raw))
		require.Equal(t, want, got, "invalidUTF8Path(%q)", raw)
	}
}
