package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/deadletter"
	"github.com/chatq/chatq/internal/redistest"
	"github.com/chatq/chatq/tasks"
)

// seedDeadLetters writes n records of each kind: after a 503 outage
// (t000…), for a user who did not exist (404), and refused for the payload
// itself (400 message too large).
func seedDeadLetters(t *testing.T, n int) (*redistest.DB, *deadletter.Store) {
	t.Helper()
	db := redistest.New(t)
	t.Setenv("CHATQ_REDIS_URL", db.URL)
	store := deadletter.New(db.Client, deadletter.Config{})
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var recs []deadletter.Record
	for i := range 3 * n {
		r := deadletter.Record{TaskID: fmt.Sprintf("t%03d", i), Type: tasks.TypeSendMessage, Queue: tasks.QueueMessages,
			Status: 503, Rule: "503", Action: "retry", Reason: "retries exhausted", Attempts: 26,
			FirstFailure: at, LastFailure: at.Add(time.Duration(i) * time.Second)}
		switch i / n {
		case 1:
			r.Status, r.Code, r.Rule, r.Action = 404, "resource_not_found", "404-user-not-found", "dead-letter"
			r.Description, r.Reason = "username bob doesn't exist", "user does not exist"
		case 2:
			r.Status, r.Code, r.Rule, r.Action = 400, "message_send_error", "400-send-message-too-large", "dead-letter"
			r.Description, r.Reason = "message is too large", "message body too large"
		}
		r.SetPayload(fmt.Appendf(nil, `{"target":"users","from":"admin","to":["bob"],"type":"txt","body":{"msg":"m%d"}}`, i))
		recs = append(recs, r)
	}
	require.NoError(t, store.PutMany(context.Background(), recs))
	return db, store
}

func TestDeadLetter_ListStatsShow(t *testing.T) {
	seedDeadLetters(t, 3)
	code, out, stderr := run(t, "", "dlq", "list", "--rule", "404-user-not-found", "--limit", "2")
	require.Equal(t, ExitOK, code, stderr)
	require.Contains(t, out, "TASK ID")
	require.Equal(t, 3, strings.Count(out, "\n"), "header and 2 rows:\n%s", out)
	require.Contains(t, out, "t005")

	code, out, _ = run(t, "", "deadletter", "list", "--json", "--contains", "m1\"")
	require.Equal(t, ExitOK, code)
	var rec deadletter.Record
	require.NoError(t, json.Unmarshal([]byte(out), &rec))
	require.Equal(t, "t001", rec.TaskID)

	code, out, _ = run(t, "", "dlq", "stats")
	require.Equal(t, ExitOK, code)
	require.Contains(t, out, "9 dead letters")
	require.Regexp(t, `404 resource_not_found\s+3`, out)

	code, out, _ = run(t, "", "dlq", "show", "t004")
	require.Equal(t, ExitOK, code)
	require.Contains(t, out, "username bob doesn't exist")
	require.Contains(t, out, "\n      \"msg\": \"m4\"", "payload pretty-printed")

	code, _, stderr = run(t, "", "dlq", "show", "nope")
	require.Equal(t, ExitFailure, code)
	require.Contains(t, stderr, "not found")
	code, _, stderr = run(t, "", "dlq", "list", "--status", "abc")
	require.Equal(t, ExitUsage, code)
	require.Contains(t, stderr, "filter status")
	code, _, _ = run(t, "", "dlq", "list", "--since", "yesterday")
	require.Equal(t, ExitUsage, code)
}

func TestDeadLetter_ReplayDryRunThenReplay(t *testing.T) {
	db, store := seedDeadLetters(t, 3)
	code, out, stderr := run(t, "", "dlq", "replay", "--dry-run")
	require.Equal(t, ExitOK, code, stderr)
	require.Regexp(t, `would-replay\s+3\s+503\s+the cause is outside the payload`, out)
	require.Regexp(t, `would-replay\s+3\s+404-user-not-found\s+the cause is outside the payload`, out)
	require.Regexp(t, `skipped-payload\s+3\s+400-send-message-too-large\s+the payload itself caused it .*: fix it with --patch, or --force\n`, out,
		"the hint is not cut off")
	require.Regexp(t, `\nt004\s+message:send\s+404-user-not-found\s+would-replay\s+the cause is outside the payload `+
		`\(404 resource_not_found, rule 404-user-not-found: user does not exist\); it is sent again and the current policy decides its next failure\n`, out,
		"one line per item, in full")
	require.Regexp(t, `\nt007\s+message:send\s+400-send-message-too-large\s+skipped-payload\s+the payload itself caused it`, out)

	code, out, stderr = run(t, "", "dlq", "replay", "--rate", "1000")
	require.Equal(t, ExitOK, code, stderr)
	require.Regexp(t, `replayed\s+3\s+404-user-not-found`, out)
	require.Regexp(t, `replayed\s+3\s+503`, out)
	require.Contains(t, stderr, "replay: 6/6", "plain progress lines when not a terminal")
	insp := asynq.NewInspector(db.Opt)
	defer insp.Close()
	info, err := insp.GetQueueInfo(tasks.QueueMessages)
	require.NoError(t, err)
	require.Equal(t, 6, info.Pending)

	code, out, _ = run(t, "", "dlq", "replay", "--rate", "1000", "--patch", `{"to":[]}`)
	require.Equal(t, ExitFailure, code)
	require.Contains(t, out, "invalid after --patch (3)")
	code, _, _ = run(t, "", "dlq", "replay", "--patch", `{"to":`)
	require.Equal(t, ExitUsage, code)

	code, out, stderr = run(t, "", "dlq", "replay", "t006", "--patch", `{"body":{"msg":"short"}}`, "--dry-run")
	require.Equal(t, ExitOK, code, stderr)
	require.Contains(t, out, `+ body.msg: "short"`)
	code, _, stderr = run(t, "", "dlq", "replay", "t006", "--patch", `{"body":{"msg":"short"}}`)
	require.Equal(t, ExitOK, code, stderr)
	audit, err := store.Audit(context.Background(), 1)
	require.NoError(t, err)
	require.Equal(t, "replay", audit[0].Op)
	require.Equal(t, []string{"t006"}, audit[0].Filter.IDs)
	require.Equal(t, map[string]int{"replayed": 1}, audit[0].Counts)
}

func TestDeadLetter_Delete(t *testing.T) {
	_, store := seedDeadLetters(t, 2)
	code, _, _ := run(t, "", "dlq", "delete")
	require.Equal(t, ExitUsage, code, "no ids and no filter")
	code, out, _ := run(t, "", "dlq", "delete", "--rule", "503", "--dry-run")
	require.Equal(t, ExitOK, code)
	require.Regexp(t, `would-delete\s+2`, out)
	code, out, stderr := run(t, "", "dlq", "delete", "--rule", "503")
	require.Equal(t, ExitOK, code, stderr)
	require.Regexp(t, `deleted\s+2`, out)
	n, err := store.Count(context.Background())
	require.NoError(t, err)
	require.Equal(t, int64(4), n)
}

// TestDeadLetter_UnknownIDsExitOne: a typo in an id must not look like
// success ("total 0", exit 0); nothing is done and the ids are named.
func TestDeadLetter_UnknownIDsExitOne(t *testing.T) {
	_, store := seedDeadLetters(t, 1)
	for _, args := range [][]string{
		{"dlq", "list", "does-not-exist"},
		{"dlq", "replay", "t000", "does-not-exist"},
		{"dlq", "replay", "does-not-exist", "--dry-run"},
		{"dlq", "delete", "t000", "does-not-exist", "--yes"},
	} {
		code, stdout, stderr := run(t, "", args...)
		require.Equal(t, ExitFailure, code, "%v: %s", args, stderr)
		require.Contains(t, stderr, "no dead letter with id does-not-exist", "%v", args)
		require.NotContains(t, stdout, "total 0", "%v", args)
	}
	n, err := store.Count(context.Background())
	require.NoError(t, err)
	require.Equal(t, int64(3), n, "nothing replayed or deleted")

	code, out, stderr := run(t, "", "dlq", "replay", "t000", "t000", "--rate", "0")
	require.Equal(t, ExitOK, code, stderr)
	require.Regexp(t, `replayed\s+1\s+503`, out, "an id given twice is one item")
	code, out, stderr = run(t, "", "dlq", "replay", "t000", "t001", "--rate", "0")
	require.Equal(t, ExitOK, code, "a rerun finishes the run: %s", stderr)
	require.Regexp(t, `skipped-gone\s+1`, out)
	code, _, stderr = run(t, "", "dlq", "list", "t000")
	require.Equal(t, ExitFailure, code)
	require.Contains(t, stderr, "replayed or deleted: t000")
}

// TestDeadLetter_ReplayLeavingWorkUndoneExitsOne: an item another run holds
// (skipped-busy) is work left undone: exit 1, the item named. Items the
// re-check skips are not: exit 0.
func TestDeadLetter_ReplayLeavingWorkUndoneExitsOne(t *testing.T) {
	db, _ := seedDeadLetters(t, 1)
	require.NoError(t, db.Client.Set(context.Background(), "{chatq}:dl:claim:t001", "another-run", time.Minute).Err())

	code, _, stderr := run(t, "", "dlq", "replay", "--dry-run")
	require.Equal(t, ExitOK, code, "a dry run claims nothing: %s", stderr)
	code, out, stderr := run(t, "", "dlq", "replay", "--rate", "0")
	require.Equal(t, ExitFailure, code, out)
	require.Regexp(t, `skipped-busy\s+1\s+404-user-not-found`, out)
	require.Regexp(t, `skipped-payload\s+1\s+400-send-message-too-large`, out)
	require.Contains(t, out, "\n  t001\tmessage:send\tclaimed by another replay or delete run\n")
	require.Contains(t, stderr, "1 item(s) skipped-busy (listed above); run the same command again")

	require.NoError(t, db.Client.Del(context.Background(), "{chatq}:dl:claim:t001").Err())
	code, out, stderr = run(t, "", "dlq", "replay", "--rate", "0")
	require.Equal(t, ExitOK, code, "only the payload fault is left, which the re-check skips: %s", stderr)
	require.Regexp(t, `replayed\s+1\s+404-user-not-found`, out)
}
