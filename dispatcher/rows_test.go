package dispatcher_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/deadletter"
	"github.com/chatq/chatq/dispatcher"
	"github.com/chatq/chatq/internal/e2etest"
	"github.com/chatq/chatq/sandbox"
	"github.com/chatq/chatq/tasks"
)

// docRow is one documented provider answer and what chatq must do with it.
// The rows follow the provider's HTTP status code page (and, where marked,
// its message-management page) one for one, as policy/defaults.go does.
type docRow struct {
	status   int
	code     string
	message  string
	taskType string // "" = message:send
	want     dispatcher.Outcome
}

const (
	done    = dispatcher.OutcomeDone
	dead    = dispatcher.OutcomeDeadLettered
	retry   = dispatcher.OutcomeRetry
	defer_  = dispatcher.OutcomeDeferred
	refresh = dispatcher.OutcomeRefresh
)

var documentedRows = []docRow{
	// 400 Bad Request
	{400, "invalid_grant", "Invalid username or password.", "", dead},
	{400, "json_parse", "Unexpected character.", "", dead},
	{400, "illegal_argument", "Entity 'user' requires a property named username.", tasks.TypeRegisterUser, dead},
	{400, "illegal_argument", "Password or pin must provided.", tasks.TypeRegisterUser, dead},
	{400, "illegal_argument", "New password is required. Old password is required.", "", dead},
	{400, "illegal_argument", "This is an invalid request.", "", dead},
	{400, "illegal_argument", "'From' can't be empty.", "", dead},
	{400, "illegal_argument", "'Target_type' can only be 'users' or 'chatgroups' or 'chatrooms'.", "", dead},
	{400, "illegal_argument", "username [row] is not legal.", tasks.TypeRegisterUser, dead},
	{400, "illegal_argument", "message is too large", "", dead},
	{400, "illegal_argument", "This 'chatmessage' request is not supported.", "", dead},
	{400, "illegal_argument", "Illegal arguments: appkey: org#app, time: 2026112500, maybe chat message history is expired or unstored.", "", dead},
	{400, "invalid_parameter", "Some of [groupname] are not valid fields.", tasks.TypeCreateGroup, dead},
	{400, "required_property_not_found", "Entity user requires a property named 'username'.", "", dead},
	{400, "duplicate_unique_property_exists", "Application null Entity user requires that property named 'username' be unique, value of row exists.", tasks.TypeRegisterUser, done},
	{400, "", "set presence failed", "", retry},
	{400, "", "ext is too big", "", dead},
	{400, "", "resource not exist", "", dead},
	{400, "", "you can't sub yourself", "", dead},
	{400, "", "too many sub presence", "", dead},
	{400, "", "too many get presences", "", dead},
	{400, "", "too many unsub presences", "", dead},
	{400, "", "too many queries", "", defer_},
	// 400 message_send_error (https://docs.agora.io/en/agora-chat/restful-api/message-management)
	{400, "message_send_error", "param from can't be empty", "", dead},
	{400, "message_send_error", "param to can't be empty", "", dead},
	{400, "message_send_error", "param ext must be JSONObject", "", dead},
	{400, "message_send_error", "params to's size can't exceed limit 600", "", dead},
	{400, "message_send_error", "message is too large", "", dead},
	{400, "invalid_request_body", "Request body is invalid.", "", dead},
	// 401 Unauthorized
	{401, "unauthorized", "Registration is not open, please contact the app admin.", tasks.TypeRegisterUser, refresh},
	{401, "unauthorized", "Unable to authenticate due to expired access token.", "", refresh},
	{401, "auth_bad_access_token", "Unable to authenticate due to corrupt access token.", "", refresh},
	{401, "auth_bad_access_token", "Unable to authenticate.", "", refresh},
	// 403 Forbidden
	{403, "forbidden_op", "Can not join this group, reason: user: erin already in group: row.", tasks.TypeAddGroupMembers, done},
	{403, "forbidden_op", "Users [erin] are not members of this group!", tasks.TypeRemoveGroupMembers, done},
	{403, "forbidden_op", "User: erin doesn't exist in group: row.", tasks.TypeTransferGroupOwner, dead},
	{403, "forbidden_op", "New owner and old owner are the same.", tasks.TypeTransferGroupOwner, done},
	{403, "forbidden_op", "Forbidden operation on group owner!", tasks.TypeRemoveGroupMembers, dead},
	{403, "forbidden_op", "Can not join this group, reason:user: erin has joined too many groups/chatroom!", tasks.TypeAddGroupMembers, dead},
	{403, "forbidden_op", "This appKey has create too many groups/chatrooms!", tasks.TypeCreateGroup, dead},
	{403, "exceed_limit", "Invitee's contact max count", "", dead},
	{403, "exceed_limit", "Inviter's contact max count", "", dead},
	{403, "message_send_error", "message send reach limit", "", defer_},
	// 404 Not Found
	{404, "service_resource_not_found", "Service resource not found.", tasks.TypeDeleteGroup, done},
	{404, "service_resource_not_found", "Service resource not found.", tasks.TypeRemoveGroupMembers, done},
	{404, "service_resource_not_found", "Service resource not found.", tasks.TypeAddGroupMembers, dead},
	{404, "resource_not_found", "username erin doesn't exist", tasks.TypeCreateGroup, dead},
	{404, "storage_object_not_found", "Failed to find chat message history download url for appkey: org#app, time: 2026112500.", "", dead},
	{404, "file_expired", "file row is expired", "", dead},
	// 405, 408, 413, 415
	{405, "", "Method Not Allowed", "", dead},
	{408, "", "Request Timeout", "", retry},
	{413, "file exceeding maximum limit", "the file size exceeds the maximum limit.", "", dead},
	{415, "web_application", "Unsupported Media Type.", "", dead},
	// 429 Too Many Requests
	{429, "reach_limit", "This request has reached api limit.", "", defer_},
	{429, "resource_limited", "You have exceeded the limit of the Free edition. Please upgrade to higher edition.", tasks.TypeRegisterUser, retry},
	// 5xx
	{500, "no_full_text_index", "Entity 'user' with property named 'username' is not full text indexed. You cannot use the 'contains' operand on this field.", "", dead},
	{500, "unsupported_service_operation", "Service operation not supported.", "", dead},
	{500, "web_application", "javax.ws.rs.WebApplicationException", "", dead},
	{500, "internal_error", "something broke", "", retry},
	{501, "", "Not Implemented", "", dead},
	{502, "", "", "", retry},
	{503, "", "", "", retry},
	{504, "", "", "", retry},
	// Statuses the page does not list fall back by class.
	{418, "", "I'm a teapot", "", dead},
	{599, "", "", "", retry},
}

// TestDocumentedRows drives every documented answer through a real worker:
// the sandbox answers the task's first call(s) with the documented status,
// code and message, and the test checks what chatq did.
func TestDocumentedRows(t *testing.T) {
	h := setup(t)
	for i, row := range documentedRows {
		name := fmt.Sprintf("%d_%s_%s", row.status, row.code, row.message)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			marker := fmt.Sprintf("row%03dx", i)
			times := 2 // two failures, then the provider answers for real
			if row.want.Final() || row.want == refresh {
				times = 1 // a second 401 after a refresh means rejected credentials
			}
			h.Sandbox.AddFault(sandbox.Fault{Match: marker, Times: times, Status: row.status, Code: row.code, Message: row.message})
			id := h.enqueueRow(t, row, marker)
			evs := h.Events.WaitFinal(t, id)
			h.assertRowOutcome(t, row, id, evs)
		})
	}
}

func (h *harness) assertRowOutcome(t *testing.T, row docRow, id string, evs []dispatcher.Event) {
	t.Helper()
	got := e2etest.Outcomes(evs)
	last := evs[len(evs)-1]
	switch row.want {
	case done, dead:
		require.Equal(t, []dispatcher.Outcome{row.want}, got, "steps")
		require.NotEmpty(t, last.Rule, "deciding rule")
	case retry:
		require.Equal(t, []dispatcher.Outcome{retry, retry, dispatcher.OutcomeDelivered}, got, "steps")
		require.Equal(t, 3, last.Attempt, "a retry spends the budget")
	case defer_:
		require.Equal(t, []dispatcher.Outcome{defer_, defer_, dispatcher.OutcomeDelivered}, got, "steps")
		require.Equal(t, 1, last.Attempt, "a deferral spends no retry")
	case refresh:
		require.Equal(t, []dispatcher.Outcome{refresh, dispatcher.OutcomeDelivered}, got, "steps")
		require.Equal(t, 1, last.Attempt, "a refresh is inline: no retry spent")
	}
	if row.want.Final() {
		require.Equal(t, row.status, evs[0].Status)
		require.Equal(t, row.code, evs[0].Code)
	}
	if row.want == dead {
		rec, err := h.Store.Get(context.Background(), id)
		require.NoError(t, err, "dead letter record")
		require.Equal(t, row.status, rec.Status)
		require.Equal(t, row.code, rec.Code)
		require.Equal(t, row.message, rec.Description)
		require.Equal(t, last.Rule, rec.Rule)
		require.Equal(t, "dead-letter", rec.Action)
		require.Equal(t, 1, rec.Attempts)
		h.assertArchived(t, rec)
	}
}

// assertArchived checks that asynq keeps the archived task with the reason
// as its last error, so asynqmon shows why.
func (h *harness) assertArchived(t *testing.T, rec deadletter.Record) {
	t.Helper()
	info := h.WaitTaskState(t, rec.Queue, rec.TaskID, asynq.TaskStateArchived)
	require.Contains(t, info.LastErr, rec.Reason)
}

// enqueueRow enqueues a task of the row's type that carries marker in its
// path or body, so only this row's fault answers it.
func (h *harness) enqueueRow(t *testing.T, row docRow, marker string) string {
	t.Helper()
	ctx := context.Background()
	var id string
	var err error
	switch row.taskType {
	case "", tasks.TypeSendMessage:
		return h.Send(marker)
	case tasks.TypeRegisterUser:
		id, err = h.Producer.RegisterUsers(ctx, tasks.RegisterUsers{Users: []tasks.User{{Username: marker}}})
	case tasks.TypeCreateGroup:
		id, err = h.Producer.CreateGroup(ctx, tasks.CreateGroup{GroupName: marker, Owner: "erin"})
	case tasks.TypeDeleteGroup:
		id, err = h.Producer.DeleteGroup(ctx, tasks.DeleteGroup{GroupID: marker})
	case tasks.TypeAddGroupMembers:
		id, err = h.Producer.AddGroupMembers(ctx, tasks.AddGroupMembers{GroupID: marker, Usernames: []string{"erin"}})
	case tasks.TypeRemoveGroupMembers:
		id, err = h.Producer.RemoveGroupMembers(ctx, tasks.RemoveGroupMembers{GroupID: marker, Usernames: []string{"erin"}})
	case tasks.TypeTransferGroupOwner:
		id, err = h.Producer.TransferGroupOwner(ctx, tasks.TransferGroupOwner{GroupID: marker, NewOwner: "erin"})
	default:
		t.Fatalf("no enqueue for %s", row.taskType)
	}
	require.NoError(t, err)
	return id
}
