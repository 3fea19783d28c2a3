package dispatcher_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"strings"
	"sync"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/dispatcher"
	"github.com/chatq/chatq/internal/e2etest"
	"github.com/chatq/chatq/tasks"
)

// normalisingFront stands where a reverse proxy (or the provider's own HTTP
// server) stands: it records each request's raw path, then reads the path
// as such servers do before routing (percent-encoded unreserved characters
// decoded, RFC 3986 §6.2.2.2; dot segments removed, §5.2.4, with path.Clean
// dropping the trailing slash as most routers do) and passes the request on.
type normalisingFront struct {
	next http.Handler
	mu   sync.Mutex
	seen []string // "METHOD raw path", in arrival order
}

func (f *normalisingFront) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw := r.URL.EscapedPath()
	f.mu.Lock()
	f.seen = append(f.seen, r.Method+" "+raw)
	f.mu.Unlock()
	clean := path.Clean(decodeUnreserved(raw))
	decoded, err := url.PathUnescape(clean)
	if err != nil {
		http.Error(w, "bad path", http.StatusBadRequest)
		return
	}
	r2 := r.Clone(r.Context())
	r2.URL.Path, r2.URL.RawPath = decoded, clean
	f.next.ServeHTTP(w, r2)
}

// calls returns the recorded requests other than token requests.
func (f *normalisingFront) calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, s := range f.seen {
		if !strings.HasSuffix(s, "/token") {
			out = append(out, s)
		}
	}
	return out
}

// decodeUnreserved decodes %XX where XX is an unreserved character.
func decodeUnreserved(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] == '%' && i+2 < len(p) {
			if c, err := url.PathUnescape(p[i : i+3]); err == nil && strings.Trim(c, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~") == "" {
				b.WriteString(c)
				i += 2
				continue
			}
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

// TestWorker_DotSegmentsNeverReachTheProvider: tasks from a producer that
// skips chatq's validation, whose ids a normalising proxy would turn into
// another resource ("DELETE /chatgroups/../users/alice" is "DELETE
// /users/alice"; "DELETE /chatgroups/g1/users/.." deletes group g1), are
// dead-lettered invalid-payload by the worker without any call.
func TestWorker_DotSegmentsNeverReachTheProvider(t *testing.T) {
	t.Parallel()
	f := e2etest.New(t)
	front := &normalisingFront{next: f.Sandbox}
	srv := httptest.NewServer(front)
	t.Cleanup(srv.Close)
	f.URL = srv.URL // the worker talks to the provider through the front
	f.AddWorker()
	f.Sandbox.SeedUsers("alice", "bob", "carol")
	f.Sandbox.SeedGroup("g1", "alice", "bob", "carol")
	c := asynq.NewClient(f.Opt)
	t.Cleanup(func() { _ = c.Close() })

	dangerous := []struct{ typ, payload string }{
		{tasks.TypeRemoveGroupMembers, `{"group_id":"..","usernames":["alice"]}`},
		{tasks.TypeRemoveGroupMembers, `{"group_id":"g1","usernames":[".."]}`},
		{tasks.TypeRemoveGroupMembers, `{"group_id":".%2E","usernames":["bob"]}`},
		{tasks.TypeAddGroupMembers, `{"group_id":"g1","usernames":[".."]}`},
		{tasks.TypeDeleteGroup, `{"group_id":"%2e%2e"}`},
		{tasks.TypeTransferGroupOwner, `{"group_id":".","new_owner":"bob"}`},
	}
	for _, d := range dangerous {
		info, err := c.Enqueue(asynq.NewTask(d.typ, []byte(d.payload)), asynq.Queue(tasks.QueueGroups), asynq.MaxRetry(3))
		require.NoError(t, err)
		evs := f.Events.WaitFinal(t, info.ID)
		require.Equal(t, []dispatcher.Outcome{dead}, e2etest.Outcomes(evs), d.payload)
		rec, err := f.Store.Get(context.Background(), info.ID)
		require.NoError(t, err)
		require.Equal(t, "invalid-payload", rec.Rule, d.payload)
		require.Contains(t, rec.Reason, "dot segment", d.payload)
	}
	require.Empty(t, front.calls(), "no provider call for a dot segment")
	g, ok := f.Sandbox.Group("g1")
	require.True(t, ok, "group g1 still exists")
	require.ElementsMatch(t, []string{"bob", "carol"}, g.Members)

	// The front passes ordinary requests on: the worker still works through it.
	id, err := f.Producer.RemoveGroupMembers(context.Background(), tasks.RemoveGroupMembers{GroupID: "g1", Usernames: []string{"carol"}})
	require.NoError(t, err)
	require.Equal(t, []dispatcher.Outcome{delivered}, e2etest.Outcomes(f.Events.WaitFinal(t, id)))
	require.Equal(t, []string{"DELETE /org/app/chatgroups/g1/users/carol"}, front.calls())
}
