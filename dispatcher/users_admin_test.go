package dispatcher_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/agora"
	"github.com/chatq/chatq/dispatcher"
	"github.com/chatq/chatq/internal/e2etest"
	"github.com/chatq/chatq/sandbox"
	"github.com/chatq/chatq/tasks"
)

// userAdminCase is one user-management task through a real worker on the
// sandbox: its user (unique to the case, so faults match it alone), what
// the sandbox holds first, an optional fault, and the outcomes and first
// deciding rule wanted under each dialect.
type userAdminCase struct {
	name    string
	user    string
	prepare func(h *harness, user string)
	fault   *sandbox.Fault // Match is set to the user
	payload func(user string) tasks.Payload
	want    func(d agora.Dialect) ([]dispatcher.Outcome, string) // outcomes, rule of the first event
	check   func(t *testing.T, h *harness, user string)
}

// same gives every dialect the same expectation.
func same(outcomes []dispatcher.Outcome, rule string) func(agora.Dialect) ([]dispatcher.Outcome, string) {
	return func(agora.Dialect) ([]dispatcher.Outcome, string) { return outcomes, rule }
}

func seeded(h *harness, user string) { h.Sandbox.SeedUsers(user) }

func online(h *harness, user string) { h.Sandbox.SeedUsers(user); h.Sandbox.SetOnline(user) }

func deleteUser(u string) tasks.Payload     { return tasks.DeleteUser{Username: u} }
func deactivateUser(u string) tasks.Payload { return tasks.DeactivateUser{Username: u} }
func activateUser(u string) tasks.Payload   { return tasks.ActivateUser{Username: u} }
func disconnectUser(u string) tasks.Payload { return tasks.DisconnectUser{Username: u} }
func muteUser(u string) tasks.Payload {
	return tasks.MuteUser{Username: u, Chat: tasks.Secs(600), GroupChat: tasks.Secs(tasks.MuteForever)}
}
func setMetadata(u string) tasks.Payload {
	return tasks.SetUserMetadata{Username: u, Metadata: map[string]string{"nickname": "Ann", "gender": "2"}}
}

// userState reads the sandbox's user, which must exist.
func userState(t *testing.T, h *harness, name string) sandbox.User {
	t.Helper()
	u, ok := h.Sandbox.User(name)
	require.True(t, ok, "user %s exists", name)
	return u
}

var (
	oneDelivered = []dispatcher.Outcome{dispatcher.OutcomeDelivered}
	retried      = []dispatcher.Outcome{retry, dispatcher.OutcomeDelivered}
	oneDone      = []dispatcher.Outcome{done}
	oneDead      = []dispatcher.Outcome{dead}
)

var userAdminCases = []userAdminCase{
	// user:delete
	{name: "delete", user: "ua-del", prepare: seeded, payload: deleteUser, want: same(oneDelivered, ""),
		check: func(t *testing.T, h *harness, u string) { require.False(t, h.Sandbox.HasUser(u)) }},
	{name: "delete missing is done", user: "ua-del-gone", payload: deleteUser,
		want: func(d agora.Dialect) ([]dispatcher.Outcome, string) {
			if d == agora.DialectEasemob {
				return oneDone, "400-user-already-deleted"
			}
			return oneDone, "404-user-already-deleted"
		}},
	{name: "delete missing, other wording, is done", user: "ua-del-gone2", payload: deleteUser,
		fault: &sandbox.Fault{Endpoint: sandbox.EndpointDeleteUser, Status: 404, Code: "service_resource_not_found", Message: "user ua-del-gone2 not found"},
		want:  same(oneDone, "404-user-already-deleted-any-message")},
	{name: "delete 503 retried", user: "ua-del-503", prepare: seeded, payload: deleteUser,
		fault: &sandbox.Fault{Endpoint: sandbox.EndpointDeleteUser, Status: 503, Times: 1}, want: same(retried, "503")},
	{name: "delete invalid request dead", user: "ua-del-400", prepare: seeded, payload: deleteUser,
		fault: &sandbox.Fault{Endpoint: sandbox.EndpointDeleteUser, Status: 400, Code: "illegal_argument", Message: "This is an invalid request.", Times: 1},
		want:  same(oneDead, "400-invalid-request")},
	// user:deactivate
	{name: "deactivate", user: "ua-ban", prepare: online, payload: deactivateUser, want: same(oneDelivered, ""),
		check: func(t *testing.T, h *harness, u string) {
			st := userState(t, h, u)
			require.True(t, st.Deactivated)
			require.False(t, st.Online, "logged out")
			require.Empty(t, h.Sandbox.SetOnline(u), "cannot log in")
		}},
	{name: "deactivate a deactivated user", user: "ua-ban-twice", prepare: seeded,
		payload: deactivateUser, want: same(oneDelivered, ""),
		check: func(t *testing.T, h *harness, u string) {
			id, err := h.Producer.DeactivateUser(context.Background(), tasks.DeactivateUser{Username: u})
			require.NoError(t, err)
			require.Equal(t, oneDelivered, e2etest.Outcomes(h.Events.WaitFinal(t, id)), "a second deactivate is delivered too")
			require.True(t, userState(t, h, u).Deactivated)
		}},
	{name: "deactivate refused then retried", user: "ua-ban-rf", prepare: seeded, payload: deactivateUser,
		fault: &sandbox.Fault{Endpoint: sandbox.EndpointDeactivateUser, Refuse: true, Times: 1},
		want:  same(retried, "200-deactivate-refused"),
		check: func(t *testing.T, h *harness, u string) { require.True(t, userState(t, h, u).Deactivated) }},
	{name: "deactivate missing dead", user: "ua-ban-gone", payload: deactivateUser, want: same(oneDead, "404-service-resource-not-found")},
	// user:activate
	{name: "activate", user: "ua-unban", prepare: seeded, payload: deactivateUser, want: same(oneDelivered, ""),
		check: func(t *testing.T, h *harness, u string) {
			ctx := context.Background()
			for range 2 { // the second activates an active user: delivered too
				id, err := h.Producer.ActivateUser(ctx, tasks.ActivateUser{Username: u})
				require.NoError(t, err)
				require.Equal(t, oneDelivered, e2etest.Outcomes(h.Events.WaitFinal(t, id)))
				require.False(t, userState(t, h, u).Deactivated)
			}
			require.Equal(t, []string{u}, h.Sandbox.SetOnline(u), "can log in again")
		}},
	{name: "activate 502 retried", user: "ua-unban-502", prepare: seeded, payload: activateUser,
		fault: &sandbox.Fault{Endpoint: sandbox.EndpointActivateUser, Status: 502, Times: 1}, want: same(retried, "502")},
	{name: "activate missing dead", user: "ua-unban-gone", payload: activateUser, want: same(oneDead, "404-service-resource-not-found")},
	// user:disconnect
	{name: "disconnect online", user: "ua-kick", prepare: online, payload: disconnectUser, want: same(oneDelivered, ""),
		check: func(t *testing.T, h *harness, u string) { require.False(t, userState(t, h, u).Online) }},
	{name: "disconnect offline", user: "ua-kick-off", prepare: seeded, payload: disconnectUser,
		want: func(d agora.Dialect) ([]dispatcher.Outcome, string) {
			if d == agora.DialectEasemob {
				return oneDone, "200-disconnect-offline" // data.result false: already offline
			}
			return oneDelivered, "" // Agora: "only displayed as true"
		}},
	{name: "disconnect 503 retried", user: "ua-kick-503", prepare: online, payload: disconnectUser,
		fault: &sandbox.Fault{Endpoint: sandbox.EndpointDisconnectUser, Status: 503, Times: 1}, want: same(retried, "503")},
	{name: "disconnect missing dead", user: "ua-kick-gone", payload: disconnectUser, want: same(oneDead, "404-service-resource-not-found")},
	// user:mute
	{name: "mute", user: "ua-mute", prepare: seeded, payload: muteUser, want: same(oneDelivered, ""),
		check: func(t *testing.T, h *harness, u string) {
			m := userState(t, h, u).Muted
			require.Equal(t, int64(-1), m["groupchat"])
			require.InDelta(t, 600, m["chat"], 5)
			require.NotContains(t, m, "chatroom", "left as it was")
		}},
	{name: "mute refused then retried", user: "ua-mute-rf", prepare: seeded, payload: muteUser,
		fault: &sandbox.Fault{Endpoint: sandbox.EndpointMuteUser, Refuse: true, Times: 1}, want: same(retried, "200-mute-refused"),
		check: func(t *testing.T, h *harness, u string) { require.NotEmpty(t, userState(t, h, u).Muted) }},
	{name: "mute missing dead", user: "ua-mute-gone", payload: muteUser,
		want: func(d agora.Dialect) ([]dispatcher.Outcome, string) {
			if d == agora.DialectEasemob {
				return oneDead, "400-mute-user-not-found"
			}
			return oneDead, "404-service-resource-not-found"
		}},
	{name: "mute not enabled dead", user: "ua-mute-off", prepare: seeded, payload: muteUser,
		fault: &sandbox.Fault{Endpoint: sandbox.EndpointMuteUser, Status: 403, Code: "forbidden_op", Message: "user_mute is not used for this app"},
		want:  same(oneDead, "403-user-mute-not-enabled")},
	// user:metadata:set
	{name: "metadata", user: "ua-md", prepare: seeded, payload: setMetadata, want: same(oneDelivered, ""),
		check: func(t *testing.T, h *harness, u string) {
			require.Equal(t, map[string]string{"nickname": "Ann", "gender": "2"}, userState(t, h, u).Metadata)
		}},
	{name: "metadata refused then retried", user: "ua-md-rf", prepare: seeded, payload: setMetadata,
		fault: &sandbox.Fault{Endpoint: sandbox.EndpointSetMetadata, Refuse: true, Times: 1}, want: same(retried, "200-metadata-not-set"),
		check: func(t *testing.T, h *harness, u string) {
			require.Equal(t, "Ann", userState(t, h, u).Metadata["nickname"])
		}},
	{name: "metadata server failure retried", user: "ua-md-500", prepare: seeded, payload: setMetadata,
		fault: &sandbox.Fault{Endpoint: sandbox.EndpointSetMetadata, Status: 500, Code: "INTERNAL_SERVER_ERROR", Message: "update metadata failed", Times: 1},
		want:  same(retried, "500-metadata-update-failed")},
	{name: "metadata not enabled dead", user: "ua-md-off", prepare: seeded, payload: setMetadata,
		fault: &sandbox.Fault{Endpoint: sandbox.EndpointSetMetadata, Status: 403, Code: "FORBIDDEN", Message: "org#app user metadata service not allow"},
		want:  same(oneDead, "403-metadata-not-enabled")},
	{name: "metadata column size dead", user: "ua-md-col", prepare: seeded, payload: setMetadata,
		fault: &sandbox.Fault{Endpoint: sandbox.EndpointSetMetadata, Status: 403, Code: "FORBIDDEN",
			Message: "size of metadata for this single user exceeds the current mysql column size, 300Bytes"},
		want: same(oneDead, "403-metadata-column-size")},
	{name: "metadata app quota dead", user: "ua-md-app", prepare: seeded, payload: setMetadata,
		fault: &sandbox.Fault{Endpoint: sandbox.EndpointSetMetadata, Status: 403, Code: "FORBIDDEN",
			Message: "total size of user metadata for this app exceeds the user defined limit, 10737418240Bytes"},
		want: same(oneDead, "403-metadata-app-limit")},
	{name: "metadata over the user's 2 KB dead", user: "ua-md-full", prepare: seeded,
		payload: func(u string) tasks.Payload {
			return tasks.SetUserMetadata{Username: u, Metadata: map[string]string{"ext": strings.Repeat("x", 2000)}}
		},
		want: same(oneDelivered, ""),
		check: func(t *testing.T, h *harness, u string) {
			// A second task whose attributes, merged with the first's,
			// pass 2 KB: valid alone, refused by the provider.
			id, err := h.Producer.SetUserMetadata(context.Background(),
				tasks.SetUserMetadata{Username: u, Metadata: map[string]string{"sign": strings.Repeat("s", 100)}})
			require.NoError(t, err)
			evs := h.Events.WaitFinal(t, id)
			require.Equal(t, oneDead, e2etest.Outcomes(evs))
			require.Equal(t, "403-metadata-user-limit", evs[0].Rule)
			require.NotContains(t, userState(t, h, u).Metadata, "sign")
		}},
}

// TestUserAdmin_EndToEnd runs every user-management case through a real
// worker, over HTTP and Redis, against a sandbox of each dialect: the
// delivered calls and the sandbox state they leave, the idempotent "done"
// answers, the 200 refusals, and a retry and a dead-letter row per type.
func TestUserAdmin_EndToEnd(t *testing.T) {
	for _, d := range []agora.Dialect{agora.DialectAgora, agora.DialectEasemob} {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			h := setup(t, e2etest.WithDialect(d))
			for _, tc := range userAdminCases {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					tc.run(t, h, d)
				})
			}
		})
	}
}

func (tc userAdminCase) run(t *testing.T, h *harness, d agora.Dialect) {
	if tc.prepare != nil {
		tc.prepare(h, tc.user)
	}
	if tc.fault != nil {
		f := *tc.fault
		f.Match = tc.user
		require.NoError(t, f.Validate())
		h.Sandbox.AddFault(f)
	}
	id, err := h.Producer.EnqueuePayload(context.Background(), tc.payload(tc.user))
	require.NoError(t, err)
	evs := h.Events.WaitFinal(t, id)
	wantOutcomes, wantRule := tc.want(d)
	require.Equal(t, wantOutcomes, e2etest.Outcomes(evs), "outcomes")
	require.Equal(t, wantRule, evs[0].Rule, "rule of the first decision")
	if evs[len(evs)-1].Outcome == dead {
		rec, err := h.Store.Get(context.Background(), id)
		require.NoError(t, err, "dead letter record")
		require.Equal(t, wantRule, rec.Rule)
		require.Equal(t, tc.payload(tc.user).TaskType(), rec.Type)
		require.Equal(t, tasks.QueueUsers, rec.Queue)
		h.assertArchived(t, rec)
	}
	if tc.check != nil {
		tc.check(t, h, tc.user)
	}
}
