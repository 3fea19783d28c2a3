package sandbox_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/sandbox"
)

func TestAdmin_Faults(t *testing.T) {
	t.Parallel()
	b := setup(t, sandbox.Config{})

	resp := b.do(t, http.MethodPost, "/_sandbox/faults", "", `{"endpoint":"token","status":503,"delay":"1ms","times":2}`)
	require.Equal(t, http.StatusOK, resp.status, "body %s", resp.body)
	var added struct {
		ID string `json:"id"`
	}
	require.NoError(t, json.Unmarshal(resp.body, &added))
	require.NotEmpty(t, added.ID)

	resp = b.do(t, http.MethodGet, "/_sandbox/faults", "", "")
	require.Equal(t, http.StatusOK, resp.status)
	require.JSONEq(t, `[{"id":"`+added.ID+`","remaining":2,"endpoint":"token","status":503,"delay":"1ms","times":2}]`, string(resp.body))
	require.Equal(t, 503, b.do(t, http.MethodPost, "/org/app/token", "", tokenBody).status)

	require.Equal(t, http.StatusNoContent, b.do(t, http.MethodDelete, "/_sandbox/faults/"+added.ID, "", "").status)
	require.Equal(t, http.StatusNotFound, b.do(t, http.MethodDelete, "/_sandbox/faults/"+added.ID, "", "").status)
	require.Equal(t, 200, b.do(t, http.MethodPost, "/org/app/token", "", tokenBody).status)

	b.do(t, http.MethodPost, "/_sandbox/faults", "", `{"status":500}`)
	require.Equal(t, http.StatusNoContent, b.do(t, http.MethodDelete, "/_sandbox/faults", "", "").status)
	require.Equal(t, 200, b.do(t, http.MethodPost, "/org/app/token", "", tokenBody).status)
}

func TestAdmin_FaultErrors(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name    string
		body    string
		wantErr string
	}{
		{"not json", `{`, "decode body"},
		{"bad delay", `{"status":500,"delay":"soon"}`, "decode body"},
		{"unknown endpoint", `{"endpoint":"nope","status":500}`, `endpoint: unknown endpoint "nope"`},
		{"does nothing", `{"endpoint":"token"}`, "fault does nothing"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, sandbox.Config{})
			resp := b.do(t, http.MethodPost, "/_sandbox/faults", "", tc.body)
			require.Equal(t, http.StatusBadRequest, resp.status)
			var got map[string]string
			require.NoError(t, json.Unmarshal(resp.body, &got))
			require.Contains(t, got["error"], tc.wantErr)
		})
	}
}

func TestAdmin_StateEndpoints(t *testing.T) {
	t.Parallel()
	b := setup(t, sandbox.Config{})
	tok := b.token(t)
	require.Equal(t, 200, b.do(t, http.MethodPost, sendPath, tok, sendBody).status)

	resp := b.do(t, http.MethodGet, "/_sandbox/stats", "", "")
	require.Equal(t, http.StatusOK, resp.status)
	require.JSONEq(t, `{"calls":{"token":1,"send_message":1},"token_requests":1,"responses":{"200":2},"delivered":1}`, string(resp.body))

	resp = b.do(t, http.MethodGet, "/_sandbox/messages", "", "")
	require.Equal(t, http.StatusOK, resp.status)
	var msgs []sandbox.Message
	require.NoError(t, json.Unmarshal(resp.body, &msgs))
	require.Len(t, msgs, 1)
	require.Equal(t, "u1", msgs[0].To)
	require.JSONEq(t, `{"msg":"hi"}`, string(msgs[0].Body))

	require.Equal(t, http.StatusNoContent, b.do(t, http.MethodPost, "/_sandbox/tokens/expire", "", "").status)
	require.Equal(t, http.StatusUnauthorized, b.do(t, http.MethodPost, sendPath, tok, sendBody).status)

	require.Equal(t, http.StatusNoContent, b.do(t, http.MethodPost, "/_sandbox/users", "", `{"usernames":["a","b"]}`).status)
	require.True(t, b.srv.HasUser("b"))
	require.Equal(t, http.StatusNoContent, b.do(t, http.MethodPost, "/_sandbox/groups", "", `{"id":"g","owner":"a","members":["c"]}`).status)
	resp = b.do(t, http.MethodGet, "/_sandbox/groups/g", "", "")
	require.Equal(t, http.StatusOK, resp.status)
	require.JSONEq(t, `{"id":"g","name":"g","owner":"a","members":["c"]}`, string(resp.body))
	require.True(t, b.srv.HasUser("c"), "seeding a group creates its users")
	require.Equal(t, http.StatusNotFound, b.do(t, http.MethodGet, "/_sandbox/groups/nope", "", "").status)
	require.Equal(t, http.StatusBadRequest, b.do(t, http.MethodPost, "/_sandbox/groups", "", `{"id":"g"}`).status)

	b.do(t, http.MethodPost, "/_sandbox/faults", "", `{"status":500}`)
	require.Equal(t, http.StatusNoContent, b.do(t, http.MethodPost, "/_sandbox/reset", "", "").status)
	require.Equal(t, sandbox.Stats{Calls: map[string]int{}, Responses: map[string]int{}}, b.srv.Stats())
	require.Empty(t, b.srv.Messages())
	require.False(t, b.srv.HasUser("a"))
	_, ok := b.srv.Group("g")
	require.False(t, ok)
	require.Equal(t, http.StatusUnauthorized, b.do(t, http.MethodPost, sendPath, tok, sendBody).status, "tokens are dropped")
	require.NotEmpty(t, b.token(t), "faults are dropped")
}

func TestAdmin_RoutingErrors(t *testing.T) {
	t.Parallel()
	b := setup(t, sandbox.Config{})
	require.Equal(t, http.StatusMethodNotAllowed, b.do(t, http.MethodGet, "/_sandbox/reset", "", "").status)
	require.Equal(t, http.StatusNotFound, b.do(t, http.MethodGet, "/_sandbox/nothing", "", "").status)
	require.Empty(t, b.srv.Stats().Calls, "admin calls are not counted")
}

func TestServer_StatsIsACopy(t *testing.T) {
	t.Parallel()
	b := setup(t, sandbox.Config{})
	b.token(t)
	st := b.srv.Stats()
	st.Calls["token"] = 99
	require.Equal(t, 1, b.srv.Stats().Calls["token"])
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

func TestServer_LogsNoSecrets(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	b := setup(t, sandbox.Config{Logger: logger})
	tok := b.token(t)
	b.do(t, http.MethodPost, sendPath, tok, sendBody)

	out := logs.String()
	require.Contains(t, out, "/org/app/messages/users", "requests are logged")
	require.NotContains(t, out, tok)
	require.NotContains(t, out, "sandbox-client-secret")
	require.Equal(t, 2, strings.Count(out, "sandbox request"))
}

func TestServer_Concurrent(t *testing.T) {
	t.Parallel()
	b := setup(t, sandbox.Config{})
	tok := b.token(t)
	b.srv.AddFault(sandbox.Fault{Endpoint: "send_message", Status: 503, Times: 10})
	const workers, each = 8, 25
	var wg sync.WaitGroup
	statuses := make(chan int, workers*each)
	for range workers {
		wg.Go(func() {
			for range each {
				req, _ := http.NewRequest(http.MethodPost, b.ts.URL+sendPath, strings.NewReader(sendBody))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+tok)
				resp, err := b.ts.Client().Do(req)
				if err != nil {
					statuses <- 0
					continue
				}
				resp.Body.Close()
				statuses <- resp.StatusCode
			}
		})
	}
	wg.Wait()
	close(statuses)
	counts := map[int]int{}
	for s := range statuses {
		counts[s]++
	}
	require.Equal(t, map[int]int{200: workers*each - 10, 503: 10}, counts)
	require.Len(t, b.srv.Messages(), workers*each-10)
	require.Equal(t, workers*each, b.srv.Stats().Calls[sandbox.EndpointSendMessage])
}
