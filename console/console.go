package console

import (
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/chatq/chatq/deadletter"
	"github.com/chatq/chatq/policy"
	"github.com/chatq/chatq/tasks"
)

// DefaultPrefix is where the console is mounted when Config.Prefix is empty.
const DefaultPrefix = "/console"

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// TokenState is what the overview shows of the worker's provider token:
// never the token itself.
type TokenState struct {
	// Available is false in a process without a worker (chatq monitor).
	Available   bool
	Valid       bool
	ExpiresAt   time.Time
	LastRefresh time.Time
	Refreshes   int
	Failures    int
	// Credentials is "ok", "rejected" or "unknown".
	Credentials string
	Ready       bool
	NotReady    string
}

// Config configures a Console.
type Config struct {
	// Prefix is the path the console is served under. Optional; default
	// DefaultPrefix.
	Prefix string
	// Store is the dead-letter store. Required.
	Store *deadletter.Store
	// Redis holds chatq's own keys (throttle state, activity). Required.
	Redis redis.UniversalClient
	// Conn is asynq's Redis: the console inspects queues and servers,
	// deletes a replayed task's archived copy and enqueues replays on it.
	// Required.
	Conn asynq.RedisConnOpt
	// Table is the effective policy. Required.
	Table *policy.Table
	// MaxRetry is a replayed task's fresh retry budget (CHATQ_MAX_RETRY);
	// 0: tasks' default.
	MaxRetry int
	// Limits validate replayed payloads as enqueue does. Zero: defaults.
	Limits tasks.Limits
	// ReplayRate caps replay enqueues per second. Default 20, as the CLI.
	ReplayRate float64
	// AsynqmonPath, optional, is where asynqmon is served, for a link.
	AsynqmonPath string
	// ReadOnly hides every action and refuses every POST.
	ReadOnly bool
	// FormatPayload renders a payload for a page with secrets redacted.
	// Optional; default: payloads are not shown.
	FormatPayload func([]byte) string
	// Tokens, optional, reports the token state of the worker in this
	// process.
	Tokens func() TokenState
	// Timeout bounds each page's Redis reads. Default 10s.
	Timeout time.Duration
	// Logger, optional, receives one line per action.
	Logger *slog.Logger
	// Now, optional, is the clock.
	Now func() time.Time
}

func (c *Config) withDefaults() {
	if c.Prefix == "" {
		c.Prefix = DefaultPrefix
	}
	c.Prefix = "/" + strings.Trim(c.Prefix, "/")
	if c.ReplayRate <= 0 {
		c.ReplayRate = 20
	}
	if c.FormatPayload == nil {
		c.FormatPayload = func(p []byte) string { return fmt.Sprintf("(%d bytes: not shown)", len(p)) }
	}
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

func (c *Config) validate() error {
	var errs []error
	if c.Store == nil {
		errs = append(errs, errors.New("field Store: required"))
	}
	if c.Redis == nil {
		errs = append(errs, errors.New("field Redis: required"))
	}
	if c.Conn == nil {
		errs = append(errs, errors.New("field Conn: required"))
	}
	if c.Table == nil {
		errs = append(errs, errors.New("field Table: required"))
	}
	if c.Prefix == "/" {
		errs = append(errs, errors.New("field Prefix: must be a sub-path such as /console"))
	}
	return errors.Join(errs...)
}

// Console serves the pages; it is an http.Handler for Config.Prefix and
// everything under it.
type Console struct {
	cfg  Config
	insp *asynq.Inspector
	// client enqueues replays; nil in read-only mode.
	client *tasks.Client
	pages  map[string]*template.Template
	csrf   *csrf
	mux    *http.ServeMux
}

// New validates cfg and builds the console; Close releases it.
func New(cfg Config) (*Console, error) {
	cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	pages, err := parsePages()
	if err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	c := &Console{cfg: cfg, pages: pages, csrf: newCSRF(cfg.Prefix), insp: asynq.NewInspector(cfg.Conn)}
	if !cfg.ReadOnly {
		c.client = tasks.NewClient(cfg.Conn, tasks.ClientConfig{Limits: cfg.Limits, DefaultMaxRetry: cfg.MaxRetry, Redis: cfg.Redis})
	}
	c.routes()
	return c, nil
}

// Close releases the console's asynq connections (not Config.Redis, which
// the caller owns).
func (c *Console) Close() error {
	var errs []error
	if c.client != nil {
		errs = append(errs, c.client.Close())
	}
	errs = append(errs, c.insp.Close())
	return errors.Join(errs...)
}

// Prefix is where the console is served.
func (c *Console) Prefix() string { return c.cfg.Prefix }

func (c *Console) routes() {
	p := c.cfg.Prefix
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET "+p+"/static/", http.StripPrefix(p+"/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET "+p+"/{$}", c.serveOverview)
	mux.HandleFunc("GET "+p+"/deadletters", c.serveDeadLetters)
	mux.HandleFunc("GET "+p+"/deadletters/{id}", c.serveRecord)
	mux.HandleFunc("GET "+p+"/deadletters/{id}/edit", c.serveEdit)
	mux.HandleFunc("GET "+p+"/audit", c.serveAudit)
	mux.HandleFunc("GET "+p+"/policy", c.servePolicy)
	mux.Handle("POST "+p+"/deadletters/replay", c.action(c.postReplay))
	mux.Handle("POST "+p+"/deadletters/delete", c.action(c.postDelete))
	mux.Handle("GET "+p, http.RedirectHandler(p+"/", http.StatusFound))
	c.mux = mux
}

// ServeHTTP serves the console's pages.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "same-origin")
	c.mux.ServeHTTP(w, c.csrf.ensureCookie(w, r))
}

// action refuses a POST in read-only mode, without the CSRF token, or
// from another origin, before h sees it.
func (c *Console) action(h http.HandlerFunc) http.Handler {
	check := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c.cfg.ReadOnly {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "the console is read-only", http.StatusMethodNotAllowed)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		if err := r.ParseForm(); err != nil {
			http.Error(w, "reading the form: "+err.Error(), http.StatusBadRequest)
			return
		}
		if !c.csrf.valid(r) {
			http.Error(w, "missing or wrong CSRF token: reload the page and submit the form again", http.StatusForbidden)
			return
		}
		h(w, r)
	})
	return http.NewCrossOriginProtection().Handler(check)
}

// user names the operator in audit entries: the basic-auth user when the
// monitor authenticates, else "console".
func user(r *http.Request) string {
	if u, _, ok := r.BasicAuth(); ok && u != "" {
		return u + " (console)"
	}
	return "console"
}
