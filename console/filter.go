package console

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/chatq/chatq/deadletter"
)

// filterFields are the query and form fields of a dead-letter filter, as
// the CLI's flags name them.
var filterFields = []string{"type", "queue", "status", "code", "rule", "state", "since", "until", "contains"}

// filterForm is a filter as the operator typed it, for refilling the form
// and carrying it through preview and confirmation.
type filterForm struct {
	Values url.Values // only filterFields, trimmed, non-empty
	IDs    []string
}

func readFilterForm(v url.Values) filterForm {
	f := filterForm{Values: url.Values{}}
	for _, k := range filterFields {
		if s := strings.TrimSpace(v.Get(k)); s != "" {
			f.Values.Set(k, s)
		}
	}
	for _, id := range v["id"] {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(f.IDs, id) {
			f.IDs = append(f.IDs, id)
		}
	}
	return f
}

// Get returns one field, for the templates.
func (f filterForm) Get(k string) string { return f.Values.Get(k) }

// Empty reports a filter that selects every dead letter.
func (f filterForm) Empty() bool { return len(f.Values) == 0 && len(f.IDs) == 0 }

// filter turns the form into a deadletter.Filter; a bad field is an error
// naming it and its rule.
func (f filterForm) filter(now time.Time) (deadletter.Filter, error) {
	v := f.Values
	out := deadletter.Filter{IDs: f.IDs, Type: v.Get("type"), Queue: v.Get("queue"), Status: v.Get("status"),
		Code: v.Get("code"), Rule: v.Get("rule"), State: deadletter.State(v.Get("state")), Contains: v.Get("contains")}
	var errs []error
	var err error
	if out.Since, err = deadletter.ParseWhen(v.Get("since"), now); err != nil {
		errs = append(errs, fmt.Errorf("filter since: %w", err))
	}
	if out.Until, err = deadletter.ParseWhen(v.Get("until"), now); err != nil {
		errs = append(errs, fmt.Errorf("filter until: %w", err))
	}
	if len(errs) == 0 {
		if err := out.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	return out, errors.Join(errs...)
}

// filterText shows a filter as the CLI's flags would say it.
func filterText(f deadletter.Filter) string {
	var parts []string
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	add("ids", strings.Join(f.IDs, ","))
	add("type", f.Type)
	add("queue", f.Queue)
	add("status", f.Status)
	add("code", f.Code)
	add("rule", f.Rule)
	add("state", string(f.State))
	add("contains", f.Contains)
	if !f.Since.IsZero() {
		add("since", f.Since.UTC().Format(time.RFC3339))
	}
	if !f.Until.IsZero() {
		add("until", f.Until.UTC().Format(time.RFC3339))
	}
	if len(parts) == 0 {
		return "(every dead letter)"
	}
	return strings.Join(parts, " ")
}
