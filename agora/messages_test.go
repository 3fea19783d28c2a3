package agora

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/chatq/chatq/tasks"
	"github.com/stretchr/testify/require"
)

var testSendMessage = tasks.SendMessage{
	Target: "users",
	To:     []string{"user2", "user3"},
	Type:   "txt",
	Body:   json.RawMessage(`{"msg":"hello"}`),
}

func TestClient_SendMessage(t *testing.T) {
	t.Parallel()
	yes := true
	tests := []struct {
		name     string
		payload  tasks.SendMessage
		wantPath string
		wantBody string
		response string
		want     map[string]string
	}{
		{
			name:     "users, minimal",
			payload:  testSendMessage,
			wantPath: "/org/app/messages/users",
			wantBody: `{"to":["user2","user3"],"type":"txt","body":{"msg":"hello"}}`,
			response: `{"path":"/messages/users","action":"post","data":{"user2":"1029457500870543736","user3":"1029457500870543737"}}`,
			want:     map[string]string{"user2": "1029457500870543736", "user3": "1029457500870543737"},
		},
		{
			name: "chatgroups, every field",
			payload: tasks.SendMessage{
				Target: "chatgroups", From: "admin2", To: []string{"184524748161025"}, Type: "custom",
				Body: json.RawMessage(`{"customEvent":"e"}`), Ext: json.RawMessage(`{"em_ignore_notification":true}`),
				SyncDevice: &yes, RouteType: "ROUTE_ONLINE", NeedGroupAck: &yes, RoamIgnoreUsers: []string{"u9"},
			},
			wantPath: "/org/app/messages/chatgroups",
			wantBody: `{"from":"admin2","to":["184524748161025"],"type":"custom","body":{"customEvent":"e"},
				"ext":{"em_ignore_notification":true},"sync_device":true,"routetype":"ROUTE_ONLINE",
				"need_group_ack":true,"roam_ignore_users":["u9"]}`,
			response: `{"data":{"184524748161025":1029544257947437432}}`,
			want:     map[string]string{"184524748161025": "1029544257947437432"},
		},
		{
			name:     "chatrooms",
			payload:  tasks.SendMessage{Target: "chatrooms", To: []string{"r1"}, Type: "cmd", Body: json.RawMessage(`{"action":"a"}`), ChatroomMsgLevel: "high"},
			wantPath: "/org/app/messages/chatrooms",
			wantBody: `{"to":["r1"],"type":"cmd","body":{"action":"a"},"chatroom_msg_level":"high"}`,
			response: `{"data":{"r1":"9"}}`,
			want:     map[string]string{"r1": "9"},
		},
		{
			name:     "location: numbers go as strings",
			payload:  tasks.SendMessage{Target: "chatrooms", To: []string{"r1"}, Type: "loc", Body: json.RawMessage(`{"lat":39.96,"lng":"116.3","addr":"a"}`)},
			wantPath: "/org/app/messages/chatrooms",
			wantBody: `{"to":["r1"],"type":"loc","body":{"addr":"a","lat":"39.96","lng":"116.3"}}`,
			response: `{"data":{"r1":"9"}}`,
			want:     map[string]string{"r1": "9"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, Config{})
			b.mux.HandleFunc(tt.wantPath, func(w http.ResponseWriter, r *http.Request) {
				testRequest(t, r, "POST", tt.wantPath, true)
				testBody(t, r, tt.wantBody)
				writeJSON(t, w, http.StatusOK, tt.response)
			})
			got, err := b.client.SendMessage(t.Context(), testToken, tt.payload)
			require.NoError(t, err)
			require.Equal(t, SendResult{MessageIDs: tt.want}, got)
		})
	}
}

func TestClient_SendMessage_invalidInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		payload tasks.SendMessage
	}{
		{name: "unknown target", payload: tasks.SendMessage{Target: "../token", To: []string{"u"}, Type: "txt", Body: json.RawMessage(`{}`)}},
		{name: "body not JSON", payload: tasks.SendMessage{Target: "users", To: []string{"u"}, Type: "txt", Body: json.RawMessage(`{`)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, Config{})
			b.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
				t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
			})
			_, err := b.client.SendMessage(t.Context(), testToken, tt.payload)
			require.ErrorIs(t, err, ErrInvalidInput)
		})
	}
}
