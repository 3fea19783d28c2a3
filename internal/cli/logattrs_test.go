package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestLogger_JSONDurationsAreDurationStrings: the JSON log writes a
// duration as "1.5s", at the top level and inside groups, not as slog's
// integer nanoseconds; maps stay JSON objects.
func TestLogger_JSONDurationsAreDurationStrings(t *testing.T) {
	var out bytes.Buffer
	logger := newLogger(Config{LogLevel: "info", LogFormat: "json"}, &out)
	logger.Info("decision", slog.Duration("delay", 1500*time.Millisecond),
		slog.Group("retry", slog.Duration("max", 5*time.Minute)), slog.Int("attempt", 2),
		slog.Any("queues", map[string]int{"users": 2, "messages": 6}), slog.Any("err", errors.New("boom")))
	var line map[string]any
	require.NoError(t, json.Unmarshal(out.Bytes(), &line), out.String())
	require.Equal(t, "1.5s", line["delay"])
	require.Equal(t, map[string]any{"max": "5m0s"}, line["retry"])
	require.Equal(t, 2.0, line["attempt"], "numbers stay numbers")
	require.Equal(t, map[string]any{"users": 2.0, "messages": 6.0}, line["queues"])
	require.Equal(t, "boom", line["err"])
	d, err := time.ParseDuration(line["delay"].(string))
	require.NoError(t, err)
	require.Equal(t, 1500*time.Millisecond, d, "reads back")
}

// TestLogger_TextMapsAreReadable: the text log writes a map as sorted
// key:value pairs (the CHATQ_QUEUES syntax), not fmt's "map[…]".
func TestLogger_TextMapsAreReadable(t *testing.T) {
	var out bytes.Buffer
	logger := newLogger(Config{LogLevel: "info", LogFormat: "text"}, &out)
	logger.Info("worker started", slog.Any("queues", map[string]int{"users": 2, "messages": 6, "groups": 2}),
		slog.Duration("shutdown_timeout", 10*time.Second), slog.Any("empty", map[string]int{}),
		slog.Any("to", []string{"bob"}))
	line := strings.TrimSpace(out.String())
	require.Contains(t, line, " queues=groups:2,messages:6,users:2 ")
	require.Contains(t, line, " shutdown_timeout=10s ")
	require.Contains(t, line, ` empty="" `)
	require.Contains(t, line, " to=[bob]", "only maps change")
	require.NotContains(t, line, "map[")
}
