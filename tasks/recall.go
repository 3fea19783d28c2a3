package tasks

import (
	"time"

	"github.com/hibiken/asynq"
)

// TypeRecallMessage recalls one sent message
// (POST /{org}/{app}/messages/msg_recall).
const TypeRecallMessage = "message:recall"

// A recall is a write about a message already sent, not a send: it waits
// in the messages queue, so it is not held up behind user and group
// administration (a recall is only accepted within the app's recall
// window, 2 minutes by default).
var _ = register[RecallMessage](QueueMessages)

// The chat types of a recall, as both dialects' documentation names them
// for chatq's payload; the agora client sends Agora's "group_chat" for
// ChatTypeGroup under the agora dialect.
const (
	ChatTypeChat  = "chat"
	ChatTypeGroup = "groupchat"
	ChatTypeRoom  = "chatroom"
)

const ruleChatType = `must be "chat", "groupchat" or "chatroom"`

// RecallMessage is the payload of TypeRecallMessage. The JSON names are the
// provider's (docs.agora.io message management, "Recall a message";
// doc.easemob.com message_recall_single), except sent_at, which is chatq's
// and is never sent.
type RecallMessage struct {
	// MsgID is the id the send answered with: 1 to 64 of [a-zA-Z0-9_-]
	// (the provider's ids are digits).
	MsgID string `json:"msg_id"`
	// To is the recipient of the message: a username for chat, a group id
	// for groupchat, a chat room id for chatroom.
	To string `json:"to"`
	// ChatType is "chat", "groupchat" or "chatroom".
	ChatType string `json:"chat_type"`
	// From is who recalls it; omitted, the provider's "admin".
	From string `json:"from,omitempty"`
	// Force recalls past the recall window (and a message no longer
	// stored). Always sent (Easemob answers 400 "param force can't be
	// empty" without it); omitted means false.
	Force *bool `json:"force,omitempty"`
	// SyncDevice is the documented optional sync_device: also recall on
	// the sender's other devices (the provider's default is true).
	SyncDevice *bool `json:"sync_device,omitempty"`
	// SentAt is when the message was sent, if the producer knows it: the
	// recall window is measured from it (else from the enqueue time).
	SentAt *time.Time `json:"sent_at,omitempty"`
}

// TaskType returns TypeRecallMessage.
func (RecallMessage) TaskType() string { return TypeRecallMessage }

// Validate returns the first violation as a *ValidationError; no Limits apply.
func (p RecallMessage) Validate(Limits) error {
	c := checker{typ: TypeRecallMessage}
	switch {
	case p.MsgID == "":
		c.fail("msg_id", ruleRequired)
	case !validGroupID(p.MsgID):
		c.fail("msg_id", "must be 1 to 64 characters of [a-zA-Z0-9_-]")
	}
	switch p.ChatType {
	case ChatTypeChat:
		c.username("to", p.To)
	case ChatTypeGroup, ChatTypeRoom:
		c.id("to", p.To)
	case "":
		c.fail("chat_type", ruleRequired)
	default:
		c.fail("chat_type", ruleChatType)
	}
	if p.From != "" {
		c.username("from", p.From)
	}
	if !c.failed() && p.SentAt != nil && p.SentAt.IsZero() {
		c.fail("sent_at", "must not be the zero time")
	}
	return c.err()
}

// Forced reports whether the recall is forced.
func (p RecallMessage) Forced() bool { return p.Force != nil && *p.Force }

// NewRecallMessageTask validates p and returns a TypeRecallMessage task
// (queue QueueMessages unless Queue says otherwise).
func NewRecallMessageTask(p RecallMessage, opts ...Option) (*asynq.Task, error) {
	return NewTask(p, opts...)
}
