package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/chatq/chatq/deadletter"
)

// resultData is a replay or delete preview (Confirmed false: nothing
// changed, and the page offers the confirming form) or its outcome.
type resultData struct {
	Op        string // "replay" or "delete"
	Confirmed bool
	Form      filterForm
	Patch     string
	Force     bool
	Report    deadletter.Report
	Counts    []outcomeCount
	// Acting is how many items the confirmation would act on.
	Acting int
	// Invalid is set when a patch makes payloads invalid: nothing can be
	// replayed with it.
	Invalid bool
	// ConfirmIDs are the previewed items the confirmation acts on, so a
	// dead letter that arrives between preview and confirmation is not
	// swept along; nil when there are more than maxConfirmIDs (the
	// confirmation then carries the filter).
	ConfirmIDs []string
}

// maxConfirmIDs bounds the ids a confirmation form carries (each about 40
// bytes, under the 1 MiB form limit with room to spare).
const maxConfirmIDs = 5000

type outcomeCount struct {
	Outcome deadletter.Outcome
	N       int
}

// postReplay previews a replay (deadletter's dry run, the policy re-check
// and the patch's diff included) and, on the confirming POST, runs it.
func (c *Console) postReplay(w http.ResponseWriter, r *http.Request) {
	d, f, ok := c.readAction(w, r, "replay")
	if !ok {
		return
	}
	var patch json.RawMessage
	if d.Patch != "" && d.Patch != "{}" {
		if !json.Valid([]byte(d.Patch)) {
			c.fail(w, r, http.StatusBadRequest, "deadletters",
				errors.New(`field patch: must be a JSON merge patch (RFC 7386) such as {"to":["bob"]}, got invalid JSON`))
			return
		}
		patch = json.RawMessage(d.Patch)
	}
	o := deadletter.ReplayOptions{Filter: f, Client: c.client, Table: c.cfg.Table, Inspector: c.insp,
		Limits: c.cfg.Limits, DryRun: !d.Confirmed, Force: d.Force, Patch: patch, Rate: c.cfg.ReplayRate, User: user(r)}
	// A confirmed run finishes even if the browser goes away: items are
	// claimed one by one and an interrupted run is only finished by a rerun.
	ctx := r.Context()
	if d.Confirmed {
		ctx = context.WithoutCancel(ctx)
	}
	rep, err := c.cfg.Store.Replay(ctx, o)
	var pe *deadletter.PatchError
	if errors.As(err, &pe) {
		d.Invalid, d.Confirmed = true, false
		rep = deadletter.Report{Items: pe.Items, Counts: map[deadletter.Outcome]int{deadletter.OutcomeFailed: len(pe.Items)}}
	} else if !c.actionError(w, r, err) {
		return
	}
	c.finishAction(w, r, d, rep, deadletter.OutcomeWouldReplay)
}

// postDelete previews a delete and, on the confirming POST, runs it.
func (c *Console) postDelete(w http.ResponseWriter, r *http.Request) {
	d, f, ok := c.readAction(w, r, "delete")
	if !ok {
		return
	}
	if d.Form.Empty() {
		c.fail(w, r, http.StatusBadRequest, "deadletters",
			errors.New("delete: select dead letters or set at least one filter field (deleting every dead letter at once is refused)"))
		return
	}
	ctx := r.Context()
	if d.Confirmed {
		ctx = context.WithoutCancel(ctx)
	}
	rep, err := c.cfg.Store.Delete(ctx, deadletter.DeleteOptions{Filter: f, Inspector: c.insp,
		DryRun: !d.Confirmed, User: user(r)})
	if !c.actionError(w, r, err) {
		return
	}
	c.finishAction(w, r, d, rep, deadletter.OutcomeWouldDelete)
}

// readAction reads an action's form: the filter, the patch and force, and
// whether this is the confirming POST.
func (c *Console) readAction(w http.ResponseWriter, r *http.Request, op string) (resultData, deadletter.Filter, bool) {
	d := resultData{Op: op, Form: readFilterForm(r.PostForm), Patch: strings.TrimSpace(r.PostFormValue("patch")),
		Force: r.PostFormValue("force") == "on", Confirmed: r.PostFormValue("confirm") == "yes"}
	f, err := d.Form.filter(c.cfg.Now())
	if err != nil {
		c.fail(w, r, http.StatusBadRequest, "deadletters", err)
		return d, f, false
	}
	return d, f, true
}

// actionError renders err (nil: nothing to render) and reports whether the
// caller goes on.
func (c *Console) actionError(w http.ResponseWriter, r *http.Request, err error) bool {
	var unknown *deadletter.UnknownIDsError
	var fe *deadletter.FilterError
	switch {
	case err == nil:
		return true
	case errors.As(err, &unknown), errors.As(err, &fe):
		c.fail(w, r, http.StatusBadRequest, "deadletters", err)
	default:
		c.fail(w, r, http.StatusServiceUnavailable, "deadletters", err)
	}
	return false
}

func (c *Console) finishAction(w http.ResponseWriter, r *http.Request, d resultData, rep deadletter.Report, planned deadletter.Outcome) {
	d.Report = rep
	for o, n := range rep.Counts {
		d.Counts = append(d.Counts, outcomeCount{Outcome: o, N: n})
	}
	slices.SortFunc(d.Counts, func(a, b outcomeCount) int { return b.N - a.N })
	d.Acting = rep.Counts[planned]
	if !d.Confirmed && d.Acting <= maxConfirmIDs {
		d.ConfirmIDs = make([]string, 0, d.Acting)
		for _, it := range rep.Items {
			if it.Outcome == planned {
				d.ConfirmIDs = append(d.ConfirmIDs, it.TaskID)
			}
		}
	}
	if d.Confirmed {
		c.cfg.Logger.Info("console: dead letters "+d.Op, slog.String("user", user(r)), slog.Any("counts", rep.Counts))
	}
	title := fmt.Sprintf("%s: preview", strings.ToUpper(d.Op[:1])+d.Op[1:])
	if d.Confirmed {
		title = fmt.Sprintf("%s: done", strings.ToUpper(d.Op[:1])+d.Op[1:])
	}
	c.render(w, r, http.StatusOK, "result", "deadletters", title, d)
}
