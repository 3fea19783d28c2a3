package sandbox_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/sandbox"
)

func TestServer_RequestErrors(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name        string
		method      string
		path        string
		body        string
		contentType string
		wantStatus  int
		wantCode    string
		wantMsg     string
		wantCall    string // endpoint name counted in Stats.Calls
	}{
		{"wrong org", "POST", "/acme/app/messages/users", `{}`, "application/json",
			404, "organization_application_not_found", "Could not find application for acme from URI: acme/app/token", sandbox.EndpointSendMessage},
		{"wrong app", "DELETE", "/org/nope/chatgroups/1", "", "",
			404, "organization_application_not_found", "Could not find application for org from URI: org/nope/token", sandbox.EndpointDeleteGroup},
		{"unknown path", "GET", "/org/app/nothing/here", "", "",
			500, "web_application", "javax.ws.rs.WebApplicationException", sandbox.EndpointOther},
		{"unknown message target", "POST", "/org/app/messages/robots", `{}`, "application/json",
			500, "web_application", "javax.ws.rs.WebApplicationException", sandbox.EndpointOther},
		{"wrong method", "GET", "/org/app/messages/users", "", "",
			405, "", "Method Not Allowed", sandbox.EndpointOther},
		{"wrong method on group", "POST", "/org/app/chatgroups/1", "", "",
			405, "", "Method Not Allowed", sandbox.EndpointOther},
		{"no content type", "POST", "/org/app/messages/users", `{"to":["a"]}`, "",
			415, "web_application", "Unsupported Media Type.", sandbox.EndpointSendMessage},
		{"wrong content type", "PUT", "/org/app/chatgroups/1", `{"newowner":"a"}`, "text/plain",
			415, "web_application", "Unsupported Media Type.", sandbox.EndpointTransferOwner},
		{"unparsable json", "POST", "/org/app/chatgroups", `{"owner":`, "application/json; charset=utf-8",
			400, "json_parse", "Unexpected character.", sandbox.EndpointCreateGroup},
		{"empty body", "POST", "/org/app/users", "", "",
			400, "json_parse", "Unexpected character.", sandbox.EndpointRegisterUser},
		{"wrong field type", "POST", "/org/app/messages/users", `{"to":"u1"}`, "application/json",
			400, "invalid_request_body", "Request body is invalid.", sandbox.EndpointSendMessage},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, sandbox.Config{})
			tok := b.token(t)
			resp := b.doWith(t, tc.method, tc.path, tc.body, func(r *http.Request) {
				r.Header.Set("Authorization", "Bearer "+tok)
				if tc.contentType != "" {
					r.Header.Set("Content-Type", tc.contentType)
				}
			})
			requireAPIError(t, resp, tc.wantStatus, tc.wantCode, tc.wantMsg)
			st := b.srv.Stats()
			require.Equal(t, 1, st.Calls[tc.wantCall], "calls %v", st.Calls)
			key := strconv.Itoa(tc.wantStatus)
			if tc.wantCode != "" {
				key += " " + tc.wantCode
			}
			require.Equal(t, 1, st.Responses[key], "responses %v", st.Responses)
		})
	}
}

func TestServer_RateLimit(t *testing.T) {
	t.Parallel()
	// 0.01 calls/s with a burst of 1: the second call within 100 s is over.
	clock := newFakeClock()
	b := setup(t, sandbox.Config{RateLimit: 0.01, Now: clock.Now})
	tok := b.token(t)
	const body = `{"to":["u1"],"type":"txt","body":{"msg":"hi"}}`

	require.Equal(t, http.StatusOK, b.do(t, http.MethodPost, "/org/app/messages/users", tok, body).status)
	requireAPIError(t, b.do(t, http.MethodPost, "/org/app/messages/users", tok, body),
		http.StatusTooManyRequests, "reach_limit", "This request has reached api limit.")
	// The limit applies before authentication and to every endpoint but token.
	requireAPIError(t, b.do(t, http.MethodPost, "/org/app/users", "", `{"username":"x"}`),
		http.StatusTooManyRequests, "reach_limit", "This request has reached api limit.")
	require.NotEmpty(t, b.token(t), "token endpoint is not rate limited")

	clock.Advance(100 * time.Second)
	require.Equal(t, http.StatusOK, b.do(t, http.MethodPost, "/org/app/messages/users", tok, body).status, "the bucket refills")

	st := b.srv.Stats()
	require.Equal(t, 2, st.Responses["429 reach_limit"])
	require.Equal(t, 3, st.Calls[sandbox.EndpointSendMessage], "limited calls are counted")
	require.Len(t, b.srv.Messages(), 2)
}

func TestServer_RateBurst(t *testing.T) {
	t.Parallel()
	b := setup(t, sandbox.Config{RateLimit: 0.01, RateBurst: 3})
	tok := b.token(t)
	var statuses []int
	for range 4 {
		statuses = append(statuses, b.do(t, http.MethodPost, "/org/app/messages/users", tok,
			`{"to":["u1"],"type":"txt","body":{}}`).status)
	}
	require.Equal(t, []int{200, 200, 200, 429}, statuses)
}

func TestServer_Handler(t *testing.T) {
	t.Parallel()
	srv := sandbox.New(sandbox.Config{})
	require.Same(t, srv, srv.Handler())
}

func TestServer_BodyTooLarge(t *testing.T) {
	t.Parallel()
	b := setup(t, sandbox.Config{})
	body := `{"to":["u1"],"type":"txt","body":{"msg":"` + strings.Repeat("x", 1<<20) + `"}}`
	requireAPIError(t, b.do(t, http.MethodPost, "/org/app/messages/users", b.token(t), body),
		http.StatusRequestEntityTooLarge, "", "Request Entity Too Large")
}
