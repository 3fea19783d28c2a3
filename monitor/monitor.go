package monitor

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/hibiken/asynqmon"

	"github.com/chatq/chatq/console"
)

// Monitor is the web UI and its API, ready to be served.
type Monitor struct {
	cfg     Config
	ui      *asynqmon.HTTPHandler
	console *console.Console // nil without Config.Console
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
	if err := m.mountConsole(mux); err != nil {
		_ = m.ui.Close()
		return nil, fmt.Errorf("monitor: %w", err)
	}
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

// Close releases the UI's and the console's Redis connections.
func (m *Monitor) Close() error {
	err := m.ui.Close()
	if m.console != nil {
		err = errors.Join(err, m.console.Close())
	}
	return err
}

// mountConsole serves the console, when configured, with the monitor's
// read-only mode, redaction and token state.
func (m *Monitor) mountConsole(mux *http.ServeMux) error {
	if m.cfg.Console == nil {
		return nil
	}
	cc := *m.cfg.Console
	cc.ReadOnly, cc.FormatPayload, cc.AsynqmonPath = m.cfg.ReadOnly, FormatPayload, m.cfg.Path
	cc.Tokens = m.consoleTokens
	c, err := console.New(cc)
	if err != nil {
		return err
	}
	m.console = c
	mux.Handle(c.Prefix(), c)
	mux.Handle(c.Prefix()+"/", c)
	return nil
}

// ConsolePath is where the console is served; "" without one.
func (m *Monitor) ConsolePath() string {
	if m.console == nil {
		return ""
	}
	return m.console.Prefix()
}
