package cli

import (
	"crypto/tls"
	"errors"
	"strings"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/internal/redistest"
	"github.com/chatq/chatq/tasks"
)

func TestRedisConnOpt(t *testing.T) {
	t.Parallel()
	const def = "redis://127.0.0.1:6379/0"
	cases := []struct {
		name     string
		url      string
		cluster  []string
		want     asynq.RedisConnOpt
		wantVar  string // a ConfigError naming this variable
		wantRule string
	}{
		{name: "default", url: def, want: asynq.RedisClientOpt{Addr: "127.0.0.1:6379"}},
		{name: "user, password, database", url: "redis://app:pw@h:6380/3",
			want: asynq.RedisClientOpt{Addr: "h:6380", Username: "app", Password: "pw", DB: 3}},
		{name: "tls", url: "rediss://h:6380/0",
			want: asynq.RedisClientOpt{Addr: "h:6380", TLSConfig: &tls.Config{ServerName: "h"}}},
		{name: "sentinel", url: "redis-sentinel://:spw@s1:26379,s2:26379?master=mymaster",
			want: asynq.RedisFailoverClientOpt{MasterName: "mymaster", SentinelAddrs: []string{"s1:26379", "s2:26379"}, SentinelPassword: "spw"}},
		{name: "sentinel without master", url: "redis-sentinel://s1:26379",
			wantVar: "CHATQ_REDIS_URL", wantRule: "needs the master name"},
		{name: "unknown scheme", url: "http://h:6379", wantVar: "CHATQ_REDIS_URL", wantRule: `unsupported scheme "http"`},
		{name: "unparsable, password not echoed", url: "redis://u:se%zzcret@h", wantVar: "CHATQ_REDIS_URL", wantRule: "must be a redis://"},
		{name: "cluster wins over the url's host", url: def, cluster: []string{"10.0.0.1:7000", " 10.0.0.2:7001"},
			want: asynq.RedisClusterClientOpt{Addrs: []string{"10.0.0.1:7000", "10.0.0.2:7001"}}},
		{name: "cluster takes credentials and tls from the url", url: "rediss://app:pw@ignored:1", cluster: []string{"n1:7000"},
			want: asynq.RedisClusterClientOpt{Addrs: []string{"n1:7000"}, Username: "app", Password: "pw",
				TLSConfig: &tls.Config{MinVersion: tls.VersionTLS12}}},
		{name: "cluster address without port", url: def, cluster: []string{"10.0.0.1"},
			wantVar: "CHATQ_REDIS_CLUSTER_ADDRS", wantRule: `host:port seed nodes, got "10.0.0.1"`},
		{name: "cluster with a database", url: "redis://h:6379/2", cluster: []string{"n1:7000"},
			wantVar: "CHATQ_REDIS_CLUSTER_ADDRS", wantRule: "only database 0"},
		{name: "cluster with sentinel", url: "redis-sentinel://s1:26379?master=m", cluster: []string{"n1:7000"},
			wantVar: "CHATQ_REDIS_CLUSTER_ADDRS", wantRule: "cannot be combined with a redis-sentinel://"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := redisConnOpt(Config{RedisURL: tc.url, RedisClusterAddrs: tc.cluster})
			if tc.wantVar == "" {
				require.NoError(t, err)
				require.Equal(t, tc.want, got)
				return
			}
			var ce *ConfigError
			require.True(t, errors.As(err, &ce), "got %v, want a ConfigError", err)
			require.Equal(t, tc.wantVar, ce.Var)
			require.Contains(t, ce.Rule, tc.wantRule)
			require.NotContains(t, ce.Error(), "cret", "no password in the error")
		})
	}
}

// TestEnqueue_OnClusterAndSentinel drives chatq enqueue (with an
// idempotency key) and chatq deadletter stats on each distributed mode,
// configured through the environment as an operator would.
func TestEnqueue_OnClusterAndSentinel(t *testing.T) {
	cases := []struct {
		name  string
		setup func(t *testing.T) asynq.RedisConnOpt
	}{
		{"cluster", func(t *testing.T) asynq.RedisConnOpt {
			c := redistest.NewCluster(t)
			t.Setenv("CHATQ_REDIS_CLUSTER_ADDRS", strings.Join(c.Addrs, ","))
			return c.Opt
		}},
		{"sentinel", func(t *testing.T) asynq.RedisConnOpt {
			s := redistest.NewSentinel(t)
			t.Setenv("CHATQ_REDIS_URL", s.URL)
			return s.Opt
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opt := tc.setup(t)
			args := []string{"enqueue", "message", "--to", "bob", "--text", "hi", "--key", "order-7"}
			code, first, stderr := run(t, "", args...)
			require.Equal(t, ExitOK, code, stderr)
			code, second, stderr := run(t, "", args...)
			require.Equal(t, ExitOK, code, stderr)
			require.Equal(t, first, second, "same key, same task id")

			insp := asynq.NewInspector(opt)
			defer func() { _ = insp.Close() }()
			pending, err := insp.ListPendingTasks(tasks.QueueMessages)
			require.NoError(t, err)
			require.Len(t, pending, 1, "one task for two keyed enqueues")
			require.Equal(t, strings.TrimSpace(first), pending[0].ID)

			code, stdout, stderr := run(t, "", "deadletter", "stats")
			require.Equal(t, ExitOK, code, stderr)
			require.NotEmpty(t, stdout)
		})
	}
}
