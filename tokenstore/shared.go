package tokenstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/chatq/chatq/agora"
)

// keyPrefix starts every key of this package; {chatq} is the hash tag
// that keeps chatq's keys in one cluster slot (scripts touch one key).
const keyPrefix = "{chatq}:token:"

// entry is the shared token and when to refresh it.
type entry struct {
	tok       agora.Token
	refreshAt time.Time // zero: never (no known expiry)
}

// usable reports whether e holds a token not expired at now.
func (e *entry) usable(now time.Time) bool {
	return e != nil && !e.tok.IsZero() && (e.tok.ExpiresAt.IsZero() || now.Before(e.tok.ExpiresAt))
}

// fresh reports whether e is usable and not yet due for refresh at now.
func (e *entry) fresh(now time.Time) bool {
	return e.usable(now) && (e.refreshAt.IsZero() || now.Before(e.refreshAt))
}

// encode returns the Redis value "<expiry ms> <refresh ms> <token>".
func (e *entry) encode() string {
	return strconv.FormatInt(unixMilli(e.tok.ExpiresAt), 10) + " " +
		strconv.FormatInt(unixMilli(e.refreshAt), 10) + " " + e.tok.Value()
}

func unixMilli(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMilli(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

// decodeEntry parses a Redis value; a malformed one is treated as absent.
func decodeEntry(v string) *entry {
	parts := strings.SplitN(v, " ", 3)
	if len(parts) != 3 || parts[2] == "" {
		return nil
	}
	exp, err1 := strconv.ParseInt(parts[0], 10, 64)
	ref, err2 := strconv.ParseInt(parts[1], 10, 64)
	if err1 != nil || err2 != nil {
		return nil
	}
	return &entry{tok: agora.NewToken(parts[2], fromMilli(exp)), refreshAt: fromMilli(ref)}
}

// failure is a failed fetch as stored under the error key: what the policy
// needs to decide, never a secret (agora's errors are already redacted).
type failure struct {
	Status      int    `json:"status,omitempty"`
	Code        string `json:"code,omitempty"`
	Description string `json:"description,omitempty"`
	Op          string `json:"op,omitempty"`
	Network     bool   `json:"network,omitempty"`
	Timeout     bool   `json:"timeout,omitempty"`
	Message     string `json:"message,omitempty"`
}

func failureOf(err error) failure {
	var apiErr *agora.APIError
	var netErr *agora.NetworkError
	switch {
	case errors.As(err, &apiErr):
		return failure{Status: apiErr.Status, Code: apiErr.Code, Description: apiErr.Description, Op: apiErr.Op}
	case errors.As(err, &netErr):
		f := failure{Network: true, Timeout: netErr.Timeout, Op: netErr.Op}
		if netErr.Err != nil { // a FetchFunc may build one without a cause
			f.Message = netErr.Err.Error()
		}
		return f
	}
	return failure{Message: err.Error()}
}

// tokenError rebuilds the *agora.TokenError another process met.
func (f failure) tokenError() error {
	switch {
	case f.Status != 0:
		return &agora.TokenError{Err: &agora.APIError{Status: f.Status, Code: f.Code, Description: f.Description, Op: f.Op}}
	case f.Network:
		var cause error
		if f.Message != "" {
			cause = errors.New(f.Message)
		}
		return &agora.TokenError{Err: &agora.NetworkError{Op: f.Op, Timeout: f.Timeout, Err: cause}}
	}
	return &agora.TokenError{Err: errors.New(f.Message)}
}

// compareDelete deletes KEYS[1] when the token part of its value (after
// the second space) is ARGV[1].
var compareDelete = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
local a = string.find(v, ' ', 1, true)
if not a then return 0 end
local b = string.find(v, ' ', a + 1, true)
if b and string.sub(v, b + 1) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`)

// unlock deletes the lock KEYS[1] only when it still holds our fence.
var unlock = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`)

// keys are one Source's Redis keys.
type keys struct{ token, lock, err string }

func newKeys(name string) keys {
	k := keyPrefix + name
	return keys{token: k, lock: k + ":lock", err: k + ":error"}
}

// read returns the shared token (nil when absent or malformed) and the
// fleet's current failure (nil when none), in one round trip.
func (s *Source) read(ctx context.Context) (*entry, *failure, error) {
	pipe := s.rdb.Pipeline()
	tokCmd := pipe.Get(ctx, s.keys.token)
	errCmd := pipe.Get(ctx, s.keys.err)
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, nil, fmt.Errorf("tokenstore: reading shared token: %w", err)
	}
	var e *entry
	if v, err := tokCmd.Result(); err == nil {
		e = decodeEntry(v)
	}
	var f *failure
	if v, err := errCmd.Result(); err == nil {
		f = &failure{}
		if json.Unmarshal([]byte(v), f) != nil {
			f = nil
		}
	}
	return e, f, nil
}

// write stores e as the shared token, expiring with it, and clears the
// fleet's failure.
func (s *Source) write(ctx context.Context, e *entry) error {
	ttl := time.Duration(0)
	if !e.tok.ExpiresAt.IsZero() {
		ttl = e.tok.ExpiresAt.Sub(s.now())
		if ttl < time.Millisecond {
			return nil // already expired: nothing worth sharing
		}
	}
	pipe := s.rdb.TxPipeline()
	pipe.Set(ctx, s.keys.token, e.encode(), ttl)
	pipe.Del(ctx, s.keys.err)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("tokenstore: writing shared token: %w", err)
	}
	return nil
}

// writeFailure shares f for d, so the fleet backs off together.
func (s *Source) writeFailure(ctx context.Context, f failure, d time.Duration) error {
	b, _ := json.Marshal(f)
	if err := s.rdb.Set(ctx, s.keys.err, b, d).Err(); err != nil {
		return fmt.Errorf("tokenstore: writing token failure: %w", err)
	}
	return nil
}

// lock tries to take the refresh lock; it returns the fence to release it
// with, or "" when another process holds it.
func (s *Source) lock(ctx context.Context) (string, error) {
	var b [16]byte
	_, _ = rand.Read(b[:])
	fence := hex.EncodeToString(b[:])
	ok, err := s.rdb.SetNX(ctx, s.keys.lock, fence, s.cfg.LockTTL).Result()
	if err != nil {
		return "", fmt.Errorf("tokenstore: taking refresh lock: %w", err)
	}
	if !ok {
		return "", nil
	}
	return fence, nil
}

// release drops the lock if it is still ours; a lock that outlived
// LockTTL and was taken by another process is left alone.
func (s *Source) release(fence string) {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.RedisTimeout)
	defer cancel()
	if err := unlock.Run(ctx, s.rdb, []string{s.keys.lock}, fence).Err(); err != nil {
		s.logger.Warn("tokenstore: releasing refresh lock", "err", err)
	}
}

// lockHeld reports whether some process holds the refresh lock.
func (s *Source) lockHeld(ctx context.Context) (bool, error) {
	n, err := s.rdb.Exists(ctx, s.keys.lock).Result()
	if err != nil {
		return false, fmt.Errorf("tokenstore: checking refresh lock: %w", err)
	}
	return n == 1, nil
}

// deleteShared deletes the shared token if it is still tok.
func (s *Source) deleteShared(tok agora.Token) {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.RedisTimeout)
	defer cancel()
	if err := compareDelete.Run(ctx, s.rdb, []string{s.keys.token}, tok.Value()).Err(); err != nil {
		s.logger.Warn("tokenstore: invalidating shared token", "err", err)
	}
}
