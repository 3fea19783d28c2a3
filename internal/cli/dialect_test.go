package cli

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/agora"
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
