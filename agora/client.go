package agora

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

const (
	defaultTimeout      = 10 * time.Second
	defaultMaxErrorBody = 64 << 10
	defaultUserAgent    = "chatq"

	// maxSuccessBody bounds a 2xx body. The largest answer chatq asks for is a
	// send to 600 users (600 message ids), a few tens of KiB.
	maxSuccessBody = 4 << 20
	// maxDrain is how much of an unread body is discarded before closing it,
	// so that the connection can be reused.
	maxDrain = 4 << 10
)

// Config configures a Client. BaseURL and AppKey are required; every other
// field has a default, applied by New.
type Config struct {
	// BaseURL is the REST host, e.g. "https://a41.chat.agora.io". Required.
	// The scheme is http or https; no user info, query, fragment or path
	// beyond "/".
	BaseURL string
	// AppKey is "org#app", with exactly one '#' and both parts non-empty.
	// Required. Requests go to {BaseURL}/{org}/{app}/….
	AppKey string
	// HTTPClient sends the requests. Optional; nil means a client on a new
	// Transport with its defaults (an idle pool of 100 connections).
	// Workers pass one whose Transport is sized to their concurrency.
	HTTPClient *http.Client
	// Timeout bounds each request, headers and body, through its context.
	// Optional; default 10s.
	Timeout time.Duration
	// MaxErrorBody is the number of bytes read from a non-2xx body.
	// Optional; default 64 KiB. 2xx bodies are limited to 4 MiB.
	MaxErrorBody int64
	// UserAgent is sent with every request. Optional; default "chatq".
	UserAgent string
	// Dialect is the provider spoken (see dialect.go). Optional; default
	// DialectAgora.
	Dialect Dialect
}

// Client calls the Agora Chat REST API. It is safe for concurrent use.
type Client struct {
	base       string // scheme://host/org/app, no trailing slash
	http       *http.Client
	timeout    time.Duration
	maxErrBody int64
	userAgent  string
	secrets    []string // redacted from provider text besides each call's token (WithSecrets)
	dialect    Dialect
}

// New validates cfg, applies its defaults and returns a Client. Errors name
// the offending field.
func New(cfg Config) (*Client, error) {
	if cfg.Timeout < 0 {
		return nil, errors.New("agora: Timeout: must not be negative")
	}
	if cfg.MaxErrorBody < 0 {
		return nil, errors.New("agora: MaxErrorBody: must not be negative")
	}
	cfg = cfg.withDefaults()
	if _, err := ParseDialect(string(cfg.Dialect)); err != nil {
		return nil, fmt.Errorf("agora: Dialect: %w", err)
	}
	origin, err := parseBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	prefix, err := appKeyPath(cfg.AppKey)
	if err != nil {
		return nil, err
	}
	return &Client{
		base:       origin + prefix,
		http:       cfg.HTTPClient,
		timeout:    cfg.Timeout,
		maxErrBody: cfg.MaxErrorBody,
		userAgent:  cfg.UserAgent,
		dialect:    cfg.Dialect,
	}, nil
}

// Dialect returns the dialect the client speaks.
func (c *Client) Dialect() Dialect { return c.dialect }

// withDefaults returns cfg with every unset optional field set.
func (cfg Config) withDefaults() Config {
	if cfg.Timeout == 0 {
		cfg.Timeout = defaultTimeout
	}
	if cfg.HTTPClient == nil {
		// Not http.DefaultTransport: it keeps two idle connections per
		// host, so at any concurrency above two most calls would dial.
		tr, _ := NewTransport(TransportConfig{}) // no CA file: cannot fail
		cfg.HTTPClient = &http.Client{Transport: tr}
	}
	if cfg.MaxErrorBody == 0 {
		cfg.MaxErrorBody = defaultMaxErrorBody
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = defaultUserAgent
	}
	if cfg.Dialect == "" {
		cfg.Dialect = DialectAgora
	}
	return cfg
}

// parseBaseURL checks raw and returns its "scheme://host".
func parseBaseURL(raw string) (string, error) {
	if raw == "" {
		return "", errors.New("agora: BaseURL: required")
	}
	u, err := url.Parse(raw)
	if err != nil {
		// The *url.Error would quote raw, which could hold a password.
		return "", fmt.Errorf("agora: BaseURL: not a URL: %w", errors.Unwrap(err))
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", errors.New(`agora: BaseURL: scheme must be "http" or "https"`)
	case u.Host == "":
		return "", errors.New("agora: BaseURL: host required")
	case u.User != nil:
		return "", errors.New("agora: BaseURL: must not contain user info")
	case u.Path != "" && u.Path != "/":
		return "", errors.New(`agora: BaseURL: must have no path beyond "/"`)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return "", errors.New("agora: BaseURL: must have no query or fragment")
	}
	return u.Scheme + "://" + u.Host, nil
}

// appKeyPath turns "org#app" into "/org/app".
func appKeyPath(key string) (string, error) {
	org, app, _ := strings.Cut(key, "#")
	if strings.Count(key, "#") != 1 || org == "" || app == "" {
		return "", errors.New(`agora: AppKey: must be "org#app" with exactly one '#'`)
	}
	return "/" + url.PathEscape(org) + "/" + url.PathEscape(app), nil
}

// request is one call of the REST API.
type request struct {
	method string
	path   string     // escaped, without the /org/app prefix: "/chatgroups/g1"
	token  Token      // zero: no Authorization header
	body   any        // nil: no body
	form   url.Values // non-nil: a form-urlencoded body instead of body
	out    any        // nil: a 2xx body is discarded
	secret string     // besides the token, text scrubbed from provider error text
}

// do sends r and decodes a 2xx body into r.out. Failures are described in the
// package documentation; the non-2xx ones come from checkResponse.
func (c *Client) do(ctx context.Context, r request) error {
	op := r.method + " " + r.path
	rctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := c.newRequest(rctx, r)
	if err != nil {
		return fmt.Errorf("agora: %s: %w", op, err)
	}
	secrets := c.secretsFor(r)
	resp, err := c.http.Do(req)
	if err != nil {
		return transportError(ctx, op, err, secrets)
	}
	defer closeBody(resp.Body)
	if err := checkResponse(resp, op, c.maxErrBody, secrets...); err != nil {
		return err
	}
	return decodeBody(ctx, op, resp.Body, r.out, secrets)
}

// newRequest builds the HTTP request for r with the headers every call sends.
func (c *Client) newRequest(ctx context.Context, r request) (*http.Request, error) {
	if err := checkPath(r.path); err != nil {
		return nil, err
	}
	var body io.Reader
	contentType := "application/json"
	if r.form != nil {
		body, contentType = strings.NewReader(r.form.Encode()), "application/x-www-form-urlencoded"
	} else if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return nil, fmt.Errorf("encoding request body: %w: %w", ErrInvalidInput, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, c.base+r.path, body)
	if err != nil {
		return nil, fmt.Errorf("building request: %w: %w", ErrInvalidInput, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if !r.token.IsZero() {
		req.Header.Set("Authorization", "Bearer "+r.token.Value())
	}
	return req, nil
}

// decodeBody reads at most maxSuccessBody bytes of a 2xx body into out. A
// decode error's text may quote the body, so it is scrubbed of secrets.
func decodeBody(ctx context.Context, op string, body io.Reader, out any, secrets []string) error {
	if out == nil {
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(body, maxSuccessBody+1))
	if err != nil {
		return transportError(ctx, op, err, secrets)
	}
	if len(b) > maxSuccessBody {
		return fmt.Errorf("agora: %s: response body exceeds %d bytes: %w", op, maxSuccessBody, ErrMalformedResponse)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("agora: %s: decoding response: %w: %w", op, ErrMalformedResponse, scrubError(err, secrets))
	}
	return nil
}

// transportError classifies an error of the transport (or of reading a body).
// The caller's cancellation wins over the transport error it caused (STYLE 14).
// A transport error can quote what the server sent (a malformed status line),
// so its text is scrubbed of secrets.
func transportError(ctx context.Context, op string, err error, secrets []string) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("agora: %s: %w", op, ctxErr)
	}
	timeout := isTimeout(err)
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		err = urlErr.Err // Op already names the call; the URL would only repeat it
	}
	return &NetworkError{Op: op, Timeout: timeout, Err: scrubError(err, secrets)}
}

// isTimeout reports whether err is a deadline or a timeout of any layer.
func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var netErr net.Error
	return errors.As(err, &netErr) && netErr.Timeout()
}

// closeBody drains a little of body, so the connection can be reused, and
// closes it.
func closeBody(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, maxDrain))
	_ = body.Close()
}
