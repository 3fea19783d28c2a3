package cli

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/ingest"
)

func TestServeNewKey(t *testing.T) {
	code, stdout, stderr := run(t, "", "serve", "new-key", "backend")
	require.Equal(t, 0, code, stderr)
	key := strings.TrimSpace(stdout)
	require.True(t, strings.HasPrefix(key, "chatq_"), key)
	line := strings.TrimSpace(stderr[strings.LastIndex(strings.TrimSpace(stderr), "\n")+1:])
	keys, err := ingest.ParseKeys(strings.NewReader(line))
	require.NoError(t, err)
	require.Equal(t, "backend", keys[0].Name)
	require.Equal(t, ingest.HashKey(key), hex.EncodeToString(keys[0].Hash[:]), "the line holds the key's hash")
	require.NotContains(t, stderr, key, "the key is on stdout only")

	code, _, stderr = run(t, "", "serve", "new-key", "two words")
	require.Equal(t, ExitUsage, code, stderr)
	require.Contains(t, stderr, "NAME")
}

func TestServe_KeysFileErrorsNameTheVariable(t *testing.T) {
	t.Setenv("CHATQ_INGEST_KEYS_FILE", "testdata/no-such-keys-file")
	t.Setenv("CHATQ_REDIS_URL", "redis://127.0.0.1:1/0")
	code, _, stderr := run(t, "", "serve")
	require.Equal(t, ExitUsage, code, stderr)
	require.Contains(t, stderr, "CHATQ_INGEST_KEYS_FILE")

	t.Setenv("CHATQ_INGEST_KEYS_FILE", writeTemp(t, "backend not-a-hash\n"))
	code, _, stderr = run(t, "", "serve")
	require.Equal(t, ExitUsage, code, stderr)
	require.Contains(t, stderr, `CHATQ_INGEST_KEYS_FILE`)
	require.Contains(t, stderr, `line 1: name "backend": hash: must be 64 hex digits`)
	require.NotContains(t, stderr, "not-a-hash", "a file's content is never echoed")
}

func writeTemp(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "keys")
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}
