package deadletter

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// claimScript claims a dead letter for one replay or delete run: it
// succeeds only when the record exists, is not resolved, and no other run
// holds its claim. The claim is a key with a TTL, so a run that crashed
// holding it blocks nobody for longer than the TTL.
//
// KEYS: record, claim, resolved set. ARGV: run token, TTL ms, task id, "1"
// to claim resolved records too (delete does).
// Returns {1, record JSON, resolved ms or '0'}, or {0} gone, {2} claimed elsewhere, {3} resolved.
var claimScript = redis.NewScript(`
local rec = redis.call('GET', KEYS[1])
if not rec then return {0} end
local resolved = redis.call('ZSCORE', KEYS[3], ARGV[3])
if resolved and ARGV[4] ~= '1' then return {3} end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return {1, rec, resolved or '0'} end
return {2}`)

// finishScript removes a replayed or deleted record, leaves its tombstone,
// drops the run's claim and, for a patched replay, stores the PatchEntry.
//
// KEYS: record, claim, index, resolved, tombstones, patch key, rerun set.
// ARGV: run token, task id, now ms, patch entry JSON or "", patch TTL ms.
var finishScript = redis.NewScript(`
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[3], ARGV[2])
redis.call('ZREM', KEYS[4], ARGV[2])
redis.call('ZREM', KEYS[7], ARGV[2])
redis.call('ZADD', KEYS[5], ARGV[3], ARGV[2])
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
if ARGV[4] ~= '' then redis.call('SET', KEYS[6], ARGV[4], 'PX', ARGV[5]) end
return 1`)

// releaseScript drops a claim if this run still holds it.
var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`)

// claimStatus is the outcome of a claim attempt.
type claimStatus int

const (
	claimGone claimStatus = iota
	claimOK
	claimBusy
	claimResolved
)

// errClaimReply is an unexpected reply of claimScript.
var errClaimReply = errors.New("unexpected claim reply")

func (s *Store) claim(ctx context.Context, token, id string, ttl time.Duration, resolvedToo bool) (claimStatus, Record, error) {
	flag := "0"
	if resolvedToo {
		flag = "1"
	}
	res, err := claimScript.Run(ctx, s.rdb, []string{recordKey(id), claimKey(id), resolvedKey},
		token, ttl.Milliseconds(), id, flag).Slice()
	if err != nil {
		return 0, Record{}, fmt.Errorf("claim %s: %w", id, err)
	}
	code, _ := res[0].(int64)
	if claimStatus(code) != claimOK {
		return claimStatus(code), Record{}, nil
	}
	if len(res) != 3 {
		return 0, Record{}, fmt.Errorf("claim %s: %w", id, errClaimReply)
	}
	raw, ok1 := res[1].(string)
	resolved, ok2 := res[2].(string)
	if !ok1 || !ok2 {
		return 0, Record{}, fmt.Errorf("claim %s: %w", id, errClaimReply)
	}
	ms, _ := strconv.ParseFloat(resolved, 64)
	recs, err := decodeRecords([]string{id}, []any{raw}, []float64{ms})
	if err != nil {
		return 0, Record{}, fmt.Errorf("claim %s: %w", id, err)
	}
	return claimOK, recs[0], nil
}

func (s *Store) finish(ctx context.Context, token, id, patchKey string, patch []byte) error {
	if patchKey == "" {
		patchKey = claimKey(id) // unused when patch is empty; a same-slot key keeps clusters happy
	}
	err := finishScript.Run(ctx, s.rdb,
		[]string{recordKey(id), claimKey(id), indexKey, resolvedKey, tombstoneKey, patchKey, rerunKey},
		token, id, s.now().UnixMilli(), string(patch), patchTTL.Milliseconds()).Err()
	if err != nil {
		return fmt.Errorf("remove %s: %w", id, err)
	}
	return nil
}

func (s *Store) release(ctx context.Context, token, id string) {
	_ = releaseScript.Run(ctx, s.rdb, []string{claimKey(id)}, token).Err()
}
