package agora

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/chatq/chatq/tasks"
)

// UpdateGroup modifies a group with PUT /chatgroups/{g}, whose body is the
// payload's fields without group_id. The answer says per field whether
// it was applied (data.groupname: true, …): every field sent must be
// answered true (or, for a text field, with the value sent), otherwise
// the answer is a *RefusedError (CodeNotUpdated) naming the fields that
// were not.
func (c *Client) UpdateGroup(ctx context.Context, tok Token, p tasks.UpdateGroup) error {
	if err := p.Validate(tasks.Limits{}); err != nil {
		return fmt.Errorf("agora: update group: %w: %w", ErrInvalidInput, err)
	}
	// encoding/json lets the shallower, empty group_id win and omits it.
	body := struct {
		tasks.UpdateGroup
		GroupID string `json:"group_id,omitempty"`
	}{UpdateGroup: p}
	var out struct {
		Data map[string]json.RawMessage `json:"data"`
	}
	path := groupPath(p.GroupID)
	if err := c.do(ctx, request{method: "PUT", path: path, token: tok, body: body, out: &out}); err != nil {
		return err
	}
	if out.Data == nil {
		return fmt.Errorf("agora: PUT %s: no data in response: %w", path, ErrMalformedResponse)
	}
	// The text fields sent, which an answer may echo instead of true.
	sent := map[string]*string{"groupname": p.GroupName, "description": p.Description, "avatar": p.Avatar, "custom": p.Custom}
	var refused []string
	for _, f := range p.Fields() {
		if !applied(out.Data[f], sent[f]) {
			refused = append(refused, f)
		}
	}
	if len(refused) > 0 {
		return &RefusedError{Op: "PUT " + path, Code: CodeNotUpdated,
			Description: fmt.Sprintf("fields not confirmed updated: %v", refused)}
	}
	return nil
}

// applied reports whether a field's answer confirms it: true, or the value
// sent echoed back (the page types groupname and description as String).
func applied(answer json.RawMessage, sent *string) bool {
	var v any
	if json.Unmarshal(answer, &v) != nil {
		return false
	}
	if b, ok := v.(bool); ok {
		return b
	}
	s, ok := v.(string)
	return ok && sent != nil && s == *sent
}
