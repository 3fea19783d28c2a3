// Package redistest gives each test its own Redis database and cleans it up.
//
// Which Redis: CHATQ_TEST_REDIS_URL when set (CI always sets it); otherwise
// 127.0.0.1:6379 when something answers there; otherwise an in-process
// miniredis, which the test log says. Databases 1..14 of a real server are
// leased through keys in database 0, so tests in parallel packages never share
// one; a leased database is flushed before use and after the test.
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

const (
	firstDB   = 1
	lastDB    = 14 // 15 is the demo's
	leaseTTL  = 15 * time.Minute
	leaseWait = 3 * time.Minute
)

// DB is one leased, empty Redis database.
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
		return newMiniredis(t)
	}
	opt, err := redis.ParseURL(base)
	if err != nil {
		t.Fatalf("redistest: %s: %v", EnvURL, err)
	}
	db := lease(t, opt)
	o := *opt
	o.DB = db
	client := redis.NewClient(&o)
	ctx := context.Background()
	if err := client.FlushDB(ctx).Err(); err != nil {
		t.Fatalf("redistest: flush db %d: %v", db, err)
	}
	t.Cleanup(func() {
		_ = client.FlushDB(context.Background()).Err()
		_ = client.Close()
	})
	return &DB{
		URL:    fmt.Sprintf("redis://%s/%d", o.Addr, db),
		Opt:    asynq.RedisClientOpt{Addr: o.Addr, Password: o.Password, Username: o.Username, DB: db},
		Client: client,
	}
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

// lease takes a free database number through SET NX in database 0.
func lease(t testing.TB, opt *redis.Options) int {
	t.Helper()
	o := *opt
	o.DB = 0
	admin := redis.NewClient(&o)
	ctx := context.Background()
	deadline := time.Now().Add(leaseWait)
	owner := fmt.Sprintf("%s:%d:%d", t.Name(), os.Getpid(), time.Now().UnixNano())
	for {
		for db := firstDB; db <= lastDB; db++ {
			key := "chatq-test:lease:" + strconv.Itoa(db)
			ok, err := admin.SetNX(ctx, key, owner, leaseTTL).Result()
			if err != nil {
				_ = admin.Close()
				t.Fatalf("redistest: lease db: %v", err)
			}
			if ok {
				t.Cleanup(func() {
					_ = admin.Del(context.Background(), key).Err()
					_ = admin.Close()
				})
				return db
			}
		}
		if time.Now().After(deadline) {
			_ = admin.Close()
			t.Fatalf("redistest: no free database in %d..%d after %s", firstDB, lastDB, leaseWait)
		}
		time.Sleep(50 * time.Millisecond) // polling a lease, not waiting for work under test
	}
}

func newMiniredis(t testing.TB) *DB {
	t.Helper()
	t.Log("redistest: no Redis answers on 127.0.0.1:6379 and " + EnvURL + " is unset; using in-process miniredis")
	mr := miniredis.RunT(t)
	client := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { _ = client.Close() })
	return &DB{
		URL:    "redis://" + mr.Addr() + "/0",
		Opt:    asynq.RedisClientOpt{Addr: mr.Addr()},
		Client: client,
	}
}
