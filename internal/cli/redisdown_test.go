package cli

import (
	"context"
	"errors"
	"net"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/tasks"
)

// TestAsRedisDown_DropsAsynqWording enqueues with Redis gone (as when it
// dies between the first ping and a write): asynq's "UNKNOWN: redis command
// error: …" becomes the commands' own sentence with the cause.
func TestAsRedisDown_DropsAsynqWording(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())

	p := tasks.NewClient(asynq.RedisClientOpt{Addr: addr}, tasks.ClientConfig{})
	t.Cleanup(func() { _ = p.Close() })
	_, err = p.SendMessage(context.Background(), tasks.SendMessage{Target: "users", To: []string{"bob"}, Type: "txt", Body: []byte(`{"msg":"hi"}`)})
	require.ErrorContains(t, err, "UNKNOWN: redis command error", "asynq's wording, before")

	got := asRedisDown(Config{}, err)
	require.EqualError(t, got, "redis (CHATQ_REDIS_URL) does not answer: dial tcp "+addr+": connect: connection refused")
	got = asRedisDown(Config{RedisClusterAddrs: []string{addr}}, err)
	require.ErrorContains(t, got, "redis (CHATQ_REDIS_CLUSTER_ADDRS) does not answer: ")

	other := errors.New("ExpiresAt: the deadline has already passed")
	require.Equal(t, other, asRedisDown(Config{}, other), "other errors pass unchanged")
	require.NoError(t, asRedisDown(Config{}, nil))
}
