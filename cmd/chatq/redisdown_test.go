package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// closedRedisURL is a Redis URL on a loopback port nothing listens on.
func closedRedisURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	return "redis://127.0.0.1:" + strconv.Itoa(port) + "/0"
}

// TestCommands_RedisDownSayOneThing runs every command that needs Redis
// against a closed port, in text and in JSON log mode: each exits 1 saying
// "redis (CHATQ_REDIS_URL) does not answer: <cause>", go-redis's own
// plain lines never reach stderr, and in JSON mode stderr is JSON lines
// only.
func TestCommands_RedisDownSayOneThing(t *testing.T) {
	t.Parallel()
	bin := buildChatq(t)
	redisURL := closedRedisURL(t)
	commands := []struct {
		name  string
		args  []string
		stdin string
		want  string // besides the common text
	}{
		{name: "worker", args: []string{"worker"}, want: "(gave up after 1s)"},
		{name: "enqueue message", args: []string{"enqueue", "message", "--to", "bob", "--text", "hi"}},
		{name: "enqueue -f", args: []string{"enqueue", "-f", "-"},
			stdin: `{"type":"message:send","payload":{"target":"users","to":["bob"],"type":"txt","body":{"msg":"hi"}}}` + "\n"},
		{name: "monitor", args: []string{"monitor"}},
		{name: "deadletter list", args: []string{"deadletter", "list"}},
		{name: "deadletter stats", args: []string{"deadletter", "stats"}},
		{name: "status", args: []string{"status"}},
	}
	for _, format := range []string{"text", "json"} {
		for _, tc := range commands {
			t.Run(format+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				var stdout, stderr bytes.Buffer
				// Bounded: a command that starts without Redis (the monitor did)
				// would otherwise run until the test binary's timeout.
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				cmd := exec.CommandContext(ctx, bin, tc.args...)
				cmd.Env = append(os.Environ(), "CHATQ_REDIS_URL="+redisURL, "CHATQ_LOG_FORMAT="+format,
					"CHATQ_REDIS_START_WAIT=1s", "CHATQ_METRICS_ADDR=", "CHATQ_MONITOR_ADDR=127.0.0.1:0",
					"CHATQ_API_URL=http://127.0.0.1:1", "CHATQ_APP_KEY=org#app",
					"CHATQ_CLIENT_ID=id", "CHATQ_CLIENT_SECRET=secret-never-needed")
				cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(tc.stdin), &stdout, &stderr
				err := cmd.Run()
				var exit *exec.ExitError
				require.True(t, errors.As(err, &exit), "%v; stdout: %s; stderr: %s", err, &stdout, &stderr)
				require.Equal(t, 1, exit.ExitCode(), "stderr: %s", &stderr)

				out := stderr.String()
				require.Contains(t, out, "redis (CHATQ_REDIS_URL) does not answer: dial tcp "+strings.TrimPrefix(strings.TrimSuffix(redisURL, "/0"), "redis://")+": connect: connection refused")
				require.Contains(t, out, tc.want)
				for _, leak := range []string{"UNKNOWN", "redis command error", "monitor on"} {
					require.NotContains(t, out+stdout.String(), leak)
				}
				for line := range strings.Lines(out) {
					require.False(t, strings.HasPrefix(line, "redis: "), "go-redis's own line: %s", line)
					if format == "json" && strings.TrimSpace(line) != "" {
						var v map[string]any
						require.NoError(t, json.Unmarshal([]byte(line), &v), "not a JSON line: %s", line)
					}
				}
			})
		}
	}
}
