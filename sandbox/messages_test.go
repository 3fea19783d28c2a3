package sandbox_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/sandbox"
)

// recipients returns a JSON array of n names.
func recipients(n int) string {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("%q", fmt.Sprintf("u%d", i))
	}
	return "[" + strings.Join(names, ",") + "]"
}

func TestServer_SendMessageErrors(t *testing.T) {
	t.Parallel()
	big := `{"msg":"` + strings.Repeat("x", 150) + `"}`
	newBundle := func(t *testing.T) *testBundle {
		t.Helper()
		return setup(t, sandbox.Config{MaxMessageBytes: 120})
	}
	send := func(name, target, body string, status int, code, msg string) errorCase {
		return errorCase{name, "POST", "/org/app/messages/" + target, body, status, code, msg}
	}
	runErrorCases(t, newBundle, []errorCase{
		send("empty from", "users", `{"from":"","to":["a"],"type":"txt","body":{"msg":"x"}}`, 400, "illegal_argument", "'From' can't be empty."),
		send("missing to", "users", `{"type":"txt","body":{"msg":"x"}}`, 400, "message_send_error", "param to can't be empty"),
		send("empty to", "users", `{"to":[],"type":"txt","body":{"msg":"x"}}`, 400, "message_send_error", "param to can't be empty"),
		send("601 users", "users", `{"to":`+recipients(601)+`,"type":"txt","body":{"msg":"x"}}`, 400, "message_send_error", "params to's size can't exceed limit 600"),
		send("4 groups", "chatgroups", `{"to":`+recipients(4)+`,"type":"txt","body":{"msg":"x"}}`, 400, "message_send_error", "params to's size can't exceed limit 3"),
		send("11 rooms", "chatrooms", `{"to":`+recipients(11)+`,"type":"txt","body":{"msg":"x"}}`, 400, "message_send_error", "params to's size can't exceed limit 10"),
		send("missing type", "users", `{"to":["a"],"body":{"msg":"x"}}`, 400, "message_send_error", "param type can't be empty"),
		send("missing body", "users", `{"to":["a"],"type":"txt"}`, 400, "message_send_error", "param body can't be empty"),
		send("null body", "users", `{"to":["a"],"type":"txt","body":null}`, 400, "message_send_error", "param body can't be empty"),
		send("ext array", "users", `{"to":["a"],"type":"txt","body":{},"ext":[1]}`, 400, "message_send_error", "param ext must be JSONObject"),
		send("ext null", "users", `{"to":["a"],"type":"txt","body":{},"ext":null}`, 400, "message_send_error", "param ext must be JSONObject"),
		send("body too large", "users", `{"to":["a"],"type":"txt","body":`+big+`}`, 400, "illegal_argument", "message is too large"),
		send("body and ext too large", "users", `{"to":["a"],"type":"txt","body":{"msg":"`+strings.Repeat("y", 60)+`"},"ext":{"k":"`+strings.Repeat("z", 60)+`"}}`,
			400, "illegal_argument", "message is too large"),
	})
}

func TestServer_SendMessage(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name     string
		target   string
		body     string
		wantFrom string
		wantTo   []string
		wantExt  string
	}{
		{"users default sender", "users", `{"to":["u1","u2"],"type":"txt","body":{"msg":"hi"}}`, "admin", []string{"u1", "u2"}, ""},
		{"group with ext", "chatgroups", `{"from":"bob","to":["184524748161025"],"type":"custom","body":{"customEvent":"e"},"ext":{"k":"v"},"sync_device":true}`,
			"bob", []string{"184524748161025"}, `{"k":"v"}`},
		{"rooms online only", "chatrooms", `{"from":"amy","to":["r1","r2","r3"],"type":"cmd","body":{"action":"a"},"routetype":"ROUTE_ONLINE"}`,
			"amy", []string{"r1", "r2", "r3"}, ""},
		{"exactly 600 users", "users", `{"to":` + recipients(600) + `,"type":"txt","body":{"msg":"x"}}`, "admin", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, sandbox.Config{})
			var got struct {
				Path            string            `json:"path"`
				URI             string            `json:"uri"`
				Timestamp       int64             `json:"timestamp"`
				Organization    string            `json:"organization"`
				Application     string            `json:"application"`
				Action          string            `json:"action"`
				Data            map[string]string `json:"data"`
				Duration        *int              `json:"duration"`
				ApplicationName string            `json:"applicationName"`
			}
			requireOK(t, b.do(t, http.MethodPost, "/org/app/messages/"+tc.target, b.token(t), tc.body), &got)
			require.Equal(t, "/messages/"+tc.target, got.Path)
			require.Equal(t, b.ts.URL+"/org/app/messages/"+tc.target, got.URI)
			require.Equal(t, "org", got.Organization)
			require.Equal(t, "app", got.ApplicationName)
			require.Equal(t, "post", got.Action)
			require.NotEmpty(t, got.Application)
			require.Positive(t, got.Timestamp)
			require.NotNil(t, got.Duration)

			msgs := b.srv.Messages()
			if tc.wantTo == nil {
				require.Len(t, msgs, 600)
				require.Len(t, got.Data, 600)
				return
			}
			require.Len(t, msgs, len(tc.wantTo))
			for i, m := range msgs {
				require.Equal(t, tc.wantTo[i], m.To)
				require.Equal(t, got.Data[m.To], m.ID, "data maps recipient to message id")
				require.Regexp(t, `^[0-9]{19}$`, m.ID)
				require.Equal(t, tc.target, m.Target)
				require.Equal(t, tc.wantFrom, m.From)
				require.NotEmpty(t, m.Type)
				require.True(t, json.Valid(m.Body))
				if tc.wantExt != "" {
					require.JSONEq(t, tc.wantExt, string(m.Ext))
				}
			}
			require.Equal(t, len(tc.wantTo), b.srv.Stats().Delivered)
		})
	}
}

func TestServer_SendMessageDoesNotCheckRecipients(t *testing.T) {
	t.Parallel()
	b := setup(t, sandbox.Config{})
	resp := b.do(t, http.MethodPost, "/org/app/messages/users", b.token(t),
		`{"from":"ghost","to":["nobody"],"type":"txt","body":{"msg":"hi"}}`)
	require.Equal(t, http.StatusOK, resp.status, "body %s", resp.body)
	require.False(t, b.srv.HasUser("nobody"))
}

func TestServer_MessageQuota(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	b := setup(t, sandbox.Config{MessageQuotaPerMinute: 3, Now: clock.Now})
	tok := b.token(t)
	send := func(to string) response {
		return b.do(t, http.MethodPost, "/org/app/messages/users", tok, `{"to":`+to+`,"type":"txt","body":{}}`)
	}

	require.Equal(t, http.StatusOK, send(`["a","b"]`).status)
	requireAPIError(t, send(`["c","d"]`), http.StatusForbidden, "message_send_error", "message send reach limit")
	require.Equal(t, http.StatusOK, send(`["c"]`).status, "the quota counts recipients, all or nothing")
	requireAPIError(t, send(`["e"]`), http.StatusForbidden, "message_send_error", "message send reach limit")

	clock.Advance(time.Minute)
	require.Equal(t, http.StatusOK, send(`["e","f","g"]`).status, "a new minute has a new quota")
	require.Equal(t, 6, b.srv.Stats().Delivered)
}

func TestServer_MaxStoredMessages(t *testing.T) {
	t.Parallel()
	b := setup(t, sandbox.Config{MaxStoredMessages: 2})
	tok := b.token(t)
	for i := range 5 {
		resp := b.do(t, http.MethodPost, "/org/app/messages/users", tok,
			fmt.Sprintf(`{"to":["u%d"],"type":"txt","body":{}}`, i))
		require.Equal(t, http.StatusOK, resp.status)
	}
	msgs := b.srv.Messages()
	require.Len(t, msgs, 2)
	require.Equal(t, "u3", msgs[0].To)
	require.Equal(t, "u4", msgs[1].To)
	require.Equal(t, 5, b.srv.Stats().Delivered)
}
