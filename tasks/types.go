package tasks

import (
	"fmt"
	"slices"
	"sort"
)

// Payload is implemented by every payload struct (SendMessage, …), as
// river's JobArgs: the payload names its task type, so a payload value is
// all it takes to build, enqueue or run a task.
type Payload interface {
	// TaskType returns the asynq type name of the payload's tasks, e.g.
	// TypeSendMessage. It does not depend on the receiver's fields.
	TaskType() string
	// Validate returns the first violation of the provider's rules as a
	// *ValidationError.
	Validate(Limits) error
}

// Batch is implemented by the payloads whose items the provider applies
// one by one inside a single call (users to register, members to add or
// remove): a 200 answer may leave some items unapplied, and the worker
// splits those off into a task or a dead letter of their own.
type Batch interface {
	Payload
	// Items returns the names of the items (usernames), in payload order.
	Items() []string
	// Subset returns a copy of the payload that keeps only the items keep
	// reports true for, in payload order. The receiver is not modified.
	Subset(keep func(item string) bool) Batch
}

// Queues. Each task type has a default queue, returned by QueueFor.
const (
	// QueueMessages holds TypeSendMessage tasks.
	QueueMessages = "messages"
	// QueueUsers holds TypeRegisterUser tasks.
	QueueUsers = "users"
	// QueueGroups holds the group:* tasks.
	QueueGroups = "groups"
)

// DefaultMaxRetry is the retry budget of a task when neither MaxRetry nor
// ClientConfig.DefaultMaxRetry says otherwise. The asynq MaxRetry of the task
// is one more (see docs/DESIGN.md, "Retry budget").
const DefaultMaxRetry = 25

// kind is what the package knows about one task type.
type kind struct {
	queue  string
	decode func(payload []byte, l Limits) (Payload, error)
}

// kinds holds every task type, filled by the register calls of the payload
// files while the package initialises and read-only afterwards.
var kinds = map[string]kind{}

// register makes P's task type known to Decode, Types, QueueFor, Client.Enqueue
// and so to the worker, with queue as its default queue. Each payload file
// calls it once, as
//
//	var _ = register[SendMessage](QueueMessages)
//
// A second registration of a type is a programming error: it panics while
// the package initialises, so any test finds it.
func register[P Payload](queue string) struct{} {
	var zero P
	typ := zero.TaskType()
	if _, dup := kinds[typ]; dup || typ == "" || queue == "" {
		panic(fmt.Sprintf("tasks: register %T: type %q registered twice, empty, or without a queue", zero, typ))
	}
	kinds[typ] = kind{queue: queue, decode: decodeAs[P]}
	return struct{}{}
}

// Types returns every task type, sorted. The caller owns the returned slice.
func Types() []string {
	out := make([]string, 0, len(kinds))
	for typ := range kinds {
		out = append(out, typ)
	}
	sort.Strings(out)
	return out
}

// known reports whether taskType is a registered task type.
func known(taskType string) bool {
	_, ok := kinds[taskType]
	return ok
}

// Queues returns the default queues of the task types, sorted and without
// repeats: the queues a worker serves and an operator's tools list even
// before a task has been put in them.
func Queues() []string {
	out := make([]string, 0, len(kinds))
	for _, k := range kinds {
		out = append(out, k.queue)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// QueueFor returns the default queue of taskType, or "" for an unknown type.
func QueueFor(taskType string) string {
	return kinds[taskType].queue
}

func ident(s string) string { return s }

// keepOnly returns the elements of s whose name keep accepts, in a new
// slice: a Batch's Subset must leave its receiver alone, since the worker
// cuts one decoded payload several ways.
func keepOnly[T any](s []T, name func(T) string, keep func(string) bool) []T {
	return slices.DeleteFunc(slices.Clone(s), func(v T) bool { return !keep(name(v)) })
}
