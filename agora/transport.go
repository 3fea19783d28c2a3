package agora

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"sync/atomic"
	"time"
)

// TransportConfig sizes the HTTP transport of a worker. The zero value of
// every field means its default.
type TransportConfig struct {
	// MaxConns is the number of connections to the provider's host, kept
	// idle between calls and never exceeded (a call beyond it waits for
	// one). Set it to the number of calls a process makes at once (its
	// concurrency, every queue's slots in dedicated mode): with fewer, calls
	// wait; with an idle pool smaller than that, calls beyond it would open
	// a new connection (a TCP and a TLS handshake) and close it afterwards.
	// The cap also stops the dialling races of a cold start from opening
	// more connections than calls in flight. Default 100.
	MaxConns int
	// DialTimeout bounds a TCP connect. Default 5s.
	DialTimeout time.Duration
	// TLSHandshakeTimeout bounds a TLS handshake. Default 5s.
	TLSHandshakeTimeout time.Duration
	// ResponseHeaderTimeout bounds the wait for the answer's headers once
	// the request is written. Default 0: only the per-request timeout
	// (Config.Timeout) applies.
	ResponseHeaderTimeout time.Duration
	// IdleConnTimeout closes a connection idle this long. Default 90s.
	IdleConnTimeout time.Duration
	// CAFile, optional, is a PEM file of certificates trusted besides the
	// system's roots (a private CA, or the sandbox's self-signed one).
	CAFile string
}

func (c TransportConfig) withDefaults() TransportConfig {
	if c.MaxConns <= 0 {
		c.MaxConns = 100
	}
	if c.DialTimeout <= 0 {
		c.DialTimeout = 5 * time.Second
	}
	if c.TLSHandshakeTimeout <= 0 {
		c.TLSHandshakeTimeout = 5 * time.Second
	}
	if c.IdleConnTimeout <= 0 {
		c.IdleConnTimeout = 90 * time.Second
	}
	return c
}

// ConnStats counts what the transport did on the wire. Its fields are read
// with Load; the metrics package exports them.
type ConnStats struct {
	// Opened counts connections dialled (TCP connects that succeeded).
	Opened atomic.Int64
	// TLSHandshakes counts TLS handshakes that succeeded.
	TLSHandshakes atomic.Int64
	// Requests counts requests that got a connection.
	Requests atomic.Int64
}

// Transport is an http.RoundTripper for the provider: one pool of
// keep-alive connections sized to the worker, HTTP/2 when the server
// offers it over TLS, explicit dial and handshake timeouts, and counters
// of new connections. Build one per process and share it by every Client.
type Transport struct {
	base  *http.Transport
	stats *ConnStats
	trace *httptrace.ClientTrace
}

var _ http.RoundTripper = (*Transport)(nil)

// NewTransport builds a Transport. Errors name the field (a CA file that
// cannot be read or holds no certificate).
func NewTransport(cfg TransportConfig) (*Transport, error) {
	cfg = cfg.withDefaults()
	tlsConf, err := tlsConfig(cfg.CAFile)
	if err != nil {
		return nil, err
	}
	base := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: cfg.DialTimeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:       tlsConf,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          cfg.MaxConns,
		MaxIdleConnsPerHost:   cfg.MaxConns,
		MaxConnsPerHost:       cfg.MaxConns,
		IdleConnTimeout:       cfg.IdleConnTimeout,
		TLSHandshakeTimeout:   cfg.TLSHandshakeTimeout,
		ResponseHeaderTimeout: cfg.ResponseHeaderTimeout,
		ExpectContinueTimeout: time.Second,
	}
	t := &Transport{base: base, stats: &ConnStats{}}
	t.trace = &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) { t.stats.Requests.Add(1) },
		ConnectDone: func(_, _ string, err error) {
			if err == nil {
				t.stats.Opened.Add(1)
			}
		},
		TLSHandshakeDone: func(_ tls.ConnectionState, err error) {
			if err == nil {
				t.stats.TLSHandshakes.Add(1)
			}
		},
	}
	return t, nil
}

// tlsConfig trusts the system's roots plus the certificates in caFile.
func tlsConfig(caFile string) (*tls.Config, error) {
	conf := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile == "" {
		return conf, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("agora: CAFile: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, errors.New("agora: CAFile: no PEM certificate in the file")
	}
	conf.RootCAs = pool
	return conf, nil
}

// RoundTrip implements http.RoundTripper, counting connections through
// httptrace. Each request gets a copy of the trace: WithClientTrace
// composes it with a trace already in the request's context, and composing
// mutates it.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	trace := *t.trace
	ctx := httptrace.WithClientTrace(req.Context(), &trace)
	return t.base.RoundTrip(req.WithContext(ctx))
}

// Stats returns the transport's counters.
func (t *Transport) Stats() *ConnStats { return t.stats }

// CloseIdleConnections closes the idle connections of the pool.
func (t *Transport) CloseIdleConnections() { t.base.CloseIdleConnections() }
