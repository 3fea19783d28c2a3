package deadletter

import (
	"context"
	"fmt"

	"github.com/chatq/chatq/policy"
	"github.com/chatq/chatq/tasks"
)

// planReplay reads the selected records, oldest failure first, and decides
// each one. Only the plan is kept, not the payloads, so 100,000 records
// cost a few hundred bytes each.
func (s *Store) planReplay(ctx context.Context, o *ReplayOptions) ([]Item, error) {
	var items []Item
	var bad []Item
	candidates := 0
	err := s.scan(ctx, o.Filter, true, func(page []Record) bool {
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
					it.Diff = Diff(r.PayloadBytes(), d.payload)
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
// given) must validate as enqueue validates it; and, unless forced or
// patched, the current policy must no longer dead-letter the stored failure.
func decide(o *ReplayOptions, r Record) decision {
	if r.State == StateResolved {
		return decision{outcome: OutcomeResolved, why: "delivered after it was dead-lettered"}
	}
	if r.PayloadTruncated() {
		return truncated(r)
	}
	payload := r.PayloadBytes()
	if o.Patch != nil {
		patched, err := MergePatch(payload, o.Patch)
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
	if r.Rule == RuleExpired && !o.Force {
		// The policy would retry the provider's last answer, but the task's
		// own deadline has passed: a late one-time code is worse than none.
		return decision{outcome: OutcomeSkippedPolicy,
			why: "expired: the task's deadline has passed (--force sends it anyway, with no deadline)"}
	}
	if o.Patch == nil && !o.Force {
		if rule, dead := stillDeadLetters(o.Table, r); dead {
			return decision{outcome: OutcomeSkippedPolicy,
				why: fmt.Sprintf("policy unchanged: rule %s still dead-letters %s (--force to replay)", rule.Name, StatusCode(r))}
		}
	}
	return decision{outcome: OutcomeWouldReplay, payload: payload}
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

// stillDeadLetters looks the stored failure up in the current table: the
// provider answer (status, code, description) and task type the record
// kept are exactly the policy's input. A record without an HTTP status is
// looked up as a network failure.
func stillDeadLetters(t *policy.Table, r Record) (policy.Rule, bool) {
	f := policy.Failure{Status: r.Status, Code: r.Code, Message: r.Description, TaskType: r.Type, Network: r.Status == 0}
	rule := t.Lookup(f)
	return rule, rule.Action == policy.ActionDeadLetter
}
