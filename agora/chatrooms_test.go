package agora

import (
	"errors"
	"net/http"
	"testing"

	"github.com/chatq/chatq/tasks"
	"github.com/stretchr/testify/require"
)

// The chat room calls are the same in both dialects; every test runs in each.
var testDialects = []Dialect{DialectAgora, DialectEasemob}

func TestClient_CreateChatroom(t *testing.T) {
	t.Parallel()
	for _, d := range testDialects {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			b := setup(t, Config{Dialect: d})
			p := tasks.CreateChatroom{Name: "live", Description: "d", MaxUsers: 300, Owner: "owner1", Members: []string{"m1"}, Custom: "c"}
			b.mux.HandleFunc("/org/app/chatrooms", func(w http.ResponseWriter, r *http.Request) {
				testRequest(t, r, "POST", "/org/app/chatrooms", true)
				testBody(t, r, `{"name":"live","description":"d","maxusers":300,"owner":"owner1","members":["m1"],"custom":"c"}`)
				writeJSON(t, w, http.StatusOK, `{"data":{"id":"66213271109633"}}`)
			})
			got, err := b.client.CreateChatroom(t.Context(), testToken, p)
			require.NoError(t, err)
			require.Equal(t, "66213271109633", got)
		})
	}
}

func TestClient_CreateChatroom_noID(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{})
	b.mux.HandleFunc("/org/app/chatrooms", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, http.StatusOK, `{"data":{}}`)
	})
	_, err := b.client.CreateChatroom(t.Context(), testToken, tasks.CreateChatroom{Name: "n", Description: "d", Owner: "o"})
	require.ErrorIs(t, err, ErrMalformedResponse)
}

func TestClient_DeleteChatroom(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		response string
		wantCode string // "" = success; "malformed" = ErrMalformedResponse
	}{
		{name: "deleted", response: `{"data":{"success":true,"id":"r/1"}}`},
		{name: "refused", response: `{"data":{"success":false,"id":"r/1"}}`, wantCode: CodeSuccessFalse},
		{name: "silent", response: `{"data":{"id":"r/1"}}`, wantCode: "malformed"},
	}
	for _, d := range testDialects {
		for _, tt := range tests {
			t.Run(string(d)+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				b := setup(t, Config{Dialect: d})
				b.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
					testRequest(t, r, "DELETE", "/org/app/chatrooms/r%2F1", true)
					testNoBody(t, r)
					writeJSON(t, w, http.StatusOK, tt.response)
				})
				err := b.client.DeleteChatroom(t.Context(), testToken, "r/1")
				var refused *RefusedError
				switch tt.wantCode {
				case "":
					require.NoError(t, err)
				case "malformed":
					require.ErrorIs(t, err, ErrMalformedResponse)
				default:
					require.True(t, errors.As(err, &refused), "got %v, want a *RefusedError", err)
					require.Equal(t, tt.wantCode, refused.Code)
				}
			})
		}
	}
}

func TestClient_AddChatroomMembers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		usernames []string
		wantBody  string
		response  string
		want      AddMembersResult
	}{
		// One user goes through the batch call too: its answer confirms a
		// user already in the room as added.
		{name: "one", usernames: []string{"user1"}, wantBody: `{"usernames":["user1"]}`,
			response: `{"data":{"newmembers":["user1"],"action":"add_member","id":"r1"}}`,
			want:     AddMembersResult{Added: []string{"user1"}}},
		{name: "some left out", usernames: []string{"user1", "user2"}, wantBody: `{"usernames":["user1","user2"]}`,
			response: `{"data":{"newmembers":["user2"],"action":"add_member","id":"r1"}}`,
			want:     AddMembersResult{Added: []string{"user2"}}},
	}
	for _, d := range testDialects {
		for _, tt := range tests {
			t.Run(string(d)+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				b := setup(t, Config{Dialect: d})
				b.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
					testRequest(t, r, "POST", "/org/app/chatrooms/r1/users", true)
					testBody(t, r, tt.wantBody)
					writeJSON(t, w, http.StatusOK, tt.response)
				})
				got, err := b.client.AddChatroomMembers(t.Context(), testToken, "r1", tt.usernames)
				require.NoError(t, err)
				require.Equal(t, tt.want, got)
			})
		}
	}
}

func TestClient_RemoveChatroomMembers(t *testing.T) {
	t.Parallel()
	for _, d := range testDialects {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			b := setup(t, Config{Dialect: d})
			b.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
				testRequest(t, r, "DELETE", "/org/app/chatrooms/r1/users/user1,user2,user3", true)
				// The documentation's example: a failed row, a removed one;
				// user3 has no row at all.
				writeJSON(t, w, http.StatusOK, `{"data":[
					{"result":false,"action":"remove_member","reason":"user: user1 doesn't exist in group: r1","user":"user1","id":"r1"},
					{"result":true,"action":"remove_member","user":"user2","id":"r1"}]}`)
			})
			got, err := b.client.RemoveChatroomMembers(t.Context(), testToken, "r1", []string{"user1", "user2", "user3"})
			require.NoError(t, err)
			require.Equal(t, []string{"user2"}, got.Removed)
			require.Equal(t, []ItemFailure{
				{Username: "user1", Code: CodeResultFalse, Reason: "user: user1 doesn't exist in group: r1"},
				{Username: "user3", Code: CodeNoResult, Reason: noResult},
			}, got.Failed)
		})
	}
}

func TestClient_chatroomInvalidInput(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{})
	b.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
	})
	ctx := t.Context()
	tests := []struct {
		name string
		call func() error
	}{
		{"delete empty id", func() error { return b.client.DeleteChatroom(ctx, testToken, "") }},
		{"add none", func() error { _, err := b.client.AddChatroomMembers(ctx, testToken, "r", nil); return err }},
		{"add 61", func() error {
			_, err := b.client.AddChatroomMembers(ctx, testToken, "r", make([]string, 61))
			return err
		}},
		{"add empty name", func() error { _, err := b.client.AddChatroomMembers(ctx, testToken, "r", []string{""}); return err }},
		{"remove 101", func() error {
			_, err := b.client.RemoveChatroomMembers(ctx, testToken, "r", make([]string, 101))
			return err
		}},
		{"remove empty id", func() error { _, err := b.client.RemoveChatroomMembers(ctx, testToken, "", []string{"u"}); return err }},
	}
	for _, tt := range tests {
		require.ErrorIs(t, tt.call(), ErrInvalidInput, tt.name)
	}
}
