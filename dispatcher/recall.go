package dispatcher

import (
	"context"
	"fmt"
	"time"

	"github.com/chatq/chatq/policy"
	"github.com/chatq/chatq/tasks"
)

// DefaultRecallWindow is the provider's default recall window: a message
// can be recalled within 2 minutes of being sent unless the app's console
// setting says otherwise (doc.easemob.com message_recall_single, "设置撤回时长";
// at most 7 days).
const DefaultRecallWindow = 2 * time.Minute

// recallWindowRule dead-letters a recall past the recall window without a
// call: the provider would answer "exceed recall time limit".
var recallWindowRule = policy.Rule{
	Name:   "recall-window",
	Action: policy.ActionDeadLetter,
	Reason: "past the recall window",
	Doc: "chatq: a message:recall without force later than Config.RecallWindow (CHATQ_RECALL_WINDOW) after " +
		"its sent_at, or else its enqueue time; the provider answers \"exceed recall time limit\"",
}

// recallStart is when the recall window of p opens, for a run of r: the
// message's sent_at when the producer gave it, else the task's enqueue
// time (which is later than the send, so the check errs on the side of
// calling: the provider has the last word). Zero when p is not an unforced
// recall or neither time is known.
func recallStart(p tasks.Payload, r run) time.Time {
	rm, ok := p.(tasks.RecallMessage)
	switch {
	case !ok || rm.Forced():
		return time.Time{} // force recalls past the window
	case rm.SentAt != nil:
		return *rm.SentAt
	}
	return r.enqueuedAt
}

// pastRecallWindow dead-letters a recall whose window has closed, before
// any call. The window is Config.RecallWindow; negative means no check.
func (w *Worker) pastRecallWindow(ctx context.Context, r run, j job) (stop bool, err error) {
	window := w.cfg.RecallWindow
	if j.recallFrom.IsZero() || window < 0 {
		return false, nil
	}
	late := w.now().Sub(j.recallFrom) - window
	if late <= 0 {
		return false, nil
	}
	return true, w.deadLetter(ctx, r, verdict{
		decision: policy.Decision{Action: policy.ActionDeadLetter, Rule: recallWindowRule},
		reason: fmt.Sprintf("past the recall window: %s after %s, the window is %s (force recalls anyway)",
			(late + window).Round(time.Millisecond), formatDeadline(j.recallFrom), window),
	})
}
