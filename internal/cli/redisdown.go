package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// redisPingWait bounds the first ping of a command that needs Redis (the
// worker retries for CHATQ_REDIS_START_WAIT instead). go-redis's own dial
// timeout (5s) answers first for an address that drops packets, so the
// cause is named.
const redisPingWait = 10 * time.Second

// redisDownError is Redis not answering a command, in the words every
// command uses: "redis (CHATQ_REDIS_URL) does not answer: <cause>".
type redisDownError struct {
	Var   string // the setting that points at Redis
	Cause error
}

func (e *redisDownError) Error() string {
	return "redis (" + e.Var + ") does not answer: " + e.Cause.Error()
}

func (e *redisDownError) Unwrap() error { return e.Cause }

// redisVar names the setting that points at Redis: the cluster seeds when
// set, else the URL.
func (c Config) redisVar() string {
	if len(c.RedisClusterAddrs) > 0 {
		return redisClusterVar
	}
	return redisURLVar
}

// openRedis connects to Redis (redisConn) and checks that it answers, so a
// command fails at once with the cause named instead of at its first write
// with a library's wording.
func openRedis(ctx context.Context, c Config) (asynq.RedisConnOpt, redis.UniversalClient, error) {
	conn, rdb, err := redisConn(c)
	if err != nil {
		return nil, nil, err
	}
	if err := pingWithin(ctx, rdb, redisPingWait); err != nil {
		_ = rdb.Close()
		return nil, nil, &redisDownError{Var: c.redisVar(), Cause: err}
	}
	return conn, rdb, nil
}

// pingWithin pings once; when the wait runs out it names the last dial
// error, or says how long it waited.
func pingWithin(ctx context.Context, rdb redis.UniversalClient, wait time.Duration) error {
	dials := watchDials(rdb)
	pctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	err := rdb.Ping(pctx).Err()
	if err != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
		return dials.cause(fmt.Errorf("no answer within %s", wait))
	}
	return err
}

// dialWatch remembers a client's last failed dial. go-redis retries dials
// inside one command, so a command cut by its deadline reports only the
// deadline; the dial error says why Redis did not answer (refused, no
// route, timeout).
type dialWatch struct{ last atomic.Pointer[error] }

// watchDials adds a dialWatch to rdb's hooks. It stays for the client's
// life: a dial is rare, and the hook only stores a pointer when one fails.
func watchDials(rdb redis.UniversalClient) *dialWatch {
	w := &dialWatch{}
	rdb.AddHook(w)
	return w
}

// cause returns the last dial error, or otherwise when none was seen.
func (w *dialWatch) cause(otherwise error) error {
	if p := w.last.Load(); p != nil {
		return *p
	}
	return otherwise
}

// DialHook implements redis.Hook.
func (w *dialWatch) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := next(ctx, network, addr)
		if err != nil && ctx.Err() == nil {
			w.last.Store(&err)
		}
		return conn, err
	}
}

// ProcessHook implements redis.Hook.
func (w *dialWatch) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }

// ProcessPipelineHook implements redis.Hook.
func (w *dialWatch) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// asRedisDown turns an error caused by Redis going away mid-command into a
// *redisDownError naming the cause; asynq's own wrapping ("UNKNOWN: redis
// command error: SADD failed: …") is dropped. Other errors are returned
// as they are.
func asRedisDown(c Config, err error) error {
	var down *redisDownError
	if err == nil || errors.As(err, &down) {
		return err
	}
	var opErr *net.OpError
	switch {
	case errors.As(err, &opErr):
		return &redisDownError{Var: c.redisVar(), Cause: opErr}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, redis.ErrPoolTimeout):
		return &redisDownError{Var: c.redisVar(), Cause: err}
	}
	return err
}
