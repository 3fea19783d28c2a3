// Package redistest gives each test its own Redis database and cleans it up.
//
// Which Redis: CHATQ_TEST_REDIS_URL when set (CI always sets it); otherwise
// 127.0.0.1:6379 when something answers there; otherwise an in-process
// miniredis, which the test log says.
//
// A real server's databases 1..14 are leased one per test, and only a
// database that is empty or carries the test marker (MarkerKey, set when a
// test leases it) qualifies: a database holding anything else is someone's
// data and is never written or flushed. The marker is the lease itself (its
// value holds the lease's expiry and owner), claimed by a Lua script that
// checks, flushes and marks in one step, so parallel test processes never
// share a database and a crashed test's leftovers are flushed by the next
// lease. When no database qualifies (every one holds foreign data, or every
// one stays leased for leaseWait), the test process starts a redis-server of
// its own on a free loopback port (miniredis when redis-server is not
// installed) and the test log says so.
//
// NewCluster and NewSentinel start a private Redis Cluster (three masters)
// or Sentinel deployment (a master and one sentinel) on loopback ports for
// one test, from the redis-server, redis-cli and redis-sentinel binaries;
// without them the test is skipped, saying which package to install.
// NewServer starts a private redis-server (optionally with AOF) that a test
// may kill, restart, stop and continue: faults never touch a shared server.
package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// EnvURL names the variable that points tests at a Redis server.
const EnvURL = "CHATQ_TEST_REDIS_URL"

// MarkerKey is set in a database while a test leases it; a database that
// holds keys but not this one is never touched.
const MarkerKey = "chatq-test:marker"

// DB is one leased, empty Redis database (but for MarkerKey).
type DB struct {
	// URL is a redis:// URL selecting the database, for code that takes config.
	URL string
	// Opt is the same database as an asynq connection option.
	Opt asynq.RedisClientOpt
	// Client is a go-redis client on the database, closed at cleanup.
	Client *redis.Client
}

// New leases a Redis database for the test and releases it at cleanup.
func New(t testing.TB) *DB {
	t.Helper()
	base, ok := serverURL()
	if !ok {
		t.Log("redistest: no Redis answers on 127.0.0.1:6379 and " + EnvURL + " is unset; using in-process miniredis")
		return newMiniredis(t)
	}
	opt, err := redis.ParseURL(base)
	if err != nil {
		t.Fatalf("redistest: %s: %v", EnvURL, err)
	}
	db, why := leaseOn(t, opt, leaseWait)
	if db != nil {
		return db
	}
	return onOwnServer(t, fmt.Sprintf("redistest: Redis on %s: %s", opt.Addr, why))
}

// Keys returns every key of the database but MarkerKey.
func (db *DB) Keys(t testing.TB) []string {
	t.Helper()
	keys, err := db.Client.Keys(context.Background(), "*").Result()
	if err != nil {
		t.Fatalf("redistest: keys: %v", err)
	}
	out := keys[:0]
	for _, k := range keys {
		if k != MarkerKey {
			out = append(out, k)
		}
	}
	return out
}

var probe struct {
	once sync.Once
	url  string
	ok   bool
}

// serverURL returns the real Redis to use, or false for miniredis.
func serverURL() (string, bool) {
	probe.once.Do(func() {
		if u := os.Getenv(EnvURL); u != "" {
			probe.url, probe.ok = u, true
			return
		}
		conn, err := net.DialTimeout("tcp", "127.0.0.1:6379", 300*time.Millisecond)
		if err != nil {
			return
		}
		_ = conn.Close()
		probe.url, probe.ok = "redis://127.0.0.1:6379/0", true
	})
	return probe.url, probe.ok
}

// onOwnServer leases a database of this test process's own redis-server,
// started on first use, after saying why (the shared server had none).
func onOwnServer(t testing.TB, why string) *DB {
	t.Helper()
	addr, err := ownServer()
	if err != nil {
		t.Logf("%s; %v; using in-process miniredis", why, err)
		return newMiniredis(t)
	}
	t.Logf("%s; using this test process's own redis-server on %s", why, addr)
	db, why := leaseOn(t, &redis.Options{Addr: addr}, leaseWait)
	if db == nil {
		t.Fatalf("redistest: own redis-server on %s: %s", addr, why)
	}
	return db
}

func newMiniredis(t testing.TB) *DB {
	t.Helper()
	mr := miniredis.RunT(t)
	client := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { _ = client.Close() })
	return &DB{
		URL:    "redis://" + mr.Addr() + "/0",
		Opt:    asynq.RedisClientOpt{Addr: mr.Addr()},
		Client: client,
	}
}

// Private returns database 0 of a redis-server started for this test
// alone (killed at cleanup), for code under test that claims or flushes a
// whole database, such as the demo: a leased database must keep its
// marker. Without redis-server it is an in-process miniredis.
func Private(t testing.TB) *DB {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Log("redistest: redis-server is not on PATH; using in-process miniredis for a private server")
		return newMiniredis(t)
	}
	p := startProcess(t, t.TempDir(), "private", bin, 1, func(ports []int) []string {
		return []string{"--port", strconv.Itoa(ports[0]), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"}
	})
	client := redis.NewClient(&redis.Options{Addr: p.Addr})
	t.Cleanup(func() { _ = client.Close() })
	return &DB{URL: "redis://" + p.Addr + "/0", Opt: asynq.RedisClientOpt{Addr: p.Addr}, Client: client}
}
