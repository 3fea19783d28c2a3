package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/internal/redistest"
	"github.com/chatq/chatq/tasks"
)

// messageLines returns n message:send lines ("m1" … "mn"), the ones in
// extra replaced by the given line text.
func messageLines(n int, extra map[int]string) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		line, ok := extra[i]
		if !ok {
			line = fmt.Sprintf(`{"type":"message:send","payload":{"target":"users","to":["bob"],"type":"txt","body":{"msg":"m%d"}}}`, i)
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}

// pendingMessages returns the bodies of the pending messages:send tasks.
func pendingMessages(t *testing.T, db *redistest.DB) []string {
	t.Helper()
	insp := asynq.NewInspector(db.Opt)
	defer insp.Close()
	infos, err := insp.ListPendingTasks(tasks.QueueMessages, asynq.PageSize(1000))
	if errors.Is(err, asynq.ErrQueueNotFound) {
		return nil
	}
	require.NoError(t, err)
	var out []string
	for _, info := range infos {
		var p tasks.SendMessage
		require.NoError(t, json.Unmarshal(info.Payload, &p))
		out = append(out, string(p.Body))
	}
	return out
}

// TestEnqueue_FileWithExpiredLineEnqueuesNothing: a line whose deadline has
// passed, between two good ones, is found before the first enqueue and
// named; nothing is enqueued (it was: "enqueued 1 of 3 tasks, then: …").
func TestEnqueue_FileWithExpiredLineEnqueuesNothing(t *testing.T) {
	db := redistest.New(t)
	t.Setenv("CHATQ_REDIS_URL", db.URL)
	in := messageLines(3, map[int]string{2: `{"type":"message:send","expires_at":"2020-01-02T15:04:05Z",` +
		`"payload":{"target":"users","to":["bob"],"type":"txt","body":{"msg":"late"}}}`})
	code, stdout, stderr := run(t, in, "enqueue", "-f", "-")
	require.Equal(t, ExitFailure, code, stderr)
	require.Empty(t, stdout)
	require.Contains(t, stderr, "nothing enqueued:\nline 2: message:send: field \"expires_at\": must be in the future, got 2020-01-02T15:04:05Z (already passed)")
	require.Empty(t, db.Keys(t), "nothing written to Redis")
}

// TestEnqueue_FlagsCheckedLikeTheEnvironment: every flag is checked before
// anything is read or enqueued, named, and exits 2, for -f and the flag
// forms alike.
func TestEnqueue_FlagsCheckedLikeTheEnvironment(t *testing.T) {
	db := redistest.New(t)
	t.Setenv("CHATQ_REDIS_URL", db.URL)
	msg := []string{"enqueue", "message", "--to", "bob", "--text", "hi"}
	file := []string{"enqueue", "-f", "-"}
	past := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"unknown queue", append(msg, "--queue", "mesages"), `--queue: must be a queue chatq serves (CHATQ_QUEUES: groups, messages, rest, users), got "mesages"`},
		{"unknown queue, -f", append(file, "--queue", "nope"), "--queue: must be a queue chatq serves"},
		{"max retry too high", append(msg, "--max-retry", "5000"), "--max-retry: must be between 0 and 1000 (like CHATQ_MAX_RETRY), got 5000"},
		{"max retry negative, -f", append(file, "--max-retry", "-1"), "--max-retry: must be between 0 and 1000"},
		{"deadline passed", append(msg, "--expires-at", past), "--expires-at: must be in the future, got " + past},
		{"deadline passed, -f", append(file, "--expires-at", past), "--expires-at: must be in the future"},
		{"ttl", append(msg, "--ttl", "-5m"), "--ttl: must be a positive duration"},
		{"delay", append(msg, "--delay", "-1s"), "--delay: must not be negative"},
		{"empty key", append(msg, "--key", ""), "--key: must be 1 to 1024 bytes, got 0"},
		{"key with -f", append(file, "--key", "k"), `--key: not with -f`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := run(t, messageLines(2, nil), tc.args...)
			require.Equal(t, ExitUsage, code, stderr)
			require.Empty(t, stdout)
			require.Contains(t, stderr, tc.want)
		})
	}
	require.Empty(t, db.Keys(t), "nothing written to Redis")

	code, stdout, stderr := run(t, "", append(msg, "--queue", "users", "--max-retry", "0", "--ttl", "1h")...)
	require.Equal(t, ExitOK, code, stderr)
	insp := asynq.NewInspector(db.Opt)
	defer insp.Close()
	info, err := insp.GetTaskInfo("users", strings.TrimSpace(stdout))
	require.NoError(t, err)
	require.Equal(t, 1, info.MaxRetry, "budget 0 is asynq MaxRetry 1")
}

// TestEnqueue_FileRerunIsANoOp: the same file twice enqueues each line
// once, says so, and --no-file-keys enqueues them again.
func TestEnqueue_FileRerunIsANoOp(t *testing.T) {
	db := redistest.New(t)
	t.Setenv("CHATQ_REDIS_URL", db.URL)
	in := messageLines(3, nil)
	code, first, stderr := run(t, in, "enqueue", "-f", "-")
	require.Equal(t, ExitOK, code, stderr)
	code, second, stderr := run(t, in, "enqueue", "-f", "-")
	require.Equal(t, ExitOK, code, stderr)
	require.Equal(t, first, second, "the same task ids")
	require.Contains(t, stderr, "3 of 3 line(s) had been enqueued before with the same idempotency key")
	require.Len(t, pendingMessages(t, db), 3)

	code, third, stderr := run(t, in, "enqueue", "-f", "-", "--no-file-keys")
	require.Equal(t, ExitOK, code, stderr)
	require.NotEqual(t, first, third)
	require.Len(t, pendingMessages(t, db), 6, "--no-file-keys enqueues the lines again")
}

// TestEnqueue_FileRerunAfterRedisFailureMidway: Redis goes away after two
// of five lines (for real: the connection to it is cut), or the answer to
// the third is lost after Redis stored it; the first run names the line and
// exits 1, and running the same file again enqueues only the rest.
func TestEnqueue_FileRerunAfterRedisFailureMidway(t *testing.T) {
	cases := []struct {
		name       string
		replyLost  bool
		wantFailAt int // line the first run fails on
		wantBefore int // lines the rerun finds enqueued already
	}{
		{name: "Redis gone before line 3", wantFailAt: 3, wantBefore: 2},
		{name: "answer to line 3 lost", replyLost: true, wantFailAt: 3, wantBefore: 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db := redistest.New(t)
			in := messageLines(5, nil)
			proxy := newCutProxy(t, db.Opt.Addr)
			opt := db.Opt
			opt.Addr = proxy.addr()
			flaky := &cutAfter{producer: newTestProducer(t, opt), n: 2, cut: proxy.cut}
			if tc.replyLost {
				flaky.n, flaky.loseReply = 3, true
			}
			var out, errb strings.Builder
			env := Env{Stdout: &out, Stderr: &errb}
			err := readBatch(strings.NewReader(in), tasks.Limits{}, nil, true).enqueue(context.Background(), env, flaky)
			require.Error(t, err)
			require.Contains(t, err.Error(), fmt.Sprintf("line %d: enqueued %d of 5 lines, then: ", tc.wantFailAt, tc.wantFailAt-1))
			require.Contains(t, err.Error(), "run the same command on the same file again to enqueue the rest")
			firstIDs := strings.Fields(out.String())
			require.Len(t, firstIDs, tc.wantFailAt-1)

			out.Reset()
			errb.Reset()
			err = readBatch(strings.NewReader(in), tasks.Limits{}, nil, true).enqueue(context.Background(), env, newTestProducer(t, db.Opt))
			require.NoError(t, err)
			ids := strings.Fields(out.String())
			require.Len(t, ids, 5)
			require.Equal(t, firstIDs, ids[:len(firstIDs)], "the lines enqueued before keep their task ids")
			require.Contains(t, errb.String(), fmt.Sprintf("%d of 5 line(s) had been enqueued before", tc.wantBefore))
			require.ElementsMatch(t, []string{`{"msg":"m1"}`, `{"msg":"m2"}`, `{"msg":"m3"}`, `{"msg":"m4"}`, `{"msg":"m5"}`},
				pendingMessages(t, db), "every line enqueued exactly once")
		})
	}
}

func newTestProducer(t *testing.T, opt asynq.RedisClientOpt) *tasks.Client {
	t.Helper()
	c := tasks.NewClient(opt, tasks.ClientConfig{})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// cutAfter is a producer whose Redis goes away once n enqueues have been
// made: cut runs right after the nth, so the caller's next call is the
// first to fail. With loseReply the connection drops between Redis storing
// the nth and its answer, which the caller sees as the nth failing.
type cutAfter struct {
	producer
	n         int
	cut       func()
	loseReply bool
}

func (c *cutAfter) Enqueue(ctx context.Context, taskType string, payload json.RawMessage, opts ...tasks.Option) (string, error) {
	id, err := c.producer.Enqueue(ctx, taskType, payload, opts...)
	if c.n--; c.n == 0 {
		c.cut()
		if c.loseReply {
			return "", errors.New("read tcp: connection reset by peer (the answer to a stored enqueue was lost)")
		}
	}
	return id, err
}

// cutProxy forwards TCP connections to a Redis server until cut, which
// closes every connection and stops accepting new ones: Redis goes away
// for the client, while the server keeps its data.
type cutProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
	done   bool
}

func newCutProxy(t *testing.T, target string) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &cutProxy{ln: ln, target: target}
	go p.serve()
	t.Cleanup(p.cut)
	return p
}

func (p *cutProxy) addr() string { return p.ln.Addr().String() }

func (p *cutProxy) serve() {
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return // cut
		}
		out, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = in.Close()
			continue
		}
		if !p.track(in, out) {
			return
		}
		go func() { _, _ = io.Copy(out, in); _ = out.Close() }()
		go func() { _, _ = io.Copy(in, out); _ = in.Close() }()
	}
}

func (p *cutProxy) track(conns ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done {
		for _, c := range conns {
			_ = c.Close()
		}
		return false
	}
	p.conns = append(p.conns, conns...)
	return true
}

func (p *cutProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done {
		return
	}
	p.done = true
	_ = p.ln.Close()
	for _, c := range p.conns {
		_ = c.Close()
	}
}
