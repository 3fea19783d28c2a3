package tasks

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// ValidationError reports a payload (or JSON line) that breaks a rule. It is
// returned by every Validate method, by Decode, by the NewXxxTask
// constructors and by the Client; find it with errors.As.
type ValidationError struct {
	// Type is the task type, e.g. "message:send"; "" when the task type
	// itself is what is wrong.
	Type string
	// Field is the JSON path of the offending field, e.g. "to[3]",
	// "body.msg" or "users[2].username"; "payload" when the whole payload is
	// at fault (not JSON, trailing data).
	Field string
	// Rule says what the field must be, e.g. "must not be empty".
	Rule string
}

// Error returns `<type>: field "<field>": <rule>`.
func (e *ValidationError) Error() string {
	if e.Type == "" {
		return fmt.Sprintf("field %q: %s", e.Field, e.Rule)
	}
	return fmt.Sprintf("%s: field %q: %s", e.Type, e.Field, e.Rule)
}

// Rule texts shared by several payloads.
const (
	ruleUsername = "must match [a-z0-9_.-]{1,64}"
	ruleID       = "must be 1 to 64 characters without '/' or ',' (also percent-encoded)"
	ruleNotEmpty = "must not be empty"
	ruleRequired = "is required"
	maxNameLen   = 64
)

// checker collects the first rule violation of one payload. Validate methods
// run every check in field order; checks after the first failure are no-ops,
// so a payload reports exactly one *ValidationError.
type checker struct {
	typ   string
	first *ValidationError
}

func (c *checker) failed() bool { return c.first != nil }

func (c *checker) fail(field, rule string) {
	if c.first == nil {
		c.first = &ValidationError{Type: c.typ, Field: field, Rule: rule}
	}
}

// err returns the first violation as an error, or a true nil.
func (c *checker) err() error {
	if c.first == nil {
		return nil
	}
	return c.first
}

// username checks a required username.
func (c *checker) username(field, s string) {
	if rule := usernameRule(s); rule != "" && !c.failed() {
		c.fail(field, rule)
	}
}

// id checks a required group or chat room id.
func (c *checker) id(field, s string) {
	if rule := idRule(s); rule != "" && !c.failed() {
		c.fail(field, rule)
	}
}

// usernameRule returns the rule s breaks as a username, or "".
func usernameRule(s string) string {
	switch {
	case s == "":
		return ruleRequired
	case !validUsername(s):
		return ruleUsername
	case s == "." || s == "..":
		return ruleDotSegment // the only dot segments [a-z0-9_.-] can spell
	}
	return ""
}

// idRule returns the rule s breaks as a group or chat room id, or "". Ids end
// up in URL paths (hence no '/' and no dot segment, see segment.go) and in
// comma-separated lists (hence no ',').
func idRule(s string) string {
	switch {
	case s == "":
		return ruleRequired
	case !validID(s):
		return ruleID
	case isDotSegment(s):
		return ruleDotSegment
	}
	return ""
}

// count checks that a list has lo to hi entries.
func (c *checker) count(field string, n, lo, hi int) {
	if c.failed() || (n >= lo && n <= hi) {
		return
	}
	if lo == 0 {
		c.fail(field, fmt.Sprintf("must have at most %d entries, got %d", hi, n))
		return
	}
	c.fail(field, fmt.Sprintf("must have %d to %d entries, got %d", lo, hi, n))
}

// usernames checks every entry of a list of usernames, and that none repeats.
func (c *checker) usernames(field string, names []string) {
	c.entries(field, names, usernameRule)
	c.unique(field, "", names)
}

// entries checks every entry of list with rule; an empty entry "must not be
// empty". The path of an entry is built only on failure: lists have up to 600
// entries.
func (c *checker) entries(field string, list []string, rule func(string) string) {
	for i, s := range list {
		if c.failed() {
			return
		}
		if s == "" {
			c.fail(index(field, i), ruleNotEmpty)
		} else if r := rule(s); r != "" {
			c.fail(index(field, i), r)
		}
	}
}

// unique checks that no entry of list repeats. The path of entry i is
// field[i]suffix.
func (c *checker) unique(field, suffix string, list []string) {
	if c.failed() {
		return
	}
	seen := make(map[string]int, len(list))
	for i, s := range list {
		if j, dup := seen[s]; dup {
			c.fail(index(field, i)+suffix, "duplicates "+index(field, j)+suffix)
			return
		}
		seen[s] = i
	}
}

// text checks a UTF-8 string of lo to hi characters.
func (c *checker) text(field, s string, lo, hi int) {
	if c.failed() {
		return
	}
	if !utf8.ValidString(s) {
		c.fail(field, ruleUTF8)
		return
	}
	if n := utf8.RuneCountInString(s); n < lo || n > hi {
		c.fail(field, fmt.Sprintf("must be %d to %d characters, got %d", lo, hi, n))
	}
}

// validUsername reports whether s matches ^[a-z0-9_.-]{1,64}$. A loop, not a
// regexp: it runs for each of up to 600 recipients of every message.
func validUsername(s string) bool {
	if len(s) == 0 || len(s) > maxNameLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		ok := (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b == '_' || b == '.' || b == '-'
		if !ok {
			return false
		}
	}
	return true
}

// validID reports whether s is 1 to 64 characters of valid UTF-8 that stay
// one path segment and one list entry, decoded or not.
func validID(s string) bool {
	return s != "" && utf8.ValidString(s) && utf8.RuneCountInString(s) <= maxNameLen && !splitsSegment(s)
}

func index(field string, i int) string {
	return field + "[" + strconv.Itoa(i) + "]"
}
