package tasks

import (
	"strings"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"
)

func validCreateGroup() CreateGroup {
	return CreateGroup{GroupName: "Team", Owner: "alice", Members: []string{"bob"}}
}

func TestCreateGroup_Validate(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name      string
		mutate    func(*CreateGroup)
		wantField string // "" means valid
		wantRule  string
	}{
		{name: "valid minimal", mutate: func(p *CreateGroup) { p.Members = nil }},
		{name: "valid custom groupid", mutate: func(p *CreateGroup) { p.GroupID = "team-42_A" }},
		{name: "groupid with dot", mutate: func(p *CreateGroup) { p.GroupID = "a.b" }, wantField: "groupid", wantRule: "must be 1 to 64 characters of [a-zA-Z0-9_-]"},
		{name: "groupid 65", mutate: func(p *CreateGroup) { p.GroupID = strings.Repeat("1", 65) }, wantField: "groupid", wantRule: "must be 1 to 64 characters of [a-zA-Z0-9_-]"},
		{name: "valid full", mutate: func(p *CreateGroup) {
			yes := true
			p.Description, p.Public, p.MaxUsers, p.AllowInvites, p.MembersOnly, p.InviteNeedConfirm = "d", &yes, 300, &yes, &yes, &yes
			p.Avatar, p.Custom = "https://a/b.png", "{}"
		}},
		{name: "valid 128-character multi-byte name", mutate: func(p *CreateGroup) { p.GroupName = strings.Repeat("群", 128) }},
		{name: "valid 3000 members", mutate: func(p *CreateGroup) { p.Members = names(3000) }},
		{name: "valid members up to maxusers", mutate: func(p *CreateGroup) { p.MaxUsers, p.Members = 2, names(2) }},
		{name: "valid limits at maximum", mutate: func(p *CreateGroup) {
			p.Description, p.Avatar, p.Custom = strings.Repeat("d", 512), strings.Repeat("a", 1024), strings.Repeat("c", 8192)
		}},

		{name: "groupname empty", mutate: func(p *CreateGroup) { p.GroupName = "" }, wantField: "groupname", wantRule: "must be 1 to 128 characters, got 0"},
		{name: "groupname 129", mutate: func(p *CreateGroup) { p.GroupName = strings.Repeat("g", 129) }, wantField: "groupname", wantRule: "got 129"},
		{name: "groupname invalid UTF-8", mutate: func(p *CreateGroup) { p.GroupName = "\xff" }, wantField: "groupname", wantRule: "must be valid UTF-8"},
		{name: "description 513", mutate: func(p *CreateGroup) { p.Description = strings.Repeat("d", 513) }, wantField: "description", wantRule: "must be 0 to 512 characters"},
		{name: "maxusers negative", mutate: func(p *CreateGroup) { p.MaxUsers = -1 }, wantField: "maxusers", wantRule: "must be >= 0, got -1"},
		{name: "owner missing", mutate: func(p *CreateGroup) { p.Owner = "" }, wantField: "owner", wantRule: "is required"},
		{name: "owner invalid", mutate: func(p *CreateGroup) { p.Owner = "Alice" }, wantField: "owner", wantRule: "must match"},
		{name: "3001 members", mutate: func(p *CreateGroup) { p.Members = names(3001) }, wantField: "members", wantRule: "at most 3000 entries, got 3001"},
		{name: "members over maxusers", mutate: func(p *CreateGroup) { p.MaxUsers, p.Members = 2, names(3) }, wantField: "members", wantRule: "at most 2 entries, got 3"},
		{name: "member empty", mutate: func(p *CreateGroup) { p.Members = []string{"bob", ""} }, wantField: "members[1]", wantRule: "must not be empty"},
		{name: "member invalid", mutate: func(p *CreateGroup) { p.Members = []string{"bob", "c d"} }, wantField: "members[1]", wantRule: "must match"},
		{name: "member duplicate", mutate: func(p *CreateGroup) { p.Members = []string{"bob", "carol", "bob"} }, wantField: "members[2]", wantRule: "duplicates members[0]"},
		{name: "member is owner", mutate: func(p *CreateGroup) { p.Members = []string{"bob", "alice"} }, wantField: "members[1]", wantRule: "must not be the owner"},
		{name: "avatar 1025", mutate: func(p *CreateGroup) { p.Avatar = strings.Repeat("a", 1025) }, wantField: "avatar", wantRule: "0 to 1024 characters"},
		{name: "custom 8193 bytes", mutate: func(p *CreateGroup) { p.Custom = strings.Repeat("c", 8193) }, wantField: "custom", wantRule: "at most 8192 bytes, got 8193"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := validCreateGroup()
			tt.mutate(&p)
			requireValidation(t, p.Validate(Limits{}), TypeCreateGroup, tt.wantField, tt.wantRule)
		})
	}
}

func TestDeleteGroup_Validate(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name      string
		in        DeleteGroup
		wantField string
		wantRule  string
	}{
		{name: "valid", in: DeleteGroup{GroupID: "184524748161025"}},
		{name: "missing", in: DeleteGroup{}, wantField: "group_id", wantRule: "is required"},
		{name: "slash", in: DeleteGroup{GroupID: "../x"}, wantField: "group_id", wantRule: "without '/' or ','"},
		{name: "65 characters", in: DeleteGroup{GroupID: strings.Repeat("1", 65)}, wantField: "group_id", wantRule: "1 to 64 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			requireValidation(t, tt.in.Validate(Limits{}), TypeDeleteGroup, tt.wantField, tt.wantRule)
		})
	}
}

// TestMembership_Validate covers AddGroupMembers and RemoveGroupMembers,
// which share their rules.
func TestMembership_Validate(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name      string
		groupID   string
		usernames []string
		wantField string
		wantRule  string
	}{
		{name: "valid one", groupID: "1", usernames: []string{"bob"}},
		{name: "valid 60", groupID: "1", usernames: names(60)},
		{name: "group missing", groupID: "", usernames: []string{"bob"}, wantField: "group_id", wantRule: "is required"},
		{name: "group with comma", groupID: "1,2", usernames: []string{"bob"}, wantField: "group_id", wantRule: "without '/' or ','"},
		{name: "no usernames", groupID: "1", wantField: "usernames", wantRule: "must have 1 to 60 entries, got 0"},
		{name: "61 usernames", groupID: "1", usernames: names(61), wantField: "usernames", wantRule: "got 61"},
		{name: "empty username", groupID: "1", usernames: []string{"a", ""}, wantField: "usernames[1]", wantRule: "must not be empty"},
		{name: "invalid username", groupID: "1", usernames: []string{"a", "b,c"}, wantField: "usernames[1]", wantRule: "must match"},
		{name: "duplicate", groupID: "1", usernames: []string{"a", "a"}, wantField: "usernames[1]", wantRule: "duplicates usernames[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			add := AddGroupMembers{GroupID: tt.groupID, Usernames: tt.usernames}
			requireValidation(t, add.Validate(Limits{}), TypeAddGroupMembers, tt.wantField, tt.wantRule)
			remove := RemoveGroupMembers{GroupID: tt.groupID, Usernames: tt.usernames}
			requireValidation(t, remove.Validate(Limits{}), TypeRemoveGroupMembers, tt.wantField, tt.wantRule)
		})
	}
}

func TestTransferGroupOwner_Validate(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name      string
		in        TransferGroupOwner
		wantField string
		wantRule  string
	}{
		{name: "valid", in: TransferGroupOwner{GroupID: "1", NewOwner: "bob"}},
		{name: "group missing", in: TransferGroupOwner{NewOwner: "bob"}, wantField: "group_id", wantRule: "is required"},
		{name: "new owner missing", in: TransferGroupOwner{GroupID: "1"}, wantField: "new_owner", wantRule: "is required"},
		{name: "new owner invalid", in: TransferGroupOwner{GroupID: "1", NewOwner: "Bob"}, wantField: "new_owner", wantRule: "must match [a-z0-9_.-]{1,64}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			requireValidation(t, tt.in.Validate(Limits{}), TypeTransferGroupOwner, tt.wantField, tt.wantRule)
		})
	}
}

func TestNewGroupTasks(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name        string
		build       func() (*asynq.Task, error)
		wantType    string
		wantPayload string
	}{
		{
			name:        "create",
			build:       taskOf(NewCreateGroupTask, validCreateGroup()),
			wantType:    TypeCreateGroup,
			wantPayload: `{"groupname":"Team","owner":"alice","members":["bob"]}`,
		},
		{
			name:        "delete",
			build:       taskOf(NewDeleteGroupTask, DeleteGroup{GroupID: "1"}),
			wantType:    TypeDeleteGroup,
			wantPayload: `{"group_id":"1"}`,
		},
		{
			name:        "add members",
			build:       taskOf(NewAddGroupMembersTask, AddGroupMembers{GroupID: "1", Usernames: []string{"bob"}}),
			wantType:    TypeAddGroupMembers,
			wantPayload: `{"group_id":"1","usernames":["bob"]}`,
		},
		{
			name:        "remove members",
			build:       taskOf(NewRemoveGroupMembersTask, RemoveGroupMembers{GroupID: "1", Usernames: []string{"bob"}}),
			wantType:    TypeRemoveGroupMembers,
			wantPayload: `{"group_id":"1","usernames":["bob"]}`,
		},
		{
			name:        "transfer owner",
			build:       taskOf(NewTransferGroupOwnerTask, TransferGroupOwner{GroupID: "1", NewOwner: "bob"}),
			wantType:    TypeTransferGroupOwner,
			wantPayload: `{"group_id":"1","new_owner":"bob"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			task, err := tt.build()
			require.NoError(t, err)
			require.Equal(t, tt.wantType, task.Type())
			require.Equal(t, tt.wantPayload, string(task.Payload()))
		})
	}
}

// taskOf defers a NewXxxTask call to the test that checks it.
func taskOf[P any](newTask func(P, ...Option) (*asynq.Task, error), p P) func() (*asynq.Task, error) {
	return func() (*asynq.Task, error) { return newTask(p) }
}
