package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

const (
	// DB is the database of the configured server the demo and the
	// benchmarks use.
	DB        = 15
	markerKey = "chatq:demo"
)

// ErrBadURL is returned by OpenRedis for a URL it cannot use.
var ErrBadURL = errors.New("must be a redis://, rediss:// or redis-sentinel:// URL")

// Redis is the Redis the demo (or a benchmark) runs on.
type Redis struct {
	Conn asynq.RedisConnOpt
	RDB  redis.UniversalClient
	// Describe names it for people, password hidden.
	Describe string
	close    func()
}

// Close closes the clients (and stops miniredis).
func (r *Redis) Close() { r.close() }

// DatabaseURL is database DB of the server of the URL configured.
func DatabaseURL(configured string) (string, error) {
	opt, err := redis.ParseURL(configured)
	if err != nil {
		return "", err
	}
	if opt.Password != "" {
		return fmt.Sprintf("redis://:%s@%s/%d", opt.Password, opt.Addr, DB), nil
	}
	return fmt.Sprintf("redis://%s/%d", opt.Addr, DB), nil
}

// OpenRedis opens the demo's Redis: an in-process miniredis when url is
// "memory"; else url, whose database it claims (Claim). An explicit url
// must answer; otherwise a server that does not answer is replaced by
// miniredis, and out says so. It never touches a database that holds
// anything but the demo's own data.
func OpenRedis(ctx context.Context, out io.Writer, url string, explicit bool) (*Redis, error) {
	if url == "memory" {
		return miniRedis("in-process miniredis (--redis memory)")
	}
	opt, err := asynq.ParseRedisURI(url)
	if err != nil {
		return nil, ErrBadURL // asynq's error, like the URL, may hold a password
	}
	rdb, ok := opt.MakeRedisClient().(redis.UniversalClient)
	if !ok {
		return nil, ErrBadURL
	}
	pctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if err := rdb.Ping(pctx).Err(); err != nil {
		_ = rdb.Close()
		if explicit {
			return nil, fmt.Errorf("--redis %s does not answer: %w", RedactURL(url), err)
		}
		fmt.Fprintf(out, "no Redis answers at %s; using an in-process miniredis\n", RedactURL(url))
		return miniRedis("in-process miniredis")
	}
	r := &Redis{Conn: opt, RDB: rdb, Describe: RedactURL(url), close: func() { _ = rdb.Close() }}
	if err := r.Claim(ctx); err != nil {
		_ = rdb.Close()
		return nil, fmt.Errorf("%s: %w", RedactURL(url), err)
	}
	return r, nil
}

// Claim empties the database if it is empty or the demo's own, and marks
// it as the demo's.
func (r *Redis) Claim(ctx context.Context) error {
	n, err := r.RDB.DBSize(ctx).Result()
	if err != nil {
		return err
	}
	mine, err := r.RDB.Exists(ctx, markerKey).Result()
	if err != nil {
		return err
	}
	if n > 0 && mine == 0 {
		return fmt.Errorf("the database holds %d keys that are not the demo's; refusing to touch it (give --redis with an empty database, or --redis memory)", n)
	}
	if err := r.RDB.FlushDB(ctx).Err(); err != nil {
		return err
	}
	return r.RDB.Set(ctx, markerKey, time.Now().UTC().Format(time.RFC3339), 0).Err()
}

func miniRedis(describe string) (*Redis, error) {
	mr, err := miniredis.Run()
	if err != nil {
		return nil, fmt.Errorf("start miniredis: %w", err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	return &Redis{
		Conn: asynq.RedisClientOpt{Addr: mr.Addr()}, RDB: rdb, Describe: describe,
		close: func() { _ = rdb.Close(); mr.Close() },
	}, nil
}

// RedactURL hides a password in a Redis URL.
func RedactURL(u string) string {
	opt, err := redis.ParseURL(u)
	if err != nil || opt.Password == "" {
		return u
	}
	return fmt.Sprintf("redis://:***@%s/%d", opt.Addr, opt.DB)
}
