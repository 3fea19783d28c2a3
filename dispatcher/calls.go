package dispatcher

import (
	"context"
	"fmt"
	"net/http"

	"github.com/chatq/chatq/agora"
	"github.com/chatq/chatq/policy"
	"github.com/chatq/chatq/tasks"
)

// call makes one provider request for a task with the given token. A nil
// error with item failures means the provider answered 200 but did not
// apply every member of a batch.
type call func(ctx context.Context, tok agora.Token) ([]itemFailure, error)

// prepare decodes and validates the payload and returns the call for it.
// A payload over the cap is not decoded at all (see payload.go). taskID
// keys the custom group id of a create (agora.DerivedGroupID).
func (w *Worker) prepare(taskID, taskType string, payload []byte) (call, error) {
	if len(payload) > w.cfg.MaxPayloadBytes {
		return nil, &payloadTooLargeError{size: len(payload), max: w.cfg.MaxPayloadBytes}
	}
	p, err := tasks.Decode(taskType, payload, w.cfg.Limits)
	if err != nil {
		return nil, err
	}
	api := w.api
	switch p := p.(type) {
	case tasks.SendMessage:
		return func(ctx context.Context, tok agora.Token) ([]itemFailure, error) {
			_, err := api.SendMessage(ctx, tok, p)
			return nil, err
		}, nil
	case tasks.RegisterUsers:
		return func(ctx context.Context, tok agora.Token) ([]itemFailure, error) {
			res, err := api.RegisterUsers(ctx, tok, p.Users)
			return registerItems(p.Users, res, taskType), err
		}, nil
	case tasks.CreateGroup:
		return func(ctx context.Context, tok agora.Token) ([]itemFailure, error) {
			_, err := api.CreateGroup(ctx, tok, p, taskID)
			return nil, err
		}, nil
	case tasks.DeleteGroup:
		return func(ctx context.Context, tok agora.Token) ([]itemFailure, error) {
			return nil, api.DeleteGroup(ctx, tok, p.GroupID)
		}, nil
	case tasks.AddGroupMembers:
		return func(ctx context.Context, tok agora.Token) ([]itemFailure, error) {
			res, err := api.AddGroupMembers(ctx, tok, p.GroupID, p.Usernames)
			return notAdded(p.GroupID, p.Usernames, res, taskType), err
		}, nil
	case tasks.RemoveGroupMembers:
		return func(ctx context.Context, tok agora.Token) ([]itemFailure, error) {
			res, err := api.RemoveGroupMembers(ctx, tok, p.GroupID, p.Usernames)
			return notRemoved(res, taskType), err
		}, nil
	case tasks.TransferGroupOwner:
		return func(ctx context.Context, tok agora.Token) ([]itemFailure, error) {
			return nil, api.TransferGroupOwner(ctx, tok, p.GroupID, p.NewOwner)
		}, nil
	}
	return nil, fmt.Errorf("dispatcher: no call for payload %T", p)
}

// notRemoved reports the users a removal did not remove, inside a 200: a
// per-user result false (with the provider's reason) or no result at all,
// each decided by the policy's 200 rows for its code (agora.CodeResultFalse,
// agora.CodeNoResult) and reason.
func notRemoved(res agora.RemoveMembersResult, taskType string) []itemFailure {
	out := make([]itemFailure, 0, len(res.Failed))
	for _, f := range res.Failed {
		out = append(out, itemFailure{Item: f.Username, Failure: batchItemFailure(taskType,
			http.StatusOK, f.Code, f.Reason)})
	}
	return out
}

func batchItemFailure(taskType string, status int, code, msg string) policy.Failure {
	return policy.Failure{Status: status, Code: code, Message: msg, TaskType: taskType}
}
