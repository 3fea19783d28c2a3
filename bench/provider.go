package bench

import (
	"crypto/tls"
	"encoding/pem"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/chatq/chatq/sandbox"
)

// Wire protocols the provider speaks (fleetSpec.wire).
const (
	wirePlain = ""      // HTTP/1.1 without TLS
	wireTLS1  = "https" // HTTPS, HTTP/1.1 only (a provider that offers no HTTP/2)
	wireTLS2  = "h2"    // HTTPS with HTTP/2 offered
)

// provider is the sandbox on a real listener, with counters the bench
// reads from the server's side of the wire: connections accepted, TLS
// handshakes, and when the first send arrived and the last one succeeded.
// They count what the workers did, whatever the workers say about it.
type provider struct {
	sb     *sandbox.Server
	srv    *httptest.Server
	caFile string // with TLS: the server's certificate as PEM, for the workers

	conns, handshakes atomic.Int64
	firstSend, lastOK atomic.Int64 // unix nanoseconds; 0 = not yet
	sends             atomic.Int64
	connsAtWarm       atomic.Int64 // conns when the warmUp-th send arrived; -1 = not yet
}

// warmUp is the number of sends after which the pool is expected to be
// complete: a connection opened later is one a pooled client should not
// have needed.
const warmUp = 1000

func newProvider(cfg sandbox.Config, wire, dir string) (*provider, error) {
	p := &provider{sb: sandbox.New(cfg)}
	p.connsAtWarm.Store(-1)
	p.srv = httptest.NewUnstartedServer(http.HandlerFunc(p.serve))
	p.srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			p.conns.Add(1)
		}
	}
	if wire == wirePlain {
		p.srv.Start()
		return p, nil
	}
	p.srv.TLS = &tls.Config{GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
		p.handshakes.Add(1)
		return nil, nil
	}}
	p.srv.EnableHTTP2 = wire == wireTLS2
	p.srv.StartTLS()
	p.caFile = filepath.Join(dir, "provider-cert.pem")
	cert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.srv.Certificate().Raw})
	if err := os.WriteFile(p.caFile, cert, 0o600); err != nil {
		p.srv.Close()
		return nil, err
	}
	return p, nil
}

func (p *provider) url() string { return p.srv.URL }
func (p *provider) close()      { p.srv.Close() }

// serve passes the request to the sandbox, noting send times.
func (p *provider) serve(w http.ResponseWriter, r *http.Request) {
	send := strings.Contains(r.URL.Path, "/messages/")
	if send {
		p.firstSend.CompareAndSwap(0, time.Now().UnixNano())
		if p.sends.Add(1) == warmUp {
			p.connsAtWarm.Store(p.conns.Load())
		}
	}
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	p.sb.ServeHTTP(sw, r)
	if send && sw.status == http.StatusOK {
		p.lastOK.Store(time.Now().UnixNano())
	}
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// sendWindow is the time from the first send to the last successful one.
func (p *provider) sendWindow() time.Duration {
	a, z := p.firstSend.Load(), p.lastOK.Load()
	if a == 0 || z <= a {
		return 0
	}
	return time.Duration(z - a)
}

// connsAfterWarmUp is the connections accepted after the warmUp-th send;
// -1 when the run had fewer sends.
func (p *provider) connsAfterWarmUp() int64 {
	at := p.connsAtWarm.Load()
	if at < 0 {
		return -1
	}
	return p.conns.Load() - at
}
