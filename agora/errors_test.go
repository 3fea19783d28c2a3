package agora

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// newResponse builds a response with status, body and header pairs.
func newResponse(status int, body string, header ...string) *http.Response {
	h := http.Header{}
	for i := 0; i+1 < len(header); i += 2 {
		h.Set(header[i], header[i+1])
	}
	return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(strings.NewReader(body))}
}

func TestCheckResponse(t *testing.T) {
	t.Parallel()
	const op = "POST /messages/users"
	html502 := "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\t<center><h1>502 Bad Gateway</h1></center>\x00\x1b[31m" +
		strings.Repeat("<hr>", 100) + "</body></html>"
	tests := []struct {
		name string
		resp *http.Response
		want *APIError // nil = no error
	}{
		{name: "200", resp: newResponse(200, `{"data":{}}`)},
		{name: "204", resp: newResponse(204, ``)},
		{
			name: "JSON error, all fields",
			resp: newResponse(403, `{"error":"forbidden_op","timestamp":1557723182960,"duration":0,
				"exception":"com.easemob.group.exception.ForbiddenOpException",
				"error_description":"users [x] are not members of this group!"}`),
			want: &APIError{Status: 403, Code: "forbidden_op", Description: "users [x] are not members of this group!",
				Exception: "com.easemob.group.exception.ForbiddenOpException", Op: op},
		},
		{
			name: "JSON error with numeric error_code",
			resp: newResponse(400, `{"error":"message_send_error","exception":"MessageSendException","error_code":14007,"error_description":"message is too large"}`),
			want: &APIError{Status: 400, Code: "message_send_error", Description: "message is too large", Exception: "MessageSendException", ErrorCode: 14007, Op: op},
		},
		{
			name: "429 with Retry-After seconds",
			resp: newResponse(429, `{"error":"reach_limit","error_description":"This request has reached api limit"}`, "Retry-After", "7"),
			want: &APIError{Status: 429, Code: "reach_limit", Description: "This request has reached api limit", RetryAfter: 7 * time.Second, Op: op},
		},
		{
			name: "HTML 502 page",
			resp: newResponse(502, html502, "Content-Type", "text/html"),
			want: &APIError{Status: 502, Description: sanitize(html502, snippetLen), Op: op},
		},
		{name: "empty body", resp: newResponse(503, ``), want: &APIError{Status: 503, Description: "Service Unavailable", Op: op}},
		{name: "unknown status", resp: newResponse(599, ``), want: &APIError{Status: 599, Description: "HTTP 599", Op: op}},
		{name: "JSON without error fields", resp: newResponse(500, `{"x":1}`), want: &APIError{Status: 500, Description: `{"x":1}`, Op: op}},
		{name: "nil body", resp: &http.Response{StatusCode: 500}, want: &APIError{Status: 500, Description: "Internal Server Error", Op: op}},
		{name: "redirect not followed", resp: newResponse(302, ``), want: &APIError{Status: 302, Description: "Found", Op: op}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := checkResponse(tt.resp, op, defaultMaxErrorBody)
			if tt.want == nil {
				require.NoError(t, err)
				return
			}
			var got *APIError
			require.ErrorAs(t, err, &got)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestCheckResponse_htmlSnippet(t *testing.T) {
	t.Parallel()
	body := "<html>\r\n<head>\x1b[31m<title>502 Bad Gateway</title></head>\u202e" + strings.Repeat("x", 500)
	err := checkResponse(newResponse(502, body), "GET /x", defaultMaxErrorBody)
	var got *APIError
	require.ErrorAs(t, err, &got)
	require.Empty(t, got.Code)
	require.LessOrEqual(t, len(got.Description), snippetLen)
	require.True(t, strings.HasPrefix(got.Description, "<html> <head> [31m<title>502 Bad Gateway</title></head> xxx"), "got %q", got.Description)
	for _, r := range got.Description {
		require.False(t, r < 0x20 || r == 0x7f || r == '\u202e', "control character %U in %q", r, got.Description)
	}
}

// countingReader counts the bytes read from it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestCheckResponse_boundedRead(t *testing.T) {
	t.Parallel()
	const limit = 1024
	body := &countingReader{r: bytes.NewReader(bytes.Repeat([]byte("x"), 10<<20))}
	resp := &http.Response{StatusCode: 500, Body: io.NopCloser(body)}
	err := checkResponse(resp, "GET /x", limit)
	var got *APIError
	require.ErrorAs(t, err, &got)
	require.LessOrEqual(t, body.n, limit, "bytes read")
	require.Equal(t, strings.Repeat("x", snippetLen), got.Description)
}

func TestCheckResponse_retryAfterDate(t *testing.T) {
	t.Parallel()
	date := time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)
	err := checkResponse(newResponse(503, ``, "Retry-After", date), "GET /x", defaultMaxErrorBody)
	var got *APIError
	require.ErrorAs(t, err, &got)
	require.Greater(t, got.RetryAfter, 58*time.Minute)
	require.LessOrEqual(t, got.RetryAfter, time.Hour)
}

func TestClient_apiError(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{MaxErrorBody: 512})
	b.mux.HandleFunc("/org/app/messages/users", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "30")
		writeJSON(t, w, http.StatusTooManyRequests, `{"error":"reach_limit","exception":"X","error_description":"This request has reached api limit"}`)
	})
	_, err := b.client.SendMessage(t.Context(), testToken, testSendMessage)
	var got *APIError
	require.ErrorAs(t, err, &got)
	require.Equal(t, &APIError{Status: 429, Code: "reach_limit", Description: "This request has reached api limit",
		Exception: "X", RetryAfter: 30 * time.Second, Op: "POST /messages/users"}, got)
	require.EqualError(t, err, "agora: POST /messages/users: 429 reach_limit: This request has reached api limit")
}

func TestAPIError_Error(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  *APIError
		want string
	}{
		{name: "code and description", err: &APIError{Op: "POST /messages/users", Status: 403, Code: "forbidden_op", Description: "Users [x] are not members of this group!"},
			want: "agora: POST /messages/users: 403 forbidden_op: Users [x] are not members of this group!"},
		{name: "code only", err: &APIError{Op: "GET /x", Status: 400, Code: "json_parse"}, want: "agora: GET /x: 400 json_parse"},
		{name: "description only", err: &APIError{Op: "GET /x", Status: 502, Description: "Bad Gateway"}, want: "agora: GET /x: 502 Bad Gateway"},
		{name: "nothing", err: &APIError{Op: "GET /x", Status: 500}, want: "agora: GET /x: 500"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, tt.err.Error())
		})
	}
}

func TestNetworkError(t *testing.T) {
	t.Parallel()
	cause := errors.New("connection refused")
	err := &NetworkError{Op: "POST /users", Err: cause}
	require.EqualError(t, err, "agora: POST /users: network error: connection refused")
	require.ErrorIs(t, err, cause)
	err = &NetworkError{Op: "POST /users", Timeout: true, Err: cause}
	require.EqualError(t, err, "agora: POST /users: timeout: connection refused")
	require.EqualError(t, &NetworkError{Op: "POST /users"}, "agora: POST /users: network error")
}

func TestTokenError(t *testing.T) {
	t.Parallel()
	apiErr := &APIError{Op: "POST /token", Status: 401, Code: "unauthorized", Description: "bad"}
	err := fmt.Errorf("refreshing: %w", &TokenError{Err: apiErr})
	require.EqualError(t, err, "refreshing: agora: token request: POST /token: 401 unauthorized: bad")
	var got *APIError
	require.ErrorAs(t, err, &got)
	require.Same(t, apiErr, got)
	require.EqualError(t, &TokenError{}, "agora: token request failed")
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)
	tests := []struct {
		name string
		v    string
		want time.Duration
	}{
		{name: "empty", v: "", want: 0},
		{name: "seconds", v: "120", want: 2 * time.Minute},
		{name: "zero", v: "0", want: 0},
		{name: "spaces", v: " 5 ", want: 5 * time.Second},
		{name: "negative", v: "-5", want: 0},
		{name: "plus sign", v: "+5", want: 0},
		{name: "fraction", v: "1.5", want: 0},
		{name: "overflow", v: "99999999999999999999", want: 0},
		{name: "too many seconds for a Duration", v: "9300000000", want: 0},
		{name: "HTTP-date", v: "Fri, 02 Jan 2026 15:05:05 GMT", want: time.Minute},
		{name: "RFC 850 date", v: "Friday, 02-Jan-26 15:04:35 GMT", want: 30 * time.Second},
		{name: "past date", v: "Fri, 02 Jan 2026 15:00:00 GMT", want: 0},
		{name: "garbage", v: "soon", want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, ParseRetryAfter(tt.v, now))
		})
	}
}

func FuzzCheckResponse(f *testing.F) {
	f.Add(403, []byte(`{"error":"forbidden_op","error_description":"x","exception":"y"}`), "7", "application/json")
	f.Add(502, []byte("<html>\x00\xff</html>"), "Fri, 02 Jan 2026 15:05:05 GMT", "text/html")
	f.Add(200, []byte(``), "", "")
	f.Add(-1, []byte(`{"error":1}`), "-3", "")
	f.Add(999, []byte(`{"error":"\u202e"}`), "99999999999999999999", "")
	f.Fuzz(func(t *testing.T, status int, body []byte, retryAfter, contentType string) {
		resp := &http.Response{
			StatusCode: status,
			Header:     http.Header{"Retry-After": {retryAfter}, "Content-Type": {contentType}},
			Body:       io.NopCloser(bytes.NewReader(body)),
		}
		err := checkResponse(resp, "POST /x", 256)
		if status >= 200 && status <= 299 {
			if err != nil {
				t.Fatalf("status %d: got %v, want nil", status, err)
			}
			return
		}
		var apiErr *APIError
		if !errors.As(err, &apiErr) {
			t.Fatalf("status %d: got %v, want an *APIError", status, err)
		}
		if apiErr.Status != status || apiErr.RetryAfter < 0 || apiErr.Description == "" && apiErr.Code == "" && apiErr.Exception == "" {
			t.Fatalf("status %d: got %#v", status, apiErr)
		}
		_ = apiErr.Error()
	})
}
