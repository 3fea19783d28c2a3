package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

const (
	demoDB        = 15
	demoMarkerKey = "chatq:demo"
)

// demoRedis is the Redis the demo runs on.
type demoRedis struct {
	conn     asynq.RedisConnOpt
	rdb      redis.UniversalClient
	describe string
	close    func()
}

// openDemoRedis picks the demo's Redis: an explicit --redis URL, "memory",
// or database 15 of the configured server; it falls back to miniredis when
// that server does not answer. It never touches a database that holds
// anything but the demo's own data.
func openDemoRedis(ctx context.Context, env Env, configured, flag string) (*demoRedis, error) {
	if flag == "memory" {
		return miniDemoRedis("in-process miniredis (--redis memory)")
	}
	url := flag
	if url == "" {
		opt, err := redis.ParseURL(configured)
		if err != nil {
			return nil, &ConfigError{Var: envPrefix + "_REDIS_URL", Rule: err.Error()}
		}
		url = fmt.Sprintf("redis://%s/%d", opt.Addr, demoDB)
		if opt.Password != "" {
			url = fmt.Sprintf("redis://:%s@%s/%d", opt.Password, opt.Addr, demoDB)
		}
	}
	conn, rdb, err := redisConn(Config{RedisURL: url})
	if err != nil {
		return nil, usagef("--redis: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if err := rdb.Ping(pctx).Err(); err != nil {
		_ = rdb.Close()
		if flag != "" {
			return nil, fmt.Errorf("--redis %s does not answer: %w", redactURL(url), err)
		}
		fmt.Fprintf(env.Stdout, "no Redis answers at %s; using an in-process miniredis\n", redactURL(url))
		return miniDemoRedis("in-process miniredis")
	}
	if err := claimDemoDB(ctx, rdb); err != nil {
		_ = rdb.Close()
		return nil, fmt.Errorf("%s: %w", redactURL(url), err)
	}
	return &demoRedis{conn: conn, rdb: rdb, describe: redactURL(url), close: func() { _ = rdb.Close() }}, nil
}

// claimDemoDB empties the database if it is empty or the demo's own.
func claimDemoDB(ctx context.Context, rdb redis.UniversalClient) error {
	n, err := rdb.DBSize(ctx).Result()
	if err != nil {
		return err
	}
	mine, err := rdb.Exists(ctx, demoMarkerKey).Result()
	if err != nil {
		return err
	}
	if n > 0 && mine == 0 {
		return fmt.Errorf("the database holds %d keys that are not the demo's; refusing to touch it (give --redis with an empty database, or --redis memory)", n)
	}
	if err := rdb.FlushDB(ctx).Err(); err != nil {
		return err
	}
	return rdb.Set(ctx, demoMarkerKey, time.Now().UTC().Format(time.RFC3339), 0).Err()
}

func miniDemoRedis(describe string) (*demoRedis, error) {
	mr, err := miniredis.Run()
	if err != nil {
		return nil, fmt.Errorf("start miniredis: %w", err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	return &demoRedis{
		conn: asynq.RedisClientOpt{Addr: mr.Addr()}, rdb: rdb, describe: describe,
		close: func() { _ = rdb.Close(); mr.Close() },
	}, nil
}

// redactURL hides a password in a Redis URL.
func redactURL(u string) string {
	opt, err := redis.ParseURL(u)
	if err != nil || opt.Password == "" {
		return u
	}
	return fmt.Sprintf("redis://:***@%s/%d", opt.Addr, opt.DB)
}
