package sandbox_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/sandbox"
)

// recallAnswer is either answer of a recall: data on success, Agora's
// failure list otherwise.
type recallAnswer struct {
	Data struct {
		Recalled string `json:"recalled"`
		MsgID    string `json:"msg_id"`
	} `json:"data"`
	Msgs []struct {
		MsgID    string `json:"msg_id"`
		Recalled string `json:"recalled"`
	} `json:"msgs"`
}

func TestServer_RecallMessage(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	type result struct {
		status   int
		recalled string // data.recalled or msgs[0].recalled (200), error_description otherwise
		code     string // the error code of a non-200
	}
	tests := []struct {
		name    string
		dialect string
		body    func(id string) string
		sentAgo time.Duration
		twice   bool // recall the same message before the call under test
		want    result
	}{
		{name: "agora recalled", dialect: "agora", body: chatRecall(false), want: result{200, "yes", ""}},
		{name: "easemob recalled", dialect: "easemob", body: chatRecall(false), want: result{200, "yes", ""}},
		{name: "agora already recalled", dialect: "agora", body: chatRecall(false), twice: true, want: result{200, "not_found msg", ""}},
		{name: "easemob already recalled", dialect: "easemob", body: chatRecall(false), twice: true,
			want: result{403, "not_found msg", "message_recall_error"}},
		{name: "agora too late", dialect: "agora", body: chatRecall(false), sentAgo: 3 * time.Minute, want: result{200, "exceed call time limit", ""}},
		{name: "easemob too late", dialect: "easemob", body: chatRecall(false), sentAgo: 3 * time.Minute,
			want: result{403, "exceed recall time limit", "message_recall_error"}},
		{name: "forced past the window", dialect: "easemob", body: chatRecall(true), sentAgo: time.Hour, want: result{200, "yes", ""}},
		{name: "agora unknown message", dialect: "agora", body: func(string) string {
			return `{"msg_id":"999","to":"bob","chat_type":"chat","force":false}`
		}, want: result{200, "not_found msg", ""}},
		{name: "agora wrong recipient", dialect: "agora", body: func(id string) string {
			return `{"msg_id":"` + id + `","to":"carol","chat_type":"chat","force":false}`
		}, want: result{200, "can't find message to", ""}},
		{name: "easemob wrong recipient", dialect: "easemob", body: func(id string) string {
			return `{"msg_id":"` + id + `","to":"carol","chat_type":"chat","force":false}`
		}, want: result{400, "can't find msg to", "message_recall_error"}},
		{name: "force missing", dialect: "agora", body: func(id string) string {
			return `{"msg_id":"` + id + `","to":"bob","chat_type":"chat"}`
		}, want: result{400, "param force can't be empty", "message_recall_error"}},
		{name: "msg_id missing", dialect: "easemob", body: func(string) string {
			return `{"to":"bob","chat_type":"chat","force":false}`
		}, want: result{400, "param msg_id can't be empty", "message_recall_error"}},
		{name: "easemob refuses agora's group_chat", dialect: "easemob", body: func(id string) string {
			return `{"msg_id":"` + id + `","to":"g1","chat_type":"group_chat","force":false}`
		}, want: result{400, "This is an invalid request.", "illegal_argument"}},
		{name: "agora refuses easemob's groupchat", dialect: "agora", body: func(id string) string {
			return `{"msg_id":"` + id + `","to":"g1","chat_type":"groupchat","force":false}`
		}, want: result{400, "This is an invalid request.", "illegal_argument"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, sandbox.Config{Dialect: tt.dialect, Now: func() time.Time { return now }})
			id := b.srv.SeedMessage("users", "alice", "bob", now.Add(-tt.sentAgo))
			tok := b.token(t)
			if tt.twice {
				require.Equal(t, http.StatusOK, b.do(t, "POST", "/org/app/messages/msg_recall", tok, tt.body(id)).status)
			}
			resp := b.do(t, "POST", "/org/app/messages/msg_recall", tok, tt.body(id))
			if tt.want.status != http.StatusOK {
				requireAPIError(t, resp, tt.want.status, tt.want.code, tt.want.recalled)
				return
			}
			var got recallAnswer
			requireOK(t, resp, &got)
			if tt.want.recalled == "yes" {
				require.Equal(t, "yes", got.Data.Recalled)
				require.Equal(t, id, got.Data.MsgID)
				require.True(t, b.srv.Recalled(id))
				return
			}
			require.Len(t, got.Msgs, 1, "Agora's failure list: %s", resp.body)
			require.Equal(t, tt.want.recalled, got.Msgs[0].Recalled)
		})
	}
}

func chatRecall(force bool) func(string) string {
	return func(id string) string {
		b, _ := json.Marshal(map[string]any{"msg_id": id, "to": "bob", "chat_type": "chat", "from": "alice", "force": force})
		return string(b)
	}
}

// TestServer_RecallMessage_sentMessage: a message sent through the API can
// be recalled by the id the send answered.
func TestServer_RecallMessage_sentMessage(t *testing.T) {
	t.Parallel()
	b := setup(t, sandbox.Config{})
	tok := b.token(t)
	var sent struct {
		Data map[string]string `json:"data"`
	}
	requireOK(t, b.do(t, "POST", "/org/app/messages/chatgroups", tok,
		`{"from":"alice","to":["g1"],"type":"txt","body":{"msg":"hi"}}`), &sent)
	var got recallAnswer
	requireOK(t, b.do(t, "POST", "/org/app/messages/msg_recall", tok,
		`{"msg_id":"`+sent.Data["g1"]+`","to":"g1","chat_type":"group_chat","force":false}`), &got)
	require.Equal(t, "yes", got.Data.Recalled)
}

func TestServer_UpdateGroup(t *testing.T) {
	t.Parallel()
	b := groupBundle(t)
	tok := b.token(t)
	var got struct {
		Data map[string]bool `json:"data"`
	}
	requireOK(t, b.do(t, "PUT", "/org/app/chatgroups/g1", tok,
		`{"groupname":"renamed","description":"d","maxusers":300,"public":true,"custom":"c"}`), &got)
	require.Equal(t, map[string]bool{"groupname": true, "description": true, "maxusers": true, "public": true, "custom": true}, got.Data)
	g, ok := b.srv.Group("g1")
	require.True(t, ok)
	require.Equal(t, "renamed", g.Name)
	info, _ := b.srv.GroupInfo("g1")
	require.Equal(t, map[string]any{"description": "d", "maxusers": 300.0, "public": true, "custom": "c"}, info)
	require.Equal(t, 1, b.srv.Stats().Calls[sandbox.EndpointUpdateGroup])

	// g1 has the owner and 2 members: a maxusers of 2 is not applied.
	var again struct {
		Data map[string]bool `json:"data"`
	}
	requireOK(t, b.do(t, "PUT", "/org/app/chatgroups/g1", tok, `{"maxusers":2,"membersonly":true}`), &again)
	require.Equal(t, map[string]bool{"maxusers": false, "membersonly": true}, again.Data)
	info, _ = b.srv.GroupInfo("g1")
	require.Equal(t, 300.0, info["maxusers"])
}

func TestServer_UpdateGroupErrors(t *testing.T) {
	t.Parallel()
	update := func(name, group, body string, status int, code, msg string) errorCase {
		return errorCase{name, "PUT", "/org/app/chatgroups/" + group, body, status, code, msg}
	}
	runErrorCases(t, groupBundle, []errorCase{
		update("no such group", "nope", `{"groupname":"x"}`, 404, "service_resource_not_found", "Service resource not found."),
		update("not modifiable", "g1", `{"owner":"m1"}`, 400, "invalid_parameter", "Some of [owner] are not valid fields."),
		update("unknown field", "g1", `{"groupname":"x","color":"red"}`, 400, "invalid_parameter", "Some of [color] are not valid fields."),
		update("groupname too long", "g1", `{"groupname":"`+repeat("a", 129)+`"}`, 400, "invalid_parameter", "Some of [groupname] are not valid fields"),
		update("custom too long", "g1", `{"custom":"`+repeat("c", 1025)+`"}`, 400, "invalid_parameter", "Some of [custom] are not valid fields"),
		update("maxusers a string", "g1", `{"maxusers":"300"}`, 400, "invalid_parameter", "Some of [maxusers] are not valid fields"),
		update("public a string", "g1", `{"public":"yes"}`, 400, "invalid_parameter", "Some of [public] are not valid fields"),
		update("empty body object", "g1", `{}`, 400, "invalid_request_body", "Request body is invalid."),
		update("not JSON", "g1", `{`, 400, "json_parse", "Unexpected character."),
	})
}

func repeat(s string, n int) string {
	out := make([]byte, 0, len(s)*n)
	for range n {
		out = append(out, s...)
	}
	return string(out)
}

// TestServer_unknownRoute: a provider path the sandbox does not know is
// answered as the status-code page documents an invalid request URL: 500
// web_application.
func TestServer_unknownRoute(t *testing.T) {
	t.Parallel()
	b := setup(t, sandbox.Config{})
	resp := b.do(t, "POST", "/org/app/chatgroups/g1/announcement", b.token(t), `{"announcement":"x"}`)
	requireAPIError(t, resp, 500, "web_application", "javax.ws.rs.WebApplicationException")
}
