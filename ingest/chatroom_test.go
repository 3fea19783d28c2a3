package ingest_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/taskstatus"
)

// TestServer_ChatroomCreateResult: the id the provider gave a room created
// over HTTP is in the task's status, the one place a producer can find it.
func TestServer_ChatroomCreateResult(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	b.Sandbox.SeedUsers("ro")
	resp := b.do(t, http.MethodPost, "/v1/tasks",
		`{"type":"chatroom:create","payload":{"name":"over-http","description":"d","owner":"ro"}}`, nil)
	require.Equal(t, http.StatusAccepted, resp.Status, "%s", resp.Body)
	var got struct{ ID string }
	resp.json(t, &got)
	st := b.waitStatus(t, got.ID, taskstatus.StateDelivered)
	rooms := b.Sandbox.RoomsNamed("over-http")
	require.Len(t, rooms, 1)
	var res struct{ ID string }
	require.NoError(t, json.Unmarshal(st.Result, &res), "result %s", st.Result)
	require.Equal(t, rooms[0].ID, res.ID)
}
