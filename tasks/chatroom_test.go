package tasks

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCreateChatroom_Validate(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name      string
		mutate    func(*CreateChatroom)
		wantField string // "" means valid
		wantRule  string
	}{
		{name: "valid minimal", mutate: func(p *CreateChatroom) { p.Members = nil }},
		{name: "valid full", mutate: func(p *CreateChatroom) { p.MaxUsers, p.Custom = 300, "{}" }},
		{name: "valid limits at maximum", mutate: func(p *CreateChatroom) {
			p.Name, p.Description, p.Custom = strings.Repeat("房", 128), strings.Repeat("d", 512), strings.Repeat("c", 8192)
			p.MaxUsers = 10000
		}},
		{name: "valid members fill maxusers with the owner", mutate: func(p *CreateChatroom) { p.MaxUsers, p.Members = 3, names(2) }},
		{name: "valid 999 members under the default maxusers", mutate: func(p *CreateChatroom) { p.Members = names(999) }},

		{name: "name empty", mutate: func(p *CreateChatroom) { p.Name = "" }, wantField: "name", wantRule: "must be 1 to 128 characters, got 0"},
		{name: "name 129", mutate: func(p *CreateChatroom) { p.Name = strings.Repeat("n", 129) }, wantField: "name", wantRule: "got 129"},
		{name: "name invalid UTF-8", mutate: func(p *CreateChatroom) { p.Name = "\xff" }, wantField: "name", wantRule: "must be valid UTF-8"},
		{name: "description missing", mutate: func(p *CreateChatroom) { p.Description = "" }, wantField: "description", wantRule: "must be 1 to 512 characters, got 0"},
		{name: "description 513", mutate: func(p *CreateChatroom) { p.Description = strings.Repeat("d", 513) }, wantField: "description", wantRule: "got 513"},
		{name: "maxusers negative", mutate: func(p *CreateChatroom) { p.MaxUsers = -1 }, wantField: "maxusers", wantRule: "must be 1 to 10000"},
		{name: "maxusers 10001", mutate: func(p *CreateChatroom) { p.MaxUsers = 10001 }, wantField: "maxusers", wantRule: "got 10001"},
		{name: "owner missing", mutate: func(p *CreateChatroom) { p.Owner = "" }, wantField: "owner", wantRule: "is required"},
		{name: "owner invalid", mutate: func(p *CreateChatroom) { p.Owner = "Alice" }, wantField: "owner", wantRule: "must match"},
		{name: "members over maxusers with the owner", mutate: func(p *CreateChatroom) { p.MaxUsers, p.Members = 3, names(3) }, wantField: "members", wantRule: "at most 2 entries, got 3"},
		{name: "1000 members under the default maxusers", mutate: func(p *CreateChatroom) { p.Members = names(1000) }, wantField: "members", wantRule: "at most 999 entries, got 1000"},
		{name: "member invalid", mutate: func(p *CreateChatroom) { p.Members = []string{"bob", "c d"} }, wantField: "members[1]", wantRule: "must match"},
		{name: "member duplicate", mutate: func(p *CreateChatroom) { p.Members = []string{"bob", "bob"} }, wantField: "members[1]", wantRule: "duplicates members[0]"},
		{name: "member is owner", mutate: func(p *CreateChatroom) { p.Members = []string{"alice"} }, wantField: "members[0]", wantRule: "must not be the owner"},
		{name: "custom 8193 bytes", mutate: func(p *CreateChatroom) { p.Custom = strings.Repeat("c", 8193) }, wantField: "custom", wantRule: "at most 8192 bytes"},
		{name: "custom invalid UTF-8", mutate: func(p *CreateChatroom) { p.Custom = "\xfe" }, wantField: "custom", wantRule: "must be valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := CreateChatroom{Name: "live", Description: "the live room", Owner: "alice", Members: []string{"bob"}}
			tt.mutate(&p)
			requireValidation(t, p.Validate(Limits{}), TypeCreateChatroom, tt.wantField, tt.wantRule)
		})
	}
}

func TestChatroomMembership_Validate(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name      string
		typ       string
		in        Payload
		wantField string
		wantRule  string
	}{
		{name: "delete valid", typ: TypeDeleteChatroom, in: DeleteChatroom{ChatroomID: "262144"}},
		{name: "delete missing id", typ: TypeDeleteChatroom, in: DeleteChatroom{}, wantField: "chatroom_id", wantRule: "is required"},
		{name: "delete dot segment", typ: TypeDeleteChatroom, in: DeleteChatroom{ChatroomID: "%2e%2e"}, wantField: "chatroom_id", wantRule: "dot segment"},
		{name: "add valid 60", typ: TypeAddChatroomMembers, in: AddChatroomMembers{ChatroomID: "1", Usernames: names(60)}},
		{name: "add 61", typ: TypeAddChatroomMembers, in: AddChatroomMembers{ChatroomID: "1", Usernames: names(61)}, wantField: "usernames", wantRule: "must have 1 to 60 entries, got 61"},
		{name: "add none", typ: TypeAddChatroomMembers, in: AddChatroomMembers{ChatroomID: "1"}, wantField: "usernames", wantRule: "got 0"},
		{name: "add id with comma", typ: TypeAddChatroomMembers, in: AddChatroomMembers{ChatroomID: "1,2", Usernames: names(1)}, wantField: "chatroom_id", wantRule: "without '/' or ','"},
		{name: "remove valid 100", typ: TypeRemoveChatroomMembers, in: RemoveChatroomMembers{ChatroomID: "1", Usernames: names(100)}},
		{name: "remove 101", typ: TypeRemoveChatroomMembers, in: RemoveChatroomMembers{ChatroomID: "1", Usernames: names(101)}, wantField: "usernames", wantRule: "must have 1 to 100 entries, got 101"},
		{name: "remove duplicate", typ: TypeRemoveChatroomMembers, in: RemoveChatroomMembers{ChatroomID: "1", Usernames: []string{"a", "a"}}, wantField: "usernames[1]", wantRule: "duplicates usernames[0]"},
		{name: "remove invalid user", typ: TypeRemoveChatroomMembers, in: RemoveChatroomMembers{ChatroomID: "1", Usernames: []string{".."}}, wantField: "usernames[0]", wantRule: "dot segment"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.typ, tt.in.TaskType())
			require.Equal(t, QueueGroups, QueueFor(tt.typ), "queue")
			requireValidation(t, tt.in.Validate(Limits{}), tt.typ, tt.wantField, tt.wantRule)
		})
	}
}

func TestChatroomMembers_Subset(t *testing.T) {
	t.Parallel()
	add := AddChatroomMembers{ChatroomID: "r", Usernames: []string{"a", "b", "c"}}
	got := add.Subset(func(u string) bool { return u != "b" })
	require.Equal(t, []string{"a", "c"}, got.Items())
	require.Equal(t, []string{"a", "b", "c"}, add.Items(), "the receiver is left alone")

	remove := RemoveChatroomMembers{ChatroomID: "r", Usernames: []string{"a", "b"}}
	require.Equal(t, []string{"b"}, remove.Subset(func(u string) bool { return u == "b" }).Items())
}

func TestDecode_chatroomStrict(t *testing.T) {
	t.Parallel()
	_, err := Decode(TypeCreateChatroom, json.RawMessage(`{"name":"n","description":"d","owner":"alice","roomid":"x"}`), Limits{})
	requireValidation(t, err, TypeCreateChatroom, "roomid", "unknown field")
	p, err := Decode(TypeAddChatroomMembers, json.RawMessage(`{"chatroom_id":"9","usernames":["bob"]}`), Limits{})
	require.NoError(t, err)
	require.Equal(t, AddChatroomMembers{ChatroomID: "9", Usernames: []string{"bob"}}, p)
}
