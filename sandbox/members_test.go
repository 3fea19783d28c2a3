package sandbox_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestServer_AddMembersErrors(t *testing.T) {
	t.Parallel()
	var sixtyOne []string
	for i := range 61 {
		sixtyOne = append(sixtyOne, fmt.Sprintf("%q", fmt.Sprintf("u%d", i)))
	}
	add := func(name, path, body string, status int, code, msg string) errorCase {
		return errorCase{name, "POST", "/org/app/chatgroups/" + path, body, status, code, msg}
	}
	runErrorCases(t, groupBundle, []errorCase{
		add("single unknown group", "nope/users/m3", "", 404, "service_resource_not_found", "Service resource not found."),
		add("single unknown user", "g1/users/ghost", "", 404, "resource_not_found", "username ghost doesn't exist"),
		add("single already member", "g1/users/m1", "", 403, "forbidden_op", "Can not join this group, reason: user: m1 already in group: g1."),
		add("single owner", "g1/users/owner", "", 403, "forbidden_op", "Can not join this group, reason: user: owner already in group: g1."),
		add("single too many groups", "g1/users/full", "", 403, "forbidden_op",
			"Can not join this group, reason:user: full has joined too many groups/chatroom!"),
		add("batch unknown group", "nope/users", `{"usernames":["m3"]}`, 404, "service_resource_not_found", "Service resource not found."),
		add("batch unknown user", "g1/users", `{"usernames":["m3","ghost"]}`, 404, "resource_not_found", "username ghost doesn't exist"),
		add("batch all members", "g1/users", `{"usernames":["m2","m1","owner"]}`, 403, "forbidden_op",
			"Can not join this group, reason: user: m2 already in group: g1."),
		add("batch too many groups", "g1/users", `{"usernames":["m3","full"]}`, 403, "forbidden_op",
			"Can not join this group, reason:user: full has joined too many groups/chatroom!"),
		add("batch empty", "g1/users", `{"usernames":[]}`, 400, "invalid_parameter", "usernames must be provided"),
		add("batch of 61", "g1/users", `{"usernames":[`+strings.Join(sixtyOne, ",")+`]}`, 400, "invalid_parameter",
			"usernames size can't exceed limit 60"),
	})
}

func TestServer_AddMembers(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name        string
		path        string
		body        string
		wantData    map[string]any
		wantMembers []string
	}{
		{
			name:        "single",
			path:        "/org/app/chatgroups/g1/users/m3",
			wantData:    map[string]any{"result": true, "groupid": "g1", "action": "add_member", "user": "m3"},
			wantMembers: []string{"m1", "m2", "m3"},
		},
		{
			name:        "batch reports only new members",
			path:        "/org/app/chatgroups/g1/users",
			body:        `{"usernames":["m1","m3","lonely","m3"]}`,
			wantData:    map[string]any{"newmembers": []any{"m3", "lonely"}, "groupid": "g1", "action": "add_member"},
			wantMembers: []string{"lonely", "m1", "m2", "m3"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := groupBundle(t)
			var got struct {
				Action string         `json:"action"`
				Data   map[string]any `json:"data"`
			}
			requireOK(t, b.do(t, http.MethodPost, tc.path, b.token(t), tc.body), &got)
			require.Equal(t, "post", got.Action)
			require.Equal(t, tc.wantData, got.Data)
			g, ok := b.srv.Group("g1")
			require.True(t, ok)
			require.Equal(t, tc.wantMembers, g.Members)
		})
	}
}

func TestServer_RemoveMembersErrors(t *testing.T) {
	t.Parallel()
	remove := func(name, path string, status int, code, msg string) errorCase {
		return errorCase{name, "DELETE", "/org/app/chatgroups/" + path, "", status, code, msg}
	}
	runErrorCases(t, groupBundle, []errorCase{
		remove("unknown group", "nope/users/m1", 404, "service_resource_not_found", "Service resource not found."),
		remove("not a member", "g1/users/m3", 403, "forbidden_op", "Users [m3] are not members of this group!"),
		remove("not a user", "g1/users/ghost", 403, "forbidden_op", "Users [ghost] are not members of this group!"),
		remove("owner", "g1/users/owner", 403, "forbidden_op", "Forbidden operation on group owner!"),
		remove("only commas", "g1/users/,,", 400, "invalid_parameter", "usernames must be provided"),
		remove("61 users", "g1/users/"+strings.Repeat("a,", 61), 400, "invalid_parameter", "usernames size can't exceed limit 60"),
	})
}

func TestServer_RemoveMembers(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name        string
		users       string
		wantData    any
		wantMembers []string
	}{
		{
			name:        "one",
			users:       "m1",
			wantData:    map[string]any{"result": true, "action": "remove_member", "user": "m1", "groupid": "g1"},
			wantMembers: []string{"m2"},
		},
		{
			name:  "several with partial success",
			users: "m1,m3,owner,m2",
			wantData: []any{
				map[string]any{"result": true, "action": "remove_member", "user": "m1", "groupid": "g1"},
				map[string]any{"result": false, "action": "remove_member", "reason": "users [m3] are not members of this group!", "user": "m3", "groupid": "g1"},
				map[string]any{"result": false, "action": "remove_member", "reason": "forbidden operation on group owner!", "user": "owner", "groupid": "g1"},
				map[string]any{"result": true, "action": "remove_member", "user": "m2", "groupid": "g1"},
			},
			wantMembers: []string{},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := groupBundle(t)
			var got struct {
				Action string `json:"action"`
				Data   any    `json:"data"`
			}
			requireOK(t, b.do(t, http.MethodDelete, "/org/app/chatgroups/g1/users/"+tc.users, b.token(t), ""), &got)
			require.Equal(t, "delete", got.Action)
			require.Equal(t, tc.wantData, got.Data)
			g, ok := b.srv.Group("g1")
			require.True(t, ok)
			require.Equal(t, tc.wantMembers, g.Members)
			require.Equal(t, "owner", g.Owner)
		})
	}
}
