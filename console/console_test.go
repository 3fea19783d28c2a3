package console_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/deadletter"
	"github.com/chatq/chatq/internal/e2etest"
)

// TestConsole_Refusals drives the console over HTTP: every page answers,
// a request without credentials, a POST without the CSRF token or with
// another browser's, and any POST in read-only mode are refused and change
// nothing; bad input names the field.
func TestConsole_Refusals(t *testing.T) {
	t.Parallel()
	b := setup(t)
	s := newSession(t, b.url, true)
	for _, path := range []string{"/console/", "/console/deadletters", "/console/deadletters/" + b.doomedID,
		"/console/deadletters/" + b.doomedID + "/edit", "/console/audit", "/console/policy?status=403&code=forbidden_op",
		"/console/static/console.css"} {
		code, page := s.do(http.MethodGet, path, nil)
		require.Equal(t, http.StatusOK, code, "%s: %s", path, page)
		require.NotContains(t, page, e2etest.ClientSecret)
	}
	tok := s.csrfToken()
	deleteDoomed := url.Values{"id": {b.doomedID}, "confirm": {"yes"}}

	tests := []struct {
		name     string
		sess     *session
		base     string
		form     url.Values
		wantCode int
		wantText string
	}{
		{name: "no credentials", sess: newSession(t, b.url, false), form: withToken(deleteDoomed, tok), wantCode: http.StatusUnauthorized},
		{name: "no CSRF token", sess: s, form: deleteDoomed, wantCode: http.StatusForbidden, wantText: "CSRF token"},
		{name: "another browser's token", sess: newSession(t, b.url, true), form: withToken(deleteDoomed, tok), wantCode: http.StatusForbidden, wantText: "CSRF token"},
		{name: "read-only", sess: newSession(t, b.roURL, true), form: withToken(deleteDoomed, tok), wantCode: http.StatusMethodNotAllowed, wantText: "read-only"},
		{name: "bad filter field", sess: s, form: withToken(url.Values{"status": {"6xx"}}, tok), wantCode: http.StatusBadRequest, wantText: "filter status: must be an HTTP status"},
		{name: "bad since", sess: s, form: withToken(url.Values{"rule": {"x"}, "since": {"yesterday"}}, tok), wantCode: http.StatusBadRequest, wantText: "filter since: must be an RFC 3339 time"},
		{name: "delete everything", sess: s, form: withToken(url.Values{"confirm": {"yes"}}, tok), wantCode: http.StatusBadRequest, wantText: "set at least one filter field"},
		{name: "unknown id", sess: s, form: withToken(url.Values{"id": {"no-such-task"}}, tok), wantCode: http.StatusBadRequest, wantText: "no-such-task"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, page := tc.sess.do(http.MethodPost, "/console/deadletters/delete", tc.form)
			require.Equal(t, tc.wantCode, code, page)
			require.Contains(t, page, tc.wantText)
		})
	}
	code, page := s.do(http.MethodPost, "/console/deadletters/replay", withToken(url.Values{"id": {b.tooLargeID}, "patch": {"{nope"}}, tok))
	require.Equal(t, http.StatusBadRequest, code)
	require.Contains(t, page, "field patch: must be a JSON merge patch")
	code, page = s.do(http.MethodGet, "/console/policy?status=abc", nil)
	require.Equal(t, http.StatusBadRequest, code)
	require.Contains(t, page, `field status: must be an HTTP status from 100 to 599, or &#34;network&#34;, got &#34;abc&#34;`)
	code, _ = s.do(http.MethodGet, "/console/deadletters?after=garbage", nil)
	require.Equal(t, http.StatusBadRequest, code)
	require.Equal(t, 5, openDeadLetters(t, b), "nothing was deleted or replayed")

	// A secret-looking field of a payload is redacted on the record page,
	// in the editor and in the list.
	secret, err := b.fleet.Store.Get(context.Background(), b.doomedID)
	require.NoError(t, err)
	secret.TaskID = "with-a-secret"
	secret.SetPayload([]byte(`{"target":"users","to":["erin"],"type":"txt","body":{"msg":"hi"},"ext":{"api_token":"s3cr3t-value"}}`))
	require.NoError(t, b.fleet.Store.Put(context.Background(), secret))
	for _, path := range []string{"/console/deadletters/with-a-secret", "/console/deadletters/with-a-secret/edit", "/console/deadletters"} {
		code, page := s.do(http.MethodGet, path, nil)
		require.Equal(t, http.StatusOK, code)
		require.NotContains(t, page, "s3cr3t-value", path)
	}
	_, page = s.do(http.MethodGet, "/console/deadletters/with-a-secret", nil)
	require.Contains(t, page, "[redacted]")
	_, err = b.fleet.Store.Delete(context.Background(), deadletter.DeleteOptions{Filter: deadletter.Filter{IDs: []string{"with-a-secret"}}})
	require.NoError(t, err)

	_, ro := newSession(t, b.roURL, true).do(http.MethodGet, "/console/deadletters/"+b.doomedID, nil)
	require.NotContains(t, ro, `name="csrf"`, "read-only pages have no forms")
	require.Contains(t, ro, `id="readonly"`)
}

func withToken(v url.Values, tok string) url.Values {
	out := url.Values{"csrf": {tok}}
	for k, vs := range v {
		out[k] = vs
	}
	return out
}

// TestConsole_DeleteNeedsConfirmation: the first POST previews, only the
// confirming one deletes, and the audit log says who did it.
func TestConsole_DeleteNeedsConfirmation(t *testing.T) {
	t.Parallel()
	b := setup(t)
	s := newSession(t, b.url, true)
	tok := s.csrfToken()
	code, page := s.do(http.MethodPost, "/console/deadletters/delete", withToken(url.Values{"contains": {doomedMarker}}, tok))
	require.Equal(t, http.StatusOK, code, page)
	require.Contains(t, page, "Delete 1 for good")
	_, err := b.fleet.Store.Get(context.Background(), b.doomedID)
	require.NoError(t, err, "a preview deletes nothing")

	code, page = s.do(http.MethodPost, "/console/deadletters/delete", withToken(url.Values{"contains": {doomedMarker}, "confirm": {"yes"}}, tok))
	require.Equal(t, http.StatusOK, code, page)
	require.Contains(t, page, `id="done"`)
	_, err = b.fleet.Store.Get(context.Background(), b.doomedID)
	require.ErrorIs(t, err, deadletter.ErrNotFound)
	entries, err := b.fleet.Store.Audit(context.Background(), 10)
	require.NoError(t, err)
	require.Len(t, entries, 1)
	require.Equal(t, "delete", entries[0].Op)
	require.Equal(t, testUser+" (console)", entries[0].User)
	_, page = s.do(http.MethodGet, "/console/audit", nil)
	require.True(t, strings.Contains(page, testUser+" (console)"), page)
}

// TestConsole_ConfirmActsOnThePreview: a dead letter that matches the
// filter but arrives between the preview and the confirmation is not
// replayed with the others.
func TestConsole_ConfirmActsOnThePreview(t *testing.T) {
	t.Parallel()
	b := setup(t)
	s := newSession(t, b.url, true)
	tok := s.csrfToken()
	filter := url.Values{"rule": {ownerRule}, "contains": {replayMarker}}
	code, page := s.do(http.MethodPost, "/console/deadletters/replay", withToken(filter, tok))
	require.Equal(t, http.StatusOK, code, page)
	require.Contains(t, page, "Replay 3 now")
	confirm := hiddenFields(t, page, `id="confirm-form"`)
	require.ElementsMatch(t, b.replayIDs, confirm["id"])

	late, err := b.fleet.Store.Get(context.Background(), b.replayIDs[0])
	require.NoError(t, err)
	late.TaskID = "arrived-after-the-preview"
	require.NoError(t, b.fleet.Store.Put(context.Background(), late))

	code, page = s.do(http.MethodPost, "/console/deadletters/replay", confirm)
	require.Equal(t, http.StatusOK, code, page)
	require.Contains(t, page, "<b>3</b> replayed")
	_, err = b.fleet.Store.Get(context.Background(), late.TaskID)
	require.NoError(t, err, "not previewed, so not replayed")
	waitFor(t, "three replays delivered", func() bool { return len(b.fleet.Sandbox.Messages()) == 2+3 })
}

// hiddenFields reads the hidden inputs of the form whose opening tag
// contains marker.
func hiddenFields(t *testing.T, page, marker string) url.Values {
	t.Helper()
	_, form, ok := strings.Cut(page, marker)
	require.True(t, ok, "no form %s", marker)
	form, _, _ = strings.Cut(form, "</form>")
	out := url.Values{}
	for _, in := range strings.Split(form, "<input ")[1:] {
		if !strings.Contains(in, `type="hidden"`) {
			continue
		}
		out.Add(attr(in, "name"), html.UnescapeString(attr(in, "value")))
	}
	return out
}

func attr(tag, name string) string {
	_, v, _ := strings.Cut(tag, name+`="`)
	v, _, _ = strings.Cut(v, `"`)
	return v
}
