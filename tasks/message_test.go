package tasks

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func validSendMessage() SendMessage {
	return SendMessage{
		Target: "users",
		To:     []string{"alice", "bob"},
		Type:   "txt",
		Body:   json.RawMessage(`{"msg":"hello"}`),
	}
}

// names returns n distinct valid usernames (or ids).
func names(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("u%d", i)
	}
	return out
}

func body(s string) func(*SendMessage) {
	return func(p *SendMessage) { p.Body = json.RawMessage(s) }
}

func typed(typ, b string) func(*SendMessage) {
	return func(p *SendMessage) { p.Type, p.Body = typ, json.RawMessage(b) }
}

func TestSendMessage_Validate(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name      string
		mutate    func(*SendMessage)
		limits    Limits
		wantField string // "" means valid
		wantRule  string
	}{
		{name: "valid txt to users", mutate: func(*SendMessage) {}},
		{name: "valid from", mutate: func(p *SendMessage) { p.From = "admin" }},
		{name: "valid group options", mutate: func(p *SendMessage) {
			yes := true
			p.Target, p.To, p.NeedGroupAck, p.RoamIgnoreUsers = "chatgroups", []string{"g1"}, &yes, names(20)
		}},
		{name: "valid room level", mutate: func(p *SendMessage) { p.Target, p.To, p.ChatroomMsgLevel = "chatrooms", []string{"r1"}, "low" }},
		{name: "valid loc with string coordinates", mutate: typed("loc", `{"lat":"39.9","lng":"116.3","addr":"a"}`)},
		{name: "valid 600 users", mutate: func(p *SendMessage) { p.To = names(600) }},
		{name: "valid 3 groups", mutate: func(p *SendMessage) { p.Target, p.To = "chatgroups", []string{"1", "2", "3"} }},
		{name: "valid 10 rooms", mutate: func(p *SendMessage) { p.Target, p.To = "chatrooms", names(10) }},
		{name: "valid img", mutate: typed("img", `{"url":"https://h/o/a/chatfiles/1","filename":"a.png"}`)},
		{name: "valid audio", mutate: typed("audio", `{"url":"u","length":3}`)},
		{name: "valid video", mutate: typed("video", `{"url":"u"}`)},
		{name: "valid file", mutate: typed("file", `{"filename":"a.pdf","url":"u"}`)},
		{name: "valid loc strings", mutate: typed("loc", `{"lat":"39.96","lng":"116.32","addr":"Beijing"}`)},
		{name: "valid loc numbers", mutate: typed("loc", `{"lat":39.96,"lng":-116.32,"addr":"Beijing"}`)},
		{name: "valid cmd", mutate: typed("cmd", `{"action":"refresh"}`)},
		{name: "valid custom empty", mutate: typed("custom", `{}`)},
		{name: "valid custom full", mutate: typed("custom", `{"customEvent":"a-Z_0/9.x","customExts":{"k":"v"}}`)},
		{name: "valid ext", mutate: func(p *SendMessage) { p.Ext = json.RawMessage(`{"em_ignore_notification":true}`) }},
		{name: "valid routetype", mutate: func(p *SendMessage) { p.RouteType = "ROUTE_ONLINE" }},
		{name: "valid size counts compacted bytes", limits: Limits{MaxMessageBytes: 15}, mutate: body(`{ "msg" : "hello" }`)},

		{name: "target empty", mutate: func(p *SendMessage) { p.Target = "" }, wantField: "target", wantRule: `"users", "chatgroups" or "chatrooms"`},
		{name: "target unknown", mutate: func(p *SendMessage) { p.Target = "user" }, wantField: "target", wantRule: "must be"},
		{name: "from invalid", mutate: func(p *SendMessage) { p.From = "Admin" }, wantField: "from", wantRule: "must match [a-z0-9_.-]{1,64}"},
		{name: "from too long", mutate: func(p *SendMessage) { p.From = strings.Repeat("a", 65) }, wantField: "from", wantRule: "must match"},
		{name: "to missing", mutate: func(p *SendMessage) { p.To = nil }, wantField: "to", wantRule: `must have 1 to 600 entries when target is "users"`},
		{name: "to 601 users", mutate: func(p *SendMessage) { p.To = names(601) }, wantField: "to", wantRule: "1 to 600"},
		{name: "to 4 groups", mutate: func(p *SendMessage) { p.Target, p.To = "chatgroups", names(4) }, wantField: "to", wantRule: `must have 1 to 3 entries when target is "chatgroups"`},
		{name: "to 11 rooms", mutate: func(p *SendMessage) { p.Target, p.To = "chatrooms", names(11) }, wantField: "to", wantRule: `1 to 10 entries when target is "chatrooms"`},
		{name: "to empty entry", mutate: func(p *SendMessage) { p.To = []string{"a", ""} }, wantField: "to[1]", wantRule: "must not be empty"},
		{name: "to empty group", mutate: func(p *SendMessage) { p.Target, p.To = "chatgroups", []string{""} }, wantField: "to[0]", wantRule: "must not be empty"},
		{name: "to invalid user", mutate: func(p *SendMessage) { p.To = []string{"a", "b", "c", "Dee"} }, wantField: "to[3]", wantRule: "must match"},
		{name: "to group with slash", mutate: func(p *SendMessage) { p.Target, p.To = "chatgroups", []string{"1/2"} }, wantField: "to[0]", wantRule: "without '/' or ','"},
		{name: "to room with comma", mutate: func(p *SendMessage) { p.Target, p.To = "chatrooms", []string{"1", "2,3"} }, wantField: "to[1]", wantRule: "without '/' or ','"},
		{name: "to group too long", mutate: func(p *SendMessage) { p.Target, p.To = "chatgroups", []string{strings.Repeat("1", 65)} }, wantField: "to[0]", wantRule: "1 to 64 characters"},
		{name: "to duplicate", mutate: func(p *SendMessage) { p.To = []string{"a", "b", "a"} }, wantField: "to[2]", wantRule: "duplicates to[0]"},
		{name: "type empty", mutate: func(p *SendMessage) { p.Type = "" }, wantField: "type", wantRule: "must be one of txt, img"},
		{name: "type unknown", mutate: func(p *SendMessage) { p.Type = "text" }, wantField: "type", wantRule: "must be one of"},
		{name: "body missing", mutate: body(""), wantField: "body", wantRule: "is required"},
		{name: "body not JSON", mutate: body(`{"msg":`), wantField: "body", wantRule: "must be valid JSON"},
		{name: "body array", mutate: body(`["hello"]`), wantField: "body", wantRule: "must be a JSON object"},
		{name: "body null", mutate: body(`null`), wantField: "body", wantRule: "must be a JSON object"},
		{name: "body string", mutate: body(`"hello"`), wantField: "body", wantRule: "must be a JSON object"},
		{name: "txt without msg", mutate: body(`{"text":"hello"}`), wantField: "body.msg", wantRule: "is required"},
		{name: "txt empty msg", mutate: body(`{"msg":""}`), wantField: "body.msg", wantRule: "must not be empty"},
		{name: "txt number msg", mutate: body(`{"msg":1}`), wantField: "body.msg", wantRule: "must be a string"},
		{name: "txt null msg", mutate: body(`{"msg":null}`), wantField: "body.msg", wantRule: "must be a string"},
		{name: "img without url", mutate: typed("img", `{"filename":"a.png"}`), wantField: "body.url", wantRule: "is required"},
		{name: "audio without url", mutate: typed("audio", `{}`), wantField: "body.url", wantRule: "is required"},
		{name: "video without url", mutate: typed("video", `{"thumb":"t"}`), wantField: "body.url", wantRule: "is required"},
		{name: "file without filename", mutate: typed("file", `{"url":"u"}`), wantField: "body.filename", wantRule: "is required"},
		{name: "file without url", mutate: typed("file", `{"filename":"f"}`), wantField: "body.url", wantRule: "is required"},
		{name: "loc without lat", mutate: typed("loc", `{"lng":"1","addr":"a"}`), wantField: "body.lat", wantRule: "is required"},
		{name: "loc bool lat", mutate: typed("loc", `{"lat":true,"lng":"1","addr":"a"}`), wantField: "body.lat", wantRule: "must be a number or a string"},
		{name: "loc null lng", mutate: typed("loc", `{"lat":1,"lng":null,"addr":"a"}`), wantField: "body.lng", wantRule: "must be a number or a string"},
		{name: "loc without addr", mutate: typed("loc", `{"lat":1,"lng":2}`), wantField: "body.addr", wantRule: "is required"},
		{name: "cmd without action", mutate: typed("cmd", `{}`), wantField: "body.action", wantRule: "is required"},
		{name: "custom event with space", mutate: typed("custom", `{"customEvent":"a b"}`), wantField: "body.customEvent", wantRule: "must match [a-zA-Z0-9-_/.]{1,32}"},
		{name: "custom event too long", mutate: typed("custom", `{"customEvent":"`+strings.Repeat("e", 33)+`"}`), wantField: "body.customEvent", wantRule: "must match"},
		{name: "custom event empty", mutate: typed("custom", `{"customEvent":""}`), wantField: "body.customEvent", wantRule: "must match"},
		{name: "custom event number", mutate: typed("custom", `{"customEvent":1}`), wantField: "body.customEvent", wantRule: "must match"},
		{name: "custom exts array", mutate: typed("custom", `{"customExts":["a"]}`), wantField: "body.customExts", wantRule: "must be a JSON object"},
		{name: "custom exts 17 entries", mutate: typed("custom", `{"customExts":`+stringMap(17)+`}`), wantField: "body.customExts", wantRule: "at most 16 entries, got 17"},
		{name: "custom exts number value", mutate: typed("custom", `{"customExts":{"k":1}}`), wantField: "body.customExts.k", wantRule: "must be a string"},
		{name: "ext null", mutate: func(p *SendMessage) { p.Ext = json.RawMessage(`null`) }, wantField: "ext", wantRule: "must be a JSON object"},
		{name: "ext array", mutate: func(p *SendMessage) { p.Ext = json.RawMessage(`[]`) }, wantField: "ext", wantRule: "must be a JSON object"},
		{name: "ext not JSON", mutate: func(p *SendMessage) { p.Ext = json.RawMessage(`{`) }, wantField: "ext", wantRule: "must be a JSON object"},
		{name: "size over limit", limits: Limits{MaxMessageBytes: 14}, mutate: body(`{"msg":"hello"}`), wantField: "body", wantRule: "must be at most 14 bytes (compacted JSON), got 15"},
		{name: "size counts ext", limits: Limits{MaxMessageBytes: 20}, mutate: func(p *SendMessage) { p.Ext = json.RawMessage(`{"a":1}`) }, wantField: "body", wantRule: "at most 20 bytes (compacted JSON), got 22"},
		{name: "size default limit", mutate: body(`{"msg":"` + strings.Repeat("x", DefaultMaxMessageBytes) + `"}`), wantField: "body", wantRule: "at most 5120 bytes"},
		{name: "need_group_ack off groups", mutate: func(p *SendMessage) { yes := true; p.NeedGroupAck = &yes }, wantField: "need_group_ack", wantRule: `only allowed when target is "chatgroups"`},
		{name: "chatroom_msg_level off rooms", mutate: func(p *SendMessage) { p.ChatroomMsgLevel = "high" }, wantField: "chatroom_msg_level", wantRule: `only allowed when target is "chatrooms"`},
		{name: "chatroom_msg_level unknown", mutate: func(p *SendMessage) { p.Target, p.To, p.ChatroomMsgLevel = "chatrooms", []string{"r1"}, "urgent" }, wantField: "chatroom_msg_level", wantRule: `must be "high", "normal" or "low"`},
		{name: "roam_ignore_users 21", mutate: func(p *SendMessage) { p.RoamIgnoreUsers = names(21) }, wantField: "roam_ignore_users", wantRule: "must have at most 20 entries, got 21"},
		{name: "roam_ignore_users invalid", mutate: func(p *SendMessage) { p.RoamIgnoreUsers = []string{"Bob"} }, wantField: "roam_ignore_users[0]", wantRule: "must match [a-z0-9_.-]{1,64}"},
		{name: "routetype unknown", mutate: func(p *SendMessage) { p.RouteType = "ROUTE_TYPE" }, wantField: "routetype", wantRule: `must be "" or "ROUTE_ONLINE"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := validSendMessage()
			tt.mutate(&p)
			requireValidation(t, p.Validate(tt.limits), TypeSendMessage, tt.wantField, tt.wantRule)
		})
	}
}

// stringMap returns a JSON object with n string entries.
func stringMap(n int) string {
	m := make(map[string]string, n)
	for i := range n {
		m[fmt.Sprint("k", i)] = "v"
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func TestNewSendMessageTask(t *testing.T) {
	t.Parallel()

	t.Run("canonical payload", func(t *testing.T) {
		t.Parallel()
		p := validSendMessage()
		p.Body = json.RawMessage(`{ "msg": "<b>hi</b> & bye" }`)
		task, err := NewSendMessageTask(p)
		require.NoError(t, err)
		require.Equal(t, TypeSendMessage, task.Type())
		require.JSONEq(t, `{"target":"users","to":["alice","bob"],"type":"txt","body":{"msg":"<b>hi</b> & bye"}}`, string(task.Payload()))
		require.Contains(t, string(task.Payload()), `"<b>hi</b> & bye"`, "want no HTML escaping, no spaces")
	})
	t.Run("invalid payload", func(t *testing.T) {
		t.Parallel()
		p := validSendMessage()
		p.To = nil
		task, err := NewSendMessageTask(p)
		require.Nil(t, task)
		requireValidation(t, err, TypeSendMessage, "to", "1 to 600")
	})
	t.Run("WithLimits", func(t *testing.T) {
		t.Parallel()
		_, err := NewSendMessageTask(validSendMessage(), WithLimits(Limits{MaxMessageBytes: 10}))
		requireValidation(t, err, TypeSendMessage, "body", "at most 10 bytes")
	})
	t.Run("invalid option", func(t *testing.T) {
		t.Parallel()
		_, err := NewSendMessageTask(validSendMessage(), MaxRetry(-1))
		require.EqualError(t, err, "MaxRetry: must be >= 0, got -1")
	})
}

func BenchmarkValidateSendMessage(b *testing.B) {
	for _, n := range []int{1, 600} {
		b.Run(fmt.Sprint(n, "_recipients"), func(b *testing.B) {
			p := validSendMessage()
			p.To = names(n)
			p.Ext = json.RawMessage(`{"em_ignore_notification":true}`)
			b.ReportAllocs()
			for b.Loop() {
				if err := p.Validate(Limits{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
