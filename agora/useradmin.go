package agora

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/chatq/chatq/tasks"
)

// Codes of the user-management calls' negative 200 answers (see
// RefusedError). A disconnect answering data.result false reports
// CodeResultFalse.
const (
	CodeActivatedTrue  = "activated_true"   // deactivate: the user entity still says activated true
	CodeMuteNotOK      = "result_not_ok"    // global mute: data.result is not "ok"
	CodeMetadataNotSet = "metadata_not_set" // set user attributes: a key sent is missing from data
)

// userPath is "/users/{username}", escaped.
func userPath(username string) string { return "/users/" + url.PathEscape(username) }

// checkUsername refuses an empty username before anything is sent: the
// path would name the user collection instead ("DELETE /users" deletes
// users in bulk).
func checkUsername(op, username string) error {
	if username == "" {
		return fmt.Errorf("agora: %s: empty username: %w", op, ErrInvalidInput)
	}
	return nil
}

// DeleteUser deletes a user with DELETE /users/{username}. A user that does
// not exist is an *APIError (404 service_resource_not_found; Easemob also
// documents 400 "User with id null does not exist"), which the policy
// decides done.
func (c *Client) DeleteUser(ctx context.Context, tok Token, username string) error {
	if err := checkUsername("delete user", username); err != nil {
		return err
	}
	return c.do(ctx, request{method: "DELETE", path: userPath(username), token: tok})
}

// userEntities is the answer of deactivate: the user with its state.
type userEntities struct {
	Entities []struct {
		Username  string `json:"username"`
		Activated *bool  `json:"activated"`
	} `json:"entities"`
}

// DeactivateUser bans a user with POST /users/{username}/deactivate. The
// answer's entity must say activated false: true is a *RefusedError
// (CodeActivatedTrue), no entity wraps ErrMalformedResponse. Deactivating
// a deactivated user answers the same (nothing documents an error for it).
func (c *Client) DeactivateUser(ctx context.Context, tok Token, username string) error {
	if err := checkUsername("deactivate user", username); err != nil {
		return err
	}
	path := userPath(username) + "/deactivate"
	var out userEntities
	if err := c.do(ctx, request{method: "POST", path: path, token: tok, out: &out}); err != nil {
		return err
	}
	op := "POST " + path
	if len(out.Entities) == 0 || out.Entities[0].Activated == nil {
		return fmt.Errorf("agora: %s: no entities[0].activated in response: %w", op, ErrMalformedResponse)
	}
	if *out.Entities[0].Activated {
		return &RefusedError{Op: op, Code: CodeActivatedTrue, Description: "entities[0].activated is true"}
	}
	return nil
}

// ActivateUser lifts a ban with POST /users/{username}/activate. The
// documented answer carries nothing but its action ("activate user"), so a
// 200 is the confirmation; activating an active user answers the same.
func (c *Client) ActivateUser(ctx context.Context, tok Token, username string) error {
	if err := checkUsername("activate user", username); err != nil {
		return err
	}
	return c.do(ctx, request{method: "POST", path: userPath(username) + "/activate", token: tok})
}

// DisconnectUser forces a user offline with GET /users/{username}/disconnect
// (GET as the Easemob page, its Java SDK and Agora's own example and answer
// ("action":"get") have it; Agora's request heading says POST). data.result
// false is a *RefusedError (CodeResultFalse): Easemob documents false as "not
// forced offline", which the policy decides (an offline user).
func (c *Client) DisconnectUser(ctx context.Context, tok Token, username string) error {
	if err := checkUsername("disconnect user", username); err != nil {
		return err
	}
	path := userPath(username) + "/disconnect"
	var out struct {
		Data struct {
			Result *bool `json:"result"`
		} `json:"data"`
	}
	if err := c.do(ctx, request{method: "GET", path: path, token: tok, out: &out}); err != nil {
		return err
	}
	return confirmed("GET "+path, "data.result", out.Data.Result, CodeResultFalse)
}

// MuteUser sets a user's global mute with POST /mutes (body: p, whose JSON
// is the provider's shape). data.result must be "ok": anything else is a
// *RefusedError (CodeMuteNotOK), none wraps ErrMalformedResponse.
func (c *Client) MuteUser(ctx context.Context, tok Token, p tasks.MuteUser) error {
	if err := checkUsername("mute user", p.Username); err != nil {
		return err
	}
	var out struct {
		Data struct {
			Result *string `json:"result"`
		} `json:"data"`
	}
	if err := c.do(ctx, request{method: "POST", path: "/mutes", token: tok, body: p, out: &out}); err != nil {
		return err
	}
	switch r := out.Data.Result; {
	case r == nil:
		return fmt.Errorf("agora: POST /mutes: no data.result in response: %w", ErrMalformedResponse)
	case *r != "ok":
		return &RefusedError{Op: "POST /mutes", Code: CodeMuteNotOK,
			Description: "data.result is " + sanitize(fmt.Sprintf("%q", *r), snippetLen)}
	}
	return nil
}

// SetUserMetadata sets attributes with PUT /metadata/user/{username} and a
// form-urlencoded body (tasks.MetadataForm). The answer's data lists the
// attributes set: a key sent and missing there is a *RefusedError
// (CodeMetadataNotSet) naming the keys, never their values (user data stays
// out of logs); no data at all wraps ErrMalformedResponse.
func (c *Client) SetUserMetadata(ctx context.Context, tok Token, username string, md map[string]string) error {
	if err := checkUsername("set user metadata", username); err != nil {
		return err
	}
	if len(md) == 0 {
		return fmt.Errorf("agora: set user metadata: no attributes: %w", ErrInvalidInput)
	}
	path := "/metadata/user/" + url.PathEscape(username)
	var out struct {
		Data map[string]any `json:"data"`
	}
	err := c.do(ctx, request{method: "PUT", path: path, token: tok, form: metadataForm(md), out: &out})
	if err != nil {
		return err
	}
	op := "PUT " + path
	if out.Data == nil {
		return fmt.Errorf("agora: %s: no data in response: %w", op, ErrMalformedResponse)
	}
	var missing []string
	for _, k := range slices.Sorted(maps.Keys(md)) {
		if _, ok := out.Data[k]; !ok {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return &RefusedError{Op: op, Code: CodeMetadataNotSet,
			Description: sanitize("data lacks "+strings.Join(missing, ", "), fieldLen)}
	}
	return nil
}

// metadataForm is the attributes call's form body. url.Values encodes its
// keys sorted, so a retry sends the same bytes.
func metadataForm(md map[string]string) url.Values {
	v := make(url.Values, len(md))
	for k, s := range md {
		v.Set(k, s)
	}
	return v
}
