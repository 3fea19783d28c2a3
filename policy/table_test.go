package policy

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestTable_LookupSpecificity(t *testing.T) {
	t.Parallel()
	rules := []Rule{
		{Name: "any", Status: "*", Action: ActionDeadLetter, Reason: "r"},
		{Name: "class", Status: "4xx", Action: ActionDeadLetter, Reason: "r"},
		{Name: "status", Status: "403", Action: ActionDeadLetter, Reason: "r"},
		{Name: "class-code", Status: "4xx", Code: "forbidden_op", Action: ActionRetry, Reason: "r"},
		{Name: "code", Status: "403", Code: "forbidden_op", Action: ActionDeadLetter, Reason: "r"},
		{Name: "code-message", Status: "403", Code: "forbidden_op", Message: "already in group", Action: ActionDeadLetter, Reason: "r"},
		{Name: "code-message-type", Status: "403", Code: "forbidden_op", Message: "already in group", Types: []string{"group:members:add"}, Action: ActionDone, Reason: "r"},
		{Name: "code-type", Status: "403", Code: "forbidden_op", Types: []string{"group:members:add"}, Action: ActionDone, Reason: "r"},
		{Name: "short", Status: "401", Code: "x", Message: "unable to authenticate", Action: ActionRefresh, Reason: "r"},
		{Name: "long", Status: "401", Code: "x", Message: "unable to authenticate due to corrupt", Action: ActionRefresh, Reason: "r"},
		{Name: "first", Status: "409", Message: "conflict", Action: ActionDeadLetter, Reason: "r"},
		{Name: "second", Status: "409", Message: "conflict", Types: []string{"other"}, Action: ActionDeadLetter, Reason: "r"},
	}
	table := mustTable(t, nil, rules)
	tests := []struct {
		name     string
		failure  Failure
		wantRule string
	}{
		{"type-specific beats generic", Failure{Status: 403, Code: "forbidden_op", Message: "user already in group", TaskType: "group:members:add"}, "code-message-type"},
		{"message beats code and type", Failure{Status: 403, Code: "forbidden_op", Message: "user already in group", TaskType: "group:delete"}, "code-message"},
		{"message beats code-only", Failure{Status: 403, Code: "forbidden_op", Message: "user already in group"}, "code-message"},
		{"type beats code-only", Failure{Status: 403, Code: "forbidden_op", Message: "other", TaskType: "group:members:add"}, "code-type"},
		{"code-only", Failure{Status: 403, Code: "forbidden_op", Message: "other"}, "code"},
		{"exact status beats class with code", Failure{Status: 403, Code: "other"}, "status"},
		{"code beats class", Failure{Status: 404, Code: "forbidden_op"}, "class-code"},
		{"class", Failure{Status: 404}, "class"},
		{"any", Failure{Status: 500}, "any"},
		{"longer message wins a tie", Failure{Status: 401, Code: "x", Message: "Unable to authenticate due to corrupt access token"}, "long"},
		{"earlier row wins a tie", Failure{Status: 409, Message: "conflict"}, "first"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := table.Lookup(tc.failure)
			require.Equal(t, tc.wantRule, got.Name, "got %q, want %q\n%s", got.Name, tc.wantRule, Explain(table, tc.failure))
		})
	}
}

func TestTable_LookupMessage(t *testing.T) {
	t.Parallel()
	table := mustTable(t, nil, []Rule{
		{Name: "join", Status: "403", Message: "Can not join this group, reason: user: {username} already in group: {group_id}.", Action: ActionDone, Reason: "r"},
		{Name: "members", Status: "403", Message: "Users {username} are not members of this group!", Action: ActionDone, Reason: "r"},
		{Name: "lead", Status: "400", Message: "{username} is not legal.", Action: ActionDone, Reason: "r"},
		{Name: "brace", Status: "409", Message: "a {b {c", Action: ActionDone, Reason: "r"},
		{Name: "unicode", Status: "410", Message: "ÄRGER “quoted”", Action: ActionDone, Reason: "r"},
	})
	tests := []struct {
		name     string
		failure  Failure
		wantRule string
	}{
		{"exact documented text", Failure{Status: 403, Message: "Can not join this group, reason: user: bob already in group: 42."}, "join"},
		{"spacing, case, no period", Failure{Status: 403, Message: "can not join this group,   reason:user: bob already in group: 42"}, "join"},
		{"placeholder with brackets", Failure{Status: 403, Message: "users [bob, eve] are not members of this group"}, "members"},
		{"placeholder empty run", Failure{Status: 403, Message: "Users are not members of this group"}, "members"},
		{"leading placeholder", Failure{Status: 400, Message: "username [X] is not legal!"}, "lead"},
		{"surrounding text", Failure{Status: 400, Message: "error: bob is not legal. see docs"}, "lead"},
		{"quotes dropped", Failure{Status: 403, Message: `"Users 'bob' are not members of this group!"`}, "members"},
		{"unmatched braces are literal", Failure{Status: 409, Message: "A {B {C"}, "brace"},
		{"unicode case and quotes", Failure{Status: 410, Message: "ärger quoted"}, "unicode"},
		{"segments out of order", Failure{Status: 403, Message: "already in group: 42, can not join this group, reason: user: bob"}, "fallback"},
		{"placeholder is not a wildcard for text", Failure{Status: 403, Message: "users bob are members of this group"}, "fallback"},
		{"empty message", Failure{Status: 403}, "fallback"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.wantRule, table.Lookup(tc.failure).Name)
		})
	}
}

func TestTable_LookupToken(t *testing.T) {
	t.Parallel()
	bundle := setup(t)
	tests := []struct {
		name     string
		failure  Failure
		wantRule string
	}{
		{"token row ignored for task calls", Failure{Status: 400, Code: "invalid_grant", Message: "Invalid username or password."}, "400-invalid-grant"},
		{"token row for token failures", Failure{Status: 400, Code: "invalid_grant", Message: "Invalid username or password.", Token: true}, "token-400-invalid-grant"},
		{"task rows ignored for token failures", Failure{Status: 401, Code: "unauthorized", Message: "Unable to authenticate due to expired access token", Token: true}, "token-401"},
		{"token 400 other code", Failure{Status: 400, Code: "json_parse", Token: true}, "token-4xx"},
		{"generic fallback for token failures", Failure{Status: 302, Token: true}, "fallback"},
		{"status 0 is network", Failure{Status: 0, Token: true}, "token-network"},
		{"network flag beats status", Failure{Status: 503, Network: true}, "network"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.wantRule, bundle.table.Lookup(tc.failure).Name)
		})
	}

	t.Run("class fallbacks reach token failures", func(t *testing.T) {
		t.Parallel()
		table := mustTable(t, nil, []Rule{
			{Name: "5xx", Status: "5xx", Action: ActionRetry, Reason: "r"},
			{Name: "503-typed", Status: "503", Types: []string{"message:send"}, Action: ActionDefer, Reason: "r"},
		})
		require.Equal(t, "5xx", table.Lookup(Failure{Status: 503, TaskType: "message:send", Token: true}).Name)
		require.Equal(t, "503-typed", table.Lookup(Failure{Status: 503, TaskType: "message:send"}).Name)
	})
}

func TestNewTable_Overrides(t *testing.T) {
	t.Parallel()
	defaults := []Rule{
		{Name: "403", Status: "403", Action: ActionDeadLetter, Reason: "forbidden"},
		{Name: "429", Status: "429", Action: ActionDefer, Reason: "rate limited"},
	}

	t.Run("same key replaces the default", func(t *testing.T) {
		t.Parallel()
		table := mustTable(t, []Rule{{Name: "403-retry", Status: "403", Action: ActionRetry, Class: ClassSlow, Reason: "retry"}}, defaults)
		got := table.Lookup(Failure{Status: 403})
		require.Equal(t, "403-retry", got.Name)
		names := ruleNames(table.Rules())
		require.NotContains(t, names, "403")
		require.Equal(t, []string{"403-retry", "429", "fallback"}, names)
	})
	t.Run("new key is added", func(t *testing.T) {
		t.Parallel()
		table := mustTable(t, []Rule{{Name: "403-x", Status: "403", Code: "x", Action: ActionDone, Reason: "x"}}, defaults)
		require.Equal(t, "403-x", table.Lookup(Failure{Status: 403, Code: "x"}).Name)
		require.Equal(t, "403", table.Lookup(Failure{Status: 403, Code: "y"}).Name)
	})
	t.Run("override wins a tie", func(t *testing.T) {
		t.Parallel()
		table := mustTable(t, []Rule{{Name: "over", Status: "409", Message: "b", Action: ActionDone, Reason: "r"}},
			[]Rule{{Name: "def", Status: "409", Message: "a", Action: ActionDeadLetter, Reason: "r"}})
		require.Equal(t, "over", table.Lookup(Failure{Status: 409, Message: "a b"}).Name)
	})
	t.Run("override wins over a more specific default it overlaps", func(t *testing.T) {
		t.Parallel()
		table := mustTable(t,
			[]Rule{{Name: "over", Status: "403", Code: "forbidden_op", Message: "too many", Action: ActionRetry, Reason: "r"}},
			[]Rule{{Name: "def", Status: "403", Code: "forbidden_op", Message: "user {u} has joined too many groups", Types: []string{"t"}, Action: ActionDeadLetter, Reason: "r"}})
		require.Equal(t, "over", table.Lookup(Failure{Status: 403, Code: "forbidden_op", Message: "user u1 has joined too many groups", TaskType: "t"}).Name)
		require.Equal(t, "fallback", table.Lookup(Failure{Status: 403, Code: "other"}).Name, "defaults decide what no override matches")
	})
	t.Run("most specific override wins among overrides", func(t *testing.T) {
		t.Parallel()
		table := mustTable(t, []Rule{
			{Name: "broad", Status: "4xx", Action: ActionRetry, Reason: "r"},
			{Name: "narrow", Status: "403", Code: "x", Action: ActionDone, Reason: "r"},
		}, nil)
		require.Equal(t, "narrow", table.Lookup(Failure{Status: 403, Code: "x"}).Name)
		require.Equal(t, "broad", table.Lookup(Failure{Status: 403, Code: "y"}).Name)
	})
	t.Run("token rows still decide token failures before an override fallback", func(t *testing.T) {
		t.Parallel()
		table := mustTable(t, []Rule{{Name: "4xx-retry", Status: "4xx", Action: ActionRetry, Reason: "r"}},
			[]Rule{{Name: "token-400", Status: "400", Token: true, Action: ActionCredentials, Reason: "r"}})
		require.Equal(t, "token-400", table.Lookup(Failure{Status: 400, Token: true}).Name)
		require.Equal(t, "4xx-retry", table.Lookup(Failure{Status: 400}).Name)
	})
	t.Run("key ignores spelling of status, message and type order", func(t *testing.T) {
		t.Parallel()
		table := mustTable(t,
			[]Rule{{Name: "new", Status: "4XX", Message: "Hello  World!", Types: []string{"b", "a"}, Action: ActionDone, Reason: "r"}},
			[]Rule{{Name: "old", Status: "4xx", Message: "hello world", Types: []string{"a", "b"}, Action: ActionDeadLetter, Reason: "r"}})
		require.Equal(t, []string{"new", "fallback"}, ruleNames(table.Rules()))
		require.Equal(t, "4xx", table.Rules()[0].Status)
	})
	t.Run("catch-all always exists", func(t *testing.T) {
		t.Parallel()
		table := mustTable(t, nil, nil)
		got := table.Lookup(Failure{Status: 500})
		require.Equal(t, "fallback", got.Name)
		require.Equal(t, ActionDeadLetter, got.Action)
	})
	t.Run("class defaults to transient", func(t *testing.T) {
		t.Parallel()
		table := mustTable(t, nil, []Rule{{Name: "r", Status: "500", Action: ActionRetry, Reason: "r"}})
		require.Equal(t, ClassTransient, table.Rules()[0].Class)
	})
}

func TestNewTable_Errors(t *testing.T) {
	t.Parallel()
	valid := Rule{Name: "ok", Status: "400", Action: ActionDeadLetter, Reason: "r"}
	with := func(mod func(r *Rule)) Rule {
		r := valid
		mod(&r)
		return r
	}
	tests := []struct {
		name      string
		overrides []Rule
		defaults  []Rule
		wantErr   string
	}{
		{"bad status", []Rule{valid, with(func(r *Rule) { r.Name = "x"; r.Status = "4x" })}, nil,
			`overrides: rule 1 ("x"): status: must be a number, 4xx, 5xx, network or *`},
		{"status out of range", []Rule{with(func(r *Rule) { r.Status = "700" })}, nil, `rule 0 ("ok"): status: must be`},
		{"missing action", []Rule{with(func(r *Rule) { r.Action = 0 })}, nil, `rule 0 ("ok"): action: must be one of done, retry, defer, refresh, dead-letter, credentials`},
		{"missing name", []Rule{with(func(r *Rule) { r.Name = "" })}, nil, `rule 0 (""): name:`},
		{"missing reason", []Rule{with(func(r *Rule) { r.Reason = " " })}, nil, `rule 0 ("ok"): reason:`},
		{"multi-line reason", []Rule{with(func(r *Rule) { r.Reason = "a\nb" })}, nil, `rule 0 ("ok"): reason:`},
		{"placeholder-only message", []Rule{with(func(r *Rule) { r.Message = "{x}." })}, nil, `rule 0 ("ok"): message:`},
		{"empty type", []Rule{with(func(r *Rule) { r.Types = []string{"a", ""} })}, nil, `rule 0 ("ok"): types: entry 1 is empty`},
		{"payload fault on retry", []Rule{with(func(r *Rule) { r.Action = ActionRetry; r.PayloadFault = true })}, nil, `rule 0 ("ok"): payload_fault: only valid for dead-letter, not retry`},
		{"class on dead-letter", []Rule{with(func(r *Rule) { r.Class = ClassSlow })}, nil, `rule 0 ("ok"): class: only valid for`},
		{"duplicate key", nil, []Rule{valid, with(func(r *Rule) { r.Name = "dup" })}, `defaults: rule 1 ("dup"): same status, code, message, types and token as rule 0 ("ok")`},
		{"duplicate name", []Rule{valid}, []Rule{with(func(r *Rule) { r.Status = "401" })}, `rule 1 ("ok"): name: used by another rule`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewTable(tc.overrides, tc.defaults)
			require.ErrorContains(t, err, tc.wantErr)
			var re *RuleError
			require.ErrorAs(t, err, &re)
		})
	}
}

func TestTable_RulesIsCopy(t *testing.T) {
	t.Parallel()
	bundle := setup(t)
	rules := bundle.table.Rules()
	for i := range rules {
		rules[i].Name = "mutated"
		if len(rules[i].Types) > 0 {
			rules[i].Types[0] = "mutated"
		}
	}
	for _, r := range bundle.table.Rules() {
		require.NotEqual(t, "mutated", r.Name)
		require.NotContains(t, r.Types, "mutated")
	}
}

func ruleNames(rules []Rule) []string {
	names := make([]string, len(rules))
	for i, r := range rules {
		names[i] = r.Name
	}
	return names
}

func FuzzLookup(f *testing.F) {
	for _, tc := range defaultCases {
		f.Add(tc.status, tc.code, tc.message, tc.typ, tc.network, tc.token)
	}
	f.Add(-1, "\x00", "{\xff}", "", false, true)
	table, err := NewTable(nil, DefaultRules())
	if err != nil {
		f.Fatal(err)
	}
	p, err := New(Config{Table: table})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, status int, code, message, typ string, network, token bool) {
		fail := Failure{Status: status, Code: code, Message: message, TaskType: typ, Network: network, Token: token}
		r := table.Lookup(fail)
		require.NotEmpty(t, r.Name)
		require.True(t, r.Action.Valid())
		d := p.Decide(fail, status%40)
		require.Equal(t, r.Name, d.Rule.Name)
		require.GreaterOrEqual(t, d.Delay, time.Duration(0))
	})
}

func BenchmarkLookup(b *testing.B) {
	table, err := NewTable(nil, DefaultRules())
	if err != nil {
		b.Fatal(err)
	}
	failures := []Failure{
		{Status: 403, Code: "forbidden_op", Message: "users [bob] are not members of this group!", TaskType: "group:members:remove"},
		{Status: 503, TaskType: "message:send"},
		{Status: 429, Code: "reach_limit", Message: "This request has reached api limit", TaskType: "message:send"},
		{Network: true, TaskType: "message:send"},
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_ = table.Lookup(failures[i%len(failures)])
	}
}
