package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/console"
	"github.com/chatq/chatq/deadletter"
	"github.com/chatq/chatq/internal/redistest"
	"github.com/chatq/chatq/policy"
	"github.com/chatq/chatq/tasks"
)

// BenchmarkConsole_100k serves the console's pages over 100,000 dead
// letters, a quarter of them rule 404-user-not-found and one in a thousand
// rule 403-group-owner-op (README "The on-call console" quotes it).
func BenchmarkConsole_100k(b *testing.B) {
	db := redistest.New(b)
	store := deadletter.New(db.Client, deadletter.Config{})
	ctx := context.Background()
	const n = 100_000
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	batch := make([]deadletter.Record, 0, 1000)
	var deep string
	for i := range n {
		r := deadletter.Record{TaskID: fmt.Sprintf("task-%06d", i), Type: tasks.TypeSendMessage, Queue: tasks.QueueMessages,
			Status: 503, Rule: "503", Action: "retry", Reason: "retries exhausted", Attempts: 4,
			FirstFailure: base, LastFailure: base.Add(time.Duration(i) * time.Millisecond)}
		switch {
		case i%1000 == 0:
			r.Status, r.Code, r.Rule = 403, "forbidden_op", "403-group-owner-op"
		case i%4 == 0:
			r.Status, r.Code, r.Rule = 404, "resource_not_found", "404-user-not-found"
		}
		r.SetPayload(fmt.Appendf(nil, `{"target":"users","to":["user%d"],"type":"txt","body":{"msg":"hello %d"}}`, i, i))
		if i == n/2 {
			deep = strconv.FormatInt(r.LastFailure.UnixMilli(), 10) + ":" + r.TaskID
		}
		batch = append(batch, r)
		if len(batch) == cap(batch) {
			require.NoError(b, store.PutMany(ctx, batch))
			batch = batch[:0]
		}
	}
	table, err := policy.NewTable(nil, policy.DefaultRules())
	require.NoError(b, err)
	c, err := console.New(console.Config{Store: store, Redis: db.Client, Conn: db.Opt, Table: table, ReadOnly: true})
	require.NoError(b, err)
	b.Cleanup(func() { _ = c.Close() })
	for _, bc := range []struct{ name, path string }{
		{"overview", "/console/"},
		{"first page", "/console/deadletters"},
		{"page after 50,000", "/console/deadletters?after=" + deep},
		{"rule filter, 1 in 4", "/console/deadletters?rule=404-user-not-found"},
		{"rule filter, 1 in 1000", "/console/deadletters?rule=403-group-owner-op"},
		{"contains, no match", "/console/deadletters?contains=nobody"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				w := httptest.NewRecorder()
				c.ServeHTTP(w, httptest.NewRequest(http.MethodGet, bc.path, nil))
				require.Equal(b, http.StatusOK, w.Code, w.Body.String())
			}
		})
	}
}
