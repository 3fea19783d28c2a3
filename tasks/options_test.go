package tasks

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// optionStrings renders the asynq options of a task of type typ built with
// opts, e.g. `Queue("messages")`, `MaxRetry(26)`.
func optionStrings(t *testing.T, typ string, opts ...Option) []string {
	t.Helper()
	o, err := defaultOptions().resolve(opts)
	require.NoError(t, err)
	var out []string
	for _, a := range o.asynqOptions(typ) {
		out = append(out, a.String())
	}
	return out
}

func TestOptions_asynqOptions(t *testing.T) {
	t.Parallel()

	at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name string
		typ  string
		opts []Option
		want []string
	}{
		{name: "defaults messages", typ: TypeSendMessage, want: []string{`Queue("messages")`, "MaxRetry(26)"}},
		{name: "defaults users", typ: TypeRegisterUser, want: []string{`Queue("users")`, "MaxRetry(26)"}},
		{name: "defaults groups", typ: TypeTransferGroupOwner, want: []string{`Queue("groups")`, "MaxRetry(26)"}},
		{name: "queue", typ: TypeSendMessage, opts: []Option{Queue("urgent")}, want: []string{`Queue("urgent")`, "MaxRetry(26)"}},
		{name: "budget 0 reserves one slot", typ: TypeSendMessage, opts: []Option{MaxRetry(0)}, want: []string{`Queue("messages")`, "MaxRetry(1)"}},
		{name: "budget 5", typ: TypeSendMessage, opts: []Option{MaxRetry(5)}, want: []string{`Queue("messages")`, "MaxRetry(6)"}},
		{name: "process at", typ: TypeSendMessage, opts: []Option{ProcessAt(at)}, want: []string{`Queue("messages")`, "MaxRetry(26)", fmt.Sprintf("ProcessAt(%v)", at.Format(time.UnixDate))}},
		{name: "delay", typ: TypeSendMessage, opts: []Option{Delay(time.Minute)}, want: []string{`Queue("messages")`, "MaxRetry(26)", "ProcessIn(1m0s)"}},
		{name: "delay replaces process at", typ: TypeSendMessage, opts: []Option{ProcessAt(at), Delay(time.Second)}, want: []string{`Queue("messages")`, "MaxRetry(26)", "ProcessIn(1s)"}},
		{name: "delay 0 cancels process at", typ: TypeSendMessage, opts: []Option{ProcessAt(at), Delay(0)}, want: []string{`Queue("messages")`, "MaxRetry(26)"}},
		{name: "last queue wins", typ: TypeSendMessage, opts: []Option{Queue("a"), Queue("b")}, want: []string{`Queue("b")`, "MaxRetry(26)"}},
		{name: "nil option ignored", typ: TypeSendMessage, opts: []Option{nil}, want: []string{`Queue("messages")`, "MaxRetry(26)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, optionStrings(t, tt.typ, tt.opts...))
		})
	}
}

func TestOption_invalid(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name    string
		opt     Option
		wantErr string
	}{
		{name: "MaxRetry negative", opt: MaxRetry(-1), wantErr: "MaxRetry: must be >= 0, got -1"},
		{name: "MaxRetry overflowing asynq", opt: MaxRetry(maxBudget + 1), wantErr: fmt.Sprintf("MaxRetry: must be <= %d, got %d", maxBudget, maxBudget+1)},
		{name: "Queue empty", opt: Queue(""), wantErr: "Queue: must not be empty"},
		{name: "Queue blank", opt: Queue("  "), wantErr: "Queue: must not be empty"},
		{name: "ProcessAt zero", opt: ProcessAt(time.Time{}), wantErr: "ProcessAt: must not be the zero time"},
		{name: "Delay negative", opt: Delay(-time.Second), wantErr: "Delay: must be >= 0, got -1s"},
		{name: "WithLimits negative", opt: WithLimits(Limits{MaxMessageBytes: -1}), wantErr: "WithLimits: MaxMessageBytes: must be >= 0, got -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := defaultOptions().resolve([]Option{Queue("ok"), tt.opt})
			require.EqualError(t, err, tt.wantErr)

			task, err := NewDeleteGroupTask(DeleteGroup{GroupID: "1"}, tt.opt)
			require.Nil(t, task)
			require.EqualError(t, err, tt.wantErr)
		})
	}
}

func TestLimits_withDefaults(t *testing.T) {
	t.Parallel()

	require.Equal(t, Limits{MaxMessageBytes: DefaultMaxMessageBytes}, Limits{}.withDefaults())
	require.Equal(t, Limits{MaxMessageBytes: DefaultMaxMessageBytes}, Limits{MaxMessageBytes: -5}.withDefaults())
	require.Equal(t, Limits{MaxMessageBytes: 5120}, Limits{MaxMessageBytes: 5120}.withDefaults())
}
