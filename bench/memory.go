package bench

import (
	"bufio"
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime/metrics"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/chatq/chatq/sandbox"
)

// memory: a worker's resident memory at concurrency 100 while it drains a
// backlog. With Env.WorkerCommand the worker is a child process and the
// figure is its VmHWM (peak resident set, /proc/<pid>/status): what the
// kernel charges the process, Go runtime and binary included. Without it
// the worker runs in this process, beside the sandbox and the producer, and
// the figure is the peak of the Go runtime's mapped memory minus what it
// returned to the OS (runtime/metrics), an upper bound of the worker's share.
func memory(ctx context.Context, b *bencher) ([]Row, error) {
	n := b.size(5000, 200)
	if len(b.env.WorkerCommand) > 0 && b.env.RedisURL != "" {
		mib, err := b.childMemory(ctx, n)
		if err != nil {
			return nil, err
		}
		return []Row{{Scenario: "memory", Metric: "worker peak RSS at concurrency 100 (child process VmHWM)",
			Chatq: mib, Unit: "MiB", Target: "<= 64"}}, nil
	}
	var peak uint64
	spec := fleetSpec{name: "memory/chatq (in process)", workers: 1, concurrency: 100, tasks: n, throttle: unlimited(),
		during: func(ctx context.Context, _ *fleetRun) {
			for sleepCtx(ctx, 50*time.Millisecond) == nil {
				peak = max(peak, goMemory())
			}
		}}
	if _, err := b.runFleet(ctx, spec); err != nil {
		return nil, err
	}
	return []Row{{Scenario: "memory", Metric: "Go memory at concurrency 100 (in process, sandbox included)",
		Chatq: float64(peak) / (1 << 20), Unit: "MiB", Target: "<= 64"}}, nil
}

func goMemory() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64() - s[1].Value.Uint64()
}

// childMemory runs `chatq worker` against an in-process sandbox until it
// delivered n tasks and returns its peak RSS in MiB.
func (b *bencher) childMemory(ctx context.Context, n int) (float64, error) {
	if err := b.reset(ctx); err != nil {
		return 0, err
	}
	sb := sandbox.New(sandbox.Config{ClientID: clientID, ClientSecret: clientSecret, MaxStoredMessages: 1})
	srv := httptest.NewServer(sb)
	defer srv.Close()
	if err := b.enqueue(ctx, n); err != nil {
		return 0, err
	}
	cmd := exec.CommandContext(ctx, b.env.WorkerCommand[0], b.env.WorkerCommand[1:]...)
	cmd.Env = append(withoutChatqVars(os.Environ()), "CHATQ_API_URL="+srv.URL, "CHATQ_APP_KEY=org#app",
		"CHATQ_CLIENT_ID="+clientID, "CHATQ_CLIENT_SECRET="+clientSecret, "CHATQ_REDIS_URL="+b.env.RedisURL,
		"CHATQ_CONCURRENCY=100", "CHATQ_METRICS_ADDR=", "CHATQ_LOG_LEVEL=error", "CHATQ_POLL_INTERVAL=50ms",
		"CHATQ_RATE_LIMITS=messages/users:0")
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("start worker: %w", err)
	}
	defer func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() }()
	deadline := start.Add(5 * time.Minute)
	var peak float64
	for sb.Stats().Delivered < n && time.Now().Before(deadline) {
		if v, err := procStatusKiB(cmd.Process.Pid, "VmHWM"); err == nil {
			peak = float64(v) / 1024
		}
		if err := sleepCtx(ctx, 100*time.Millisecond); err != nil {
			return 0, err
		}
	}
	b.progress("  %-28s %6d tasks in %8s", "memory/chatq worker process", n, time.Since(start).Round(time.Millisecond))
	if v, err := procStatusKiB(cmd.Process.Pid, "VmHWM"); err == nil {
		peak = float64(v) / 1024
	}
	return peak, nil
}

func withoutChatqVars(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, "CHATQ_") {
			out = append(out, kv)
		}
	}
	return out
}

// procStatusKiB reads one "<field>: <n> kB" line of /proc/<pid>/status.
func procStatusKiB(pid int, field string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("%s not in /proc/%d/status", field, pid)
}
