package redistest

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// testBundle is a private redis-server (never the developer's) and a
// client per database on it.
type testBundle struct {
	opt *redis.Options
	dbs map[int]*redis.Client
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	bin := lookBin(t, "redis-server", "redis-server")
	p := startProcess(t, t.TempDir(), "private", bin, 1, func(ports []int) []string {
		return []string{"--port", strconv.Itoa(ports[0]), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"}
	})
	b := &testBundle{opt: &redis.Options{Addr: p.Addr}, dbs: map[int]*redis.Client{}}
	for n := 0; n <= 15; n++ {
		c := redis.NewClient(&redis.Options{Addr: p.Addr, DB: n})
		t.Cleanup(func() { _ = c.Close() })
		b.dbs[n] = c
	}
	return b
}

func (b *testBundle) set(t *testing.T, db int, key, value string) {
	t.Helper()
	require.NoError(t, b.dbs[db].Set(context.Background(), key, value, 0).Err())
}

func (b *testBundle) get(t *testing.T, db int, key string) string {
	t.Helper()
	v, err := b.dbs[db].Get(context.Background(), key).Result()
	require.NoError(t, err, "db %d key %s", db, key)
	return v
}

func (b *testBundle) exists(t *testing.T, db int, key string) bool {
	t.Helper()
	n, err := b.dbs[db].Exists(context.Background(), key).Result()
	require.NoError(t, err)
	return n == 1
}

// TestLease_SkipsADatabaseWithForeignData puts a developer's key in
// database 1: the lease takes another database, never marks or flushes 1,
// and a lease on a marked database with a crashed test's leftovers flushes
// them.
func TestLease_SkipsADatabaseWithForeignData(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.set(t, 1, "app:user:42", "precious")
	expired := strconv.FormatInt(time.Now().Add(-time.Minute).UnixMilli(), 10) + " crashed-test"
	b.set(t, 2, MarkerKey, expired)
	b.set(t, 2, "leftover", "x")

	t.Run("lease", func(t *testing.T) {
		db, why := leaseOn(t, b.opt, time.Second)
		require.NotNil(t, db, why)
		require.Equal(t, 2, db.Opt.DB, "database 1 holds foreign data; 2 is a test's")
		require.Empty(t, db.Keys(t), "a crashed test's leftovers are flushed")
		require.NoError(t, db.Client.Set(context.Background(), "mine", "1", 0).Err())
		require.False(t, b.exists(t, 1, MarkerKey), "database 1 is not marked")
	})
	require.Equal(t, "precious", b.get(t, 1, "app:user:42"), "the developer's key survived")
	n, err := b.dbs[2].DBSize(context.Background()).Result()
	require.NoError(t, err)
	require.Zero(t, n, "the released database is empty again, marker included")
}

// TestLease_BusyDatabaseIsNotShared takes several leases on one server
// and holds them all: a leased database is never given out again.
func TestLease_BusyDatabaseIsNotShared(t *testing.T) {
	t.Parallel()
	b := setup(t)
	got := map[int]bool{}
	for range 5 {
		db, why := leaseOn(t, b.opt, time.Second) // released at the end of the test
		require.NotNil(t, db, why)
		require.False(t, got[db.Opt.DB], "database %d leased twice", db.Opt.DB)
		got[db.Opt.DB] = true
	}
}

// logTB records what a test logs.
type logTB struct {
	testing.TB
	mu   sync.Mutex
	logs []string
}

func (l *logTB) Log(args ...any) { l.Logf("%s", fmt.Sprint(args...)) }
func (l *logTB) Logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.logs = append(l.logs, fmt.Sprintf(format, args...))
	l.TB.Logf(format, args...)
}

// TestLease_AllForeignStartsOwnServer fills every database 1..14 with
// foreign data: the lease touches none of them and the test gets a
// database on a server of its own, saying so in the test log.
func TestLease_AllForeignStartsOwnServer(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for n := firstDB; n <= lastDB; n++ {
		b.set(t, n, "app:data", strconv.Itoa(n))
	}
	db, why := leaseOn(t, b.opt, time.Minute)
	require.Nil(t, db)
	require.Contains(t, why, "holds data that is not a test's")

	lt := &logTB{TB: t}
	db = onOwnServer(lt, "redistest: Redis on "+b.opt.Addr+": "+why)
	require.NotEqual(t, b.opt.Addr, db.Opt.Addr, "another server")
	require.NoError(t, db.Client.Set(context.Background(), "k", "v", 0).Err())
	for n := firstDB; n <= lastDB; n++ {
		require.Equal(t, strconv.Itoa(n), b.get(t, n, "app:data"), "db %d untouched", n)
		require.False(t, b.exists(t, n, MarkerKey), "db %d not marked", n)
	}
	lt.mu.Lock()
	defer lt.mu.Unlock()
	require.NotEmpty(t, lt.logs)
	require.True(t, strings.Contains(strings.Join(lt.logs, "\n"), "own redis-server on "+db.Opt.Addr),
		"the test log names the server: %q", lt.logs)
}
