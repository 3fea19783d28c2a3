package policy

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Rule is one row of the decision table. The zero values of Code, Message and
// Types match anything; see the package comment for the matching rules.
type Rule struct {
	// Name is a stable id ("400-duplicate-user"), shown in logs and dead letters.
	Name string `json:"name" yaml:"name"`
	// Status is "429", "4xx", "5xx", "network" or "*".
	Status string `json:"status" yaml:"status"`
	// Code is the exact provider "error" code; "" = any; "N/A" = the body had no code.
	Code string `json:"code,omitempty" yaml:"code,omitempty"`
	// Message is a pattern over "error_description": a normalised,
	// case-insensitive substring where {placeholder} matches any run of characters.
	Message string `json:"message,omitempty" yaml:"message,omitempty"`
	// Types lists the task types the row applies to; empty = all.
	Types []string `json:"types,omitempty" yaml:"types,omitempty"`
	// Token restricts the row to failures of the token endpoint.
	Token bool `json:"token,omitempty" yaml:"token,omitempty"`
	// Action is what to do with the task.
	Action Action `json:"action" yaml:"action"`
	// Class is the backoff class for retry, defer, refresh and credentials;
	// "" = transient. It must be empty for done and dead-letter.
	Class Class `json:"class,omitempty" yaml:"class,omitempty"`
	// PayloadFault says the failure lies in the task's payload itself (an
	// invalid or too large body, a malformed or illegal field): the same
	// payload sent again fails the same way, whatever is fixed outside
	// chatq, so replay skips such dead letters unless patched or forced.
	// Only for dead-letter rows.
	PayloadFault bool `json:"payload_fault,omitempty" yaml:"payload_fault,omitempty"`
	// Reason is one human line ("user already exists").
	Reason string `json:"reason" yaml:"reason"`
	// Doc is the provenance: the provider's page the row comes from
	// ("status-codes page, 400 table", a URL).
	Doc string `json:"doc,omitempty" yaml:"doc,omitempty"`
}

// Code values with a special meaning.
const (
	// CodeNone in Rule.Code matches a failure whose body had no code.
	CodeNone = "N/A"
)

// clone returns r with its own copy of Types.
func (r Rule) clone() Rule {
	r.Types = slices.Clone(r.Types)
	return r
}

// RuleError reports an invalid rule. Index is the rule's position in the
// slice (or file) it came from, counting from 0.
type RuleError struct {
	Index int
	Name  string
	Field string // "status", "action", …; "" for whole-row problems
	Err   error
}

// Error formats as `rule 3 ("x"): status: must be …`.
func (e *RuleError) Error() string {
	field := ""
	if e.Field != "" {
		field = e.Field + ": "
	}
	return fmt.Sprintf("rule %d (%q): %s%v", e.Index, e.Name, field, e.Err)
}

// Unwrap returns the underlying error.
func (e *RuleError) Unwrap() error { return e.Err }

// statusKind orders status matchers by specificity: larger is more specific.
type statusKind uint8

const (
	statusAny statusKind = iota + 1
	statusClass
	statusExact // an exact number or "network"
)

type statusMatcher struct {
	kind    statusKind
	n       int  // exact status, or the class digit (4, 5)
	network bool // the "network" pseudo-status
}

var errStatus = errors.New(`must be a number, 4xx, 5xx, network or *`)

// parseStatus parses Rule.Status and returns its canonical spelling.
func parseStatus(s string) (statusMatcher, string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "*":
		return statusMatcher{kind: statusAny}, s, nil
	case "network":
		return statusMatcher{kind: statusExact, network: true}, s, nil
	case "4xx":
		return statusMatcher{kind: statusClass, n: 4}, s, nil
	case "5xx":
		return statusMatcher{kind: statusClass, n: 5}, s, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 100 || n > 599 {
		return statusMatcher{}, s, errStatus
	}
	return statusMatcher{kind: statusExact, n: n}, s, nil
}

func (m statusMatcher) match(status int, network bool) bool {
	switch {
	case m.kind == statusAny:
		return true
	case m.network:
		return network
	case network:
		return false
	case m.kind == statusClass:
		return status/100 == m.n
	default:
		return status == m.n
	}
}

// sortKey orders statuses for rendering: numbers, then their class, then
// network, then *.
func (m statusMatcher) sortKey() int {
	switch {
	case m.kind == statusAny:
		return 2000
	case m.network:
		return 1000
	case m.kind == statusClass:
		return m.n*100 + 99
	default:
		return m.n
	}
}

// validateRule checks one row and returns its compiled form (without order).
func validateRule(i int, r Rule) (compiledRule, error) {
	fail := func(field string, err error) (compiledRule, error) {
		return compiledRule{}, &RuleError{Index: i, Name: r.Name, Field: field, Err: err}
	}
	if strings.TrimSpace(r.Name) == "" || strings.ContainsFunc(r.Name, isSpaceOrControl) {
		return fail("name", errors.New("must be non-empty without spaces"))
	}
	st, canon, err := parseStatus(r.Status)
	if err != nil {
		return fail("status", err)
	}
	r.Status = canon
	if strings.ContainsFunc(r.Code, isControl) {
		return fail("code", errors.New("must not contain control characters"))
	}
	pat := compilePattern(r.Message)
	if r.Message != "" && pat.literal == 0 {
		return fail("message", errors.New("must contain text besides placeholders"))
	}
	for j, t := range r.Types {
		if strings.TrimSpace(t) == "" {
			return fail("types", fmt.Errorf("entry %d is empty", j))
		}
	}
	if !r.Action.Valid() {
		return fail("action", fmt.Errorf("must be one of %s", actionList()))
	}
	switch {
	case !r.Action.delayed() && r.Class != "":
		return fail("class", fmt.Errorf("only valid for retry, defer, refresh or credentials, not %s", r.Action))
	case r.Action.delayed() && r.Class == "":
		r.Class = ClassTransient
	case strings.ContainsFunc(string(r.Class), isSpaceOrControl):
		return fail("class", errors.New("must not contain spaces"))
	}
	if r.PayloadFault && r.Action != ActionDeadLetter {
		return fail("payload_fault", fmt.Errorf("only valid for dead-letter, not %s", r.Action))
	}
	if strings.TrimSpace(r.Reason) == "" || strings.ContainsFunc(r.Reason, isControl) {
		return fail("reason", errors.New("must be one non-empty line"))
	}
	return compileRule(r, st, pat), nil
}

func compileRule(r Rule, st statusMatcher, pat pattern) compiledRule {
	c := compiledRule{rule: r, status: st, msg: pat, hasMsg: r.Message != ""}
	switch r.Code {
	case "":
		c.code = codeAny
	case CodeNone:
		c.code = codeNone
	default:
		c.code = codeExact
	}
	c.fallback = !r.Token && st.kind != statusExact && r.Code == "" && r.Message == "" && len(r.Types) == 0
	return c
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

func isSpaceOrControl(r rune) bool { return r == ' ' || isControl(r) }
