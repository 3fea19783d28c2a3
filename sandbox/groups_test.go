package sandbox_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/sandbox"
)

// groupBundle has users owner, m1, m2, m3, full and lonely; the group "g1"
// owned by owner with members m1 and m2; and MaxGroupsPerUser 2, so "full",
// who owns "g2" and "g3", may join nothing more.
func groupBundle(t *testing.T) *testBundle {
	t.Helper()
	b := setup(t, sandbox.Config{MaxGroupsPerUser: 2})
	b.srv.SeedUsers("owner", "m1", "m2", "m3", "full", "lonely")
	b.srv.SeedGroup("g1", "owner", "m1", "m2")
	b.srv.SeedGroup("g2", "full")
	b.srv.SeedGroup("g3", "full")
	return b
}

func TestServer_CreateGroupErrors(t *testing.T) {
	t.Parallel()
	create := func(name, body string, status int, code, msg string) errorCase {
		return errorCase{name, "POST", "/org/app/chatgroups", body, status, code, msg}
	}
	runErrorCases(t, groupBundle, []errorCase{
		create("missing owner", `{"groupname":"x"}`, 400, "invalid_parameter", "owner must be provided"),
		create("long name", `{"groupname":"`+strings.Repeat("n", 129)+`","owner":"owner"}`, 400, "invalid_parameter",
			"Some of [groupname] are not valid fields"),
		create("long description", `{"description":"`+strings.Repeat("d", 513)+`","owner":"owner"}`, 400, "invalid_parameter",
			"Some of [description] are not valid fields"),
		create("unknown owner", `{"owner":"ghost"}`, 404, "resource_not_found", "username ghost doesn't exist"),
		create("unknown member", `{"owner":"owner","members":["m1","ghost"]}`, 404, "resource_not_found", "username ghost doesn't exist"),
		create("owner in too many groups", `{"owner":"full"}`, 403, "forbidden_op",
			"Can not join this group, reason:user: full has joined too many groups/chatroom!"),
		create("member in too many groups", `{"owner":"m3","members":["full"]}`, 403, "forbidden_op",
			"Can not join this group, reason:user: full has joined too many groups/chatroom!"),
		create("members over maxusers", `{"owner":"owner","members":["m1","m2"],"maxusers":1}`, 403, "exceed_limit",
			"members size is greater than max user size !"),
	})
}

func TestServer_CreateGroupCap(t *testing.T) {
	t.Parallel()
	b := setup(t, sandbox.Config{MaxGroups: 1})
	b.srv.SeedUsers("owner")
	tok := b.token(t)
	require.Equal(t, http.StatusOK, b.do(t, http.MethodPost, "/org/app/chatgroups", tok, `{"owner":"owner"}`).status)
	requireAPIError(t, b.do(t, http.MethodPost, "/org/app/chatgroups", tok, `{"owner":"owner"}`),
		http.StatusForbidden, "forbidden_op", "This appKey has create too many groups/chatrooms!")
}

func TestServer_CreateGroup(t *testing.T) {
	t.Parallel()
	b := groupBundle(t)
	var got struct {
		Action   string            `json:"action"`
		Entities []any             `json:"entities"`
		Data     map[string]string `json:"data"`
	}
	requireOK(t, b.do(t, http.MethodPost, "/org/app/chatgroups", b.token(t),
		`{"groupname":"team","description":"d","public":true,"owner":"m3","members":["m1","m3","m1","lonely"]}`), &got)
	require.Equal(t, "post", got.Action)
	require.NotNil(t, got.Entities)
	id := got.Data["groupid"]
	require.Regexp(t, `^[0-9]{15}$`, id)

	g, ok := b.srv.Group(id)
	require.True(t, ok)
	require.Equal(t, sandbox.Group{ID: id, Name: "team", Owner: "m3", Members: []string{"lonely", "m1"}}, g)
}

func TestServer_DeleteGroup(t *testing.T) {
	t.Parallel()
	b := groupBundle(t)
	tok := b.token(t)
	var got struct {
		Action string         `json:"action"`
		Data   map[string]any `json:"data"`
	}
	requireOK(t, b.do(t, http.MethodDelete, "/org/app/chatgroups/g1", tok, ""), &got)
	require.Equal(t, "delete", got.Action)
	require.Equal(t, map[string]any{"success": true, "groupid": "g1"}, got.Data)
	_, ok := b.srv.Group("g1")
	require.False(t, ok)

	requireAPIError(t, b.do(t, http.MethodDelete, "/org/app/chatgroups/g1", tok, ""),
		http.StatusNotFound, "service_resource_not_found", "Service resource not found.")
}

func TestServer_TransferOwnerErrors(t *testing.T) {
	t.Parallel()
	transfer := func(name, group, body string, status int, code, msg string) errorCase {
		return errorCase{name, "PUT", "/org/app/chatgroups/" + group, body, status, code, msg}
	}
	runErrorCases(t, groupBundle, []errorCase{
		transfer("unknown group", "nope", `{"newowner":"m1"}`, 404, "service_resource_not_found", "Service resource not found."),
		transfer("same owner", "g1", `{"newowner":"owner"}`, 403, "forbidden_op", "New owner and old owner are the same."),
		transfer("not a member", "g1", `{"newowner":"m3"}`, 403, "forbidden_op", "User: m3 doesn't exist in group: g1."),
		transfer("not a user", "g1", `{"newowner":"ghost"}`, 403, "forbidden_op", "User: ghost doesn't exist in group: g1."),
		transfer("empty newowner (without it, a PUT is update_group)", "g1", `{"newowner":""}`, 400, "invalid_parameter", "newowner must be provided"),
	})
}

func TestServer_TransferOwner(t *testing.T) {
	t.Parallel()
	b := groupBundle(t)
	var got struct {
		Action string          `json:"action"`
		Data   map[string]bool `json:"data"`
	}
	requireOK(t, b.do(t, http.MethodPut, "/org/app/chatgroups/g1", b.token(t), `{"newowner":"m2"}`), &got)
	require.Equal(t, "put", got.Action)
	require.Equal(t, map[string]bool{"newowner": true}, got.Data)

	g, ok := b.srv.Group("g1")
	require.True(t, ok)
	require.Equal(t, "m2", g.Owner)
	require.Equal(t, []string{"m1", "owner"}, g.Members, "the old owner stays as a member")
}
