package tasks

import (
	"encoding/json"
	"fmt"

	"github.com/hibiken/asynq"
)

// TypeSendMessage sends one message to users, chat groups or chat rooms.
const TypeSendMessage = "message:send"

var _ = register[SendMessage](QueueMessages)

// SendMessage is the payload of TypeSendMessage: one message to 1..600
// users, 1..3 chat groups or 1..10 chat rooms.
type SendMessage struct {
	Target     string          `json:"target"`         // "users" | "chatgroups" | "chatrooms"
	From       string          `json:"from,omitempty"` // omitted => provider uses "admin"
	To         []string        `json:"to"`             // 1..600 users, 1..3 groups, 1..10 rooms
	Type       string          `json:"type"`           // txt img audio video file loc cmd custom
	Body       json.RawMessage `json:"body"`           // JSON object; required fields depend on Type
	Ext        json.RawMessage `json:"ext,omitempty"`  // JSON object when present
	SyncDevice *bool           `json:"sync_device,omitempty"`
	RouteType  string          `json:"routetype,omitempty"` // "" or "ROUTE_ONLINE"
}

// TaskType returns TypeSendMessage.
func (SendMessage) TaskType() string { return TypeSendMessage }

// Message targets, the values of SendMessage.Target.
const (
	targetUsers  = "users"
	targetGroups = "chatgroups"
	targetRooms  = "chatrooms"
)

// maxRecipients is the provider's per-request limit on len(To) per target
// (https://docs.agora.io/en/agora-chat/restful-api/message-management).
var maxRecipients = map[string]int{targetUsers: 600, targetGroups: 3, targetRooms: 10}

// Validate checks p against the rules of the provider's send-message API and
// returns the first violation as a *ValidationError. l.MaxMessageBytes bounds
// len(body)+len(ext).
func (p SendMessage) Validate(l Limits) error {
	c := checker{typ: TypeSendMessage}
	if _, ok := maxRecipients[p.Target]; !ok {
		c.fail("target", `must be "users", "chatgroups" or "chatrooms"`)
	}
	// "from" is optional, but the provider rejects an empty one (400), and
	// omitempty drops "" from the encoded payload, so "" means "admin".
	if p.From != "" {
		c.username("from", p.From)
	}
	c.recipients(p.Target, p.To)
	c.messageBody(p.Type, p.Body)
	c.validUTF8("body", p.Body)
	c.ext(p.Ext)
	c.validUTF8("ext", p.Ext)
	c.messageSize(p.Body, p.Ext, l.withDefaults().MaxMessageBytes)
	if !c.failed() && p.RouteType != "" && p.RouteType != "ROUTE_ONLINE" {
		c.fail("routetype", `must be "" or "ROUTE_ONLINE"`)
	}
	return c.err()
}

// NewSendMessageTask validates p and returns a TypeSendMessage task that
// carries its asynq options (queue QueueMessages unless Queue says
// otherwise, MaxRetry budget+1, schedule).
func NewSendMessageTask(p SendMessage, opts ...Option) (*asynq.Task, error) {
	return NewTask(p, opts...)
}

// recipients checks To for a valid target: the count, and that every entry is
// a username (users) or an id (groups, rooms), without duplicates.
func (c *checker) recipients(target string, to []string) {
	if c.failed() {
		return
	}
	if hi := maxRecipients[target]; len(to) < 1 || len(to) > hi {
		c.fail("to", fmt.Sprintf("must have 1 to %d entries when target is %q", hi, target))
		return
	}
	if target == targetUsers {
		c.entries("to", to, usernameRule)
	} else {
		c.entries("to", to, idRule)
	}
	c.unique("to", "", to)
}

// ext checks that ext, when present, is a JSON object; the provider rejects
// anything else, null included ("param ext must be JSONObject").
func (c *checker) ext(ext json.RawMessage) {
	if c.failed() || len(ext) == 0 {
		return
	}
	if !isJSONObject(ext) {
		c.fail("ext", "must be a JSON object when present (not null)")
	}
}

// messageSize checks len(body)+len(ext) in compacted JSON bytes.
func (c *checker) messageSize(body, ext json.RawMessage, limit int) {
	if c.failed() || len(body)+len(ext) <= limit {
		return // compacting never grows JSON: no need to compact
	}
	if n := compactLen(body) + compactLen(ext); n > limit {
		c.fail("body", fmt.Sprintf("body+ext must be at most %d bytes (compacted JSON), got %d", limit, n))
	}
}
