package tasks

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"

	"github.com/chatq/chatq/ordering"
)

// HeaderOrderKey is the task header that carries an ordered task's order
// key (ordering.HeaderKey); HeaderOrderPosition its position in the key.
const (
	HeaderOrderKey      = ordering.HeaderKey
	HeaderOrderPosition = ordering.HeaderPosition
)

// ErrNoOrderStore is returned for an ordered enqueue by a Client made with
// NewClientFromAsynq without ClientConfig.Redis.
var ErrNoOrderStore = errors.New("tasks: OrderKey and Ordered need ClientConfig.Redis when the Client is made with NewClientFromAsynq")

var errOrderNeedsClient = errors.New("OrderKey: ordered tasks are kept by a Client; NewXxxTask constructors cannot honour them")

// OrderKey makes the task ordered under key k: the worker makes the
// provider calls of a key's tasks one at a time, in the order they were
// enqueued, whatever their retries (README, "Ordered conversations"). Any
// task type may be ordered; tasks of different types may share a key. It
// replaces an earlier Ordered.
func OrderKey(k string) Option {
	return optionFunc(func(o *options) error {
		if err := ordering.CheckKey(k); err != nil {
			return fmt.Errorf("OrderKey: %w", err)
		}
		o.orderKey, o.ordered = k, false
		return nil
	})
}

// Ordered makes the task ordered under the key of its conversation
// (ConversationKey): a one-to-one message by the pair of users, a message
// to one group or room, and a group's member, owner and delete tasks, by
// the group or room. A payload without one conversation (a message to
// several recipients, a user registration) is refused with a
// *ValidationError. It replaces an earlier OrderKey.
func Ordered() Option {
	return optionFunc(func(o *options) error {
		o.orderKey, o.ordered = "", true
		return nil
	})
}

// ReplacingHead is for chatq's own re-enqueues (dead-letter replay, batch
// split): with OrderKey, the task takes the place of the task id at the
// head of its key if id is still the head, and goes to the back of the
// key otherwise.
func ReplacingHead(id string) Option {
	return optionFunc(func(o *options) error {
		if id == "" {
			return errors.New("ReplacingHead: must not be empty")
		}
		o.orderReplaces = id
		return nil
	})
}

// Conversational is implemented by payloads that belong to one
// conversation; Ordered uses it. A new task type opts in by implementing
// it.
type Conversational interface {
	// Conversation returns the payload's conversation key, or a
	// *ValidationError saying why it has none.
	Conversation() (string, error)
}

// ConversationKey returns the order key Ordered gives p.
func ConversationKey(p Payload) (string, error) {
	c, ok := p.(Conversational)
	if !ok {
		return "", &ValidationError{Type: p.TaskType(), Field: "ordered",
			Rule: "no conversation is defined for this task type; use an order key"}
	}
	return c.Conversation()
}

// Conversation: a one-to-one message is keyed by the pair of users,
// whichever sends, so that a reply never overtakes what it answers; a
// message to one group or room by the group or room.
func (p SendMessage) Conversation() (string, error) {
	if len(p.To) != 1 {
		return "", &ValidationError{Type: TypeSendMessage, Field: "to",
			Rule: fmt.Sprintf("ordered: must have exactly one recipient to define a conversation, got %d", len(p.To))}
	}
	if p.Target != targetUsers {
		return p.Target + ":" + p.To[0], nil
	}
	from := p.From
	if from == "" {
		from = "admin"
	}
	a, b := min(from, p.To[0]), max(from, p.To[0])
	return "users:" + a + ":" + b, nil
}

// Conversation is the group: "chatgroups:<id>", as its messages.
func (p DeleteGroup) Conversation() (string, error) { return targetGroups + ":" + p.GroupID, nil }

// Conversation is the group: "chatgroups:<id>", as its messages.
func (p AddGroupMembers) Conversation() (string, error) { return targetGroups + ":" + p.GroupID, nil }

// Conversation is the group: "chatgroups:<id>", as its messages.
func (p RemoveGroupMembers) Conversation() (string, error) {
	return targetGroups + ":" + p.GroupID, nil
}

// Conversation is the group: "chatgroups:<id>", as its messages.
func (p TransferGroupOwner) Conversation() (string, error) {
	return targetGroups + ":" + p.GroupID, nil
}

// Conversation is the group: "chatgroups:<id>", as its messages.
func (p UpdateGroup) Conversation() (string, error) { return targetGroups + ":" + p.GroupID, nil }

// resolveOrder sets o.orderKey from p's conversation when Ordered was
// given.
func (o *options) resolveOrder(p Payload) error {
	if !o.ordered {
		return nil
	}
	k, err := ConversationKey(p)
	if err != nil {
		return err
	}
	if err := ordering.CheckKey(k); err != nil {
		return &ValidationError{Type: p.TaskType(), Field: "ordered", Rule: "conversation key " + err.Error()}
	}
	o.orderKey = k
	return nil
}

// orderSpec is an ordered task as the ordering package stores it.
type orderSpec struct {
	key, replaces string
	task          ordering.Task
}

// orderSpecOf returns the ordering spec of a built task, nil when it is
// not ordered; now is the enqueue time (for Delay).
func orderSpecOf(task *asynq.Task, o options, now time.Time) *orderSpec {
	if o.orderKey == "" {
		return nil
	}
	queue := o.queue
	if queue == "" {
		queue = QueueFor(task.Type())
	}
	t := ordering.Task{Type: task.Type(), Payload: task.Payload(), Headers: task.Headers(), Queue: queue,
		MaxRetry: o.budget + 1, Retention: o.retain, ProcessAt: o.processAt}
	if t.ProcessAt.IsZero() && o.delay > 0 {
		t.ProcessAt = now.Add(o.delay)
	}
	return &orderSpec{key: o.orderKey, replaces: o.orderReplaces, task: t}
}

// enqueueOrdered appends an ordered task under a new id.
func (c *Client) enqueueOrdered(ctx context.Context, s *orderSpec) (string, error) {
	if c.order == nil {
		return "", ErrNoOrderStore
	}
	id := uuid.NewString()
	if _, err := c.order.Append(ctx, s.key, id, s.task, s.replaces, 0); err != nil {
		return "", fmt.Errorf("enqueuing %s: %w", s.task.Type, err)
	}
	return id, nil
}

// appendKeyed appends an ordered task under the id its idempotency key
// chose; keep is how long the id is remembered after it settles.
func (c *Client) appendKeyed(ctx context.Context, s *orderSpec, id string, keep time.Duration) error {
	if c.order == nil {
		return ErrNoOrderStore
	}
	t := s.task
	t.Retention = max(t.Retention, keep)
	if _, err := c.order.Append(ctx, s.key, id, t, s.replaces, keep); err != nil {
		return fmt.Errorf("enqueuing %s: %w", t.Type, err)
	}
	return nil
}

// Conversation is the room: "chatrooms:<id>", as its messages.
func (p DeleteChatroom) Conversation() (string, error) { return targetRooms + ":" + p.ChatroomID, nil }

// Conversation is the room: "chatrooms:<id>", as its messages.
func (p AddChatroomMembers) Conversation() (string, error) {
	return targetRooms + ":" + p.ChatroomID, nil
}

// Conversation is the room: "chatrooms:<id>", as its messages.
func (p RemoveChatroomMembers) Conversation() (string, error) {
	return targetRooms + ":" + p.ChatroomID, nil
}

// Conversation is the recalled message's: ordered, a recall cannot
// overtake the send it recalls when both are enqueued with Ordered().
func (p RecallMessage) Conversation() (string, error) {
	switch p.ChatType {
	case "groupchat":
		return SendMessage{Target: targetGroups, To: []string{p.To}}.Conversation()
	case "chatroom":
		return SendMessage{Target: targetRooms, To: []string{p.To}}.Conversation()
	}
	return SendMessage{Target: targetUsers, From: p.From, To: []string{p.To}}.Conversation()
}
