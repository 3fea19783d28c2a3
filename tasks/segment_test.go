package tasks

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestIsDotSegment(t *testing.T) {
	t.Parallel()

	tests := []struct {
		in   string
		want bool
	}{
		{in: ".", want: true},
		{in: "..", want: true},
		{in: "%2e", want: true},
		{in: "%2e%2e", want: true},
		{in: ".%2E", want: true},
		{in: "%2E.", want: true},
		{in: "%252e%252e", want: true}, // decoded twice by two layers
		{in: "..;x=1", want: true},     // Tomcat and Jetty drop ";x=1"
		{in: "%2e%2e%3bx", want: true},
		{in: "...", want: false},
		{in: ".a", want: false},
		{in: "a..", want: false},
		{in: "%2e%2e%2e", want: false},
		{in: "%zz", want: false}, // does not decode: a literal segment
		{in: "1234567890", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, isDotSegment(tt.in), "isDotSegment(%q)", tt.in)
		})
	}
}

// TestValidate_rejectsDotSegments covers every field that becomes a path
// segment of a provider request (issue 10, item 1), at enqueue (Validate)
// and in the worker (Decode), with the field and the rule named.
func TestValidate_rejectsDotSegments(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name      string
		typ       string
		payload   Payload
		wantField string
		wantRule  string
	}{
		{"delete group ..", TypeDeleteGroup, DeleteGroup{GroupID: ".."}, "group_id", ruleDotSegment},
		{"delete group .", TypeDeleteGroup, DeleteGroup{GroupID: "."}, "group_id", ruleDotSegment},
		{"delete group %2e%2e", TypeDeleteGroup, DeleteGroup{GroupID: "%2e%2e"}, "group_id", ruleDotSegment},
		{"delete group .%2E", TypeDeleteGroup, DeleteGroup{GroupID: ".%2E"}, "group_id", ruleDotSegment},
		{"delete group encoded slash", TypeDeleteGroup, DeleteGroup{GroupID: "g1%2F..%2Fusers"}, "group_id", "without '/' or ','"},
		{"remove from group ..", TypeRemoveGroupMembers, RemoveGroupMembers{GroupID: "..", Usernames: []string{"alice"}}, "group_id", ruleDotSegment},
		{"remove user ..", TypeRemoveGroupMembers, RemoveGroupMembers{GroupID: "g1", Usernames: []string{".."}}, "usernames[0]", ruleDotSegment},
		{"remove user . second", TypeRemoveGroupMembers, RemoveGroupMembers{GroupID: "g1", Usernames: []string{"bob", "."}}, "usernames[1]", ruleDotSegment},
		{"add user ..", TypeAddGroupMembers, AddGroupMembers{GroupID: "g1", Usernames: []string{".."}}, "usernames[0]", ruleDotSegment},
		{"add to group %2E%2e", TypeAddGroupMembers, AddGroupMembers{GroupID: "%2E%2e", Usernames: []string{"bob"}}, "group_id", ruleDotSegment},
		{"transfer group ..;x", TypeTransferGroupOwner, TransferGroupOwner{GroupID: "..;x", NewOwner: "bob"}, "group_id", ruleDotSegment},
		{"transfer to ..", TypeTransferGroupOwner, TransferGroupOwner{GroupID: "g1", NewOwner: ".."}, "new_owner", ruleDotSegment},
		{"register ..", TypeRegisterUser, RegisterUsers{Users: []User{{Username: ".."}}}, "users[0].username", ruleDotSegment},
		{"create group owned by .", TypeCreateGroup, CreateGroup{GroupName: "g", Owner: "."}, "owner", ruleDotSegment},
		{"message to group ..", TypeSendMessage, SendMessage{Target: "chatgroups", To: []string{".."}, Type: "txt", Body: []byte(`{"msg":"x"}`)}, "to[0]", ruleDotSegment},
		{"message from ..", TypeSendMessage, SendMessage{Target: "users", From: "..", To: []string{"bob"}, Type: "txt", Body: []byte(`{"msg":"x"}`)}, "from", ruleDotSegment},
		{"dots inside a name are fine", TypeRemoveGroupMembers, RemoveGroupMembers{GroupID: "g.1", Usernames: []string{"a.b", "..."}}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			requireValidation(t, tt.payload.Validate(Limits{}), tt.typ, tt.wantField, tt.wantRule)
			b, err := marshal(tt.payload)
			require.NoError(t, err)
			_, err = Decode(tt.typ, b, Limits{})
			requireValidation(t, err, tt.typ, tt.wantField, tt.wantRule)
		})
	}
}
