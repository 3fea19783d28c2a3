package dispatcher

import (
	"log/slog"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"
)

func TestWorker_newServers(t *testing.T) {
	t.Parallel()
	redis := asynq.RedisClientOpt{Addr: "127.0.0.1:1"} // never dialled: servers are only built
	for _, tc := range []struct {
		mode    string
		want    int
		wantErr string
	}{
		{QueueModeWeighted, 1, ""},
		{QueueModeDedicated, 4, ""}, // messages, users, groups, rest
		{"round-robin", 0, `field QueueMode: must be "weighted" or "dedicated", got "round-robin"`},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			w := &Worker{cfg: Config{QueueMode: tc.mode}.withDefaults(), logger: slog.New(slog.DiscardHandler)}
			srvs, err := w.newServers(redis)
			if tc.wantErr != "" {
				require.EqualError(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Len(t, srvs, tc.want)
		})
	}
}
