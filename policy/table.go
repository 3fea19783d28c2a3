package policy

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Table is a compiled, immutable decision table. It is safe for concurrent use.
type Table struct {
	rules  []compiledRule // by specificity, most specific first: Lookup takes the first match
	merged []Rule         // in merged order: overrides, then the defaults they did not replace
}

type codeKind uint8

const (
	codeAny codeKind = iota
	codeNone
	codeExact
)

type compiledRule struct {
	rule     Rule
	status   statusMatcher
	code     codeKind
	msg      pattern
	hasMsg   bool
	fallback bool // a class or "*" row with no code, message or types: also applies to token failures
	override bool // from the overrides (a policy file): wins over every default row
	order    int
}

// catchAll is appended when no non-token "*" row exists, so Lookup never fails.
var catchAll = Rule{
	Name: "fallback", Status: "*", Action: ActionDeadLetter,
	Reason: "no rule matched", Doc: "built in: the table always ends in a catch-all",
}

// NewTable compiles a table from overrides and defaults (usually
// [DefaultRules]). Overrides come first: a failure that an override matches
// is decided by the most specific matching override, whatever default rows
// match too; the defaults decide only what no override matches (see
// [Explain] for the precedence). An override with the same key as a default
// row — Status, Code, normalised Message, Types (as a set) and Token —
// replaces it in the table; other overrides are added. Names must be unique.
// If no catch-all "*" row remains, a dead-letter one named "fallback" is
// added. Errors are [*RuleError]s wrapped with "overrides: " or "defaults: ".
func NewTable(overrides, defaults []Rule) (*Table, error) {
	ov, err := compileAll(overrides)
	if err != nil {
		return nil, fmt.Errorf("overrides: %w", err)
	}
	for i := range ov {
		ov[i].override = true
	}
	def, err := compileAll(defaults)
	if err != nil {
		return nil, fmt.Errorf("defaults: %w", err)
	}
	replaced := make(map[string]bool, len(ov))
	for _, c := range ov {
		replaced[c.key()] = true
	}
	all := ov
	for _, c := range def {
		if !replaced[c.key()] {
			all = append(all, c)
		}
	}
	if !slices.ContainsFunc(all, func(c compiledRule) bool { return c.fallback && c.status.kind == statusAny }) {
		c, _ := validateRule(len(all), catchAll)
		all = append(all, c)
	}
	if err := checkNames(all); err != nil {
		return nil, err
	}
	return newTable(all), nil
}

func newTable(all []compiledRule) *Table {
	t := &Table{rules: all, merged: make([]Rule, len(all))}
	for i := range all {
		t.rules[i].order = i
		t.merged[i] = all[i].rule
	}
	slices.SortStableFunc(t.rules, compareSpecificity)
	return t
}

// compileAll validates rules and rejects duplicate keys within one slice.
func compileAll(rules []Rule) ([]compiledRule, error) {
	out := make([]compiledRule, 0, len(rules)+1)
	seen := make(map[string]int, len(rules))
	for i, r := range rules {
		c, err := validateRule(i, r)
		if err != nil {
			return nil, err
		}
		if j, dup := seen[c.key()]; dup {
			return nil, &RuleError{Index: i, Name: r.Name, Err: fmt.Errorf("same status, code, message, types and token as rule %d (%q)", j, rules[j].Name)}
		}
		seen[c.key()] = i
		out = append(out, c)
	}
	return out, nil
}

func checkNames(all []compiledRule) error {
	seen := make(map[string]bool, len(all))
	for i, c := range all {
		if seen[c.rule.Name] {
			return &RuleError{Index: i, Name: c.rule.Name, Field: "name", Err: errors.New("used by another rule")}
		}
		seen[c.rule.Name] = true
	}
	return nil
}

// key identifies what a row matches, independent of what it decides.
func (c *compiledRule) key() string {
	types := slices.Clone(c.rule.Types)
	slices.Sort(types)
	return strings.Join([]string{c.rule.Status, c.rule.Code, c.msg.key(), strings.Join(types, ","), fmt.Sprint(c.rule.Token)}, "\x00")
}

// Rules returns the effective rows in merged order (overrides first), with
// Status and Class in canonical form. The slice is a copy.
func (t *Table) Rules() []Rule {
	out := make([]Rule, len(t.merged))
	for i, r := range t.merged {
		out[i] = r.clone()
	}
	return out
}

// Lookup returns the most specific row matching f. It never fails: the table
// always holds a catch-all. The returned Rule shares its Types slice with the
// table and must not be modified.
func (t *Table) Lookup(f Failure) Rule {
	// The message is normalised at most once, and only if a row with a
	// message gets that far, into a stack buffer: no allocation for messages
	// up to its size. Locals rather than a struct keep escape analysis happy.
	var buf [256]byte
	var msg []byte
	normed := false
	network := isNetwork(&f)
	for i := range t.rules {
		c := &t.rules[i]
		if !c.matchFields(&f, network) {
			continue
		}
		if c.hasMsg {
			if !normed {
				msg, normed = trimTrailing(appendNormalized(buf[:0], f.Message)), true
			}
			if !c.msg.match(msg) {
				continue
			}
		}
		return c.rule
	}
	return catchAll // unreachable: NewTable guarantees a catch-all row
}

// matching returns every row matching f, most specific first.
func (t *Table) matching(f Failure) []*compiledRule {
	msg := trimTrailing(appendNormalized(nil, f.Message))
	var out []*compiledRule
	for i := range t.rules {
		c := &t.rules[i]
		if c.matchFields(&f, isNetwork(&f)) && (!c.hasMsg || c.msg.match(msg)) {
			out = append(out, c)
		}
	}
	return out
}

// isNetwork reports whether f had no HTTP answer; Status 0 means the same.
func isNetwork(f *Failure) bool { return f.Network || f.Status == 0 }

// matchFields matches everything but the message, which is the costly part.
func (c *compiledRule) matchFields(f *Failure, network bool) bool {
	if c.rule.Token != f.Token && !(f.Token && c.fallback) {
		return false
	}
	if !c.status.match(f.Status, network) {
		return false
	}
	switch c.code {
	case codeNone:
		if f.Code != "" {
			return false
		}
	case codeExact:
		if f.Code != c.rule.Code {
			return false
		}
	}
	return len(c.rule.Types) == 0 || slices.Contains(c.rule.Types, f.TaskType)
}
