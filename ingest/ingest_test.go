package ingest_test

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/ingest"
	"github.com/chatq/chatq/sandbox"
	"github.com/chatq/chatq/tasks"
	"github.com/chatq/chatq/taskstatus"
)

func TestServer_EnqueueOne(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	resp := b.do(t, http.MethodPost, "/v1/tasks", message("over-http"), nil)
	require.Equal(t, http.StatusAccepted, resp.Status, "%s", resp.Body)
	var got struct {
		ID       string
		Replayed bool
	}
	resp.json(t, &got)
	require.Equal(t, "/v1/tasks/"+got.ID, resp.Header.Get("Location"))
	st := b.waitStatus(t, got.ID, taskstatus.StateDelivered)
	require.Equal(t, "message:send", st.Type)
	require.NotNil(t, st.FinishedAt)
	msgs := b.Sandbox.Messages()
	require.Len(t, msgs, 1)
}

func TestServer_Validation(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	cases := []struct {
		name, path, body string
		wantStatus       int
		wantFields       []string // "index:field"
		ndjson           bool
	}{
		{name: "bad payload field", path: "/v1/tasks",
			body:       `{"type":"message:send","payload":{"target":"users","to":["Bob"],"type":"txt","body":{"msg":"x"}}}`,
			wantStatus: 422, wantFields: []string{":payload.to[0]"}},
		{name: "unknown type", path: "/v1/tasks", body: `{"type":"nope","payload":{}}`,
			wantStatus: 422, wantFields: []string{":type"}},
		{name: "ttl and expires_at", path: "/v1/tasks",
			body:       strings.Replace(message("x"), `{"type"`, `{"ttl":"1h","expires_at":"2099-01-01T00:00:00Z","type"`, 1),
			wantStatus: 422, wantFields: []string{":ttl"}},
		{name: "not JSON", path: "/v1/tasks", body: `{"type":`, wantStatus: 400},
		{name: "array to the single route", path: "/v1/tasks", body: `[` + message("x") + `]`, wantStatus: 400},
		{name: "batch: two bad of three", path: "/v1/tasks/batch",
			body:       `[` + strings.Replace(message("a"), "erin", "", 1) + `,` + message("b") + `,{"type":"message:send","payload":{"target":"users"}}]`,
			wantStatus: 422, wantFields: []string{"0:payload.to[0]", "2:payload.to"}},
		{name: "batch NDJSON: line numbers are indexes", path: "/v1/tasks/batch",
			body: message("a") + "\n" + `{"type":"message:send","payload":{},"extra":1}` + "\n", wantStatus: 422,
			wantFields: []string{"1:extra"}, ndjson: true},
		{name: "empty batch", path: "/v1/tasks/batch", body: `[]`, wantStatus: 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var hdr map[string]string
			if tc.ndjson {
				hdr = map[string]string{"Content-Type": "application/x-ndjson"}
			}
			resp := b.do(t, http.MethodPost, tc.path, tc.body, hdr)
			require.Equal(t, tc.wantStatus, resp.Status, "%s", resp.Body)
			require.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"))
			var p problemBody
			resp.json(t, &p)
			var fields []string
			for _, e := range p.Errors {
				idx := ""
				if e.Index != nil {
					idx = fmt.Sprint(*e.Index)
				}
				fields = append(fields, idx+":"+e.Field)
				require.NotEmpty(t, e.Rule)
			}
			require.Equal(t, tc.wantFields, fields, "%s", resp.Body)
		})
	}
	require.Zero(t, b.queued(t), "a refused request enqueued something")
}

func TestServer_Batch(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	for body, contentType := range map[string]string{
		`[` + message("array-1") + `,` + message("array-2") + `]`: "application/json",
		message("nd-1") + "\n" + message("nd-2") + "\n":           "application/x-ndjson",
	} {
		resp := b.do(t, http.MethodPost, "/v1/tasks/batch", body, map[string]string{"Content-Type": contentType})
		require.Equal(t, http.StatusAccepted, resp.Status, "%s", resp.Body)
		var got struct{ IDs []string }
		resp.json(t, &got)
		require.Len(t, got.IDs, 2)
		for _, id := range got.IDs {
			b.waitStatus(t, id, taskstatus.StateDelivered)
		}
	}
	require.Len(t, b.Sandbox.Messages(), 4)
}

func TestServer_Idempotency(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	hdr := map[string]string{"Idempotency-Key": "order-42"}
	first := b.do(t, http.MethodPost, "/v1/tasks", message("once"), hdr)
	require.Equal(t, http.StatusAccepted, first.Status, "%s", first.Body)
	again := b.do(t, http.MethodPost, "/v1/tasks", message("once"), hdr)
	require.Equal(t, http.StatusAccepted, again.Status)
	require.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
	var one, two struct {
		ID       string
		Replayed bool
	}
	first.json(t, &one)
	again.json(t, &two)
	require.Equal(t, one.ID, two.ID)
	require.True(t, two.Replayed)

	batch := `[` + message("b-1") + `,` + message("b-2") + `]`
	bh := map[string]string{"Idempotency-Key": "batch-7"}
	r1 := b.do(t, http.MethodPost, "/v1/tasks/batch", batch, bh)
	r2 := b.do(t, http.MethodPost, "/v1/tasks/batch", batch, bh)
	var ids1, ids2 struct {
		IDs      []string
		Replayed int
	}
	r1.json(t, &ids1)
	r2.json(t, &ids2)
	require.Equal(t, ids1.IDs, ids2.IDs)
	require.Equal(t, 2, ids2.Replayed)
	for _, id := range append(ids1.IDs, one.ID) {
		b.waitStatus(t, id, taskstatus.StateDelivered)
	}
	require.Len(t, b.Sandbox.Messages(), 3)

	conflict := strings.Replace(message("x"), `{"type"`, `{"key":"other","type"`, 1)
	resp := b.do(t, http.MethodPost, "/v1/tasks", conflict, hdr)
	require.Equal(t, http.StatusUnprocessableEntity, resp.Status, "%s", resp.Body)
}

func TestServer_StatusOfFailures(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	b.Sandbox.AddFault(sandbox.Fault{Match: "limited", Status: 429, Code: "reach_limit", RetryAfter: "60"})
	b.Sandbox.AddFault(sandbox.Fault{Match: "forbidden", Status: 403, Code: "forbidden_op", Message: "Forbidden operation on group owner!"})
	b.Sandbox.SeedUsers("frank")
	cases := []struct {
		name, body string
		want       string
		check      func(t *testing.T, st taskstatus.Status)
	}{
		{name: "retry with its last decision", body: message("limited"), want: taskstatus.StateRetry,
			check: func(t *testing.T, st taskstatus.Status) {
				require.NotNil(t, st.NextAttemptAt)
				require.NotNil(t, st.LastDecision, "%+v", st)
				require.Equal(t, "defer", st.LastDecision.Action)
				require.Equal(t, 429, st.LastDecision.Status)
				require.Equal(t, "reach_limit", st.LastDecision.Code)
			}},
		{name: "expired before its next attempt", body: strings.Replace(message("limited-ttl"), `{"type"`, `{"ttl":"5s","type"`, 1),
			want: taskstatus.StateExpired, check: func(t *testing.T, st taskstatus.Status) {
				require.Equal(t, "expired", st.DeadLetter.Rule)
			}},
		{name: "done: the user existed", body: `{"type":"user:register","payload":{"users":[{"username":"frank"}]}}`,
			want: taskstatus.StateDone, check: func(t *testing.T, st taskstatus.Status) {
				require.NotNil(t, st.FinishedAt)
				require.Empty(t, st.Detail, "the outcome is known")
			}},
		{name: "dead-lettered", body: message("forbidden"), want: taskstatus.StateDeadLettered,
			check: func(t *testing.T, st taskstatus.Status) {
				require.Equal(t, 403, st.DeadLetter.Status)
				require.Equal(t, "forbidden_op", st.DeadLetter.Code)
				require.NotEmpty(t, st.DeadLetter.Rule)
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := b.do(t, http.MethodPost, "/v1/tasks", tc.body, nil)
			require.Equal(t, http.StatusAccepted, resp.Status, "%s", resp.Body)
			var got struct{ ID string }
			resp.json(t, &got)
			st := b.waitStatus(t, got.ID, tc.want)
			if tc.check != nil {
				tc.check(t, st)
			}
		})
	}
	resp := b.do(t, http.MethodGet, "/v1/tasks/no-such-task", "", nil)
	require.Equal(t, http.StatusNotFound, resp.Status)

	// A task from the Go client, scheduled for later.
	id := b.Send("later", tasks.Delay(time.Hour))
	st := b.waitStatus(t, id, taskstatus.StateScheduled)
	require.NotNil(t, st.NextAttemptAt)
	require.WithinDuration(t, time.Now().Add(time.Hour), *st.NextAttemptAt, time.Minute)
	require.Empty(t, st.EnqueuedBy, "not enqueued over HTTP")
}

func TestServer_Keys(t *testing.T) {
	t.Parallel()
	f, err := os.Open("testdata/keys")
	require.NoError(t, err)
	defer f.Close()
	keys, err := ingest.ParseKeys(f)
	require.NoError(t, err)
	b := setup(t, func(c *ingest.Config) { c.Keys = keys })
	for _, token := range []string{"", "wrong-key"} {
		b.token = token
		resp := b.do(t, http.MethodPost, "/v1/tasks", message("x"), nil)
		require.Equal(t, http.StatusUnauthorized, resp.Status)
		require.Equal(t, `Bearer realm="chatq"`, resp.Header.Get("WWW-Authenticate"))
	}
	require.Zero(t, b.queued(t))
	b.token = testKey
	resp := b.do(t, http.MethodPost, "/v1/tasks", message("keyed"), nil)
	require.Equal(t, http.StatusAccepted, resp.Status, "%s", resp.Body)
	var got struct{ ID string }
	resp.json(t, &got)
	st := b.waitStatus(t, got.ID, taskstatus.StateDelivered)
	require.Equal(t, "backend-a", st.EnqueuedBy)
	doc := b.do(t, http.MethodGet, "/v1/openapi.json", "", nil) // public, keys or not
	require.Equal(t, http.StatusOK, doc.Status)
	logs := b.logs()
	require.Contains(t, logs, `"key_name":"backend-a"`)
	require.NotContains(t, logs, testKey)
	require.NotContains(t, logs, "keyed", "the access log holds a payload")
}

func TestNew_Refuses(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, addr string
		keys       []ingest.Key
		wantErr    error
	}{
		{name: "any interface without keys", addr: ":8081", wantErr: ingest.ErrInsecure},
		{name: "public address without keys", addr: "192.0.2.1:8081", wantErr: ingest.ErrInsecure},
		{name: "loopback without keys", addr: "127.0.0.1:8081"},
		{name: "public address with keys", addr: "0.0.0.0:8081", keys: []ingest.Key{{Name: "a"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ingest.New(ingest.Config{Addr: tc.addr, Keys: tc.keys, Producer: nopProducer{}, Status: nopStatus{}})
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
		})
	}
}

func TestParseKeys(t *testing.T) {
	t.Parallel()
	hash := ingest.HashKey("k")
	cases := []struct {
		name, in string
		wantErr  string
		want     []string
	}{
		{name: "two keys and a comment", in: "# c\na " + hash + "\n\nb " + ingest.HashKey("j") + "\n", want: []string{"a", "b"}},
		{name: "a key, not its hash", in: "a secret-key-itself", wantErr: `line 1: name "a": hash: must be 64 hex digits`},
		{name: "duplicate name", in: "a " + hash + "\na " + hash, wantErr: `line 2: name "a": must be unique`},
		{name: "one field", in: "a", wantErr: "line 1: must be"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			keys, err := ingest.ParseKeys(strings.NewReader(tc.in))
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				require.NotContains(t, err.Error(), "secret-key-itself")
				return
			}
			require.NoError(t, err)
			var names []string
			for _, k := range keys {
				names = append(names, k.Name)
			}
			require.Equal(t, tc.want, names)
		})
	}
}

func TestServer_Limits(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *ingest.Config) { c.MaxBodyBytes, c.MaxBatch = 4096, 2 })
	cases := []struct {
		name, path, body string
		wantStatus       int
	}{
		{name: "body over the limit", path: "/v1/tasks", body: message(strings.Repeat("x", 5000)), wantStatus: 413},
		{name: "batch over the maximum", path: "/v1/tasks/batch", body: "[" + message("1") + "," + message("2") + "," + message("3") + "]", wantStatus: 413},
		{name: "batch at the maximum", path: "/v1/tasks/batch", body: "[" + message("1") + "," + message("2") + "]", wantStatus: 202},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := b.do(t, http.MethodPost, tc.path, tc.body, nil)
			require.Equal(t, tc.wantStatus, resp.Status, "%s", resp.Body)
		})
	}
	metrics := b.do(t, http.MethodGet, "/metrics", "", nil)
	require.Equal(t, http.StatusOK, metrics.Status)
	for _, want := range []string{
		`chatq_ingest_requests_total{route="POST /v1/tasks",status="413"} 1`,
		`chatq_ingest_requests_total{route="POST /v1/tasks/batch",status="202"} 1`,
		`chatq_ingest_tasks_total{replayed="false",type="message:send"} 2`,
	} {
		require.Contains(t, string(metrics.Body), want)
	}
}
