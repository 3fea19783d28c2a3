package e2etest

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/deadletter"
	"github.com/chatq/chatq/internal/redistest"
	"github.com/chatq/chatq/sandbox"
	"github.com/chatq/chatq/tasks"
)

// Fleet is worker "processes" (one test process: AddWorker) sharing one
// Redis deployment and one sandbox over HTTP.
type Fleet struct {
	// T is the test the fleet belongs to.
	T *testing.T
	// DB is the leased database; nil when Options.Redis was given.
	DB *redistest.DB
	// Opt connects asynq to the deployment.
	Opt asynq.RedisConnOpt
	// RDB is the fleet's go-redis client.
	RDB redis.UniversalClient
	// Sandbox is the provider; URL is its address.
	Sandbox *sandbox.Server
	URL     string
	// Events records every worker's events; Logs holds their JSON logs.
	Events *Recorder
	Logs   *LogBuffer
	// Producer enqueues, Inspector inspects asynq, Store reads dead letters.
	Producer  *tasks.Client
	Inspector *asynq.Inspector
	Store     *deadletter.Store

	defaults Options
}

// New builds a fleet with no workers from DefaultOptions changed by opts.
func New(t *testing.T, opts ...Option) *Fleet {
	t.Helper()
	o := DefaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	f := &Fleet{T: t, Opt: o.Redis, Sandbox: sandbox.New(o.Sandbox), Events: NewRecorder(), Logs: &LogBuffer{}, defaults: o}
	if f.Opt == nil {
		f.DB = redistest.New(t)
		f.Opt, f.RDB = f.DB.Opt, f.DB.Client
	} else {
		f.RDB = f.newRDB()
	}
	srv := httptest.NewServer(f.Sandbox)
	t.Cleanup(srv.Close)
	f.URL = srv.URL
	f.Store = o.Store
	if f.Store == nil {
		f.Store = deadletter.New(f.RDB, deadletter.Config{})
	}
	f.Producer = tasks.NewClient(f.Opt, tasks.ClientConfig{})
	t.Cleanup(func() { _ = f.Producer.Close() })
	f.Inspector = asynq.NewInspector(f.Opt)
	t.Cleanup(func() { _ = f.Inspector.Close() })
	t.Cleanup(func() { AssertNoSecrets(t, f.Logs.String()) })
	return f
}

// newRDB opens a go-redis client on the deployment, as chatq's CLI does
// (asynq's option makes it), closed at cleanup.
func (f *Fleet) newRDB() redis.UniversalClient {
	f.T.Helper()
	rdb, ok := f.Opt.MakeRedisClient().(redis.UniversalClient)
	require.True(f.T, ok, "client of type %T", f.Opt.MakeRedisClient())
	f.T.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// Message is a txt message to erin whose text is marker, so faults can
// match it.
func Message(marker string) tasks.SendMessage {
	b, _ := json.Marshal(map[string]string{"msg": marker})
	return tasks.SendMessage{Target: "users", To: []string{"erin"}, Type: "txt", Body: b}
}

// Send enqueues Message(marker) and returns the task id.
func (f *Fleet) Send(marker string, opts ...tasks.Option) string {
	f.T.Helper()
	id, err := f.Producer.SendMessage(context.Background(), Message(marker), opts...)
	require.NoError(f.T, err)
	return id
}

// Harness is a Fleet with one worker.
type Harness struct {
	*Fleet
	Worker *Worker
}

// NewHarness builds a fleet and adds one worker (started unless NoStart).
func NewHarness(t *testing.T, opts ...Option) *Harness {
	t.Helper()
	f := New(t, opts...)
	return &Harness{Fleet: f, Worker: f.AddWorker()}
}
