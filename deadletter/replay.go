package deadletter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"

	"github.com/chatq/chatq/policy"
	"github.com/chatq/chatq/tasks"
)

// ReplayOptions say which dead letters to send again, and how.
type ReplayOptions struct {
	// Filter selects the dead letters (Limit is ignored; see Max).
	Filter Filter
	// Client enqueues the replayed tasks, through the same validation and
	// queues as live traffic and with a fresh retry budget (the Client's
	// DefaultMaxRetry). Required unless DryRun.
	Client *tasks.Client
	// Table is the current policy. Required. A record whose failure it puts
	// down to the payload itself (a payload_fault row; or one of chatq's own
	// payload rules, IsPayloadRule) is skipped unless Force or Patch; so is
	// an expired one, unless Force. Every other record is replayed: its cause
	// lies outside the payload, which an operator fixes before replaying.
	Table *policy.Table
	// Inspector, optional, deletes the original task from asynq's archive
	// so its id blocks nothing. Without it the reconciler deletes it later.
	Inspector *asynq.Inspector
	// Limits validate payloads as the Client does. Zero = tasks' defaults.
	Limits tasks.Limits
	// DryRun plans and reports without changing anything in Redis.
	DryRun bool
	// Force replays records the re-check would skip (payload faults,
	// expired tasks); an expired one is sent without a deadline.
	Force bool
	// Patch, optional, is a JSON merge patch (RFC 7386) applied to every
	// selected payload. A patched item is not skipped as a payload fault:
	// the patch is the fix. If any patched payload is invalid, nothing is
	// replayed and Replay returns a *PatchError.
	Patch json.RawMessage
	// Rate caps enqueues per second (0: no cap); Max caps how many are
	// enqueued in this run (0: no cap).
	Rate float64
	Max  int
	// User is recorded in the audit entry (the CLI passes $USER).
	User string
	// ClaimTTL is how long a claim outlives a crashed run. Default 1m; a
	// claim is held only while its one item is enqueued. Values below one
	// item's timeout (30s) are raised to it, so a live claim never lapses.
	ClaimTTL time.Duration
	// Workers is how many items are enqueued at once. Default 8.
	Workers int
	// Progress, optional, is called after each item with items done and total.
	Progress func(done, total int)
	// Logger, optional, receives one line per failed item.
	Logger *slog.Logger
}

// Outcome is what Replay or Delete did, or would do, with one record.
type Outcome string

// Outcomes of one item.
const (
	OutcomeReplayed       Outcome = "replayed"
	OutcomeWouldReplay    Outcome = "would-replay"
	OutcomeDeleted        Outcome = "deleted"
	OutcomeWouldDelete    Outcome = "would-delete"
	OutcomeSkippedPayload Outcome = "skipped-payload"  // the payload itself caused the failure; needs a patch
	OutcomeSkippedExpired Outcome = "skipped-expired"  // the task's deadline has passed
	OutcomeSkippedInvalid Outcome = "skipped-invalid"  // the payload does not validate; needs a patch
	OutcomeResolved       Outcome = "skipped-resolved" // delivered meanwhile; replaying would send twice
	OutcomeBusy           Outcome = "skipped-busy"     // another run holds it, or asynq is running it
	OutcomeGone           Outcome = "skipped-gone"     // replayed or deleted meanwhile
	OutcomeOverMax        Outcome = "not-reached"      // beyond Max, or the run was interrupted
	OutcomeFailed         Outcome = "failed"
)

// OutcomeSkippedTruncated is the outcome of a record that keeps only a
// prefix of its payload (Record.PayloadTruncated): there is nothing to send.
const OutcomeSkippedTruncated Outcome = "skipped-truncated"

// Item is one record's outcome.
type Item struct {
	TaskID    string   `json:"task_id"`
	Type      string   `json:"type"`
	Queue     string   `json:"queue"`
	Rule      string   `json:"rule"`
	Reason    string   `json:"reason"`
	Outcome   Outcome  `json:"outcome"`
	Why       string   `json:"why,omitempty"` // why replayed, skipped or failed
	NewTaskID string   `json:"new_task_id,omitempty"`
	Diff      []string `json:"diff,omitempty"` // the patch's change, in a dry run
}

// Report is the result of a Replay or Delete run.
type Report struct {
	Items  []Item          `json:"items"`
	Counts map[Outcome]int `json:"counts"`
	// Interrupted is true when ctx ended the run early; rerun to finish.
	Interrupted bool `json:"interrupted,omitempty"`
}

// Failed returns the items that failed.
func (r Report) Failed() []Item {
	var out []Item
	for _, it := range r.Items {
		if it.Outcome == OutcomeFailed {
			out = append(out, it)
		}
	}
	return out
}

func (r *Report) count() {
	r.Counts = map[Outcome]int{}
	for _, it := range r.Items {
		r.Counts[it.Outcome]++
	}
}

// PatchError reports the items whose patched payload is invalid; nothing
// was replayed.
type PatchError struct {
	Items []Item // Outcome failed, Why the validation error
}

// Error says how many patched payloads are invalid and shows the first.
func (e *PatchError) Error() string {
	if len(e.Items) == 0 {
		return "deadletter: replay: --patch makes payloads invalid; nothing replayed"
	}
	return fmt.Sprintf("deadletter: replay: --patch makes %d payload(s) invalid; nothing replayed (first: %s: %s)",
		len(e.Items), e.Items[0].TaskID, e.Items[0].Why)
}

func (o *ReplayOptions) validate() error {
	var errs []error
	if o.Table == nil {
		errs = append(errs, errors.New("field Table: required"))
	}
	if o.Client == nil && !o.DryRun {
		errs = append(errs, errors.New("field Client: required unless DryRun"))
	}
	if o.Rate < 0 || o.Max < 0 {
		errs = append(errs, errors.New("fields Rate and Max: must be >= 0"))
	}
	if o.Patch != nil {
		if _, err := decodeJSON(o.Patch); err != nil {
			errs = append(errs, fmt.Errorf("field Patch: %w", err))
		}
	}
	if err := o.Filter.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (o *ReplayOptions) withDefaults() {
	if o.ClaimTTL <= 0 {
		o.ClaimTTL = time.Minute
	}
	o.ClaimTTL = max(o.ClaimTTL, itemTimeout)
	if o.Workers <= 0 {
		o.Workers = 8
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// Replay sends the selected open dead letters again (see ReplayOptions and
// the package comment for the guarantees). It returns a Report whose failed
// items are listed; the error is for a run that could not start or read
// the store, a *PatchError, or an *UnknownIDsError for ids that name no
// dead letter (nothing is replayed then).
func (s *Store) Replay(ctx context.Context, o ReplayOptions) (Report, error) {
	o.withDefaults()
	if err := o.validate(); err != nil {
		return Report{}, fmt.Errorf("deadletter: replay: %w", err)
	}
	items, err := s.planReplay(ctx, &o)
	if err != nil {
		return Report{}, err
	}
	if o.DryRun {
		rep := Report{Items: items}
		rep.count()
		return rep, nil
	}
	rep := s.runReplay(ctx, &o, items)
	rep.count()
	counts := map[string]int{}
	for k, n := range rep.Counts {
		counts[string(k)] = n
	}
	entry := AuditEntry{Time: s.now(), User: o.User, Op: "replay", Filter: o.Filter, Counts: counts, Patch: o.Patch, Failed: failedMap(rep)}
	if err := s.audit(context.WithoutCancel(ctx), entry); err != nil {
		return rep, err
	}
	return rep, nil
}

// maxAuditFailures bounds the failed ids one audit entry lists.
const maxAuditFailures = 100

func failedMap(rep Report) map[string]string {
	var out map[string]string
	for _, it := range rep.Failed() {
		if len(out) == maxAuditFailures {
			break
		}
		if out == nil {
			out = map[string]string{}
		}
		out[it.TaskID] = it.Why
	}
	return out
}
