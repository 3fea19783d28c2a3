package agora

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/chatq/chatq/tasks"
	"github.com/stretchr/testify/require"
)

func TestClient_RecallMessage(t *testing.T) {
	t.Parallel()
	yes := true
	tests := []struct {
		name     string
		dialect  Dialect
		p        tasks.RecallMessage
		wantBody string
		answer   string
		wantErr  error  // nil: success
		wantDesc string // the refusal's reason
	}{
		{name: "chat recalled", p: tasks.RecallMessage{MsgID: "1028442084794698104", To: "user2", ChatType: "chat", From: "user1"},
			wantBody: `{"msg_id":"1028442084794698104","to":"user2","chat_type":"chat","from":"user1","force":false}`,
			answer:   `{"path":"/messages/msg_recall","action":"post","data":{"recalled":"yes","chattype":"chat","from":"user1","to":"user2","msg_id":"1028442084794698104"}}`},
		{name: "agora group spelling, forced", dialect: DialectAgora,
			p:        tasks.RecallMessage{MsgID: "1", To: "184524748161025", ChatType: "groupchat", Force: &yes, SyncDevice: &yes},
			wantBody: `{"msg_id":"1","to":"184524748161025","chat_type":"group_chat","force":true,"sync_device":true}`,
			answer:   `{"data":{"recalled":"yes","msg_id":"1"}}`},
		{name: "easemob group spelling", dialect: DialectEasemob,
			p:        tasks.RecallMessage{MsgID: "1", To: "184524748161025", ChatType: "groupchat"},
			wantBody: `{"msg_id":"1","to":"184524748161025","chat_type":"groupchat","force":false}`,
			answer:   `{"data":{"recalled":"yes","msg_id":"1"}}`},
		{name: "agora failure list", p: tasks.RecallMessage{MsgID: "673296835082717140", To: "u", ChatType: "chat"},
			wantBody: `{"msg_id":"673296835082717140","to":"u","chat_type":"chat","force":false}`,
			answer:   `{"msgs":[{"msg_id":"673296835082717140","recalled":"not_found msg"}]}`,
			wantErr:  &RefusedError{}, wantDesc: "not_found msg"},
		{name: "recalled not yes", p: tasks.RecallMessage{MsgID: "1", To: "u", ChatType: "chat"},
			wantBody: `{"msg_id":"1","to":"u","chat_type":"chat","force":false}`,
			answer:   `{"data":{"recalled":"exceed call time limit","msg_id":"1"}}`,
			wantErr:  &RefusedError{}, wantDesc: "exceed call time limit"},
		{name: "no outcome", p: tasks.RecallMessage{MsgID: "1", To: "u", ChatType: "chat"},
			wantBody: `{"msg_id":"1","to":"u","chat_type":"chat","force":false}`,
			answer:   `{"data":{}}`, wantErr: ErrMalformedResponse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, Config{Dialect: tt.dialect})
			b.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
				testRequest(t, r, "POST", "/org/app/messages/msg_recall", true)
				testBody(t, r, tt.wantBody)
				writeJSON(t, w, http.StatusOK, tt.answer)
			})
			err := b.client.RecallMessage(t.Context(), testToken, tt.p)
			var refused *RefusedError
			switch {
			case tt.wantErr == nil:
				require.NoError(t, err)
			case errors.As(tt.wantErr, &refused):
				require.ErrorAs(t, err, &refused)
				require.Equal(t, CodeNotRecalled, refused.Code)
				require.Equal(t, tt.wantDesc, refused.Description)
			default:
				require.ErrorIs(t, err, tt.wantErr)
			}
		})
	}
}

func TestClient_RecallMessage_invalidSendsNothing(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{})
	var called atomic.Bool
	b.mux.HandleFunc("/", func(http.ResponseWriter, *http.Request) { called.Store(true) })
	err := b.client.RecallMessage(t.Context(), testToken, tasks.RecallMessage{MsgID: "1", To: "..", ChatType: "groupchat"})
	require.ErrorIs(t, err, ErrInvalidInput)
	require.False(t, called.Load(), "an invalid recall must not be sent")
}

func TestClient_UpdateGroup(t *testing.T) {
	t.Parallel()
	name, desc, no := "team", "d", false
	maxUsers := 300
	p := tasks.UpdateGroup{GroupID: "g1", GroupName: &name, Description: &desc, MaxUsers: &maxUsers, Public: &no}
	tests := []struct {
		name     string
		answer   string
		wantDesc string // "": success
		wantErr  error
	}{
		{name: "every field true", answer: `{"data":{"groupname":true,"description":true,"maxusers":true,"public":true}}`},
		{name: "text fields echoed", answer: `{"data":{"groupname":"team","description":"d","maxusers":true,"public":true}}`},
		{name: "a field false", answer: `{"data":{"groupname":true,"description":true,"maxusers":false,"public":true}}`,
			wantDesc: "fields not confirmed updated: [maxusers]"},
		{name: "a field missing", answer: `{"data":{"groupname":true,"maxusers":true,"public":true}}`,
			wantDesc: "fields not confirmed updated: [description]"},
		{name: "another name echoed", answer: `{"data":{"groupname":"other","description":true,"maxusers":true,"public":true}}`,
			wantDesc: "fields not confirmed updated: [groupname]"},
		{name: "no data", answer: `{}`, wantErr: ErrMalformedResponse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, Config{})
			b.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
				testRequest(t, r, "PUT", "/org/app/chatgroups/g1", true)
				testBody(t, r, `{"groupname":"team","description":"d","maxusers":300,"public":false}`)
				writeJSON(t, w, http.StatusOK, tt.answer)
			})
			err := b.client.UpdateGroup(t.Context(), testToken, p)
			var refused *RefusedError
			switch {
			case tt.wantErr != nil:
				require.ErrorIs(t, err, tt.wantErr)
			case tt.wantDesc == "":
				require.NoError(t, err)
			default:
				require.ErrorAs(t, err, &refused)
				require.Equal(t, CodeNotUpdated, refused.Code)
				require.Equal(t, tt.wantDesc, refused.Description)
			}
		})
	}
}

func TestClient_RestCall(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name            string
		p               tasks.RestCall
		wantMethod      string
		wantPath        string
		wantContentType string
		wantBody        string
	}{
		{name: "json", p: tasks.RestCall{Method: "PUT", Path: "chatgroups/1", JSON: json.RawMessage(`{"groupname":"x"}`)},
			wantMethod: "PUT", wantPath: "/org/app/chatgroups/1", wantContentType: "application/json", wantBody: `{"groupname":"x"}`},
		{name: "form", p: tasks.RestCall{Method: "PUT", Path: "metadata/user/alice", Form: map[string]string{"b": "2 3", "a": "1"}},
			wantMethod: "PUT", wantPath: "/org/app/metadata/user/alice", wantContentType: "application/x-www-form-urlencoded", wantBody: "a=1&b=2+3"},
		{name: "no body", p: tasks.RestCall{Method: "DELETE", Path: "chatgroups/1/users/a,b"},
			wantMethod: "DELETE", wantPath: "/org/app/chatgroups/1/users/a,b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, Config{})
			b.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
				testRequest(t, r, tt.wantMethod, tt.wantPath, true)
				if got := r.Header.Get("Content-Type"); got != tt.wantContentType {
					t.Errorf("Content-Type: got %q, want %q", got, tt.wantContentType)
				}
				if body, _ := io.ReadAll(r.Body); string(body) != tt.wantBody {
					t.Errorf("body: got %q, want %q", body, tt.wantBody)
				}
				writeJSON(t, w, http.StatusOK, `{"data":{}}`)
			})
			require.NoError(t, b.client.RestCall(t.Context(), testToken, tt.p))
		})
	}
}

// TestClient_RestCall_staysInApp: a path that would leave /{org}/{app}/ is
// refused by the client itself, whatever its caller checked, and nothing
// is sent.
func TestClient_RestCall_staysInApp(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{})
	var called atomic.Bool
	b.mux.HandleFunc("/", func(http.ResponseWriter, *http.Request) { called.Store(true) })
	for _, path := range []string{"../other/users", "chatgroups/%2e%2e/users", "a%2Fb", "//evil.example/x",
		"http://evil.example/x", "users?x=1", "users#f", "token", "/users"} {
		err := b.client.RestCall(t.Context(), testToken, tasks.RestCall{Method: "POST", Path: path})
		require.ErrorIs(t, err, ErrInvalidInput, "path %q", path)
	}
	require.False(t, called.Load(), "a refused path must not be sent")
}
