package sandbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/sandbox"
)

const (
	sendPath  = "/org/app/messages/users"
	sendBody  = `{"to":["u1"],"type":"txt","body":{"msg":"hi"}}`
	tokenBody = `{"grant_type":"client_credentials","client_id":"sandbox-client-id","client_secret":"sandbox-client-secret"}`
)

func ptr[T any](v T) *T { return &v }

func TestServer_FaultAnswers(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name            string
		fault           sandbox.Fault
		wantStatus      int
		wantBody        string // exact body; "" = check JSON fields instead
		wantJSON        map[string]any
		wantContentType string
		wantRetryAfter  string
		wantResponseKey string
	}{
		{
			name:            "json error with retry-after",
			fault:           sandbox.Fault{Endpoint: "send_message", Status: 429, Code: "reach_limit", Message: "This request has reached api limit.", RetryAfter: "2"},
			wantStatus:      429,
			wantJSON:        map[string]any{"error": "reach_limit", "error_description": "This request has reached api limit.", "exception": "com.easemob.ratelimit.RateLimitException"},
			wantContentType: "application/json",
			wantRetryAfter:  "2",
			wantResponseKey: "429 reach_limit",
		},
		{
			name:            "no code omits the error field",
			fault:           sandbox.Fault{Status: 503, Message: "busy", Exception: "x.Y", RetryAfter: "Wed, 21 Oct 2026 07:28:00 GMT"},
			wantStatus:      503,
			wantJSON:        map[string]any{"error_description": "busy", "exception": "x.Y"},
			wantContentType: "application/json",
			wantRetryAfter:  "Wed, 21 Oct 2026 07:28:00 GMT",
			wantResponseKey: "503",
		},
		{
			name:            "html raw body",
			fault:           sandbox.Fault{Status: 502, RawBody: ptr("<html><body>502 Bad Gateway</body></html>")},
			wantStatus:      502,
			wantBody:        "<html><body>502 Bad Gateway</body></html>",
			wantContentType: "text/html",
			wantResponseKey: "502",
		},
		{
			name:            "empty raw body defaults to 500",
			fault:           sandbox.Fault{RawBody: ptr(""), RetryAfter: "1"},
			wantStatus:      500,
			wantBody:        "",
			wantRetryAfter:  "1",
			wantResponseKey: "500",
		},
		{
			name:            "raw body with content type",
			fault:           sandbox.Fault{Status: 200, RawBody: ptr("not json"), ContentType: "application/json"},
			wantStatus:      200,
			wantBody:        "not json",
			wantContentType: "application/json",
			wantResponseKey: "200",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, sandbox.Config{})
			b.srv.AddFault(tc.fault)
			// No token: faults answer before authentication.
			resp := b.do(t, http.MethodPost, sendPath, "", sendBody)
			require.Equal(t, tc.wantStatus, resp.status)
			require.Equal(t, tc.wantContentType, resp.header.Get("Content-Type"))
			require.Equal(t, tc.wantRetryAfter, resp.header.Get("Retry-After"))
			if tc.wantJSON != nil {
				var got map[string]any
				require.NoError(t, json.Unmarshal(resp.body, &got))
				for k, v := range tc.wantJSON {
					require.Equal(t, v, got[k], "field %s", k)
				}
				if _, ok := tc.wantJSON["error"]; !ok {
					require.NotContains(t, got, "error")
				}
			} else {
				require.Equal(t, tc.wantBody, string(resp.body))
			}
			st := b.srv.Stats()
			require.Equal(t, 1, st.Calls[sandbox.EndpointSendMessage], "faulted calls are counted")
			require.Equal(t, 1, st.Responses[tc.wantResponseKey], "responses %v", st.Responses)
			require.Empty(t, b.srv.Messages())
		})
	}
}

func TestServer_FaultTimes(t *testing.T) {
	t.Parallel()
	b := setup(t, sandbox.Config{})
	tok := b.token(t)
	b.srv.AddFault(sandbox.Fault{Endpoint: "send_message", Status: 503, Times: 2})

	var got []int
	for range 4 {
		got = append(got, b.do(t, http.MethodPost, sendPath, tok, sendBody).status)
	}
	require.Equal(t, []int{503, 503, 200, 200}, got)
}

func TestServer_FaultSelection(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name   string
		faults []sandbox.Fault
		want   []int // statuses of: token, send u1, send user42, register
	}{
		{"endpoint", []sandbox.Fault{{Endpoint: "register_user", Status: 500}}, []int{200, 200, 200, 500}},
		{"token endpoint", []sandbox.Fault{{Endpoint: "token", Status: 503}}, []int{503, 200, 200, 200}},
		{"any endpoint", []sandbox.Fault{{Status: 502}}, []int{502, 502, 502, 502}},
		{"match body", []sandbox.Fault{{Match: "user42", Status: 504}}, []int{200, 200, 504, 200}},
		{"match path", []sandbox.Fault{{Match: "/org/app/users\n", Status: 501}}, []int{200, 200, 200, 501}},
		{"first match wins", []sandbox.Fault{{Endpoint: "send_message", Status: 501}, {Status: 502}}, []int{502, 501, 501, 502}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, sandbox.Config{})
			tok := b.token(t)
			for _, f := range tc.faults {
				b.srv.AddFault(f)
			}
			got := []int{
				b.do(t, http.MethodPost, "/org/app/token", "", tokenBody).status,
				b.do(t, http.MethodPost, sendPath, tok, sendBody).status,
				b.do(t, http.MethodPost, sendPath, tok, `{"to":["user42"],"type":"txt","body":{}}`).status,
				b.do(t, http.MethodPost, "/org/app/users", tok, `{"username":"x"}`).status,
			}
			require.Equal(t, tc.want, got)
		})
	}
}

// probabilityRun sends n token requests through a 50% fault on a server
// seeded with seed and returns the statuses.
func probabilityRun(t *testing.T, seed uint64, n int) []int {
	t.Helper()
	b := setup(t, sandbox.Config{Seed: seed})
	b.srv.AddFault(sandbox.Fault{Endpoint: "token", Status: 503, Probability: 0.5})
	got := make([]int, n)
	for i := range got {
		got[i] = b.do(t, http.MethodPost, "/org/app/token", "", tokenBody).status
	}
	return got
}

func TestServer_FaultProbability(t *testing.T) {
	t.Parallel()
	first := probabilityRun(t, 42, 200)
	require.Equal(t, first, probabilityRun(t, 42, 200), "the same seed gives the same sequence")

	faulted := 0
	for _, s := range first {
		if s == 503 {
			faulted++
		}
	}
	require.InDelta(t, 100, faulted, 30, "about half of 200 calls are faulted")
}

func TestServer_FaultProbabilityWithTimes(t *testing.T) {
	t.Parallel()
	b := setup(t, sandbox.Config{Seed: 7})
	b.srv.AddFault(sandbox.Fault{Endpoint: "token", Status: 503, Probability: 0.3, Times: 3})
	faulted := 0
	for range 100 {
		if b.do(t, http.MethodPost, "/org/app/token", "", tokenBody).status == 503 {
			faulted++
		}
	}
	require.Equal(t, 3, faulted, "only applied calls use up Times")
}

func TestServer_FaultBeforeRateLimit(t *testing.T) {
	t.Parallel()
	b := setup(t, sandbox.Config{RateLimit: 0.01})
	tok := b.token(t)
	b.srv.AddFault(sandbox.Fault{Endpoint: "send_message", Status: 503, Times: 1})
	got := []int{
		b.do(t, http.MethodPost, sendPath, tok, sendBody).status,
		b.do(t, http.MethodPost, sendPath, tok, sendBody).status,
		b.do(t, http.MethodPost, sendPath, tok, sendBody).status,
	}
	require.Equal(t, []int{503, 200, 429}, got, "a faulted call does not use the rate limit")
}

func TestServer_FaultDelayClientTimeout(t *testing.T) {
	t.Parallel()
	b := setup(t, sandbox.Config{})
	b.srv.AddFault(sandbox.Fault{Endpoint: "token", Status: 503, Delay: sandbox.Duration(time.Hour)})

	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.ts.URL+"/org/app/token", strings.NewReader(tokenBody))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.ts.Client().Do(req)
	if resp != nil {
		resp.Body.Close()
	}
	require.ErrorIs(t, err, context.DeadlineExceeded)

	// The handler stops waiting as soon as the client goes away, long
	// before the hour is up.
	require.Eventually(t, func() bool { return b.srv.Stats().Responses["canceled"] == 1 },
		5*time.Second, 5*time.Millisecond)
}

func TestServer_FaultDelayOnlyPassesThrough(t *testing.T) {
	t.Parallel()
	b := setup(t, sandbox.Config{})
	tok := b.token(t)
	b.srv.AddFault(sandbox.Fault{Endpoint: "send_message", Delay: sandbox.Duration(30 * time.Millisecond)})
	start := time.Now()
	resp := b.do(t, http.MethodPost, sendPath, tok, sendBody)
	require.Equal(t, http.StatusOK, resp.status)
	require.GreaterOrEqual(t, time.Since(start), 30*time.Millisecond)
	require.Len(t, b.srv.Messages(), 1)
}

func TestServer_FaultDrop(t *testing.T) {
	t.Parallel()
	b := setup(t, sandbox.Config{})
	tok := b.token(t)
	b.srv.AddFault(sandbox.Fault{Endpoint: "send_message", Drop: true, Times: 1})

	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, b.ts.URL+sendPath, strings.NewReader(sendBody))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := b.ts.Client().Do(req)
	if resp != nil {
		resp.Body.Close()
	}
	require.Error(t, err, "no answer")
	var netErr net.Error
	require.False(t, errors.As(err, &netErr) && netErr.Timeout(), "closed, not timed out: %v", err)
	require.Equal(t, 1, b.srv.Stats().Responses["drop"])
	require.Empty(t, b.srv.Messages())

	require.Equal(t, http.StatusOK, b.do(t, http.MethodPost, sendPath, tok, sendBody).status, "the server still answers")
}

func TestServer_FaultManagement(t *testing.T) {
	t.Parallel()
	b := setup(t, sandbox.Config{})
	id1 := b.srv.AddFault(sandbox.Fault{Endpoint: "token", Status: 501})
	id2 := b.srv.AddFault(sandbox.Fault{Endpoint: "token", Status: 502})
	require.NotEqual(t, id1, id2)
	require.Equal(t, 501, b.do(t, http.MethodPost, "/org/app/token", "", tokenBody).status)

	require.True(t, b.srv.RemoveFault(id1))
	require.False(t, b.srv.RemoveFault(id1))
	require.Equal(t, 502, b.do(t, http.MethodPost, "/org/app/token", "", tokenBody).status)

	b.srv.ClearFaults()
	require.Equal(t, 200, b.do(t, http.MethodPost, "/org/app/token", "", tokenBody).status)
}
