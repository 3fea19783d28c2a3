package agora

import (
	"context"
	"encoding/pem"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/tasks"
)

// sendServer answers every send with 200 and counts the connections it
// accepted, from the server's side of the wire.
func sendServer(t *testing.T, tls bool) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"data":{"bob":"1"}}`))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	if tls {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return srv, &conns
}

// sendConcurrently makes n sends from workers goroutines at once.
func sendConcurrently(t *testing.T, c *Client, workers, n int) {
	t.Helper()
	var wg sync.WaitGroup
	var failed atomic.Int64
	jobs := make(chan struct{})
	for range workers {
		wg.Go(func() {
			for range jobs {
				if _, err := c.SendMessage(context.Background(), testToken, tasks.SendMessage{Target: "users",
					To: []string{"bob"}, Type: "txt", Body: []byte(`{"msg":"hi"}`)}); err != nil {
					failed.Add(1)
				}
			}
		})
	}
	for range n {
		jobs <- struct{}{}
	}
	close(jobs)
	wg.Wait()
	require.Zero(t, failed.Load())
}

// TestTransport_PoolCoversTheConcurrency: 20 calls at a time, 2,000 in
// all, open at most one connection per call in flight, and none after the
// first round (http.DefaultTransport keeps 2 idle per host, so most calls
// would dial). The server and the transport's own counter agree.
func TestTransport_PoolCoversTheConcurrency(t *testing.T) {
	t.Parallel()
	srv, conns := sendServer(t, false)
	tr, err := NewTransport(TransportConfig{MaxConns: 20})
	require.NoError(t, err)
	c, err := New(Config{BaseURL: srv.URL, AppKey: testAppKey, HTTPClient: &http.Client{Transport: tr}})
	require.NoError(t, err)

	sendConcurrently(t, c, 20, 200)
	warm := conns.Load()
	require.LessOrEqual(t, warm, int64(20), "at most one connection per call in flight")
	sendConcurrently(t, c, 20, 2000)
	// A loaded machine may not have run 20 calls at once in the first
	// round; the later ones may then dial, but never past one per slot.
	if warm == 20 {
		require.Equal(t, warm, conns.Load(), "no new connection after warm-up")
	}
	require.LessOrEqual(t, conns.Load(), int64(20), "over the whole run at most one connection per slot")
	require.Equal(t, conns.Load(), tr.Stats().Opened.Load())
	require.EqualValues(t, 2200, tr.Stats().Requests.Load())
	require.Zero(t, tr.Stats().TLSHandshakes.Load())
}

// TestTransport_DefaultClientIsPooled: a Client built without an
// HTTPClient gets a pooled transport too: a few dials of a cold start
// (MaxConns 100 does not cap them at 20), not one per call.
func TestTransport_DefaultClientIsPooled(t *testing.T) {
	t.Parallel()
	srv, conns := sendServer(t, false)
	c, err := New(Config{BaseURL: srv.URL, AppKey: testAppKey})
	require.NoError(t, err)
	sendConcurrently(t, c, 20, 1000)
	require.LessOrEqual(t, conns.Load(), int64(40))
}

// TestTransport_CAFile: HTTPS to a server whose certificate is trusted
// only through CAFile; one handshake per connection, counted.
func TestTransport_CAFile(t *testing.T) {
	t.Parallel()
	srv, conns := sendServer(t, true)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600))

	untrusted, err := NewTransport(TransportConfig{})
	require.NoError(t, err)
	c, err := New(Config{BaseURL: srv.URL, AppKey: testAppKey, HTTPClient: &http.Client{Transport: untrusted}})
	require.NoError(t, err)
	_, err = c.SendMessage(context.Background(), testToken, tasks.SendMessage{Target: "users", To: []string{"bob"},
		Type: "txt", Body: []byte(`{"msg":"hi"}`)})
	var netErr *NetworkError
	require.ErrorAs(t, err, &netErr, "the system roots do not trust the test server")

	tr, err := NewTransport(TransportConfig{MaxConns: 4, CAFile: caFile})
	require.NoError(t, err)
	c, err = New(Config{BaseURL: srv.URL, AppKey: testAppKey, HTTPClient: &http.Client{Transport: tr}})
	require.NoError(t, err)
	sendConcurrently(t, c, 4, 400)
	require.LessOrEqual(t, conns.Load(), int64(1+4), "the refused one, then one per call in flight")
	require.LessOrEqual(t, tr.Stats().Opened.Load(), int64(4))
	require.Equal(t, tr.Stats().Opened.Load(), tr.Stats().TLSHandshakes.Load(), "one handshake per connection")
}

func TestNewTransport_BadCAFile(t *testing.T) {
	t.Parallel()
	_, err := NewTransport(TransportConfig{CAFile: filepath.Join(t.TempDir(), "missing.pem")})
	require.ErrorContains(t, err, "CAFile")
	empty := filepath.Join(t.TempDir(), "empty.pem")
	require.NoError(t, os.WriteFile(empty, []byte("not a certificate"), 0o600))
	_, err = NewTransport(TransportConfig{CAFile: empty})
	require.ErrorContains(t, err, "no PEM certificate")
}
