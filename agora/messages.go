package agora

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/chatq/chatq/tasks"
)

// SendResult is the answer of a send.
type SendResult struct {
	MessageIDs map[string]string // recipient (username, group id or room id) -> message id
}

// sendBody is the provider's send-message body: the payload without Target,
// which is in the path.
type sendBody struct {
	From       string          `json:"from,omitempty"`
	To         []string        `json:"to"`
	Type       string          `json:"type"`
	Body       json.RawMessage `json:"body"`
	Ext        json.RawMessage `json:"ext,omitempty"`
	SyncDevice *bool           `json:"sync_device,omitempty"`
	RouteType  string          `json:"routetype,omitempty"`

	NeedGroupAck     *bool    `json:"need_group_ack,omitempty"`
	ChatroomMsgLevel string   `json:"chatroom_msg_level,omitempty"`
	RoamIgnoreUsers  []string `json:"roam_ignore_users,omitempty"`
}

// sendResponse is the 200 answer of a send: "data" maps each recipient to
// its message id.
type sendResponse struct {
	Data map[string]json.RawMessage `json:"data"`
}

// messageTargets are the values of SendMessage.Target, each a path segment.
var messageTargets = map[string]bool{"users": true, "chatgroups": true, "chatrooms": true}

// SendMessage sends p with POST /messages/{target}. The body is the
// provider's shape (from, to, type, body, ext, sync_device, routetype,
// need_group_ack, chatroom_msg_level, roam_ignore_users); a location's lat
// and lng go as strings, as both providers type them. An unknown Target
// wraps ErrInvalidInput and sends nothing.
func (c *Client) SendMessage(ctx context.Context, tok Token, p tasks.SendMessage) (SendResult, error) {
	if !messageTargets[p.Target] {
		return SendResult{}, fmt.Errorf("agora: send message: target %q: must be users, chatgroups or chatrooms: %w", p.Target, ErrInvalidInput)
	}
	var out sendResponse
	err := c.do(ctx, request{
		method: "POST",
		path:   "/messages/" + url.PathEscape(p.Target),
		token:  tok,
		body: sendBody{
			From: p.From, To: p.To, Type: p.Type, Body: wireBody(p.Type, p.Body), Ext: p.Ext,
			SyncDevice: p.SyncDevice, RouteType: p.RouteType,
			NeedGroupAck: p.NeedGroupAck, ChatroomMsgLevel: p.ChatroomMsgLevel, RoamIgnoreUsers: p.RoamIgnoreUsers,
		},
		out: &out,
	})
	if err != nil {
		return SendResult{}, err
	}
	ids := make(map[string]string, len(out.Data))
	for to, raw := range out.Data {
		ids[to] = messageID(raw)
	}
	return SendResult{MessageIDs: ids}, nil
}

// messageID returns a JSON string's content, or any other JSON value's text:
// ids are strings in every documented answer, but a number must not fail a
// send that has happened.
func messageID(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// wireBody returns body as the provider types it: a loc message's numeric
// lat and lng become strings ("39.96"), the type both documents give them.
// Any other body, or one that does not decode, is sent as it is.
func wireBody(typ string, body json.RawMessage) json.RawMessage {
	if typ != "loc" {
		return body
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) != nil {
		return body
	}
	changed := false
	for _, k := range []string{"lat", "lng"} {
		var n json.Number
		if v, ok := obj[k]; ok && json.Unmarshal(v, &n) == nil {
			obj[k], _ = json.Marshal(n.String()) // a string always marshals
			changed = true
		}
	}
	if !changed {
		return body
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return body
	}
	return b
}
