package cli

import (
	"bytes"
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/internal/redistest"
)

// run drives the chatq command line like main does and returns its exit
// code, stdout and stderr.
func run(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb syncBuffer
	code := Main(context.Background(), args, Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb})
	return code, out.String(), errb.String()
}

// syncBuffer is a bytes.Buffer safe for concurrent writers: go-redis logs
// through a process-wide logger, so a client of one test (running in
// parallel) may write a line to the Main of another.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestConfig_BadValuesExitTwoNamingTheVariable(t *testing.T) {
	cases := []struct {
		name, env, value, want string
	}{
		{"not a number", "CHATQ_CONCURRENCY", "lots", `CHATQ_CONCURRENCY: must be a valid int, got "lots"`},
		{"out of range", "CHATQ_CONCURRENCY", "0", "CHATQ_CONCURRENCY: must be at least 1"},
		{"bad duration", "CHATQ_HTTP_TIMEOUT", "soon", "CHATQ_HTTP_TIMEOUT: must be a duration"},
		{"bad log level", "CHATQ_LOG_LEVEL", "loud", "CHATQ_LOG_LEVEL: must be debug, info, warn or error"},
		{"bad queues", "CHATQ_QUEUES", "messages:0", "CHATQ_QUEUES: must be name:weight pairs"},
		{"bad policy file", "CHATQ_POLICY_FILE", "testdata/missing.yaml", "CHATQ_POLICY_FILE:"},
		{"delivered TTL inside asynq's recovery window", "CHATQ_DELIVERED_TTL", "90s",
			"CHATQ_DELIVERED_TTL: must be 0 (no delivered markers) or at least 2m0s (asynq's recovery window)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(tc.env, tc.value)
			code, _, stderr := run(t, "", "policy")
			require.Equal(t, ExitUsage, code, stderr)
			require.Contains(t, stderr, tc.want)
		})
	}
}

func TestWorker_MissingSettingsAreNamedAndSecretsNeverEchoed(t *testing.T) {
	t.Setenv("CHATQ_API_URL", "http://127.0.0.1:1")
	t.Setenv("CHATQ_APP_KEY", "no-hash-here")
	t.Setenv("CHATQ_CLIENT_SECRET", "hunter2-secret-value")
	code, _, stderr := run(t, "", "worker")
	require.Equal(t, ExitUsage, code)
	require.Contains(t, stderr, "CHATQ_CLIENT_ID: required")
	require.Contains(t, stderr, `CHATQ_APP_KEY: must be "org#app"`)
	require.NotContains(t, stderr, "hunter2-secret-value")
}

func TestEnqueue_FileEnqueuesEveryGoodLine(t *testing.T) {
	db := redistest.New(t)
	t.Setenv("CHATQ_REDIS_URL", db.URL)
	code, stdout, stderr := run(t, "", "enqueue", "-f", "testdata/good.jsonl")
	require.Equal(t, ExitOK, code, stderr)
	ids := strings.Fields(stdout)
	require.Len(t, ids, 2, "one task id per line")
	insp := asynq.NewInspector(db.Opt)
	defer insp.Close()
	info, err := insp.GetTaskInfo("messages", ids[0])
	require.NoError(t, err)
	require.Equal(t, "message:send", info.Type)
	info, err = insp.GetTaskInfo("users", ids[1])
	require.NoError(t, err)
	require.Equal(t, "user:register", info.Type)
}

func TestEnqueue_BadLinesEnqueueNothing(t *testing.T) {
	db := redistest.New(t)
	t.Setenv("CHATQ_REDIS_URL", db.URL)
	input, err := os.ReadFile("testdata/bad.jsonl")
	require.NoError(t, err)
	code, stdout, stderr := run(t, string(input), "enqueue", "-f", "-")
	require.Equal(t, ExitFailure, code)
	require.Empty(t, stdout)
	require.Contains(t, stderr, "nothing enqueued")
	require.Contains(t, stderr, `line 2: message:send: field "to"`)
	require.Contains(t, stderr, `line 3: user:register: field "users[0].username"`)
	require.Empty(t, db.Keys(t), "nothing written to Redis")
}

func TestEnqueue_Subcommands(t *testing.T) {
	db := redistest.New(t)
	t.Setenv("CHATQ_REDIS_URL", db.URL)
	cases := []struct {
		args     []string
		wantCode int
		want     string // in stderr when failing
	}{
		{[]string{"enqueue", "message", "--to", "bob,carol", "--text", "hello"}, ExitOK, ""},
		{[]string{"enqueue", "register-user", "--username", "alice,bob"}, ExitOK, ""},
		{[]string{"enqueue", "group-create", "--name", "team", "--owner", "alice"}, ExitOK, ""},
		{[]string{"enqueue", "members-add", "--group", "123", "--users", "carol"}, ExitOK, ""},
		{[]string{"enqueue", "owner-transfer", "--group", "123", "--new-owner", "carol", "--delay", "1m"}, ExitOK, ""},
		{[]string{"enqueue", "message", "--to", "Bob"}, ExitUsage, `field "to[0]"`},
		{[]string{"enqueue", "group-create", "--name", "team"}, ExitUsage, `field "owner"`},
		{[]string{"enqueue", "message", "--to", "bob", "--text", "x", "--body", "{}"}, ExitUsage, "--text or --body"},
		{[]string{"enqueue", "message", "--to", "bob", "--process-at", "tomorrow"}, ExitUsage, "--process-at"},
		{[]string{"enqueue", "message", "--nope"}, ExitUsage, "unknown flag"},
		{[]string{"enqueue"}, ExitUsage, "give -f FILE"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, stdout, stderr := run(t, "", tc.args...)
			require.Equal(t, tc.wantCode, code, stderr)
			if tc.wantCode == ExitOK {
				require.Len(t, strings.Fields(stdout), 1, "one task id")
				return
			}
			require.Contains(t, stderr, tc.want)
		})
	}
}

func TestPolicy_ExplainNamesTheRow(t *testing.T) {
	code, stdout, stderr := run(t, "", "policy", "explain", "--status", "403", "--code", "forbidden_op",
		"--message", "Can not join this group, reason: user: u1 already in group: g1.", "--type", "group:members:add")
	require.Equal(t, ExitOK, code, stderr)
	require.Contains(t, stdout, "decision: done")
	require.Contains(t, stdout, "403-already-member")

	code, _, stderr = run(t, "", "policy", "explain")
	require.Equal(t, ExitUsage, code)
	require.Contains(t, stderr, "--status is required")
}

// TestREADME_PolicyTableIsTheEffectiveTable keeps the README's policy table
// equal to `chatq policy --format markdown`.
func TestREADME_PolicyTableIsTheEffectiveTable(t *testing.T) {
	code, table, stderr := run(t, "", "policy", "--format", "markdown")
	require.Equal(t, ExitOK, code, stderr)
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	_, rest, ok := strings.Cut(string(readme), "<!-- policy-table:begin -->\n")
	require.True(t, ok, "README has a policy-table:begin marker")
	inREADME, _, ok := strings.Cut(rest, "<!-- policy-table:end -->")
	require.True(t, ok, "README has a policy-table:end marker")
	require.Equal(t, table, inREADME, "README policy table is stale: paste `go run ./cmd/chatq policy --format markdown` between the markers")
}

func TestDemo_RunsHeadlessAndShowsEveryAction(t *testing.T) {
	code, stdout, stderr := run(t, "", "demo", "--redis", "memory")
	require.Equal(t, ExitOK, code, stderr)
	for _, want := range []string{"delivered", "done", "retry", "defer", "refresh", "dead-letter", "Dead letters (6)", "invalid payload", "expired", "idempotency key welcome-erin enqueued twice: one task"} {
		require.Contains(t, stdout, want)
	}
}

func TestWorkerConfig_DeliveredTTL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		env  time.Duration
		want time.Duration
	}{
		{name: "0 turns the markers off", env: 0, want: -1},
		{name: "a TTL is kept", env: 15 * time.Minute, want: 15 * time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, workerConfig(Config{DeliveredTTL: tc.env}).DeliveredTTL)
		})
	}
}
