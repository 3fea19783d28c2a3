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
	got, err := b.client.CreateGroup(t.Context(), testToken, p)
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
			name: "one user: result false", usernames: []string{"user1"}, wantPath: "/org/app/chatgroups/g1/users/user1",
			response: `{"data":{"result":false,"groupid":"g1","action":"add_member","user":"user1"}}`,
			want:     AddMembersResult{},
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
				Failed: []ItemFailure{{Username: "user2", Reason: "user: user2 doesn't exist in group: g1"}}},
		},
		{
			name: "several: a user missing from the answer", usernames: []string{"user1", "User2"},
			wantPath: "/org/app/chatgroups/g1/users/user1,User2",
			response: `{"data":[{"result":true,"user":"user1"},{"result":false,"user":"x"}]}`,
			want: RemoveMembersResult{Removed: []string{"user1"},
				Failed: []ItemFailure{{Username: "x", Reason: "result false"}, {Username: "User2", Reason: noResult}}},
		},
		{
			name: "lower-cased by the provider", usernames: []string{"User1", "user2"},
			wantPath: "/org/app/chatgroups/g1/users/User1,user2",
			response: `{"data":[{"result":true,"user":"user1"},{"result":true,"user":"user2"}]}`,
			want:     RemoveMembersResult{Removed: []string{"user1", "user2"}},
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
