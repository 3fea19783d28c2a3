package ingest

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Server is the ingest API. Make one with New; serve Handler, or Serve a
// listener.
type Server struct {
	cfg     Config
	metrics *serverMetrics
	mux     *http.ServeMux
	http    *http.Server
}

// New checks cfg and returns a Server.
func New(cfg Config) (*Server, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux()}
	reg := cfg.Registerer
	var own *prometheus.Registry
	if reg == nil {
		own = prometheus.NewRegistry()
		reg = own
	}
	m, err := newMetrics(reg)
	if err != nil {
		return nil, err
	}
	s.metrics = m
	s.route("POST /v1/tasks", true, s.enqueueOne)
	s.route("POST /v1/tasks/batch", true, s.enqueueBatch)
	s.route("GET /v1/tasks/{id}", true, s.status)
	s.route("GET /v1/openapi.json", false, serveOpenAPI)
	if own != nil {
		s.mux.Handle("GET /metrics", promhttp.HandlerFor(own, promhttp.HandlerOpts{}))
	}
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		(&problem{Type: problemNotFound, Title: "no such route", Status: http.StatusNotFound,
			Detail: r.Method + " " + r.URL.Path + ": see /v1/openapi.json"}).write(w)
	})
	s.http = &http.Server{Handler: s.mux, ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout: cfg.RequestTimeout + 5*time.Second, WriteTimeout: cfg.RequestTimeout + 10*time.Second,
		IdleTimeout: 90 * time.Second, ErrorLog: slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn)}
	return s, nil
}

// Addr is the configured listen address.
func (s *Server) Addr() string { return s.cfg.Addr }

// Handler returns the API's handler.
func (s *Server) Handler() http.Handler { return s.mux }

// Serve serves the API on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	if err := s.http.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Shutdown stops accepting requests and waits for those in flight, until
// ctx is done.
func (s *Server) Shutdown(ctx context.Context) error { return s.http.Shutdown(ctx) }

// request is what a handler knows of its request beyond it.
type request struct {
	keyName string // the API key's name; "" without keys
	tasks   int    // tasks in the request, for the access log
}

type handlerFunc func(ctx context.Context, w http.ResponseWriter, r *http.Request, req *request)

// route registers h under pattern with the access log, metrics, the
// request timeout, the body limit and, when auth, the key check.
func (s *Server) route(pattern string, auth bool, h handlerFunc) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		req := &request{}
		s.serve(rec, r, auth, req, h)
		elapsed := time.Since(start)
		s.metrics.observe(pattern, rec.status, elapsed.Seconds())
		s.cfg.Logger.Info("ingest request", slog.String("method", r.Method), slog.String("route", pattern),
			slog.String("path", r.URL.Path), slog.Int("status", rec.status), slog.Duration("duration", elapsed),
			slog.String("key_name", req.keyName), slog.Int("tasks", req.tasks), slog.String("remote", r.RemoteAddr))
	})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, auth bool, req *request, h handlerFunc) {
	if auth && len(s.cfg.Keys) > 0 {
		name, ok := authenticate(s.cfg.Keys, r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="chatq"`)
			(&problem{Type: problemUnauthorized, Title: "API key required", Status: http.StatusUnauthorized,
				Detail: "send an API key as Authorization: Bearer <key>"}).write(w)
			return
		}
		req.keyName = name
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.RequestTimeout)
	defer cancel()
	h(ctx, w, r, req)
}

// statusRecorder keeps the status a handler wrote, for the log and metrics.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}
