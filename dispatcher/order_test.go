package dispatcher_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/deadletter"
	"github.com/chatq/chatq/dispatcher"
	"github.com/chatq/chatq/internal/e2etest"
	"github.com/chatq/chatq/ordering"
	"github.com/chatq/chatq/policy"
	"github.com/chatq/chatq/sandbox"
	"github.com/chatq/chatq/tasks"
	"github.com/chatq/chatq/taskstatus"
)

// chat is message n of the conversation from → to, its text "<from>#<n>",
// so the sandbox's record of what it accepted is the oracle of the order.
func chat(from, to string, n int) tasks.SendMessage {
	b, _ := json.Marshal(map[string]string{"msg": from + "#" + strconv.Itoa(n)})
	return tasks.SendMessage{Target: "users", From: from, To: []string{to}, Type: "txt", Body: b}
}

// accepted returns, per sender, the message numbers in the order the
// sandbox accepted them.
func accepted(t *testing.T, sb *sandbox.Server) map[string][]int {
	t.Helper()
	out := map[string][]int{}
	for _, m := range sb.Messages() {
		var body struct{ Msg string }
		require.NoError(t, json.Unmarshal(m.Body, &body))
		from, n, ok := strings.Cut(body.Msg, "#")
		if !ok {
			continue
		}
		i, err := strconv.Atoi(n)
		require.NoError(t, err)
		out[from] = append(out[from], i)
	}
	return out
}

// upTo is 1..n.
func upTo(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i + 1
	}
	return out
}

func (h *harness) sendChat(t *testing.T, m tasks.SendMessage, opts ...tasks.Option) string {
	t.Helper()
	id, err := h.Producer.SendMessage(context.Background(), m, append([]tasks.Option{tasks.Ordered()}, opts...)...)
	require.NoError(t, err)
	return id
}

// waitAccepted waits until the sandbox has accepted n messages.
func (h *harness) waitAccepted(t *testing.T, n int) {
	t.Helper()
	h.WaitSandbox(t, fmt.Sprintf("%d messages accepted", n), func(s sandbox.Stats) bool { return s.Delivered >= n })
}

func TestOrder_PerKeyOrderUnderFaults(t *testing.T) {
	t.Parallel()
	h := setup(t)
	// One call in four fails: 503s are retried, 429s deferred; both hold
	// their key, which the order the sandbox accepted each key's messages in
	// shows.
	h.Sandbox.AddFault(sandbox.Fault{Endpoint: sandbox.EndpointSendMessage, Probability: 0.2, Status: 503})
	h.Sandbox.AddFault(sandbox.Fault{Endpoint: sandbox.EndpointSendMessage, Probability: 0.06, Status: 429,
		Code: "reach_limit", RetryAfter: "0"})
	const keys, per = 8, 12
	for n := 1; n <= per; n++ {
		for k := range keys {
			h.sendChat(t, chat(fmt.Sprintf("u%d", k), "bob", n))
		}
	}
	h.waitAccepted(t, keys*per)
	got := accepted(t, h.Sandbox)
	for k := range keys {
		require.Equal(t, upTo(per), got[fmt.Sprintf("u%d", k)], "key u%d in enqueue order, none lost or twice", k)
	}
	require.Positive(t, h.Sandbox.Stats().Responses["503"], "faults were injected")
}

func TestOrder_OtherKeysFlowWhileAHeadRetries(t *testing.T) {
	t.Parallel()
	h := setup(t)
	fault := h.Sandbox.AddFault(sandbox.Fault{Match: `"held#1"`, Status: 503})
	held := h.sendChat(t, chat("held", "bob", 1))
	behind := h.sendChat(t, chat("held", "bob", 2))
	for n := 1; n <= 5; n++ {
		h.sendChat(t, chat("free", "bob", n))
	}
	h.waitAccepted(t, 5)
	h.Events.WaitFor(t, held, func(evs []dispatcher.Event) bool { return len(evs) >= 2 }) // retried meanwhile
	require.Equal(t, upTo(5), accepted(t, h.Sandbox)["free"])
	require.Empty(t, accepted(t, h.Sandbox)["held"], "held#2 waits behind its retrying head")
	reader := taskstatus.Reader{Inspector: h.Inspector, RDB: h.RDB, DeadLetters: h.Store, Queues: tasks.Queues()}
	st, err := reader.Get(context.Background(), behind)
	require.NoError(t, err)
	require.Equal(t, taskstatus.StatePending, st.State, "a task behind its key's head is pending, not unknown")
	require.Contains(t, st.Detail, `order key "users:bob:held"`)

	require.True(t, h.Sandbox.RemoveFault(fault))
	h.waitAccepted(t, 7)
	require.Equal(t, []int{1, 2}, accepted(t, h.Sandbox)["held"])
}

func TestOrder_DeadLetteredHead(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		mode        string
		then        string // "replay" or "delete" the dead letter
		wantBlocked bool
		want        []int // the key's messages, in the order accepted
	}{
		{name: "skip", mode: ordering.OnDeadLetterSkip, then: "replay", want: []int{2, 3, 1}},
		{name: "block, then replay", mode: ordering.OnDeadLetterBlock, then: "replay", wantBlocked: true, want: []int{1, 2, 3}},
		{name: "block, then delete", mode: ordering.OnDeadLetterBlock, then: "delete", wantBlocked: true, want: []int{2, 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := setup(t, func(o *e2etest.Options) { o.Worker.OrderOnDeadLetter = tc.mode })
			ctx := context.Background()
			fault := h.Sandbox.AddFault(sandbox.Fault{Match: `"dl#1"`, Status: 403, Code: "forbidden_op", Message: "Forbidden operation on group owner!"})
			head := h.sendChat(t, chat("dl", "bob", 1))
			for n := 2; n <= 3; n++ {
				h.sendChat(t, chat("dl", "bob", n))
			}
			require.Equal(t, dead, h.Events.WaitFinal(t, head)[0].Outcome)
			rec, err := h.Store.Get(ctx, head)
			require.NoError(t, err)
			require.Equal(t, "users:bob:dl", rec.OrderKey, "the record names its key")
			require.Equal(t, int64(1), rec.OrderPosition)

			// Another key's message passes while dl's key is blocked or not.
			h.sendChat(t, chat("other", "bob", 1))
			if tc.wantBlocked {
				h.waitAccepted(t, 1)
				q := ordering.New(h.RDB, nil)
				n, since, err := q.BlockedCount(ctx)
				require.NoError(t, err)
				require.Equal(t, int64(1), n)
				require.False(t, since.IsZero())
				require.Empty(t, accepted(t, h.Sandbox)["dl"], "blocked: nothing behind the dead letter ran")
			} else {
				h.waitAccepted(t, 3)
				require.Equal(t, []int{2, 3}, accepted(t, h.Sandbox)["dl"])
			}

			require.True(t, h.Sandbox.RemoveFault(fault))
			filter := deadletter.Filter{IDs: []string{head}}
			if tc.then == "delete" {
				rep, err := h.Store.Delete(ctx, deadletter.DeleteOptions{Filter: filter, Inspector: h.Inspector})
				require.NoError(t, err)
				require.Equal(t, 1, rep.Counts[deadletter.OutcomeDeleted])
			} else {
				table, err := policy.NewTable(nil, policy.DefaultRules())
				require.NoError(t, err)
				rep, err := h.Store.Replay(ctx, deadletter.ReplayOptions{Filter: filter, Client: h.Producer, Table: table,
					Inspector: h.Inspector})
				require.NoError(t, err)
				require.Equal(t, 1, rep.Counts[deadletter.OutcomeReplayed], "%+v", rep.Items)
			}
			h.waitAccepted(t, 1+len(tc.want))
			require.Equal(t, tc.want, accepted(t, h.Sandbox)["dl"])
			e2etest.Eventually(t, "no key blocked", func(c *assert.CollectT) {
				n, _, err := ordering.New(h.RDB, nil).BlockedCount(ctx)
				require.NoError(c, err)
				require.Zero(c, n)
			})
		})
	}
}

func TestOrder_ExpiredHeadIsSkippedEvenWhenBlocking(t *testing.T) {
	t.Parallel()
	h := setup(t, func(o *e2etest.Options) { o.Worker.OrderOnDeadLetter = ordering.OnDeadLetterBlock })
	h.Sandbox.AddFault(sandbox.Fault{Match: `"exp#1"`, Status: 503})
	head := h.sendChat(t, chat("exp", "bob", 1), tasks.TTL(300*time.Millisecond))
	h.sendChat(t, chat("exp", "bob", 2))
	evs := h.Events.WaitFinal(t, head)
	require.Equal(t, deadletter.RuleExpired, evs[len(evs)-1].Rule)
	h.waitAccepted(t, 1)
	require.Equal(t, []int{2}, accepted(t, h.Sandbox)["exp"])
}

func TestOrder_IdempotentDuplicateEnqueue(t *testing.T) {
	t.Parallel()
	h := setup(t)
	hold := h.Sandbox.AddFault(sandbox.Fault{Match: `"dup#1"`, Status: 503})
	first := h.sendChat(t, chat("dup", "bob", 1))
	a := h.sendChat(t, chat("dup", "bob", 2), tasks.Key("k2"))
	b := h.sendChat(t, chat("dup", "bob", 2), tasks.Key("k2"))
	require.Equal(t, a, b, "one task for one key")
	h.sendChat(t, chat("dup", "bob", 3))
	n, err := ordering.New(h.RDB, nil).Len(context.Background(), "users:bob:dup")
	require.NoError(t, err)
	require.Equal(t, int64(3), n, "the duplicate was not appended")
	h.Events.WaitFor(t, first, func(evs []dispatcher.Event) bool { return len(evs) >= 1 })
	require.True(t, h.Sandbox.RemoveFault(hold))
	h.waitAccepted(t, 3)
	require.Equal(t, []int{1, 2, 3}, accepted(t, h.Sandbox)["dup"])
	h.Events.WaitFinal(t, a)
	c := h.sendChat(t, chat("dup", "bob", 2), tasks.Key("k2"))
	require.Equal(t, a, c, "still one task after delivery")
}

func TestOrder_TwoWorkersOneInFlightPerKey(t *testing.T) {
	t.Parallel()
	f := e2etest.New(t)
	f.AddWorker()
	f.AddWorker(func(o *e2etest.Options) { o.OwnRedisClient = true })
	f.Sandbox.AddFault(sandbox.Fault{Endpoint: sandbox.EndpointSendMessage, Probability: 0.25, Status: 503})
	const keys, per = 4, 15
	for n := 1; n <= per; n++ {
		for k := range keys {
			_, err := f.Producer.SendMessage(context.Background(), chat(fmt.Sprintf("w%d", k), "bob", n), tasks.Ordered())
			require.NoError(t, err)
		}
	}
	f.WaitSandbox(t, "all accepted", func(s sandbox.Stats) bool { return s.Delivered >= keys*per })
	got := accepted(t, f.Sandbox)
	for k := range keys {
		require.Equal(t, upTo(per), got[fmt.Sprintf("w%d", k)])
	}
}

func TestOrder_ChainedHeadKeepsItsAttempts(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.Sandbox.AddFault(sandbox.Fault{Match: `"chain#2"`, Status: 503})
	// chain#1 is answered late, so chain#2 and #3 are queued behind it by then.
	h.Sandbox.AddFault(sandbox.Fault{Match: `"chain#1"`, Delay: sandbox.Duration(300 * time.Millisecond)})
	first := h.sendChat(t, chat("chain", "bob", 1))
	second := h.sendChat(t, chat("chain", "bob", 2), tasks.MaxRetry(2))
	h.sendChat(t, chat("chain", "bob", 3))
	require.Equal(t, delivered, h.Events.WaitFinal(t, first)[0].Outcome)
	// chain#2 runs right after chain#1 in the same handler, fails, and goes
	// to asynq for its retries with that attempt counted: three attempts
	// in all for a budget of two retries.
	evs := h.Events.WaitFinal(t, second)
	require.Len(t, evs, 3, "attempts of chain#2: %v", e2etest.Outcomes(evs))
	rec, err := h.Store.Get(context.Background(), second)
	require.NoError(t, err)
	require.Equal(t, 3, rec.Attempts)
	h.waitAccepted(t, 2)
	require.Equal(t, []int{1, 3}, accepted(t, h.Sandbox)["chain"], "skip: chain#3 after chain#2's dead letter")
}
