package ingest_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/deadletter"
	"github.com/chatq/chatq/ingest"
	"github.com/chatq/chatq/tasks"
	"github.com/chatq/chatq/taskstatus"
)

// TestServer_RedisDown: a Redis that refuses connections is a 503 with
// Retry-After for every route that needs it, within the request timeout.
func TestServer_RedisDown(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0") // a port nothing answers on once closed
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	opt := asynq.RedisClientOpt{Addr: addr}
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	t.Cleanup(func() { _ = rdb.Close() })
	producer := tasks.NewClient(opt, tasks.ClientConfig{Redis: rdb})
	t.Cleanup(func() { _ = producer.Close() })
	insp := asynq.NewInspector(opt)
	t.Cleanup(func() { _ = insp.Close() })
	srv, err := ingest.New(ingest.Config{Producer: producer,
		Status: &taskstatus.Reader{Inspector: insp, RDB: rdb, DeadLetters: deadletter.New(rdb, deadletter.Config{}), Queues: []string{"messages"}}})
	require.NoError(t, err)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	b := &testBundle{URL: ts.URL, router: openAPIRouter(t)}
	cases := []struct{ method, path, body string }{
		{http.MethodPost, "/v1/tasks", message("x")},
		{http.MethodPost, "/v1/tasks", strings.Replace(message("x"), `{"type"`, `{"key":"k1","type"`, 1)},
		{http.MethodPost, "/v1/tasks/batch", "[" + message("x") + "]"},
		{http.MethodGet, "/v1/tasks/some-id", ""},
	}
	for _, tc := range cases {
		resp := b.do(t, tc.method, tc.path, tc.body, nil)
		require.Equal(t, http.StatusServiceUnavailable, resp.Status, "%s %s: %s", tc.method, tc.path, resp.Body)
		require.Equal(t, "1", resp.Header.Get("Retry-After"))
	}
}

type nopProducer struct{}

func (nopProducer) Prepare(string, json.RawMessage, ...tasks.Option) (*tasks.Prepared, error) {
	return nil, nil
}
func (nopProducer) EnqueuePrepared(context.Context, *tasks.Prepared) (string, error) { return "", nil }
func (nopProducer) Enqueued(context.Context, string, string) (string, bool, error) {
	return "", false, nil
}

type nopStatus struct{}

func (nopStatus) Get(context.Context, string) (taskstatus.Status, error) {
	return taskstatus.Status{}, nil
}

// TestServer_RedisFrozen: a Redis that accepts connections and never
// answers is a 503 once the request timeout has passed, not a hang.
func TestServer_RedisFrozen(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	accepted := make(chan []net.Conn, 1)
	go func() {
		var conns []net.Conn // held open, never answered
		for {
			c, err := ln.Accept()
			if err != nil {
				accepted <- conns
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		for _, c := range <-accepted {
			_ = c.Close()
		}
	})
	addr := ln.Addr().String()
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	t.Cleanup(func() { _ = rdb.Close() })
	opt := asynq.RedisClientOpt{Addr: addr}
	producer := tasks.NewClient(opt, tasks.ClientConfig{Redis: rdb})
	t.Cleanup(func() { _ = producer.Close() })
	insp := asynq.NewInspector(opt)
	t.Cleanup(func() { _ = insp.Close() })
	srv, err := ingest.New(ingest.Config{Producer: producer, RequestTimeout: 200 * time.Millisecond,
		Status: &taskstatus.Reader{Inspector: insp, RDB: rdb, DeadLetters: deadletter.New(rdb, deadletter.Config{}), Queues: []string{"messages"}}})
	require.NoError(t, err)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	b := &testBundle{URL: ts.URL, router: openAPIRouter(t)}
	for _, tc := range []struct{ method, path, body string }{
		{http.MethodPost, "/v1/tasks", message("x")},
		{http.MethodGet, "/v1/tasks/some-id", ""},
	} {
		resp := b.do(t, tc.method, tc.path, tc.body, nil)
		require.Equal(t, http.StatusServiceUnavailable, resp.Status, "%s %s: %s", tc.method, tc.path, resp.Body)
	}
}
