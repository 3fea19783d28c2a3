package redistest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

const (
	firstDB  = 1
	lastDB   = 14 // 15 is the demo's
	leaseTTL = 15 * time.Minute
	// leaseWait bounds the wait for a database another test holds.
	leaseWait = 3 * time.Minute
	// leasePoll is how often a busy server is asked again: leases signal
	// nothing when they end.
	leasePoll = 50 * time.Millisecond
)

// Results of claimScript.
const (
	claimed = 1
	busy    = 0  // another test holds the lease
	foreign = -1 // keys without the marker: someone's data
)

// claimScript leases the selected database when it is empty or carries an
// expired marker: it flushes it (a crashed test's leftovers) and sets the
// marker to ARGV[2] ("<expiry ms> <owner>"). A database with keys but no
// marker is left alone. ARGV[1] is the time now in ms. One script, so the
// check and the flush cannot interleave with another process's claim.
var claimScript = redis.NewScript(`
local t = redis.call('TYPE', KEYS[1]).ok
if t == 'string' then
  local exp = tonumber(string.match(redis.call('GET', KEYS[1]), '^(%d+) '))
  if exp and exp > tonumber(ARGV[1]) then return 0 end
elseif t ~= 'none' or redis.call('DBSIZE') > 0 then
  return -1
end
redis.call('FLUSHDB')
redis.call('SET', KEYS[1], ARGV[2])
return 1`)

// releaseScript flushes the database (marker included, leaving it empty
// for the next test) if the marker is still ARGV[1].
var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('FLUSHDB') return 1 end
return 0`)

// leaseOn leases a qualifying database of the server opt points at, waiting
// up to wait while every qualifying one is leased by other tests. It returns
// nil and why when none qualifies.
func leaseOn(t testing.TB, opt *redis.Options, wait time.Duration) (*DB, string) {
	t.Helper()
	o := *opt
	o.DB = 0 // SELECTed per database below
	admin := redis.NewClient(&o)
	defer func() { _ = admin.Close() }()
	owner := fmt.Sprintf("%s:%d:%d", t.Name(), os.Getpid(), time.Now().UnixNano())
	deadline := time.Now().Add(wait)
	for {
		db, marker, foreigners, err := claimAny(admin, owner)
		switch {
		case err != nil:
			t.Fatalf("redistest: lease a database on %s: %v", opt.Addr, err)
		case db > 0:
			return leased(t, opt, db, marker), ""
		case foreigners == lastDB-firstDB+1:
			return nil, fmt.Sprintf("every database %d..%d holds data that is not a test's (no %s); none was touched",
				firstDB, lastDB, MarkerKey)
		case time.Now().After(deadline):
			return nil, fmt.Sprintf("no database %d..%d was free within %s (%d hold foreign data, the rest are leased)",
				firstDB, lastDB, wait, foreigners)
		}
		time.Sleep(leasePoll) // polling leases, not waiting for work under test
	}
}

// claimAny tries each database once; it returns the one claimed (0: none),
// its marker value, and how many hold foreign data.
func claimAny(admin *redis.Client, owner string) (db int, marker string, foreigners int, err error) {
	ctx := context.Background()
	conn := admin.Conn()
	defer func() { _ = conn.Close() }()
	for n := firstDB; n <= lastDB; n++ {
		if err := conn.Select(ctx, n).Err(); err != nil {
			return 0, "", 0, fmt.Errorf("select %d: %w", n, err)
		}
		now := time.Now()
		marker = strconv.FormatInt(now.Add(leaseTTL).UnixMilli(), 10) + " " + owner
		res, err := claimScript.Run(ctx, conn, []string{MarkerKey}, now.UnixMilli(), marker).Int()
		if err != nil {
			return 0, "", 0, fmt.Errorf("claim db %d: %w", n, err)
		}
		switch res {
		case claimed:
			return n, marker, foreigners, nil
		case foreign:
			foreigners++
		}
	}
	return 0, "", foreigners, nil
}

// leased returns the claimed database db, released at cleanup.
func leased(t testing.TB, opt *redis.Options, db int, marker string) *DB {
	t.Helper()
	o := *opt
	o.DB = db
	client := redis.NewClient(&o)
	t.Cleanup(func() {
		err := releaseScript.Run(context.Background(), client, []string{MarkerKey}, marker).Err()
		if err != nil && !errors.Is(err, redis.Nil) {
			t.Logf("redistest: releasing db %d: %v", db, err)
		}
		_ = client.Close()
	})
	return &DB{
		URL:    fmt.Sprintf("redis://%s/%d", o.Addr, db),
		Opt:    asynq.RedisClientOpt{Addr: o.Addr, Password: o.Password, Username: o.Username, DB: db},
		Client: client,
	}
}
