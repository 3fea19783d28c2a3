package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestConversationKey(t *testing.T) {
	t.Parallel()
	body := json.RawMessage(`{"msg":"hi"}`)
	for _, tc := range []struct {
		name      string
		p         Payload
		want      string
		wantField string // of the *ValidationError; "" = no error
	}{
		{name: "one-to-one, both directions one key", p: SendMessage{Target: "users", From: "bob", To: []string{"alice"}, Type: "txt", Body: body},
			want: "users:alice:bob"},
		{name: "one-to-one, the other way", p: SendMessage{Target: "users", From: "alice", To: []string{"bob"}, Type: "txt", Body: body},
			want: "users:alice:bob"},
		{name: "no from is admin", p: SendMessage{Target: "users", To: []string{"zoe"}, Type: "txt", Body: body},
			want: "users:admin:zoe"},
		{name: "one group", p: SendMessage{Target: "chatgroups", To: []string{"g1"}, Type: "txt", Body: body}, want: "chatgroups:g1"},
		{name: "one room", p: SendMessage{Target: "chatrooms", To: []string{"r1"}, Type: "txt", Body: body}, want: "chatrooms:r1"},
		{name: "several recipients", p: SendMessage{Target: "users", To: []string{"a", "b"}, Type: "txt", Body: body}, wantField: "to"},
		{name: "group members with the group's messages", p: AddGroupMembers{GroupID: "g1", Usernames: []string{"a"}}, want: "chatgroups:g1"},
		{name: "group update with the group's messages", p: UpdateGroup{GroupID: "g1"}, want: "chatgroups:g1"},
		{name: "room members with the room's messages", p: RemoveChatroomMembers{ChatroomID: "r1", Usernames: []string{"a"}}, want: "chatrooms:r1"},
		{name: "room delete with the room's messages", p: DeleteChatroom{ChatroomID: "r1"}, want: "chatrooms:r1"},
		{name: "recall behind its one-to-one send", p: RecallMessage{MsgID: "1", To: "alice", From: "bob", ChatType: "chat"}, want: "users:alice:bob"},
		{name: "recall behind its group send", p: RecallMessage{MsgID: "1", To: "g1", ChatType: "groupchat"}, want: "chatgroups:g1"},
		{name: "recall behind its room send", p: RecallMessage{MsgID: "1", To: "r1", ChatType: "chatroom"}, want: "chatrooms:r1"},
		{name: "room create has no conversation yet", p: CreateChatroom{Name: "n"}, wantField: "ordered"},
		{name: "user management has no conversation", p: DeleteUser{Username: "a"}, wantField: "ordered"},
		{name: "no conversation", p: RegisterUsers{Users: []User{{Username: "a", Password: "p"}}}, wantField: "ordered"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ConversationKey(tc.p)
			if tc.wantField != "" {
				var ve *ValidationError
				require.True(t, errors.As(err, &ve), "got %v", err)
				require.Equal(t, tc.wantField, ve.Field)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestOrderOptions_Refused(t *testing.T) {
	t.Parallel()
	msg := SendMessage{Target: "users", To: []string{"a", "b"}, Type: "txt", Body: json.RawMessage(`{"msg":"hi"}`)}
	_, err := NewTask(msg, OrderKey("k"))
	require.ErrorIs(t, err, errOrderNeedsClient)
	_, err = NewTask(msg, OrderKey(""))
	require.ErrorContains(t, err, "OrderKey: must be 1 to 512 bytes")
	c := NewClientFromAsynq(nil, ClientConfig{})
	_, err = c.SendMessage(context.Background(), msg, Ordered())
	require.Error(t, err)
}

func TestClient_OrderedOnlyHeadInAsynq(t *testing.T) {
	t.Parallel()
	b := setupKeyed(t)
	c := b.client(t, ClientConfig{})
	ctx := context.Background()
	msg := SendMessage{Target: "users", From: "a", To: []string{"b"}, Type: "txt", Body: json.RawMessage(`{"msg":"hi"}`)}
	var ids []string
	for range 3 {
		id, err := c.SendMessage(ctx, msg, Ordered())
		require.NoError(t, err)
		ids = append(ids, id)
	}
	_, err := c.SendMessage(ctx, SendMessage{Target: "users", To: []string{"a", "b"}, Type: "txt", Body: msg.Body}, Ordered())
	var ve *ValidationError
	require.True(t, errors.As(err, &ve), "a message to two users has no conversation: %v", err)
	require.Equal(t, []string{ids[0]}, b.tasksIn(t, QueueMessages), "only the head is in asynq")
	info, err := b.insp.GetTaskInfo(QueueMessages, ids[0])
	require.NoError(t, err)
	require.Equal(t, "users:a:b", info.Headers[HeaderOrderKey])
	require.Equal(t, "1", info.Headers[HeaderOrderPosition])
}
