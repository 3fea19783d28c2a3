package agora

import (
	"context"
	"fmt"
	"slices"

	"github.com/chatq/chatq/tasks"
)

// recallBody is the provider's recall body: the payload without sent_at,
// with force always present (Easemob answers 400 "param force can't be
// empty" without it; Agora's page marks it required too) and chat_type in
// the dialect's spelling.
type recallBody struct {
	MsgID      string `json:"msg_id"`
	To         string `json:"to"`
	ChatType   string `json:"chat_type"`
	From       string `json:"from,omitempty"`
	Force      bool   `json:"force"`
	SyncDevice *bool  `json:"sync_device,omitempty"`
}

// recallResult is one message's outcome: "yes" when recalled, otherwise
// the reason ("not_found msg", "exceed call time limit", …).
type recallResult struct {
	MsgID    string `json:"msg_id"`
	Recalled string `json:"recalled"`
}

// recallResponse holds both documented 200 shapes: data.recalled on
// success, and Agora's failure list msgs[].recalled (at the top level on
// the page; under data as well, in case).
type recallResponse struct {
	Data struct {
		recallResult
		Msgs []recallResult `json:"msgs"`
	} `json:"data"`
	Msgs []recallResult `json:"msgs"`
}

// RecallMessage recalls one message with POST /messages/msg_recall. Only
// recalled "yes" is a recall: any other value is a *RefusedError
// (CodeNotRecalled) whose Description is the provider's reason, and an
// answer with neither wraps ErrMalformedResponse. Easemob answers its
// refusals as 403 message_recall_error instead (an *APIError).
func (c *Client) RecallMessage(ctx context.Context, tok Token, p tasks.RecallMessage) error {
	const op = "POST /messages/msg_recall"
	if err := p.Validate(tasks.Limits{}); err != nil {
		return fmt.Errorf("agora: recall message: %w: %w", ErrInvalidInput, err)
	}
	chatType := p.ChatType
	if chatType == tasks.ChatTypeGroup {
		chatType = c.dialect.Rules().GroupChatType
	}
	body := recallBody{MsgID: p.MsgID, To: p.To, ChatType: chatType, From: p.From, Force: p.Forced(), SyncDevice: p.SyncDevice}
	var out recallResponse
	if err := c.do(ctx, request{method: "POST", path: "/messages/msg_recall", token: tok, body: body, out: &out}); err != nil {
		return err
	}
	r, ok := out.result(p.MsgID)
	switch {
	case !ok:
		return fmt.Errorf("agora: %s: no data.recalled in response: %w", op, ErrMalformedResponse)
	case r.Recalled != "yes":
		return &RefusedError{Op: op, Code: CodeNotRecalled, Description: r.Recalled}
	}
	return nil
}

// result finds the outcome of msgID: data.recalled, else the msgs entry
// naming msgID, else the only msgs entry.
func (r recallResponse) result(msgID string) (recallResult, bool) {
	if r.Data.Recalled != "" {
		return r.Data.recallResult, true
	}
	list := slices.Concat(r.Msgs, r.Data.Msgs)
	for _, m := range list {
		if m.MsgID == msgID && m.Recalled != "" {
			return m, true
		}
	}
	if len(list) == 1 && list[0].Recalled != "" {
		return list[0], true
	}
	return recallResult{}, false
}
