package deadletter

import (
	"context"
	"fmt"

	"github.com/chatq/chatq/policy"
	"github.com/chatq/chatq/tasks"
)

// planReplay reads the selected records, oldest failure first, and decides
// each one. Ids without a record are an *UnknownIDsError, unless they were
// replayed or deleted before (skipped-gone), so a rerun finishes a run. Only the plan is kept, not the payloads, so 100,000 records
// cost a few hundred bytes each.
func (s *Store) planReplay(ctx context.Context, o *ReplayOptions) ([]Item, error) {
	gone, err := s.checkIDs(ctx, o.Filter, true)
	if err != nil {
		return nil, err
	}
	items := goneItems(gone)
	var bad []Item
	candidates := 0
	err = s.scan(ctx, o.Filter, true, func(page []Record) bool {
		for _, r := range page {
			it := itemOf(r)
			d := decide(o, r)
			it.Outcome, it.Why = d.outcome, d.why
			if it.Outcome == OutcomeWouldReplay {
				if o.Max > 0 && candidates == o.Max {
					it.Outcome, it.Why = OutcomeOverMax, fmt.Sprintf("beyond --max %d", o.Max)
				}
				candidates++
				if o.DryRun && o.Patch != nil {
					it.Diff = diffPaths(r.PayloadBytes(), d.payload)
				}
			}
			if it.Outcome == OutcomeFailed {
				bad = append(bad, it)
			}
			items = append(items, it)
		}
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("deadletter: replay: %w", err)
	}
	if len(bad) > 0 && o.Patch != nil {
		return nil, &PatchError{Items: bad}
	}
	return items, nil
}

func itemOf(r Record) Item {
	return Item{TaskID: r.TaskID, Type: r.Type, Queue: r.Queue, Rule: r.Rule, Reason: r.Reason}
}

// decision is what replay does with one record, and the payload it sends.
type decision struct {
	outcome Outcome
	why     string
	payload []byte
}

// decide checks one record against the current state of things: resolved
// records are never sent again; the payload (patched, when a patch is
// given) must validate as enqueue validates it; and, unless forced, a
// record whose deadline has passed, or (unless patched) whose failure the
// payload itself caused, is skipped. Everything else is sent again: a cause
// outside the payload (a missing user, a limit, an outage) is what an
// operator fixes before replaying, and the current policy decides the
// replayed task's next failure.
func decide(o *ReplayOptions, r Record) decision {
	if r.State == StateResolved {
		return decision{outcome: OutcomeResolved, why: "delivered after it was dead-lettered"}
	}
	if r.PayloadTruncated() {
		return truncated(r)
	}
	payload := r.PayloadBytes()
	if o.Patch != nil {
		patched, err := mergePatch(payload, o.Patch)
		if err != nil {
			return decision{outcome: OutcomeFailed, why: "patch: " + err.Error()}
		}
		payload = patched
	}
	if _, err := tasks.Decode(r.Type, payload, o.Limits); err != nil {
		if o.Patch != nil {
			return decision{outcome: OutcomeFailed, why: "patched payload: " + err.Error()}
		}
		return decision{outcome: OutcomeSkippedInvalid, why: err.Error() + " (fix it with --patch)"}
	}
	d := recheck(o, r)
	d.payload = payload
	return d
}

// recheck decides a record whose payload validates.
func recheck(o *ReplayOptions, r Record) decision {
	c := causeOf(o.Table, r)
	switch {
	case o.Force:
		return decision{outcome: OutcomeWouldReplay, why: "--force: sent again without the re-check (" + c.text + ")"}
	case r.Rule == RuleExpired:
		// The policy would retry the provider's last answer, but the task's
		// own deadline has passed: a late one-time code is worse than none.
		return decision{outcome: OutcomeSkippedExpired,
			why: "its deadline has passed (--force sends it anyway, with no deadline)"}
	case o.Patch != nil:
		return decision{outcome: OutcomeWouldReplay, why: "patched: sent with the patch applied (" + c.text + ")"}
	case c.payload:
		return decision{outcome: OutcomeSkippedPayload,
			why: "the payload itself caused it (" + c.text + "); sent unchanged it fails the same way: fix it with --patch, or --force"}
	}
	return decision{outcome: OutcomeWouldReplay,
		why: "the cause is outside the payload (" + c.text + "); it is sent again and the current policy decides its next failure"}
}

// truncated refuses a record that keeps only a prefix of its payload:
// sending the prefix would send another payload than the task's, so
// neither Force nor a Patch applies (issue 10, item 3).
func truncated(r Record) decision {
	return decision{outcome: OutcomeSkippedTruncated, why: fmt.Sprintf(
		"cannot be replayed: the record keeps only the first %d of the payload's %d bytes (sha256 %s); delete it",
		len(r.PayloadBytes()), r.PayloadSize, r.PayloadSHA256)}
}

// RuleExpired is the rule name the dispatcher gives a task dead-lettered
// because its deadline passed (tasks.ExpiresAt / TTL).
const RuleExpired = "expired"

// payloadRules are the rules chatq's worker dead-letters with by itself,
// outside the provider's table, because of the task: a payload that does
// not decode or validate (or a malformed task header), one too large to
// decode, a type without a handler, a request the REST client refuses to
// build from the payload.
// The dispatcher defines them (dispatcher/rules.go); a test there keeps
// this list in step.
var payloadRules = map[string]bool{"invalid-payload": true, "payload-too-large": true, "unknown-type": true,
	"invalid-request": true}

// IsPayloadRule reports whether rule is one of chatq's own rules whose
// cause is the task's payload (see payloadRules); replay skips their dead
// letters as it skips the policy's payload_fault rows.
func IsPayloadRule(rule string) bool { return payloadRules[rule] }

// failureCause is what a record's failure is put down to now.
type failureCause struct {
	payload bool   // the payload itself caused it
	text    string // status/code, rule and reason, for the operator
}

// causeOf puts the stored failure down to the payload or not: chatq's own
// payload rules by name; provider answers by looking the stored status,
// code, description and task type up in the current table (exactly the
// policy's input), whose payload_fault rows say which answers the payload
// causes. A record without an HTTP status is looked up as a network failure.
func causeOf(t *policy.Table, r Record) failureCause {
	if payloadRules[r.Rule] {
		return failureCause{payload: true, text: fmt.Sprintf("rule %s: %s", r.Rule, r.Reason)}
	}
	f := policy.Failure{Status: r.Status, Code: r.Code, Message: r.Description, TaskType: r.Type, Network: r.Status == 0}
	rule := t.Lookup(f)
	return failureCause{
		payload: rule.PayloadFault && rule.Action == policy.ActionDeadLetter,
		text:    fmt.Sprintf("%s, rule %s: %s", StatusCode(r), rule.Name, rule.Reason),
	}
}
