package ingest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/sandbox"
	"github.com/chatq/chatq/taskstatus"
)

// TestServer_Ordered: "order_key" and "ordered" over HTTP (issue #13),
// checked against the OpenAPI document by the test client.
func TestServer_Ordered(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	b.Sandbox.AddFault(sandbox.Fault{Match: `"o-0"`, Status: 503, Times: 2})
	var ids []string
	for i := range 3 {
		body := strings.Replace(message(fmt.Sprintf("o-%d", i)), `{"type"`, `{"order_key":"http-conversation","type"`, 1)
		resp := b.do(t, http.MethodPost, "/v1/tasks", body, nil)
		require.Equal(t, http.StatusAccepted, resp.Status, "%s", resp.Body)
		var got struct{ ID string }
		resp.json(t, &got)
		ids = append(ids, got.ID)
	}
	b.waitStatus(t, ids[2], taskstatus.StateDelivered)
	var texts []string
	for _, m := range b.Sandbox.Messages() {
		var body struct{ Msg string }
		require.NoError(t, json.Unmarshal(m.Body, &body))
		texts = append(texts, body.Msg)
	}
	require.Equal(t, []string{"o-0", "o-1", "o-2"}, texts, "the key's messages in order, its head retried twice")

	resp := b.do(t, http.MethodPost, "/v1/tasks",
		`{"ordered":true,"type":"message:send","payload":{"target":"users","to":["a","b"],"type":"txt","body":{"msg":"x"}}}`, nil)
	require.Equal(t, http.StatusUnprocessableEntity, resp.Status, "two recipients: no conversation; %s", resp.Body)
	require.Contains(t, string(resp.Body), "exactly one recipient")
}
