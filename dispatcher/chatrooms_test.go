package dispatcher_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/agora"
	"github.com/chatq/chatq/dispatcher"
	"github.com/chatq/chatq/internal/e2etest"
	"github.com/chatq/chatq/sandbox"
	"github.com/chatq/chatq/tasks"
	"github.com/chatq/chatq/taskstatus"
)

// roomStep is one chat room task through a real worker on the sandbox: its
// outcomes, the rule of its first decision (when there is one), and the
// sandbox state it must leave.
type roomStep struct {
	name      string
	prepare   func(h *harness)
	enqueue   func(ctx context.Context, h *harness) (string, error)
	want      []dispatcher.Outcome
	wantRule  string // of the first event; "" when it was delivered at once
	wantCheck func(t *testing.T, h *harness, id string)
}

// TestChatrooms_EndToEnd drives every chat room row of the policy table
// (delivered, the idempotent "done" answers, retries, the refusals and a
// dead letter per type) through a worker on the sandbox, in both dialects.
func TestChatrooms_EndToEnd(t *testing.T) {
	for _, d := range []agora.Dialect{agora.DialectAgora, agora.DialectEasemob} {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			h := setup(t, e2etest.WithDialect(d))
			h.Sandbox.SeedUsers("ro", "r1", "r2", "r3")
			h.Sandbox.SeedRoom("full", "ro", 2, "r1")
			ctx := context.Background()
			for _, s := range roomSteps() {
				t.Run(s.name, func(t *testing.T) {
					if s.prepare != nil {
						s.prepare(h)
					}
					id, err := s.enqueue(ctx, h)
					require.NoError(t, err)
					evs := h.Events.WaitFinal(t, id)
					require.Equal(t, s.want, e2etest.Outcomes(evs), "outcomes")
					if s.wantRule != "" {
						require.Equal(t, s.wantRule, evs[0].Rule, "first decision's rule")
					}
					if s.wantCheck != nil {
						s.wantCheck(t, h, id)
					}
				})
			}
		})
	}
}

func roomSteps() []roomStep {
	delivered := []dispatcher.Outcome{dispatcher.OutcomeDelivered}
	retried := []dispatcher.Outcome{retry, dispatcher.OutcomeDelivered}
	members := func(t *testing.T, h *harness, room string, want ...string) {
		t.Helper()
		got, ok := h.Sandbox.Room(room)
		require.True(t, ok, "room %s exists", room)
		if want == nil {
			want = []string{}
		}
		require.Equal(t, want, got.Members, "members of %s", room)
	}
	return []roomStep{
		{name: "create: delivered, the room id is the task's result",
			enqueue: func(ctx context.Context, h *harness) (string, error) {
				return h.Producer.CreateChatroom(ctx, tasks.CreateChatroom{Name: "cr-live", Description: "d", MaxUsers: 3, Owner: "ro",
					Members: []string{"r1"}}, tasks.Retain(time.Minute))
			}, want: delivered,
			wantCheck: func(t *testing.T, h *harness, id string) {
				rooms := h.Sandbox.RoomsNamed("cr-live")
				require.Len(t, rooms, 1)
				require.Equal(t, sandbox.Room{ID: rooms[0].ID, Name: "cr-live", Owner: "ro", MaxUsers: 3, Members: []string{"r1"}}, rooms[0])
				info := h.WaitTaskState(t, tasks.QueueGroups, id, asynq.TaskStateCompleted)
				var res dispatcher.ChatroomResult
				require.NoError(t, json.Unmarshal(info.Result, &res), "result %q", info.Result)
				require.Equal(t, rooms[0].ID, res.ID)
				require.Contains(t, h.Logs.String(), `"result":"{\"id\":\"`+rooms[0].ID+`\"}"`)
				// The delivered marker keeps it too, for a task asynq does not retain.
				e2etest.Eventually(t, "the delivered marker's result", func(c *assert.CollectT) {
					v, err := h.RDB.Get(context.Background(), taskstatus.DeliveredKey(id)).Result()
					require.NoError(c, err)
					require.Equal(c, `{"id":"`+rooms[0].ID+`"}`, taskstatus.ParseMarker(v).Result)
				})
			}},
		{name: "create: a lost answer is sent again and makes a second room (README)",
			prepare: func(h *harness) {
				h.Sandbox.AddFault(sandbox.Fault{Endpoint: sandbox.EndpointCreateRoom, Match: "cr-twice", DropAfter: true, Times: 1})
			},
			enqueue: func(ctx context.Context, h *harness) (string, error) {
				return h.Producer.CreateChatroom(ctx, tasks.CreateChatroom{Name: "cr-twice", Description: "d", Owner: "ro"})
			}, want: retried, wantRule: "network",
			wantCheck: func(t *testing.T, h *harness, _ string) {
				require.Len(t, h.Sandbox.RoomsNamed("cr-twice"), 2, "the provider takes no custom room id")
			}},
		{name: "create: a 503 is retried",
			prepare: func(h *harness) {
				h.Sandbox.AddFault(sandbox.Fault{Endpoint: sandbox.EndpointCreateRoom, Match: "cr-503", Status: 503, Times: 1})
			},
			enqueue: func(ctx context.Context, h *harness) (string, error) {
				return h.Producer.CreateChatroom(ctx, tasks.CreateChatroom{Name: "cr-503", Description: "d", Owner: "ro"})
			}, want: retried, wantRule: "503"},
		{name: "create: an unknown owner is dead-lettered",
			enqueue: func(ctx context.Context, h *harness) (string, error) {
				return h.Producer.CreateChatroom(ctx, tasks.CreateChatroom{Name: "cr-ghost", Description: "d", Owner: "ghost"})
			}, want: []dispatcher.Outcome{dead}, wantRule: "404-user-not-found"},

		{name: "add: delivered, a user already in the room counts as added",
			prepare: func(h *harness) { h.Sandbox.SeedRoom("ra", "ro", 0, "r1") },
			enqueue: func(ctx context.Context, h *harness) (string, error) {
				return h.Producer.AddChatroomMembers(ctx, tasks.AddChatroomMembers{ChatroomID: "ra", Usernames: []string{"r1", "r2"}})
			}, want: delivered,
			wantCheck: func(t *testing.T, h *harness, _ string) { members(t, h, "ra", "r1", "r2") }},
		{name: "add: a user left out of newmembers is split off and retried",
			prepare: func(h *harness) {
				h.Sandbox.SeedRoom("ra-left", "ro", 0)
				h.Sandbox.AddFault(sandbox.Fault{Endpoint: sandbox.EndpointAddRoomMembers, Match: "ra-left", ItemReasons: map[string]string{"r2": "x"}, Times: 1})
			},
			enqueue: func(ctx context.Context, h *harness) (string, error) {
				return h.Producer.AddChatroomMembers(ctx, tasks.AddChatroomMembers{ChatroomID: "ra-left", Usernames: []string{"r1", "r2"}})
			}, want: delivered,
			wantCheck: func(t *testing.T, h *harness, _ string) {
				require.Contains(t, h.Logs.String(), `"items":["r2"],"action":"retry"`)
				require.Contains(t, h.Logs.String(), "member not in data.newmembers (not added) (200 not_in_newmembers)")
				h.WaitSandbox(t, "r2 added by the split-off task", func(sandbox.Stats) bool {
					r, _ := h.Sandbox.Room("ra-left")
					return len(r.Members) == 2
				})
				members(t, h, "ra-left", "r1", "r2")
			}},
		{name: "add: a full room is retried until the budget is spent, then dead-lettered",
			enqueue: func(ctx context.Context, h *harness) (string, error) {
				return h.Producer.AddChatroomMembers(ctx, tasks.AddChatroomMembers{ChatroomID: "full", Usernames: []string{"r2"}}, tasks.MaxRetry(1))
			}, want: []dispatcher.Outcome{retry, dead}, wantRule: "403-room-full",
			wantCheck: func(t *testing.T, h *harness, id string) {
				rec, err := h.Store.Get(context.Background(), id)
				require.NoError(t, err)
				require.Contains(t, rec.Reason, "retries exhausted")
				members(t, h, "full", "r1")
			}},
		{name: "add: a missing room is dead-lettered",
			enqueue: func(ctx context.Context, h *harness) (string, error) {
				return h.Producer.AddChatroomMembers(ctx, tasks.AddChatroomMembers{ChatroomID: "ra-none", Usernames: []string{"r1"}})
			}, want: []dispatcher.Outcome{dead}, wantRule: "404-service-resource-not-found"},

		{name: "remove: delivered, a user not in the room is done",
			prepare: func(h *harness) { h.Sandbox.SeedRoom("rr", "ro", 0, "r1", "r2") },
			enqueue: func(ctx context.Context, h *harness) (string, error) {
				return h.Producer.RemoveChatroomMembers(ctx, tasks.RemoveChatroomMembers{ChatroomID: "rr", Usernames: []string{"r1", "r3"}})
			}, want: delivered,
			wantCheck: func(t *testing.T, h *harness, _ string) {
				require.Contains(t, h.Logs.String(), `"item":"r3","rule":"200-room-remove-not-member"`)
				members(t, h, "rr", "r2")
			}},
		{name: "remove: one user not in the room is done",
			enqueue: func(ctx context.Context, h *harness) (string, error) {
				return h.Producer.RemoveChatroomMembers(ctx, tasks.RemoveChatroomMembers{ChatroomID: "rr", Usernames: []string{"r3"}})
			}, want: []dispatcher.Outcome{dispatcher.OutcomeDone}, wantRule: "403-room-remove-not-member"},
		{name: "remove: result false is retried",
			prepare: func(h *harness) {
				h.Sandbox.AddFault(sandbox.Fault{Endpoint: sandbox.EndpointRemoveRoomMembers, Match: "rr-f", ItemReasons: map[string]string{"r1": "later"}, Times: 1})
				h.Sandbox.SeedRoom("rr-f", "ro", 0, "r1")
			},
			enqueue: func(ctx context.Context, h *harness) (string, error) {
				return h.Producer.RemoveChatroomMembers(ctx, tasks.RemoveChatroomMembers{ChatroomID: "rr-f", Usernames: []string{"r1", "r2"}})
			}, want: retried, wantRule: "200-room-remove-refused",
			wantCheck: func(t *testing.T, h *harness, _ string) { members(t, h, "rr-f") }},
		{name: "remove: a row for another user leaves ours without a result, retried",
			prepare: func(h *harness) {
				h.Sandbox.SeedRoom("rr-n", "ro", 0, "r1", "r2")
				body := `{"action":"delete","data":[{"result":true,"user":"r1","id":"rr-n"},{"result":true,"user":"zz","id":"rr-n"}]}`
				h.Sandbox.AddFault(sandbox.Fault{Endpoint: sandbox.EndpointRemoveRoomMembers, Match: "rr-n", Status: 200, RawBody: &body, Times: 1})
			},
			enqueue: func(ctx context.Context, h *harness) (string, error) {
				return h.Producer.RemoveChatroomMembers(ctx, tasks.RemoveChatroomMembers{ChatroomID: "rr-n", Usernames: []string{"r1", "r2"}})
			}, want: delivered,
			wantCheck: func(t *testing.T, h *harness, _ string) {
				require.Contains(t, h.Logs.String(), "no result for the member in the answer (200 no_result)")
				require.NotContains(t, h.Logs.String(), `"zz"`, "an unrequested user is never reported")
				h.WaitSandbox(t, "r2 removed by the split-off task", func(sandbox.Stats) bool {
					r, _ := h.Sandbox.Room("rr-n")
					return len(r.Members) == 1
				})
				members(t, h, "rr-n", "r1")
			}},
		{name: "remove: the owner is dead-lettered",
			enqueue: func(ctx context.Context, h *harness) (string, error) {
				return h.Producer.RemoveChatroomMembers(ctx, tasks.RemoveChatroomMembers{ChatroomID: "rr", Usernames: []string{"ro"}})
			}, want: []dispatcher.Outcome{dead}, wantRule: "403"},

		{name: "delete: success false is retried, then deleted",
			prepare: func(h *harness) {
				h.Sandbox.SeedRoom("rd", "ro", 0)
				h.Sandbox.AddFault(sandbox.Fault{Endpoint: sandbox.EndpointDeleteRoom, Match: "rd", Refuse: true, Times: 1})
			},
			enqueue: func(ctx context.Context, h *harness) (string, error) {
				return h.Producer.DeleteChatroom(ctx, tasks.DeleteChatroom{ChatroomID: "rd"})
			}, want: retried, wantRule: "200-room-delete-refused",
			wantCheck: func(t *testing.T, h *harness, _ string) {
				_, ok := h.Sandbox.Room("rd")
				require.False(t, ok, "deleted by the retry")
			}},
		{name: "delete: a room already gone is done",
			enqueue: func(ctx context.Context, h *harness) (string, error) {
				return h.Producer.DeleteChatroom(ctx, tasks.DeleteChatroom{ChatroomID: "rd"})
			}, want: []dispatcher.Outcome{dispatcher.OutcomeDone}, wantRule: "404-room-already-gone"},
		{name: "remove: from a room already gone is done",
			enqueue: func(ctx context.Context, h *harness) (string, error) {
				return h.Producer.RemoveChatroomMembers(ctx, tasks.RemoveChatroomMembers{ChatroomID: "rd", Usernames: []string{"r1"}})
			}, want: []dispatcher.Outcome{dispatcher.OutcomeDone}, wantRule: "404-room-gone-remove"},
		{name: "delete: a forbidden answer is dead-lettered",
			prepare: func(h *harness) {
				h.Sandbox.SeedRoom("rd-403", "ro", 0)
				h.Sandbox.AddFault(sandbox.Fault{Endpoint: sandbox.EndpointDeleteRoom, Match: "rd-403", Status: 403, Code: "forbidden_op", Message: "forbidden", Times: 1})
			},
			enqueue: func(ctx context.Context, h *harness) (string, error) {
				return h.Producer.DeleteChatroom(ctx, tasks.DeleteChatroom{ChatroomID: "rd-403"})
			}, want: []dispatcher.Outcome{dead}, wantRule: "403"},
	}
}
