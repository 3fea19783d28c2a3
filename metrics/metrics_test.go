package metrics_test

import (
	"context"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/internal/e2etest"
	"github.com/chatq/chatq/metrics"
	"github.com/chatq/chatq/sandbox"
	"github.com/chatq/chatq/tasks"
)

// TestMetrics_OutcomeMix runs a known mix of outcomes through a real worker
// and checks that the scraped counters equal it.
func TestMetrics_OutcomeMix(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.Sandbox.SeedUsers("erin", "alice")
	b.metrics.AddDeadLetters(b.Store, 0)
	b.metrics.AddTokens(b.Worker.Credentials)
	b.metrics.AddReady(b.Worker.Ready)
	closeQueues := b.metrics.AddQueues(b.DB.Opt)
	t.Cleanup(func() { _ = closeQueues() })

	b.Sandbox.AddFault(sandbox.Fault{Endpoint: sandbox.EndpointSendMessage, Match: "retry-once", Times: 1, Status: 503})
	b.Sandbox.AddFault(sandbox.Fault{Endpoint: sandbox.EndpointSendMessage, Match: "defer-once", Times: 1, Status: 429,
		Code: "reach_limit", Message: "This request has reached api limit."})
	b.Sandbox.AddFault(sandbox.Fault{Endpoint: sandbox.EndpointSendMessage, Match: "dead-known", Status: 400,
		Code: "illegal_argument", Message: "message is too large"})
	b.Sandbox.AddFault(sandbox.Fault{Endpoint: sandbox.EndpointSendMessage, Match: "dead-odd", Status: 400,
		Code: "weird_new_code", Message: "something new"})

	for _, m := range []string{"ok-1", "ok-2", "ok-3", "retry-once", "defer-once", "dead-known", "dead-odd"} {
		b.Send(m)
	}
	_, err := b.Producer.RegisterUsers(context.Background(), tasks.RegisterUsers{Users: []tasks.User{{Username: "alice"}}})
	require.NoError(t, err)
	b.Events.WaitFinals(t, 8)

	text := scrape(t, b.metrics, metrics.NewHealth(0))
	fams := parse(t, text)
	const send, reg = "message:send", "user:register"
	attempt := func(typ, status, code, action string) map[string]string {
		return map[string]string{"type": typ, "status": status, "code": code, "action": action}
	}
	counters := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"chatq_attempts_total", attempt(send, "200", "none", "delivered"), 5},
		{"chatq_attempts_total", attempt(send, "503", "none", "retry"), 1},
		{"chatq_attempts_total", attempt(send, "429", "reach_limit", "defer"), 1},
		{"chatq_attempts_total", attempt(send, "400", "illegal_argument", "dead-letter"), 1},
		{"chatq_attempts_total", attempt(send, "400", "other", "dead-letter"), 1},
		{"chatq_attempts_total", attempt(reg, "400", "duplicate_unique_property_exists", "done"), 1},
		{"chatq_tasks_finished_total", map[string]string{"type": send, "outcome": "delivered", "rule": ""}, 5},
		{"chatq_tasks_finished_total", map[string]string{"type": send, "outcome": "dead-letter", "rule": "400-message-too-large"}, 1},
		{"chatq_tasks_finished_total", map[string]string{"type": send, "outcome": "dead-letter", "rule": "4xx"}, 1},
		{"chatq_tasks_finished_total", map[string]string{"type": reg, "outcome": "done", "rule": "400-duplicate-user"}, 1},
		{"chatq_deferrals_total", map[string]string{"type": send, "rule": "429-reach-limit"}, 1},
		{"chatq_dead_letters", nil, 2},
		{"chatq_worker_ready", nil, 1},
		{"chatq_token_refreshes_total", nil, 1},
	}
	for _, c := range counters {
		require.Equal(t, c.want, value(t, fams, c.name, c.labels), "%s%v", c.name, c.labels)
	}
	require.Len(t, fams["chatq_attempts_total"].GetMetric(), 6, "attempt series")
	require.Len(t, fams["chatq_tasks_finished_total"].GetMetric(), 4, "outcome series")
	require.Equal(t, uint64(10), histogramCount(fams["chatq_provider_call_duration_seconds"]), "one call per attempt")
	require.Equal(t, uint64(8), histogramCount(fams["chatq_task_latency_seconds"]), "every task had the enqueue header")
	require.Contains(t, fams, "asynq_queue_size", "asynq's queue collector")
	require.NotContains(t, text, e2etest.ClientSecret)
	require.NotContains(t, text, `"erin"`, "no user names in labels")
}

func TestMetrics_BudgetExhausted(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.Sandbox.SeedUsers("erin")
	b.Sandbox.AddFault(sandbox.Fault{Endpoint: sandbox.EndpointSendMessage, Match: "always-429", Status: 429,
		Code: "reach_limit", Message: "This request has reached api limit."})
	b.Send("always-429")
	b.Events.WaitFinals(t, 1)
	fams := parse(t, scrape(t, b.metrics, metrics.NewHealth(0)))
	require.Equal(t, 1.0, value(t, fams, "chatq_budget_exhausted_total", map[string]string{"type": "message:send", "budget": "deferrals"}))
	require.Equal(t, 5.0, value(t, fams, "chatq_deferrals_total", map[string]string{"type": "message:send", "rule": "429-reach-limit"}),
		"DeferMaxAttempts deferrals before the budget ran out")
}

// TestReadyz_FollowsCredentials flips the sandbox to rejecting chatq's
// credentials and back, and waits for /readyz to follow.
func TestReadyz_FollowsCredentials(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.Sandbox.SeedUsers("erin")
	h := metrics.NewHealth(time.Second)
	h.Add("redis", func(ctx context.Context) error { return b.DB.Client.Ping(ctx).Err() })
	h.Add("worker", func(context.Context) error { return b.Worker.Ready() })
	srv := httptest.NewServer(metrics.Mux(b.metrics, h))
	t.Cleanup(srv.Close)

	b.Send("first")
	b.Events.WaitFinals(t, 1)
	waitStatus(t, srv.URL+"/readyz", http.StatusOK)

	id := b.Sandbox.AddFault(sandbox.Fault{Endpoint: sandbox.EndpointToken, Status: 400, Code: "invalid_grant",
		Message: "Invalid username or password."})
	b.Sandbox.ExpireTokens()
	b.Send("while-rejected")
	body := waitStatus(t, srv.URL+"/readyz", http.StatusServiceUnavailable)
	require.Contains(t, body, "credentials rejected")
	require.NotContains(t, body, e2etest.ClientSecret)

	require.True(t, b.Sandbox.RemoveFault(id))
	waitStatus(t, srv.URL+"/readyz", http.StatusOK)
	b.Events.WaitFinals(t, 2)
	status, _ := get(t, srv.URL+"/healthz")
	require.Equal(t, http.StatusOK, status)
}

// waitStatus polls url until it answers want: readiness changes inside the
// worker signal nothing a test can wait on.
func waitStatus(t *testing.T, url string, want int) string {
	t.Helper()
	var body string
	e2etest.Eventually(t, url, func(c *assert.CollectT) {
		resp, err := http.Get(url)
		require.NoError(c, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(c, err)
		require.Equal(c, want, resp.StatusCode, "body %s", b)
		body = string(b)
	})
	return body
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func scrape(t *testing.T, m *metrics.Metrics, h *metrics.Health) string {
	t.Helper()
	srv := httptest.NewServer(metrics.Mux(m, h))
	defer srv.Close()
	status, body := get(t, srv.URL+"/metrics")
	require.Equal(t, http.StatusOK, status, body)
	return body
}

func parse(t *testing.T, text string) map[string]*dto.MetricFamily {
	t.Helper()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(strings.NewReader(text))
	require.NoError(t, err)
	return fams
}

// value returns the counter or gauge sample of name whose labels are
// exactly want (nil: the only sample); 0 when there is none.
func value(t *testing.T, fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	t.Helper()
	f, ok := fams[name]
	require.True(t, ok, "no metric %s", name)
	for _, m := range f.GetMetric() {
		got := map[string]string{}
		for _, l := range m.GetLabel() {
			got[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if v == "" {
				if _, has := got[k]; !has {
					got[k] = ""
				}
			}
		}
		if len(got) != len(want) || !maps.Equal(got, want) && want != nil {
			continue
		}
		if m.GetCounter() != nil {
			return m.GetCounter().GetValue()
		}
		return m.GetGauge().GetValue()
	}
	return 0
}

func histogramCount(f *dto.MetricFamily) uint64 {
	var n uint64
	for _, m := range f.GetMetric() {
		n += m.GetHistogram().GetSampleCount()
	}
	return n
}
