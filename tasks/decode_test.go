package tasks

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDecode(t *testing.T) {
	t.Parallel()

	yes := true
	tests := []struct {
		name     string
		taskType string
		payload  string
		want     any
	}{
		{
			name: "send message", taskType: TypeSendMessage,
			payload: `{"target":"users","from":"admin","to":["a"],"type":"txt","body":{"msg":"hi"},"ext":{"k":1},"sync_device":true,"routetype":"ROUTE_ONLINE"}`,
			want: SendMessage{Target: "users", From: "admin", To: []string{"a"}, Type: "txt", Body: json.RawMessage(`{"msg":"hi"}`),
				Ext: json.RawMessage(`{"k":1}`), SyncDevice: &yes, RouteType: "ROUTE_ONLINE"},
		},
		{name: "register users", taskType: TypeRegisterUser, payload: `{"users":[{"username":"a"}]}`, want: RegisterUsers{Users: users("a")}},
		{name: "create group", taskType: TypeCreateGroup, payload: ` {"groupname":"g","owner":"a","public":true} `, want: CreateGroup{GroupName: "g", Owner: "a", Public: &yes}},
		{name: "delete group", taskType: TypeDeleteGroup, payload: `{"group_id":"1"}`, want: DeleteGroup{GroupID: "1"}},
		{name: "add members", taskType: TypeAddGroupMembers, payload: `{"group_id":"1","usernames":["a"]}`, want: AddGroupMembers{GroupID: "1", Usernames: []string{"a"}}},
		{name: "remove members", taskType: TypeRemoveGroupMembers, payload: `{"group_id":"1","usernames":["a"]}`, want: RemoveGroupMembers{GroupID: "1", Usernames: []string{"a"}}},
		{name: "transfer owner", taskType: TypeTransferGroupOwner, payload: `{"group_id":"1","new_owner":"b"}`, want: TransferGroupOwner{GroupID: "1", NewOwner: "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Decode(tt.taskType, []byte(tt.payload), Limits{})
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestDecode_errors(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name      string
		taskType  string
		payload   string
		limits    Limits
		wantType  string
		wantField string
		wantRule  string
	}{
		{name: "unknown type", taskType: "message:sent", payload: `{}`, wantField: "type", wantRule: `unknown task type "message:sent"; want one of chatroom:create, chatroom:delete, chatroom:members:add`},
		{name: "empty type", taskType: "", payload: `{}`, wantField: "type", wantRule: "is required"},
		{name: "empty payload", taskType: TypeDeleteGroup, payload: ``, wantType: TypeDeleteGroup, wantField: "payload", wantRule: "must not be empty"},
		{name: "blank payload", taskType: TypeDeleteGroup, payload: " \n", wantType: TypeDeleteGroup, wantField: "payload", wantRule: "must not be empty"},
		{name: "not JSON", taskType: TypeDeleteGroup, payload: `group 1`, wantType: TypeDeleteGroup, wantField: "payload", wantRule: "must be valid JSON: invalid character 'g'"},
		{name: "truncated", taskType: TypeDeleteGroup, payload: `{"group_id":`, wantType: TypeDeleteGroup, wantField: "payload", wantRule: "unexpected end of input"},
		{name: "trailing garbage", taskType: TypeDeleteGroup, payload: `{"group_id":"1"} x`, wantType: TypeDeleteGroup, wantField: "payload", wantRule: "without trailing data"},
		{name: "two values", taskType: TypeDeleteGroup, payload: `{"group_id":"1"}{"group_id":"2"}`, wantType: TypeDeleteGroup, wantField: "payload", wantRule: "without trailing data"},
		{name: "array payload", taskType: TypeDeleteGroup, payload: `["1"]`, wantType: TypeDeleteGroup, wantField: "payload", wantRule: "must be an object, got JSON array"},
		{name: "unknown field", taskType: TypeDeleteGroup, payload: `{"group_id":"1","groupid":"1"}`, wantType: TypeDeleteGroup, wantField: "groupid", wantRule: "unknown field"},
		{name: "unknown nested field", taskType: TypeRegisterUser, payload: `{"users":[{"username":"a","pin":"p"}]}`, wantType: TypeRegisterUser, wantField: "pin", wantRule: "unknown field"},
		{name: "wrong type string", taskType: TypeDeleteGroup, payload: `{"group_id":1}`, wantType: TypeDeleteGroup, wantField: "group_id", wantRule: "must be a string, got JSON number"},
		{name: "wrong type bool", taskType: TypeSendMessage, payload: `{"sync_device":"yes"}`, wantType: TypeSendMessage, wantField: "sync_device", wantRule: "must be a boolean, got JSON string"},
		{name: "wrong type int", taskType: TypeCreateGroup, payload: `{"maxusers":1.5}`, wantType: TypeCreateGroup, wantField: "maxusers", wantRule: "must be an integer"},
		{name: "wrong type array", taskType: TypeSendMessage, payload: `{"to":"a"}`, wantType: TypeSendMessage, wantField: "to", wantRule: "must be an array, got JSON string"},
		{name: "null payload fails validation", taskType: TypeDeleteGroup, payload: `null`, wantType: TypeDeleteGroup, wantField: "group_id", wantRule: "is required"},
		{name: "invalid payload", taskType: TypeSendMessage, payload: `{"target":"users","to":[],"type":"txt","body":{"msg":"hi"}}`, wantType: TypeSendMessage, wantField: "to", wantRule: "1 to 600"},
		{name: "limits apply", taskType: TypeSendMessage, payload: `{"target":"users","to":["a"],"type":"txt","body":{"msg":"hi"}}`, limits: Limits{MaxMessageBytes: 5}, wantType: TypeSendMessage, wantField: "body", wantRule: "at most 5 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Decode(tt.taskType, []byte(tt.payload), tt.limits)
			require.Nil(t, got)
			requireValidation(t, err, tt.wantType, tt.wantField, tt.wantRule)
		})
	}
}

// TestDecode_roundTrip checks that what a NewXxxTask enqueues, Decode reads
// back as the same payload.
func TestDecode_roundTrip(t *testing.T) {
	t.Parallel()

	p := validSendMessage()
	p.Ext = json.RawMessage(`{"a":"<&>"}`)
	task, err := NewSendMessageTask(p)
	require.NoError(t, err)
	got, err := Decode(task.Type(), task.Payload(), Limits{})
	require.NoError(t, err)
	require.Equal(t, p, got)
}
