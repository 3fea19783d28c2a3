package agora

import (
	"context"
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/chatq/chatq/tasks"
	"github.com/stretchr/testify/require"
)

// TestClient_userAdmin drives each user-management call against a fresh
// mux: the method, path and body sent, and how each documented answer
// (and its negative 200s) comes back.
func TestClient_userAdmin(t *testing.T) {
	t.Parallel()
	muteBody := `{"username":"u1","chat":0,"groupchat":-1}`
	mute := tasks.MuteUser{Username: "u1", Chat: tasks.Secs(0), GroupChat: tasks.Secs(-1)}
	md := map[string]string{"nickname": "A b", "ext": "x&y"}
	tests := []struct {
		name       string
		call       func(context.Context, *Client) error
		wantMethod string
		wantPath   string
		wantBody   string // JSON; "" = none
		wantForm   string // form body; "" = none
		response   string
		wantCode   string // a *RefusedError's Code; "" = no refusal
		wantErr    error  // errors.Is target
	}{
		{name: "delete", call: func(ctx context.Context, c *Client) error { return c.DeleteUser(ctx, testToken, "u1") },
			wantMethod: "DELETE", wantPath: "/org/app/users/u1",
			response: `{"action":"delete","entities":[{"username":"u1","activated":true}]}`},
		{name: "deactivate", call: func(ctx context.Context, c *Client) error { return c.DeactivateUser(ctx, testToken, "u1") },
			wantMethod: "POST", wantPath: "/org/app/users/u1/deactivate",
			response: `{"action":"Deactivate user","entities":[{"username":"u1","activated":false}]}`},
		{name: "deactivate still active", call: func(ctx context.Context, c *Client) error { return c.DeactivateUser(ctx, testToken, "u1") },
			wantMethod: "POST", wantPath: "/org/app/users/u1/deactivate",
			response: `{"action":"Deactivate user","entities":[{"username":"u1","activated":true}]}`, wantCode: CodeActivatedTrue},
		{name: "deactivate without entity", call: func(ctx context.Context, c *Client) error { return c.DeactivateUser(ctx, testToken, "u1") },
			wantMethod: "POST", wantPath: "/org/app/users/u1/deactivate",
			response: `{"action":"Deactivate user"}`, wantErr: ErrMalformedResponse},
		{name: "activate", call: func(ctx context.Context, c *Client) error { return c.ActivateUser(ctx, testToken, "u1") },
			wantMethod: "POST", wantPath: "/org/app/users/u1/activate", response: `{"action":"activate user"}`},
		{name: "disconnect", call: func(ctx context.Context, c *Client) error { return c.DisconnectUser(ctx, testToken, "u1") },
			wantMethod: "GET", wantPath: "/org/app/users/u1/disconnect", response: `{"action":"get","data":{"result":true}}`},
		{name: "disconnect false", call: func(ctx context.Context, c *Client) error { return c.DisconnectUser(ctx, testToken, "u1") },
			wantMethod: "GET", wantPath: "/org/app/users/u1/disconnect", response: `{"data":{"result":false}}`, wantCode: CodeResultFalse},
		{name: "disconnect no result", call: func(ctx context.Context, c *Client) error { return c.DisconnectUser(ctx, testToken, "u1") },
			wantMethod: "GET", wantPath: "/org/app/users/u1/disconnect", response: `{"data":{}}`, wantErr: ErrMalformedResponse},
		{name: "mute", call: func(ctx context.Context, c *Client) error { return c.MuteUser(ctx, testToken, mute) },
			wantMethod: "POST", wantPath: "/org/app/mutes", wantBody: muteBody, response: `{"data":{"result":"ok"}}`},
		{name: "mute not ok", call: func(ctx context.Context, c *Client) error { return c.MuteUser(ctx, testToken, mute) },
			wantMethod: "POST", wantPath: "/org/app/mutes", wantBody: muteBody, response: `{"data":{"result":"fail"}}`, wantCode: CodeMuteNotOK},
		{name: "mute no result", call: func(ctx context.Context, c *Client) error { return c.MuteUser(ctx, testToken, mute) },
			wantMethod: "POST", wantPath: "/org/app/mutes", wantBody: muteBody, response: `{}`, wantErr: ErrMalformedResponse},
		{name: "metadata", call: func(ctx context.Context, c *Client) error { return c.SetUserMetadata(ctx, testToken, "u1", md) },
			wantMethod: "PUT", wantPath: "/org/app/metadata/user/u1", wantForm: "ext=x%26y&nickname=A+b",
			response: `{"timestamp":1,"data":{"ext":"x&y","nickname":"A b"},"duration":1}`},
		{name: "metadata key missing", call: func(ctx context.Context, c *Client) error { return c.SetUserMetadata(ctx, testToken, "u1", md) },
			wantMethod: "PUT", wantPath: "/org/app/metadata/user/u1", wantForm: "ext=x%26y&nickname=A+b",
			response: `{"data":{"ext":"x&y"}}`, wantCode: CodeMetadataNotSet},
		{name: "metadata no data", call: func(ctx context.Context, c *Client) error { return c.SetUserMetadata(ctx, testToken, "u1", md) },
			wantMethod: "PUT", wantPath: "/org/app/metadata/user/u1", wantForm: "ext=x%26y&nickname=A+b",
			response: `{"timestamp":1}`, wantErr: ErrMalformedResponse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, Config{})
			b.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
				testRequest(t, r, tt.wantMethod, tt.wantPath, true)
				switch {
				case tt.wantBody != "":
					testBody(t, r, tt.wantBody)
				case tt.wantForm != "":
					testForm(t, r, tt.wantForm)
				default:
					testNoBody(t, r)
				}
				writeJSON(t, w, http.StatusOK, tt.response)
			})
			err := tt.call(t.Context(), b.client)
			switch {
			case tt.wantCode != "":
				var refused *RefusedError
				require.ErrorAs(t, err, &refused)
				require.Equal(t, tt.wantCode, refused.Code)
			case tt.wantErr != nil:
				require.ErrorIs(t, err, tt.wantErr)
			default:
				require.NoError(t, err)
			}
		})
	}
}

// TestClient_userAdminRefusedBeforeSending: an empty username would name
// the user collection ("DELETE /users" deletes users in bulk), a dot
// segment another resource.
func TestClient_userAdminRefusedBeforeSending(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{})
	b.mux.HandleFunc("/", func(http.ResponseWriter, *http.Request) { t.Error("a request was sent") })
	ctx := t.Context()
	for name, err := range map[string]error{
		"delete empty":     b.client.DeleteUser(ctx, testToken, ""),
		"delete dot":       b.client.DeleteUser(ctx, testToken, ".."),
		"deactivate empty": b.client.DeactivateUser(ctx, testToken, ""),
		"activate empty":   b.client.ActivateUser(ctx, testToken, ""),
		"disconnect empty": b.client.DisconnectUser(ctx, testToken, ""),
		"mute empty":       b.client.MuteUser(ctx, testToken, tasks.MuteUser{}),
		"metadata none":    b.client.SetUserMetadata(ctx, testToken, "u1", nil),
	} {
		require.True(t, errors.Is(err, ErrInvalidInput), "%s: got %v, want ErrInvalidInput", name, err)
	}
}

// TestClient_userNotFound: the provider's 404 comes back as an *APIError.
func TestClient_userNotFound(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{})
	b.mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(t, w, http.StatusNotFound, `{"error":"service_resource_not_found","error_description":"Service resource not found"}`)
	})
	var apiErr *APIError
	require.ErrorAs(t, b.client.DeleteUser(t.Context(), testToken, "ghost"), &apiErr)
	require.Equal(t, http.StatusNotFound, apiErr.Status)
	require.Equal(t, "service_resource_not_found", apiErr.Code)
}

// testForm checks that the body is exactly want, sent as a form.
func testForm(t *testing.T, r *http.Request, want string) {
	t.Helper()
	if got := r.Header.Get("Content-Type"); got != "application/x-www-form-urlencoded" {
		t.Errorf("header Content-Type: got %q, want application/x-www-form-urlencoded", got)
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Errorf("reading body: %v", err)
		return
	}
	if string(b) != want {
		t.Errorf("body: got %q, want %q", b, want)
	}
}
