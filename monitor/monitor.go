package monitor

import (
	"fmt"
	"net/http"

	"github.com/hibiken/asynqmon"
)

// Monitor is the web UI and its API, ready to be served.
type Monitor struct {
	cfg     Config
	ui      *asynqmon.HTTPHandler
	handler http.Handler
}

// New validates cfg (including the authentication rule, see ErrInsecure)
// and builds the monitor. Close releases its Redis connections.
func New(cfg Config) (*Monitor, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("monitor: %w", err)
	}
	m := &Monitor{cfg: cfg}
	m.ui = asynqmon.New(asynqmon.Options{
		RootPath:         cfg.Path,
		RedisConnOpt:     cfg.Redis,
		PayloadFormatter: PayloadFormatter,
		ReadOnly:         cfg.ReadOnly,
	})
	mux := http.NewServeMux()
	mux.Handle(cfg.Path, m.ui)
	mux.Handle(cfg.Path+"/", m.ui)
	mux.HandleFunc(cfg.Path+"/api/metrics", serveNoMetrics)
	m.registerAPI(mux)
	mux.Handle("GET /{$}", http.RedirectHandler(cfg.Path+"/", http.StatusFound))
	// /healthz answers without authentication (container health checks);
	// it says only that the process serves.
	outer := http.NewServeMux()
	outer.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	outer.Handle("/", guard(cfg, mux))
	m.handler = outer
	return m, nil
}

// Handler serves the UI under Config.Path and the API under APIPath, all
// behind the authentication layer, and GET /healthz without it.
func (m *Monitor) Handler() http.Handler { return m.handler }

// Path is where the UI is mounted.
func (m *Monitor) Path() string { return m.cfg.Path }

// Close releases the UI's Redis connections.
func (m *Monitor) Close() error { return m.ui.Close() }
