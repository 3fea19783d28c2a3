package agora

import (
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/chatq/chatq/tasks"
	"github.com/stretchr/testify/require"
)

var testCreateGroup = tasks.CreateGroup{GroupName: "g", Owner: "owner1"}

func TestClient_CreateGroup(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{})
	yes, no := true, false
	p := tasks.CreateGroup{
		GroupName: "team", Description: "d", Public: &yes, MaxUsers: 300, AllowInvites: &no, MembersOnly: &yes,
		InviteNeedConfirm: &no, Owner: "owner1", Members: []string{"m1", "m2"}, Avatar: "https://a/b.png", Custom: "c",
	}
	b.mux.HandleFunc("/org/app/chatgroups", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "POST", "/org/app/chatgroups", true)
		testBody(t, r, `{"groupname":"team","description":"d","public":true,"maxusers":300,"allowinvites":false,
			"membersonly":true,"invite_need_confirm":false,"owner":"owner1","members":["m1","m2"],
			"avatar":"https://a/b.png","custom":"c"}`)
		writeJSON(t, w, http.StatusOK, `{"action":"post","entities":[],"data":{"groupid":"6602XXXX783617"}}`)
	})
	got, err := b.client.CreateGroup(t.Context(), testToken, p, "")
	require.NoError(t, err)
	require.Equal(t, "6602XXXX783617", got)
}

func TestClient_DeleteGroup(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		groupID  string
		wantPath string
	}{
		{name: "plain", groupID: "184524748161025", wantPath: "/org/app/chatgroups/184524748161025"},
		{name: "escaped", groupID: "a/b?c d", wantPath: "/org/app/chatgroups/a%2Fb%3Fc%20d"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, Config{})
			var called atomic.Bool
			b.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
				called.Store(true)
				testRequest(t, r, "DELETE", tt.wantPath, true)
				testNoBody(t, r)
				writeJSON(t, w, http.StatusOK, `{"data":{"success":true,"groupid":"x"}}`)
			})
			require.NoError(t, b.client.DeleteGroup(t.Context(), testToken, tt.groupID))
			require.True(t, called.Load(), "the server got no request")
		})
	}
}

func TestClient_AddGroupMembers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		usernames []string
		wantPath  string
		wantBody  string // "" = no body
		response  string
		want      AddMembersResult
	}{
		{
			name: "one user: path", usernames: []string{"user1"}, wantPath: "/org/app/chatgroups/g1/users/user1",
			response: `{"data":{"result":true,"groupid":"g1","action":"add_member","user":"user1"}}`,
			want:     AddMembersResult{Added: []string{"user1"}},
		},
		{
			name: "several: body", usernames: []string{"user1", "user2"}, wantPath: "/org/app/chatgroups/g1/users",
			wantBody: `{"usernames":["user1","user2"]}`,
			response: `{"data":{"newmembers":["user1","user2"],"groupid":"g1","action":"add_member"}}`,
			want:     AddMembersResult{Added: []string{"user1", "user2"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, Config{})
			b.mux.HandleFunc(tt.wantPath, func(w http.ResponseWriter, r *http.Request) {
				testRequest(t, r, "POST", tt.wantPath, true)
				if tt.wantBody == "" {
					testNoBody(t, r)
				} else {
					testBody(t, r, tt.wantBody)
				}
				writeJSON(t, w, http.StatusOK, tt.response)
			})
			got, err := b.client.AddGroupMembers(t.Context(), testToken, "g1", tt.usernames)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestClient_RemoveGroupMembers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		usernames []string
		wantPath  string
		response  string
		want      RemoveMembersResult
	}{
		{
			name: "one user: object", usernames: []string{"user1"}, wantPath: "/org/app/chatgroups/g1/users/user1",
			response: `{"data":{"result":true,"action":"remove_member","user":"user1","groupid":"g1"}}`,
			want:     RemoveMembersResult{Removed: []string{"user1"}},
		},
		{
			name: "several: array with a partial failure", usernames: []string{"user1", "user2", "user3"},
			wantPath: "/org/app/chatgroups/g1/users/user1,user2,user3",
			response: `{"data":[
				{"result":true,"action":"remove_member","user":"user1","groupid":"g1"},
				{"result":false,"action":"remove_member","reason":"user: user2 doesn't exist in group: g1","user":"user2","groupid":"g1"},
				{"result":true,"action":"remove_member","user":"user3","groupid":"g1"}]}`,
			want: RemoveMembersResult{Removed: []string{"user1", "user3"},
				Failed: []ItemFailure{{Username: "user2", Code: CodeResultFalse, Reason: "user: user2 doesn't exist in group: g1"}}},
		},
		{
			// The documentation's own example: the failed row names a user
			// that was not sent. It is the only user left without a result.
			name: "several: a failed row names another user", usernames: []string{"user1", "User2"},
			wantPath: "/org/app/chatgroups/g1/users/user1,User2",
			response: `{"data":[{"result":true,"user":"user1"},{"result":false,"reason":"user: x doesn't exist","user":"x"}]}`,
			want: RemoveMembersResult{Removed: []string{"user1"},
				Failed: []ItemFailure{{Username: "User2", Code: CodeResultFalse, Reason: "user: x doesn't exist"}}},
		},
		{
			name: "several: a true row for another user is no removal", usernames: []string{"user1", "user2"},
			wantPath: "/org/app/chatgroups/g1/users/user1,user2",
			response: `{"data":[{"result":true,"user":"user1"},{"result":true,"user":"x"}]}`,
			want: RemoveMembersResult{Removed: []string{"user1"},
				Failed: []ItemFailure{{Username: "user2", Code: CodeNoResult, Reason: noResult}}},
		},
		{
			name: "several: two stray rows decide nobody", usernames: []string{"a", "b", "c"},
			wantPath: "/org/app/chatgroups/g1/users/a,b,c",
			response: `{"data":[{"result":true,"user":"a"},{"result":false,"user":"x"},{"result":false,"user":"y"},{"result":true,"user":"a"}]}`,
			want: RemoveMembersResult{Removed: []string{"a"}, Failed: []ItemFailure{
				{Username: "b", Code: CodeNoResult, Reason: noResult}, {Username: "c", Code: CodeNoResult, Reason: noResult}}},
		},
		{
			name: "several: a row without result", usernames: []string{"a", "b"},
			wantPath: "/org/app/chatgroups/g1/users/a,b",
			response: `{"data":[{"result":true,"user":"a"},{"user":"b"}]}`,
			want:     RemoveMembersResult{Removed: []string{"a"}, Failed: []ItemFailure{{Username: "b", Code: CodeNoResult, Reason: noResult}}},
		},
		{
			name: "lower-cased by the provider", usernames: []string{"User1", "user2"},
			wantPath: "/org/app/chatgroups/g1/users/User1,user2",
			response: `{"data":[{"result":true,"user":"user1"},{"result":true,"user":"user2"}]}`,
			want:     RemoveMembersResult{Removed: []string{"User1", "user2"}},
		},
		{
			name: "comma in a username is escaped", usernames: []string{"a,b", "c"},
			wantPath: "/org/app/chatgroups/g1/users/a%2Cb,c",
			response: `{"data":[{"result":true,"user":"a,b"},{"result":true,"user":"c"}]}`,
			want:     RemoveMembersResult{Removed: []string{"a,b", "c"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, Config{})
			var called atomic.Bool
			b.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
				called.Store(true)
				testRequest(t, r, "DELETE", tt.wantPath, true)
				testNoBody(t, r)
				writeJSON(t, w, http.StatusOK, tt.response)
			})
			got, err := b.client.RemoveGroupMembers(t.Context(), testToken, "g1", tt.usernames)
			require.NoError(t, err)
			require.True(t, called.Load(), "the server got no request")
			require.Equal(t, tt.want, got)
		})
	}
}

func TestClient_RemoveGroupMembers_malformed(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{})
	b.mux.HandleFunc("/org/app/chatgroups/g1/users/a,b", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, http.StatusOK, `{"data":"nope"}`)
	})
	_, err := b.client.RemoveGroupMembers(t.Context(), testToken, "g1", []string{"a", "b"})
	require.ErrorIs(t, err, ErrMalformedResponse)
}

func TestClient_TransferGroupOwner(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{})
	b.mux.HandleFunc("/org/app/chatgroups/g1", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "PUT", "/org/app/chatgroups/g1", true)
		testBody(t, r, `{"newowner":"user2"}`)
		writeJSON(t, w, http.StatusOK, `{"data":{"newowner":true}}`)
	})
	require.NoError(t, b.client.TransferGroupOwner(t.Context(), testToken, "g1", "user2"))
}

func TestClient_groups_invalidInput(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{})
	b.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
	})
	ctx, c := t.Context(), b.client
	tests := []struct {
		name string
		call func() error
	}{
		{name: "delete: empty group", call: func() error { return c.DeleteGroup(ctx, testToken, "") }},
		{name: "add: no users", call: func() error { _, err := c.AddGroupMembers(ctx, testToken, "g", nil); return err }},
		{name: "add: 61 users", call: func() error {
			_, err := c.AddGroupMembers(ctx, testToken, "g", make([]string, 61))
			return err
		}},
		{name: "remove: empty username", call: func() error {
			_, err := c.RemoveGroupMembers(ctx, testToken, "g", []string{"a", ""})
			return err
		}},
		{name: "remove: empty group", call: func() error {
			_, err := c.RemoveGroupMembers(ctx, testToken, "", []string{"a"})
			return err
		}},
		{name: "transfer: empty owner", call: func() error { return c.TransferGroupOwner(ctx, testToken, "g", "") }},
	}
	for _, tt := range tests {
		require.ErrorIs(t, tt.call(), ErrInvalidInput, tt.name)
	}
}

// TestClient_refusedAnswers checks that a 200 whose data says no is a
// *RefusedError, and one that says nothing is malformed: only the
// provider's explicit yes is success.
func TestClient_refusedAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		path     string
		response string
		call     func(c *Client) error
		wantCode string // "" = ErrMalformedResponse
	}{
		{name: "delete: success false", path: "/org/app/chatgroups/g1", response: `{"data":{"success":false,"groupid":"g1"}}`,
			call: func(c *Client) error { return c.DeleteGroup(t.Context(), testToken, "g1") }, wantCode: CodeSuccessFalse},
		{name: "delete: no success", path: "/org/app/chatgroups/g1", response: `{"data":{"groupid":"g1"}}`,
			call: func(c *Client) error { return c.DeleteGroup(t.Context(), testToken, "g1") }},
		{name: "transfer: newowner false", path: "/org/app/chatgroups/g1", response: `{"data":{"newowner":false}}`,
			call: func(c *Client) error { return c.TransferGroupOwner(t.Context(), testToken, "g1", "u2") }, wantCode: CodeNewOwnerFalse},
		{name: "transfer: empty data", path: "/org/app/chatgroups/g1", response: `{"data":{}}`,
			call: func(c *Client) error { return c.TransferGroupOwner(t.Context(), testToken, "g1", "u2") }},
		{name: "add one: result false", path: "/org/app/chatgroups/g1/users/u2", response: `{"data":{"result":false,"user":"u2"}}`,
			call: func(c *Client) error {
				_, err := c.AddGroupMembers(t.Context(), testToken, "g1", []string{"u2"})
				return err
			}, wantCode: CodeResultFalse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, Config{})
			b.mux.HandleFunc(tt.path, func(w http.ResponseWriter, r *http.Request) {
				writeJSON(t, w, http.StatusOK, tt.response)
			})
			err := tt.call(b.client)
			if tt.wantCode == "" {
				require.ErrorIs(t, err, ErrMalformedResponse)
				return
			}
			var refused *RefusedError
			require.ErrorAs(t, err, &refused)
			require.Equal(t, tt.wantCode, refused.Code)
			require.Contains(t, err.Error(), "200 "+tt.wantCode)
		})
	}
}

// TestClient_CreateGroupByDialect checks the create body each dialect gets:
// public always present, and a custom group id derived from the key only
// where the dialect takes one.
func TestClient_CreateGroupByDialect(t *testing.T) {
	t.Parallel()
	derived := DerivedGroupID("task-1")
	require.Len(t, derived, 18)
	require.Equal(t, derived, DerivedGroupID("task-1"), "stable")
	require.NotEqual(t, derived, DerivedGroupID("task-2"))
	tests := []struct {
		name     string
		dialect  Dialect
		groupID  string
		key      string
		wantBody string // "" = refused before sending
	}{
		{name: "agora: public defaults to false", dialect: DialectAgora, key: "task-1",
			wantBody: `{"groupname":"g","owner":"owner1","public":false}`},
		{name: "easemob: derived id", dialect: DialectEasemob, key: "task-1",
			wantBody: `{"groupid":"` + derived + `","groupname":"g","owner":"owner1","public":false}`},
		{name: "easemob: the payload's id wins", dialect: DialectEasemob, groupID: "mine", key: "task-1",
			wantBody: `{"groupid":"mine","groupname":"g","owner":"owner1","public":false}`},
		{name: "easemob: no key, no id", dialect: DialectEasemob,
			wantBody: `{"groupname":"g","owner":"owner1","public":false}`},
		{name: "agora: a custom id is refused", dialect: DialectAgora, groupID: "mine"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, Config{Dialect: tt.dialect})
			b.mux.HandleFunc("/org/app/chatgroups", func(w http.ResponseWriter, r *http.Request) {
				if tt.wantBody == "" {
					t.Errorf("unexpected request")
				}
				testBody(t, r, tt.wantBody)
				writeJSON(t, w, http.StatusOK, `{"data":{"groupid":"1"}}`)
			})
			p := testCreateGroup
			p.GroupID = tt.groupID
			_, err := b.client.CreateGroup(t.Context(), testToken, p, tt.key)
			if tt.wantBody == "" {
				require.ErrorIs(t, err, ErrInvalidInput)
				return
			}
			require.NoError(t, err)
		})
	}
}
