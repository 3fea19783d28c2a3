package cli

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"

	"github.com/chatq/chatq/deadletter"
	"github.com/chatq/chatq/ingest"
	"github.com/chatq/chatq/tasks"
	"github.com/chatq/chatq/taskstatus"
)

func newServeCmd(env Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the ingest HTTP API (enqueue tasks, read their status) until SIGTERM or SIGINT",
		Long: `Serve the ingest API on CHATQ_INGEST_ADDR: POST /v1/tasks, POST /v1/tasks/batch,
GET /v1/tasks/{id}, GET /v1/openapi.json, GET /metrics.

Authentication: API keys as bearer tokens, whose SHA-256 hashes are in
CHATQ_INGEST_KEYS_FILE ("<name> <hex sha256>" lines). A non-loopback
address without keys is refused. A worker serves the same API when
CHATQ_INGEST_ENABLED=true.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runServe(cmd.Context(), env)
		},
	}
	cmd.AddCommand(newKeyCmd(env))
	return cmd
}

// newKeyCmd makes an API key: the key for the client, the line for the
// server's keys file. The key is printed once and kept nowhere.
func newKeyCmd(env Env) *cobra.Command {
	return &cobra.Command{
		Use:   "new-key NAME",
		Short: "Make an API key: print the key (give it to the client) and its line for CHATQ_INGEST_KEYS_FILE",
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			b := make([]byte, 32)
			if _, err := rand.Read(b); err != nil {
				return fmt.Errorf("making a key: %w", err)
			}
			key := "chatq_" + hex.EncodeToString(b)
			line := args[0] + " " + ingest.HashKey(key)
			if _, err := ingest.ParseKeys(strings.NewReader(line)); err != nil {
				return usagef("NAME: %v", err)
			}
			fmt.Fprintln(env.Stdout, key)
			fmt.Fprintf(env.Stderr, "the key above is printed once and kept nowhere; add this line to CHATQ_INGEST_KEYS_FILE:\n%s\n", line)
			return nil
		},
	}
}

func runServe(ctx context.Context, env Env) error {
	c, err := loadConfig()
	if err != nil {
		return err
	}
	if _, err := loadIngestKeys(c.IngestKeysFile); err != nil {
		return err // a bad keys file is named before Redis is tried
	}
	conn, rdb, err := openRedis(ctx, c)
	if err != nil {
		return err
	}
	defer rdb.Close()
	stop, err := startIngest(ctx, env, c, newLogger(c, env.Stderr), conn, rdb, nil)
	if err != nil {
		return err
	}
	defer stop()
	<-ctx.Done()
	return nil
}

// startIngest serves the ingest API on CHATQ_INGEST_ADDR; reg gets its
// metrics (nil: it serves its own at /metrics). The returned function
// stops it.
func startIngest(ctx context.Context, env Env, c Config, logger *slog.Logger, conn asynq.RedisConnOpt,
	rdb redis.UniversalClient, reg prometheus.Registerer) (func(), error) {
	keys, err := loadIngestKeys(c.IngestKeysFile)
	if err != nil {
		return nil, err
	}
	producer := tasks.NewClient(conn, c.producerConfig())
	insp := asynq.NewInspector(conn)
	closeAll := func() { _ = producer.Close(); _ = insp.Close() }
	srv, err := ingest.New(ingest.Config{Addr: c.IngestAddr, Keys: keys, Producer: producer,
		Status: &taskstatus.Reader{Inspector: insp, RDB: rdb, DeadLetters: deadletter.New(rdb, deadletter.Config{AuditMaxLen: c.DeadLetterAuditMaxEntries}), Queues: queueOrder(c.Queues)},
		Limits: c.limits(), MaxBodyBytes: c.IngestMaxBodyBytes, MaxBatch: c.IngestMaxBatch,
		RequestTimeout: c.IngestTimeout, StatusWindow: c.IngestStatusWindow, Logger: logger, Registerer: reg})
	if err != nil {
		closeAll()
		if errors.Is(err, ingest.ErrInsecure) {
			return nil, &ConfigError{Var: envPrefix + "_INGEST_ADDR", Rule: err.Error()}
		}
		return nil, &ConfigError{Var: envPrefix + "_INGEST_*", Rule: err.Error()}
	}
	ln, err := net.Listen("tcp", c.IngestAddr)
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("CHATQ_INGEST_ADDR: listen: %w", err)
	}
	done := make(chan struct{})
	go func() { _ = srv.Serve(ln); close(done) }()
	fmt.Fprintf(env.Stdout, "ingest API on http://%s/v1/tasks (OpenAPI: http://%s/v1/openapi.json, %d API key(s))\n",
		ln.Addr(), ln.Addr(), len(keys))
	stopped := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
		case <-stopped:
		}
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	return func() { close(stopped); <-done; closeAll() }, nil
}

// loadIngestKeys reads CHATQ_INGEST_KEYS_FILE; "" = no keys.
func loadIngestKeys(path string) ([]ingest.Key, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, &ConfigError{Var: envPrefix + "_INGEST_KEYS_FILE", Rule: err.Error()}
	}
	defer f.Close()
	keys, err := ingest.ParseKeys(f)
	if err == nil && len(keys) == 0 {
		err = errors.New("holds no key")
	}
	if err != nil {
		return nil, &ConfigError{Var: envPrefix + "_INGEST_KEYS_FILE", Rule: fmt.Sprintf("%s: %v", path, err)}
	}
	return keys, nil
}

// queueOrder lists the queues heaviest first: where most tasks are, the
// status lookup finds them first.
func queueOrder(q map[string]int) []string {
	names := slices.Collect(maps.Keys(q))
	slices.SortFunc(names, func(a, b string) int { return cmp.Or(cmp.Compare(q[b], q[a]), cmp.Compare(a, b)) })
	return names
}
