package main_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/deadletter"
	"github.com/chatq/chatq/internal/e2etest"
	"github.com/chatq/chatq/internal/redistest"
	"github.com/chatq/chatq/sandbox"
	"github.com/chatq/chatq/tasks"
)

// The chaos suite's size. CI runs the defaults; the README's figures come
// from larger runs, e.g.
//
//	go test ./cmd/chatq -run TestChaos -count=1 -v -args -chaos.messages=3000 -chaos.concurrency=20
//
// and -chaos.delivered-ttl=0 runs the workers without delivered markers,
// as chatq was before issue #10.
var (
	chaosMessages     = flag.Int("chaos.messages", 600, "messages each chaos scenario enqueues")
	chaosConcurrency  = flag.Int("chaos.concurrency", 10, "CHATQ_CONCURRENCY of the chaos workers")
	chaosDeliveredTTL = flag.String("chaos.delivered-ttl", "", `CHATQ_DELIVERED_TTL of the chaos workers ("" = default; "0" = no delivered markers)`)
	chaosLogs         = flag.String("chaos.logs", "", "directory that keeps the chaos workers' logs (default: a temporary one)")
)

const (
	// chaosCallDelay holds every send in the sandbox before it is
	// processed, so calls are in flight when a fault strikes.
	chaosCallDelay = 20 * time.Millisecond
	// chaosRefuse marks the messages the sandbox refuses (400), which
	// chatq dead-letters: every 25th.
	chaosRefuse = "refuse-me"
	// chaosSettle bounds the wait for every task to end. asynq recovers a
	// task orphaned by a fault when its lease (30 s) expired 30 s ago, so
	// the suite waits about a minute for those.
	chaosSettle = 150 * time.Second
	// chaosLeaseAge is how long ago a lease must have expired for asynq's
	// recoverer to take its task: 30 s, plus a second for the lease
	// set's whole-second scores.
	chaosLeaseAge = 31 * time.Second
)

// chaos is one scenario of the chaos suite: a private Redis with AOF
// (redistest.Server), the sandbox over HTTP, real chatq worker processes,
// and the messages it enqueued.
type chaos struct {
	t       *testing.T // the suite's test: setup, faults, cleanup
	name    string
	bin     string
	redis   *redistest.Server
	fleet   *e2etest.Fleet
	markers map[string]string // task id -> message text
	workers []*chatqProcess
	logDir  string
	env     []string // more settings of its workers
	// settle's state: done, and when it last started a worker.
	settled   bool
	recovered time.Time
}

// chatqProcess is one `chatq worker`; its stderr goes to a file.
type chatqProcess struct {
	cmd    *exec.Cmd
	exited chan struct{}
	log    string
}

func newChaos(t *testing.T, name string) *chaos {
	t.Helper()
	srv := redistest.NewServer(t, redistest.ServerOptions{AOF: true}) // skips without redis-server
	c := &chaos{t: t, name: name, bin: buildChatq(t), redis: srv, markers: map[string]string{},
		logDir: chaosLogDir(t, name)}
	c.fleet = e2etest.New(t, func(o *e2etest.Options) { o.Redis = srv.Opt })
	// Faults answer in the order they were added: the refusal first.
	c.fleet.Sandbox.AddFault(sandbox.Fault{Endpoint: sandbox.EndpointSendMessage, Match: chaosRefuse,
		Status: 400, Code: "invalid_request_body", Message: "chaos test refuses this message"})
	c.fleet.Sandbox.AddFault(sandbox.Fault{Endpoint: sandbox.EndpointSendMessage, Delay: sandbox.Duration(chaosCallDelay)})
	return c
}

// chaosLogDir is where a scenario's worker logs go: -chaos.logs/<name> or
// a temporary directory.
func chaosLogDir(t *testing.T, name string) string {
	t.Helper()
	if *chaosLogs == "" {
		return t.TempDir()
	}
	dir := filepath.Join(*chaosLogs, name)
	require.NoError(t, os.MkdirAll(dir, 0o750))
	return dir
}

// enqueue enqueues *chaosMessages messages whose texts name the scenario.
func (c *chaos) enqueue() {
	c.t.Helper()
	for i := range *chaosMessages {
		text := fmt.Sprintf("%s-%05d", c.name, i)
		if i%25 == 24 {
			text += "-" + chaosRefuse
		}
		c.markers[c.fleet.Send(text)] = text
	}
}

// startWorker starts a `chatq worker` process on the test's Redis.
func (c *chaos) startWorker() *chatqProcess {
	c.t.Helper()
	p := &chatqProcess{exited: make(chan struct{}), log: filepath.Join(c.logDir, "worker-"+strconv.Itoa(len(c.workers))+".log")}
	logf, err := os.Create(p.log)
	require.NoError(c.t, err)
	p.cmd = exec.Command(c.bin, "worker")
	p.cmd.Env = append(os.Environ(),
		"CHATQ_REDIS_URL="+c.redis.URL, "CHATQ_API_URL="+c.fleet.URL, "CHATQ_APP_KEY="+e2etest.AppKey,
		"CHATQ_CLIENT_ID="+e2etest.ClientID, "CHATQ_CLIENT_SECRET="+e2etest.ClientSecret,
		"CHATQ_PROVIDER=agora", // the sandbox's dialect; the client pair alone would mean easemob
		"CHATQ_CONCURRENCY="+strconv.Itoa(*chaosConcurrency), "CHATQ_POLL_INTERVAL=20ms",
		"CHATQ_RETRY_BASE_DELAY=10ms", "CHATQ_RETRY_MAX_DELAY=200ms", "CHATQ_RATE_LIMITS=messages/users:0",
		"CHATQ_METRICS_ADDR=", "CHATQ_LOG_FORMAT=json")
	if *chaosDeliveredTTL != "" {
		p.cmd.Env = append(p.cmd.Env, "CHATQ_DELIVERED_TTL="+*chaosDeliveredTTL)
	}
	p.cmd.Env = append(p.cmd.Env, c.env...)
	p.cmd.Stdout, p.cmd.Stderr = logf, logf
	require.NoError(c.t, p.cmd.Start())
	go func() {
		_ = p.cmd.Wait()
		_ = logf.Close()
		close(p.exited)
	}()
	c.t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.exited
	})
	c.workers = append(c.workers, p)
	return p
}

// kill9 kills the worker with SIGKILL and waits until it is gone.
func (p *chatqProcess) kill9(t *testing.T) {
	t.Helper()
	require.NoError(t, p.cmd.Process.Kill())
	<-p.exited
}

// delivered returns how many messages the sandbox has delivered.
func (c *chaos) delivered() int { return c.fleet.Sandbox.Stats().Delivered }

// waitDelivered waits until the sandbox has delivered at least n messages,
// within chaosSettle: three worker processes under -race on a loaded 2-core
// machine can take longer than the e2e helpers' usual deadline.
func (c *chaos) waitDelivered(n int) {
	c.t.Helper()
	deadline := time.Now().Add(chaosSettle)
	for c.delivered() < n {
		if time.Now().After(deadline) {
			c.t.Fatalf("sandbox: %d messages delivered not reached within %s: %+v", n, chaosSettle, c.fleet.Sandbox.Stats())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// settleAll waits until no scenario has a task left to run (pending,
// scheduled, retry or active), within chaosSettle. Nothing signals these
// states: it polls Redis.
func settleAll(t *testing.T, runs []*chaos) {
	t.Helper()
	deadline := time.Now().Add(chaosSettle)
	for {
		left := 0
		for _, c := range runs {
			if !c.settled {
				c.settled = c.step()
			}
			if !c.settled {
				left++
			}
		}
		if left == 0 {
			return
		}
		if time.Now().After(deadline) {
			for _, c := range runs {
				q, err := c.fleet.Inspector.GetQueueInfo(tasks.QueueMessages)
				t.Logf("%s: settled %v, queue %+v (err %v)", c.name, c.settled, q, err)
			}
			t.Fatalf("tasks still queued %s after the faults", chaosSettle)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// step reports whether the scenario has no task left to run. A task the
// fault orphaned in asynq's active list runs again only once asynq's
// recoverer finds its lease expired for 30 s; the recoverer runs when a
// worker starts and every minute after. So when only such tasks remain and
// their leases are old enough, step starts one more worker, as a restart
// would, and its recoverer moves them on at once.
func (c *chaos) step() bool {
	q, err := c.fleet.Inspector.GetQueueInfo(tasks.QueueMessages)
	if err != nil {
		return false
	}
	// Ordered tasks behind their key's head are not in asynq: a key
	// still active has work left.
	keys, err := c.fleet.RDB.ZCard(context.Background(), "{chatq}:ord:active").Result()
	if err != nil {
		return false
	}
	if q.Pending+q.Scheduled+q.Retry+q.Active+int(keys) == 0 {
		return true
	}
	if q.Pending+q.Scheduled+q.Retry == 0 && c.leasesOlderThan(chaosLeaseAge) && time.Since(c.recovered) > 10*time.Second {
		c.startWorker()
		c.recovered = time.Now()
	}
	return false
}

// leasesOlderThan reports whether every lease in the messages queue
// expired at least d ago. asynq exposes no lease times, so this reads its
// lease set (asynq:{messages}:lease, scores in Unix seconds).
func (c *chaos) leasesOlderThan(d time.Duration) bool {
	key := "asynq:{" + tasks.QueueMessages + "}:lease"
	newest, err := c.fleet.RDB.ZRevRangeWithScores(context.Background(), key, 0, 0).Result()
	if err != nil {
		return false
	}
	return len(newest) == 0 || time.Unix(int64(newest[0].Score), 0).Before(time.Now().Add(-d))
}

// chaosResult is what became of the enqueued messages.
type chaosResult struct {
	enqueued, delivered, deadLettered int
	lost, twice                       []string // message texts
	absorbed, syncFailures            int      // log lines: re-runs finished by a marker, asynq's failed completions
}

func (r chaosResult) String() string {
	return fmt.Sprintf("enqueued %d, delivered %d, dead-lettered %d, lost %d, delivered twice %d %v; "+
		"re-runs finished by a delivered marker %d; asynq completions that failed (\"Will retry syncing\") %d",
		r.enqueued, r.delivered, r.deadLettered, len(r.lost), len(r.twice), r.twice, r.absorbed, r.syncFailures)
}

// result counts deliveries per message from the sandbox's record of every
// delivered message, and dead letters from the store.
func (c *chaos) result(t *testing.T) chaosResult {
	t.Helper()
	perText := map[string]int{}
	for _, m := range c.fleet.Sandbox.Messages() {
		perText[string(m.Body)]++
	}
	recs, err := c.fleet.Store.List(context.Background(), deadletter.Filter{})
	require.NoError(t, err)
	dead := map[string]bool{}
	for _, r := range recs {
		dead[r.TaskID] = true
	}
	res := chaosResult{enqueued: len(c.markers)}
	for id, text := range c.markers {
		n := perText[fmt.Sprintf(`{"msg":%q}`, text)]
		switch {
		case n > 0:
			res.delivered++
		case dead[id]:
			res.deadLettered++
		default:
			res.lost = append(res.lost, text)
		}
		if n > 1 {
			res.twice = append(res.twice, text)
		}
	}
	slices.Sort(res.twice)
	res.absorbed = c.countLogs(t, `"rule":"already-delivered"`)
	res.syncFailures = c.countLogs(t, "Will retry syncing")
	return res
}

// countLogs counts the worker log lines that contain s; it also checks the
// logs for secrets.
func (c *chaos) countLogs(t *testing.T, s string) int {
	t.Helper()
	n := 0
	for _, p := range c.workers {
		b, err := os.ReadFile(p.log)
		require.NoError(t, err)
		e2etest.AssertNoSecrets(t, string(b))
		n += strings.Count(string(b), s)
	}
	return n
}

// check asserts, once settled, that nothing was lost and at most bound
// messages were delivered twice.
func (c *chaos) check(t *testing.T, bound int) chaosResult {
	t.Helper()
	res := c.result(t)
	t.Logf("chaos %s: %s", c.name, res)
	require.Empty(t, res.lost, "every enqueued message is delivered or dead-lettered")
	require.Equal(t, res.enqueued, res.delivered+res.deadLettered)
	require.LessOrEqual(t, len(res.twice), bound, "messages delivered twice: %v", res.twice)
	archived, err := c.fleet.Inspector.ListArchivedTasks(tasks.QueueMessages, asynq.PageSize(1000))
	require.NoError(t, err)
	require.Len(t, archived, res.deadLettered, "each dead letter is archived in asynq")
	return res
}

// markersOn reports whether the workers write delivered markers.
func markersOn() bool { return *chaosDeliveredTTL != "0" }
