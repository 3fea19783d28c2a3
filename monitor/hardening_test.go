package monitor_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/internal/redistest"
	"github.com/chatq/chatq/monitor"
)

// TestMonitor_MetricsEndpointIsNotImplemented: asynqmon's /api/metrics,
// which needs a Prometheus server chatq does not have, answers 501 with a
// JSON reason (asynqmon alone answers 500), read-only or not, and only
// behind authentication.
func TestMonitor_MetricsEndpointIsNotImplemented(t *testing.T) {
	t.Parallel()
	for _, readOnly := range []bool{false, true} {
		b := setup(t, func(c *monitor.Config) { c.ReadOnly = readOnly })
		status, _ := b.do(t, http.MethodGet, "/monitor/api/metrics", "", "")
		require.Equal(t, http.StatusUnauthorized, status, "read-only %v", readOnly)
		status, body := b.do(t, http.MethodGet, "/monitor/api/metrics?duration_sec=3600", testUser, testPassword)
		require.Equal(t, http.StatusNotImplemented, status, "read-only %v: %s", readOnly, body)
		var reply struct {
			Error string `json:"error"`
		}
		require.NoError(t, json.Unmarshal([]byte(body), &reply), body)
		require.Contains(t, reply.Error, "Prometheus")
		require.Contains(t, reply.Error, "CHATQ_METRICS_ADDR")
		status, _ = b.do(t, http.MethodGet, "/monitor/api/queues", testUser, testPassword)
		require.Equal(t, http.StatusOK, status, "the rest of asynqmon's API still answers")
	}
}

// TestNew_ShortPasswordRefusedOffLoopback: a monitor reachable from other
// hosts refuses a password under 12 characters, without echoing it; on
// loopback the same password is accepted.
func TestNew_ShortPasswordRefusedOffLoopback(t *testing.T) {
	t.Parallel()
	db := redistest.New(t)
	tests := []struct {
		name, addr, password string
		insecure             bool
		wantErr              bool
	}{
		{name: "short off loopback", addr: "0.0.0.0:8080", password: "hunter2", wantErr: true},
		{name: "11 characters off loopback", addr: "monitor.internal:8080", password: "abcdefghijk", wantErr: true},
		{name: "11 characters (multi-byte) off loopback", addr: ":8080", password: strings.Repeat("é", 11), wantErr: true},
		{name: "short and declared insecure", addr: "0.0.0.0:8080", password: "hunter2", insecure: true, wantErr: true},
		{name: "12 characters off loopback", addr: "0.0.0.0:8080", password: "abcdefghijkl"},
		{name: "short on loopback", addr: "127.0.0.1:8080", password: "hunter2"},
	}
	for _, tt := range tests {
		m, err := monitor.New(monitor.Config{Addr: tt.addr, Redis: db.Opt, User: "ops", Password: tt.password, Insecure: tt.insecure})
		if tt.wantErr {
			require.ErrorIs(t, err, monitor.ErrWeakPassword, tt.name)
			require.NotContains(t, err.Error(), tt.password, "%s: the password is never echoed", tt.name)
			continue
		}
		require.NoError(t, err, tt.name)
		require.NoError(t, m.Close())
	}
}
