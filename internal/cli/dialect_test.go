package cli

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/agora"
	"github.com/chatq/chatq/deadletter"
	"github.com/chatq/chatq/internal/redistest"
	"github.com/chatq/chatq/tasks"
)

func TestConfig_Dialect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		cfg        Config
		want       agora.Dialect
		wantSource string
		wantLimits tasks.Limits
	}{
		{name: "client credentials are easemob's", cfg: Config{ClientID: "id", ClientSecret: "s"},
			want: agora.DialectEasemob, wantSource: "inferred from CHATQ_CLIENT_ID and CHATQ_CLIENT_SECRET",
			wantLimits: tasks.Limits{MaxMessageBytes: 5120, RequirePassword: true}},
		{name: "app certificate is agora's", cfg: Config{AppID: "a", AppCertificate: "c"},
			want: agora.DialectAgora, wantSource: "inferred from CHATQ_APP_ID and CHATQ_APP_CERTIFICATE",
			wantLimits: tasks.Limits{MaxMessageBytes: 5120, RejectGroupID: true}},
		{name: "no credentials: a producer", cfg: Config{},
			want: agora.DialectAgora, wantSource: "default (no credentials set)",
			wantLimits: tasks.Limits{MaxMessageBytes: 5120, RejectGroupID: true}},
		{name: "CHATQ_PROVIDER wins", cfg: Config{Provider: "Agora", ClientID: "id", ClientSecret: "s", MaxMessageBytes: 40960},
			want: agora.DialectAgora, wantSource: "CHATQ_PROVIDER",
			wantLimits: tasks.Limits{MaxMessageBytes: 40960, RejectGroupID: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, tt.cfg.dialect())
			require.Equal(t, tt.wantSource, tt.cfg.dialectSource())
			require.Equal(t, tt.wantLimits, tt.cfg.limits())
			var buf bytes.Buffer
			logDialect(tt.cfg, slog.New(slog.NewTextHandler(&buf, nil)))
			require.Contains(t, buf.String(), "msg=\"provider dialect\" dialect="+string(tt.want))
		})
	}
}

func TestSandbox_UnknownDialectExitsTwo(t *testing.T) {
	code, _, stderr := run(t, "", "sandbox", "--addr", "127.0.0.1:0", "--dialect", "tencent")
	require.Equal(t, 2, code)
	require.True(t, strings.Contains(stderr, `--dialect "tencent": must be one of agora, easemob`), stderr)
}

// TestDeadLetter_ShowErrorCodeAndRedacted: dlq show prints easemob's
// error_code and which secret fields the record does not keep.
func TestDeadLetter_ShowErrorCodeAndRedacted(t *testing.T) {
	db := redistest.New(t)
	t.Setenv("CHATQ_REDIS_URL", db.URL)
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	r := deadletter.Record{TaskID: "reg1", Type: tasks.TypeRegisterUser, Queue: tasks.QueueUsers,
		Status: 400, Code: "illegal_argument", ErrorCode: 14001, Description: "username [x] is not legal",
		Rule: "400-username-not-legal", Action: "dead-letter", Reason: "username is not legal",
		Attempts: 1, FirstFailure: at, LastFailure: at}
	r.SetPayload([]byte(`{"users":[{"username":"x","password":"pw-do-not-show"}]}`))
	require.NoError(t, deadletter.New(db.Client, deadletter.Config{}).Put(context.Background(), r))

	code, out, stderr := run(t, "", "dlq", "show", "reg1")
	require.Equal(t, ExitOK, code, stderr)
	require.Contains(t, out, "error_code:")
	require.Contains(t, out, "14001")
	require.Contains(t, out, "users[0].password (not kept: patch back in to replay)")
	require.NotContains(t, out, "pw-do-not-show")
}
