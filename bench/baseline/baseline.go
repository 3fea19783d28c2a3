// Package baseline is the worker chatq's benchmarks compare chatq with: a
// plain asynq server whose handler makes the provider's send-message call
// with its own pooled http.Client and its own token cache, and nothing else.
//
// It shares no code with chatq's hot path on purpose (cmd/chatq/deps_test.go
// keeps it importing no chatq package): a baseline built from chatq's own
// REST client, token store or dispatcher would hide whatever those cost.
// It runs as its own process (`chatq bench baseline-worker`), like the
// `chatq worker` it is compared with.
//
// What it does per task: decode the payload (chatq's message:send JSON, which
// is the provider's body plus "target"), POST it to
// /{org}/{app}/messages/{target} with a bearer token, and return nil on 2xx.
// A 401 drops the token and tries once more; any other failure is returned to
// asynq, which retries it after an exponential backoff with full jitter (1s
// doubling, at most 30s: asynq's default of 15s and more would make the
// benchmark's runs last many minutes). No rate limit, no breaker, no dead
// letters.
package baseline

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/hibiken/asynq"
)

// Config is one baseline worker.
type Config struct {
	RedisURL     string         // redis://host:port/db
	APIURL       string         // scheme://host
	AppKey       string         // org#app
	ClientID     string         // client_credentials
	ClientSecret string         // client_credentials
	Concurrency  int            // tasks in flight
	Queues       map[string]int // asynq queue weights; default {"messages": 1}
	CAFile       string         // PEM file trusted besides the system roots; "" = none
	PollInterval time.Duration  // asynq's idle poll; default 1s
}

// Run serves tasks until ctx is done.
func Run(ctx context.Context, cfg Config) error {
	if cfg.Concurrency < 1 {
		cfg.Concurrency = 20
	}
	if len(cfg.Queues) == 0 {
		cfg.Queues = map[string]int{"messages": 1}
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	opt, err := asynq.ParseRedisURI(cfg.RedisURL)
	if err != nil {
		return fmt.Errorf("baseline: redis url: %w", err)
	}
	hc, err := newHTTPClient(cfg)
	if err != nil {
		return err
	}
	org, app, _ := strings.Cut(cfg.AppKey, "#")
	h := &handler{http: hc, base: strings.TrimRight(cfg.APIURL, "/") + "/" + org + "/" + app, cfg: cfg}
	srv := asynq.NewServer(opt, asynq.Config{Concurrency: cfg.Concurrency, Queues: cfg.Queues,
		TaskCheckInterval: cfg.PollInterval, DelayedTaskCheckInterval: cfg.PollInterval,
		ShutdownTimeout: 5 * time.Second, LogLevel: asynq.ErrorLevel, RetryDelayFunc: retryDelay})
	if err := srv.Start(h); err != nil {
		return fmt.Errorf("baseline: start: %w", err)
	}
	<-ctx.Done()
	srv.Shutdown()
	return nil
}

// newHTTPClient is an ordinary well-configured client: an idle pool as
// large as the concurrency, keep-alive, HTTP/2 when offered over TLS.
func newHTTPClient(cfg Config) (*http.Client, error) {
	tr := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:   true,
		MaxIdleConns:        cfg.Concurrency,
		MaxIdleConnsPerHost: cfg.Concurrency,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: 5 * time.Second,
	}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("baseline: ca file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, errors.New("baseline: ca file: no PEM certificate")
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}, nil
}

// retryDelay is 1s doubling per retry, at most 30s, with full jitter.
func retryDelay(n int, _ error, _ *asynq.Task) time.Duration {
	ceiling := min(time.Second<<min(n, 5), 30*time.Second)
	return time.Duration(rand.Int64N(int64(ceiling)) + 1)
}

type handler struct {
	http *http.Client
	base string
	cfg  Config

	mu    sync.Mutex
	token string
}

// ProcessTask sends the message, refreshing the token once on a 401.
func (h *handler) ProcessTask(ctx context.Context, t *asynq.Task) error {
	var p map[string]json.RawMessage
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
	}
	var target string
	_ = json.Unmarshal(p["target"], &target)
	delete(p, "target")
	body, err := json.Marshal(p)
	if err != nil {
		return err
	}
	for range 2 {
		tok, err := h.currentToken(ctx)
		if err != nil {
			return err
		}
		status, err := h.post(ctx, "/messages/"+target, tok, body)
		if err != nil {
			return err
		}
		switch {
		case status/100 == 2:
			return nil
		case status == http.StatusUnauthorized:
			h.dropToken(tok)
			continue
		}
		return fmt.Errorf("provider answered %d", status)
	}
	return errors.New("token refused twice")
}

func (h *handler) post(ctx context.Context, path, token string, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.base+path, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := h.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, nil
}

// currentToken returns the cached token or fetches one (client_credentials).
func (h *handler) currentToken(ctx context.Context) (string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.token != "" {
		return h.token, nil
	}
	body, _ := json.Marshal(map[string]any{"grant_type": "client_credentials",
		"client_id": h.cfg.ClientID, "client_secret": h.cfg.ClientSecret, "ttl": 3600})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.base+"/token", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := h.http.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("token endpoint answered %d", resp.StatusCode)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&out); err != nil || out.AccessToken == "" {
		return "", fmt.Errorf("token endpoint: no access_token (%v)", err)
	}
	h.token = out.AccessToken
	return h.token, nil
}

func (h *handler) dropToken(tok string) {
	h.mu.Lock()
	if h.token == tok {
		h.token = ""
	}
	h.mu.Unlock()
}
