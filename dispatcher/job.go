package dispatcher

import (
	"context"
	"fmt"
	"net/http"
	"slices"

	"github.com/chatq/chatq/agora"
	"github.com/chatq/chatq/policy"
	"github.com/chatq/chatq/tasks"
	"github.com/chatq/chatq/throttle"
)

// call makes one provider request for a task with the given token. A nil
// error with item failures means the provider answered 200 but did not
// apply every member of a batch.
type call func(ctx context.Context, tok agora.Token) ([]itemFailure, error)

// job is everything a run needs from its payload, decoded once by prepare:
// the call, the throttle family it waits in, and, for a batch, its items
// and how to cut the payload down to some of them (split.go). Nothing
// after prepare decodes the payload again.
type job struct {
	call   call
	family throttle.Family
	batch  tasks.Batch // nil unless the provider applies the items one by one
}

// size is how many items the batch asks for; 0 for other tasks.
func (j job) size() int {
	if j.batch == nil {
		return 0
	}
	return len(j.batch.Items())
}

// subset returns the batch with only names kept.
func (j job) subset(names []string) (tasks.Batch, error) {
	if j.batch == nil {
		return nil, fmt.Errorf("dispatcher: not a batch task")
	}
	return j.batch.Subset(func(s string) bool { return slices.Contains(names, s) }), nil
}

// prepare decodes and validates r's payload, once, and returns its job.
// A payload over the cap is not decoded at all (see payload.go).
func (w *Worker) prepare(r run) (job, error) {
	if len(r.payload) > w.cfg.MaxPayloadBytes {
		return job{}, &payloadTooLargeError{size: len(r.payload), max: w.cfg.MaxPayloadBytes}
	}
	p, err := tasks.Decode(r.typ, r.payload, w.cfg.Limits)
	if err != nil {
		return job{}, err
	}
	c, err := callFor(w.api, p)
	if err != nil {
		return job{}, err
	}
	j := job{call: c, family: familyOf(p)}
	j.batch, _ = p.(tasks.Batch)
	return j, nil
}

// callFor maps a payload to its provider call: the one place a new task
// type adds its REST call (tasks' package documentation, "Adding a task
// type"). A type registered in tasks without a case here is refused at
// run time with its payload type named, and TestCallFor_everyType fails.
func callFor(api *agora.Client, p tasks.Payload) (call, error) {
	typ := p.TaskType()
	switch p := p.(type) {
	case tasks.SendMessage:
		return func(ctx context.Context, tok agora.Token) ([]itemFailure, error) {
			_, err := api.SendMessage(ctx, tok, p)
			return nil, err
		}, nil
	case tasks.RegisterUsers:
		return func(ctx context.Context, tok agora.Token) ([]itemFailure, error) {
			res, err := api.RegisterUsers(ctx, tok, p.Users)
			return registerItems(p.Users, res, typ), err
		}, nil
	case tasks.CreateGroup:
		return func(ctx context.Context, tok agora.Token) ([]itemFailure, error) {
			_, err := api.CreateGroup(ctx, tok, p)
			return nil, err
		}, nil
	case tasks.DeleteGroup:
		return func(ctx context.Context, tok agora.Token) ([]itemFailure, error) {
			return nil, api.DeleteGroup(ctx, tok, p.GroupID)
		}, nil
	case tasks.AddGroupMembers:
		return func(ctx context.Context, tok agora.Token) ([]itemFailure, error) {
			res, err := api.AddGroupMembers(ctx, tok, p.GroupID, p.Usernames)
			return notAdded(p.GroupID, p.Usernames, res, typ), err
		}, nil
	case tasks.RemoveGroupMembers:
		return func(ctx context.Context, tok agora.Token) ([]itemFailure, error) {
			res, err := api.RemoveGroupMembers(ctx, tok, p.GroupID, p.Usernames)
			return notRemoved(res, typ), err
		}, nil
	case tasks.TransferGroupOwner:
		return func(ctx context.Context, tok agora.Token) ([]itemFailure, error) {
			return nil, api.TransferGroupOwner(ctx, tok, p.GroupID, p.NewOwner)
		}, nil
	}
	return nil, fmt.Errorf("dispatcher: no provider call for %s payload %T", typ, p)
}

// familyOf is the throttle family of a payload: message sends by target,
// the rest by type.
func familyOf(p tasks.Payload) throttle.Family {
	var target string
	if m, ok := p.(tasks.SendMessage); ok {
		target = m.Target
	}
	return throttle.FamilyFor(p.TaskType(), target)
}

// notRemoved reports the users a batch removal did not remove (result false
// with a reason, inside a 200), decided by the policy as the single-user
// 403 forbidden_op with the same reason would be.
func notRemoved(res agora.RemoveMembersResult, taskType string) []itemFailure {
	out := make([]itemFailure, 0, len(res.Failed))
	for _, f := range res.Failed {
		out = append(out, itemFailure{Item: f.Username, Failure: batchItemFailure(taskType,
			http.StatusForbidden, "forbidden_op", f.Reason)})
	}
	return out
}

func batchItemFailure(taskType string, status int, code, msg string) policy.Failure {
	return policy.Failure{Status: status, Code: code, Message: msg, TaskType: taskType}
}
