package metrics

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"
)

// Check is one readiness condition; nil means it holds. Its error text is
// served on /readyz, so it must not carry a secret.
type Check func(ctx context.Context) error

// Health serves /healthz and /readyz. Add checks before serving.
type Health struct {
	mu      sync.Mutex
	names   []string
	checks  map[string]Check
	details map[string]bool // checks reported in /readyz that do not make it fail
	timeout time.Duration
}

// NewHealth returns a Health whose checks each get timeout (0 = 2s).
func NewHealth(timeout time.Duration) *Health {
	if timeout <= 0 {
		timeout = DefaultScrapeTimeout
	}
	return &Health{checks: map[string]Check{}, details: map[string]bool{}, timeout: timeout}
}

// Add registers a readiness check under name (replacing one of that name).
func (h *Health) Add(name string, c Check) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.checks[name]; !ok {
		h.names = append(h.names, name)
	}
	h.checks[name] = c
}

// AddDetail adds a check whose result /readyz reports without failing on
// it: a state worth seeing (an open circuit during a provider outage) that
// restarting or draining the worker would not fix.
func (h *Health) AddDetail(name string, c Check) {
	h.Add(name, c)
	h.mu.Lock()
	h.details[name] = true
	h.mu.Unlock()
}

// readiness is the /readyz body.
type readiness struct {
	Ready  bool              `json:"ready"`
	Checks map[string]string `json:"checks"` // name → "ok" or the failure
}

// Ready runs every check and reports the result.
func (h *Health) Ready(ctx context.Context) (ok bool, results map[string]string) {
	h.mu.Lock()
	names := append([]string(nil), h.names...)
	checks := make([]Check, len(names))
	detail := make([]bool, len(names))
	for i, n := range names {
		checks[i], detail[i] = h.checks[n], h.details[n]
	}
	h.mu.Unlock()
	ok, results = true, make(map[string]string, len(names))
	for i, n := range names {
		cctx, cancel := context.WithTimeout(ctx, h.timeout)
		err := checks[i](cctx)
		cancel()
		results[n] = "ok"
		if err != nil {
			results[n] = err.Error()
			ok = ok && detail[i]
		}
	}
	return ok, results
}

// Register mounts /healthz and /readyz on mux.
func (h *Health) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ok, results := h.Ready(r.Context())
		w.Header().Set("Content-Type", "application/json")
		if !ok {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_ = json.NewEncoder(w).Encode(readiness{Ready: ok, Checks: results})
	})
}

// Mux returns a mux serving /metrics (m), /healthz and /readyz (h).
func Mux(m *Metrics, h *Health) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	h.Register(mux)
	return mux
}
