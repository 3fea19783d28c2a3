package sandbox_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/sandbox"
)

// roomBundle serves a sandbox of dialect d with room r1 (owner, m1; room
// for 4 users) and room small (owner, m1; full at 2).
func roomBundle(d string) func(t *testing.T) *testBundle {
	return func(t *testing.T) *testBundle {
		t.Helper()
		b := setup(t, sandbox.Config{Dialect: d})
		b.srv.SeedUsers("owner", "m1", "m2", "m3", "m4")
		b.srv.SeedRoom("r1", "owner", 4, "m1")
		b.srv.SeedRoom("small", "owner", 2, "m1")
		return b
	}
}

func userList(n int) string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("u%d", i)
	}
	return strings.Join(out, ",")
}

func TestServer_ChatroomErrors(t *testing.T) {
	t.Parallel()
	sixtyOne := `"` + strings.ReplaceAll(userList(61), ",", `","`) + `"`
	for _, d := range sandbox.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			req := func(name, method, path, body string, status int, code, msg string) errorCase {
				return errorCase{name, method, "/org/app/chatrooms" + path, body, status, code, msg}
			}
			runErrorCases(t, roomBundle(d), []errorCase{
				req("create without name", "POST", "", `{"description":"d","owner":"owner"}`, 400, "invalid_parameter", "Some of [name] are not valid fields"),
				req("create without description", "POST", "", `{"name":"n","owner":"owner"}`, 400, "invalid_parameter", "Some of [description] are not valid fields"),
				req("create name 129", "POST", "", `{"name":"`+strings.Repeat("n", 129)+`","description":"d","owner":"owner"}`, 400, "invalid_parameter", "Some of [name] are not valid fields"),
				req("create without owner", "POST", "", `{"name":"n","description":"d"}`, 400, "invalid_parameter", "owner must be provided"),
				req("create custom room id", "POST", "", `{"name":"n","description":"d","owner":"owner","roomid":"x"}`, 400, "invalid_parameter", "Some of [roomid] are not valid fields."),
				req("create maxusers 0", "POST", "", `{"name":"n","description":"d","owner":"owner","maxusers":0}`, 400, "invalid_parameter", "Some of [maxusers] are not valid fields"),
				req("create maxusers 10001", "POST", "", `{"name":"n","description":"d","owner":"owner","maxusers":10001}`, 400, "invalid_parameter", "Some of [maxusers] are not valid fields"),
				req("create empty members", "POST", "", `{"name":"n","description":"d","owner":"owner","members":[]}`, 400, "invalid_parameter", "Some of [members] are not valid fields"),
				req("create members past maxusers", "POST", "", `{"name":"n","description":"d","owner":"owner","maxusers":2,"members":["m1","m2"]}`, 403, "exceed_limit", "members size is greater than max user size !"),
				req("create unknown owner", "POST", "", `{"name":"n","description":"d","owner":"ghost"}`, 404, "resource_not_found", "username ghost doesn't exist"),
				req("delete unknown room", "DELETE", "/nope", "", 404, "service_resource_not_found", "Service resource not found."),
				req("add to unknown room", "POST", "/nope/users", `{"usernames":["m2"]}`, 404, "service_resource_not_found", "Service resource not found."),
				req("add unknown user", "POST", "/r1/users", `{"usernames":["m2","ghost"]}`, 404, "resource_not_found", "username ghost doesn't exist"),
				req("add to a full room", "POST", "/small/users", `{"usernames":["m2"]}`, 403, "forbidden_op", "Can not join this chatroom, reason: chatroom small is full!"),
				req("add past maxusers", "POST", "/r1/users", `{"usernames":["m2","m3","m4"]}`, 403, "forbidden_op", "Can not join this chatroom, reason: chatroom r1 is full!"),
				req("add none", "POST", "/r1/users", `{"usernames":[]}`, 400, "invalid_parameter", "usernames must be provided"),
				req("add 61", "POST", "/r1/users", `{"usernames":[`+sixtyOne+`]}`, 400, "invalid_parameter", "usernames size can't exceed limit 60"),
				req("remove from unknown room", "DELETE", "/nope/users/m1", "", 404, "service_resource_not_found", "Service resource not found."),
				req("remove one not in the room", "DELETE", "/r1/users/m2", "", 403, "forbidden_op", "user: m2 doesn't exist in group: r1"),
				req("remove the owner", "DELETE", "/r1/users/owner", "", 403, "forbidden_op", "forbidden operation on chatroom owner!"),
				req("remove 101", "DELETE", "/r1/users/"+userList(101), "", 400, "invalid_parameter", "usernames size can't exceed limit 100"),
			})
		})
	}
}

func TestServer_Chatrooms(t *testing.T) {
	t.Parallel()
	for _, d := range sandbox.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			b := roomBundle(d)(t)
			tok := b.token(t)

			var created struct {
				Data struct {
					ID string `json:"id"`
				} `json:"data"`
			}
			requireOK(t, b.do(t, "POST", "/org/app/chatrooms", tok,
				`{"name":"live","description":"d","maxusers":3,"owner":"owner","members":["m1"],"custom":"c"}`), &created)
			require.NotEmpty(t, created.Data.ID)
			got, ok := b.srv.Room(created.Data.ID)
			require.True(t, ok)
			require.Equal(t, sandbox.Room{ID: created.Data.ID, Name: "live", Owner: "owner", MaxUsers: 3, Members: []string{"m1"}}, got)
			require.Len(t, b.srv.RoomsNamed("live"), 1)

			// A user already in the room counts as added.
			var added struct {
				Data map[string]any `json:"data"`
			}
			requireOK(t, b.do(t, "POST", "/org/app/chatrooms/"+created.Data.ID+"/users", tok, `{"usernames":["m1","m2"]}`), &added)
			require.Equal(t, []any{"m1", "m2"}, added.Data["newmembers"])
			got, _ = b.srv.Room(created.Data.ID)
			require.Equal(t, []string{"m1", "m2"}, got.Members)

			var removed struct {
				Data []map[string]any `json:"data"`
			}
			requireOK(t, b.do(t, "DELETE", "/org/app/chatrooms/"+created.Data.ID+"/users/m2,m3", tok, ""), &removed)
			require.Equal(t, []map[string]any{
				{"result": true, "action": "remove_member", "user": "m2", "id": created.Data.ID},
				{"result": false, "action": "remove_member", "user": "m3", "id": created.Data.ID,
					"reason": "user: m3 doesn't exist in group: " + created.Data.ID},
			}, removed.Data)

			b.srv.AddFault(sandbox.Fault{Endpoint: sandbox.EndpointDeleteRoom, Refuse: true, Times: 1})
			var deleted struct {
				Data map[string]any `json:"data"`
			}
			requireOK(t, b.do(t, "DELETE", "/org/app/chatrooms/"+created.Data.ID, tok, ""), &deleted)
			require.Equal(t, false, deleted.Data["success"], "refused")
			requireOK(t, b.do(t, "DELETE", "/org/app/chatrooms/"+created.Data.ID, tok, ""), &deleted)
			require.Equal(t, true, deleted.Data["success"])
			_, ok = b.srv.Room(created.Data.ID)
			require.False(t, ok, "deleted")
			require.Equal(t, 2, b.srv.Stats().Calls[sandbox.EndpointDeleteRoom])
			require.Equal(t, http.StatusNotFound, b.do(t, "DELETE", "/org/app/chatrooms/"+created.Data.ID, tok, "").status)
		})
	}
}
