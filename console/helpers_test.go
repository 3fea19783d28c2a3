package console_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/activity"
	"github.com/chatq/chatq/console"
	"github.com/chatq/chatq/deadletter"
	"github.com/chatq/chatq/dispatcher"
	"github.com/chatq/chatq/internal/e2etest"
	"github.com/chatq/chatq/monitor"
	"github.com/chatq/chatq/policy"
	"github.com/chatq/chatq/sandbox"
)

// Monitor credentials of the tests.
const (
	testUser     = "oncall"
	testPassword = "console-test-password-4711"
)

// Markers of the dead letters every bundle starts with.
const (
	// groupOwnerDesc makes the sandbox's 403 fall on row 403-group-owner-op:
	// a cause outside the payload, so replay sends it again.
	groupOwnerDesc = "Forbidden operation on group owner!"
	ownerRule      = "403-group-owner-op"
	replayMarker   = "replay-me"
	doomedMarker   = "doomed"
	tooLargeMarker = "too-large"
)

type testBundle struct {
	fleet *e2etest.Fleet
	// url is the monitor's base URL; roURL a read-only monitor's on the
	// same data.
	url, roURL string
	// replayIDs, doomedID and tooLargeID are the dead letters; delivered
	// are tasks that went through.
	replayIDs            []string
	doomedID, tooLargeID string
	delivered            []string
}

// setup runs a worker on the sandbox, makes five dead letters (three a
// replay delivers, one to delete, one the payload caused) and two
// deliveries, and serves a monitor with the console, and a read-only one.
func setup(t *testing.T) *testBundle {
	t.Helper()
	f := e2etest.New(t)
	counts := activity.NewRecorder(activity.RecorderParams{Redis: f.RDB, Interval: 20 * time.Millisecond})
	var wg sync.WaitGroup
	counts.Start(&wg)
	t.Cleanup(func() { counts.Shutdown(); wg.Wait() })
	f.AddWorker(func(o *e2etest.Options) {
		o.Observers = append(o.Observers, dispatcher.ObserverFunc(func(e dispatcher.Event) { counts.Add(e.Queue, string(e.Outcome)) }))
	})
	b := &testBundle{fleet: f}
	f.Sandbox.AddFault(sandbox.Fault{Match: replayMarker, Status: 403, Code: "forbidden_op", Message: groupOwnerDesc, Times: 3})
	f.Sandbox.AddFault(sandbox.Fault{Match: doomedMarker, Status: 403, Code: "forbidden_op", Message: groupOwnerDesc, Times: 1})
	f.Sandbox.AddFault(sandbox.Fault{Match: tooLargeMarker, Status: 400, Code: "message_send_error", Message: "message is too large", Times: 1})
	for i := range 3 {
		b.replayIDs = append(b.replayIDs, f.Send(replayMarker+"-"+string(rune('a'+i))))
	}
	b.doomedID, b.tooLargeID = f.Send(doomedMarker), f.Send(tooLargeMarker)
	b.delivered = []string{f.Send("hello-1"), f.Send("hello-2")}
	for _, id := range append(append([]string{b.doomedID, b.tooLargeID}, b.replayIDs...), b.delivered...) {
		f.Events.WaitFinal(t, id)
	}
	f.WaitOutcome(t, b.replayIDs, dispatcher.OutcomeDeadLettered)
	table, err := policy.NewTable(nil, policy.DefaultRules())
	require.NoError(t, err)
	b.url = serveMonitor(t, f, table, false)
	b.roURL = serveMonitor(t, f, table, true)
	// The charts read what the recorder wrote: wait for the dead letters'
	// minute to be in Redis (written every 20ms, signalling nothing).
	waitFor(t, "activity counts in Redis", func() bool {
		ms, err := activity.Read(context.Background(), f.RDB, time.Now().Add(-time.Hour), time.Now())
		var n int64
		for _, m := range ms {
			n += m.Sum("", string(dispatcher.OutcomeDeadLettered))
		}
		return err == nil && n == 5
	})
	return b
}

func serveMonitor(t *testing.T, f *e2etest.Fleet, table *policy.Table, readOnly bool) string {
	t.Helper()
	m, err := monitor.New(monitor.Config{Addr: "127.0.0.1:0", User: testUser, Password: testPassword, ReadOnly: readOnly,
		Redis: f.Opt, DeadLetters: f.Store, Rules: table.Rules(),
		Console: &console.Config{Store: f.Store, Redis: f.RDB, Conn: f.Opt, Table: table, ReplayRate: 1000}})
	require.NoError(t, err)
	srv := httptest.NewServer(m.Handler())
	t.Cleanup(func() { srv.Close(); _ = m.Close() })
	return srv.URL
}

// waitFor polls cond (state that signals nothing) until e2etest's deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(e2etest.WaitTimeout)
	for !cond() {
		require.False(t, time.Now().After(deadline), "waiting for %s: not within %s", what, e2etest.WaitTimeout)
		time.Sleep(20 * time.Millisecond)
	}
}

// session is an HTTP client with the console's CSRF cookie.
type session struct {
	t      *testing.T
	base   string
	client *http.Client
	auth   bool
}

func newSession(t *testing.T, base string, auth bool) *session {
	t.Helper()
	jar := &cookieJar{}
	return &session{t: t, base: base, client: &http.Client{Jar: jar}, auth: auth}
}

func (s *session) do(method, path string, form url.Values) (int, string) {
	s.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, s.base+path, body)
	require.NoError(s.t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if s.auth {
		req.SetBasicAuth(testUser, testPassword)
	}
	resp, err := s.client.Do(req)
	require.NoError(s.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(s.t, err)
	return resp.StatusCode, string(b)
}

// csrfToken loads a page and returns the token its forms carry.
func (s *session) csrfToken() string {
	s.t.Helper()
	code, page := s.do(http.MethodGet, "/console/deadletters", nil)
	require.Equal(s.t, http.StatusOK, code, page)
	_, rest, ok := strings.Cut(page, `name="csrf" value="`)
	require.True(s.t, ok, "no CSRF token in the page")
	tok, _, _ := strings.Cut(rest, `"`)
	return tok
}

// cookieJar keeps every cookie for every URL: the tests talk to one host.
type cookieJar struct {
	mu      sync.Mutex
	cookies map[string]*http.Cookie
}

func (j *cookieJar) SetCookies(_ *url.URL, cs []*http.Cookie) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.cookies == nil {
		j.cookies = map[string]*http.Cookie{}
	}
	for _, c := range cs {
		j.cookies[c.Name] = c
	}
}

func (j *cookieJar) Cookies(*url.URL) []*http.Cookie {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := make([]*http.Cookie, 0, len(j.cookies))
	for _, c := range j.cookies {
		out = append(out, c)
	}
	return out
}

func openDeadLetters(t *testing.T, b *testBundle) int {
	t.Helper()
	n, err := b.fleet.Store.Stats(context.Background(), deadletter.Filter{State: deadletter.StateOpen})
	require.NoError(t, err)
	return n.Total
}
