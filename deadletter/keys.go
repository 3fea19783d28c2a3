package deadletter

// Redis keys. All share the {chatq} hash tag, so every key lives in one
// cluster slot and the Lua scripts below may touch several of them.
const (
	recordPrefix = "{chatq}:dl:"
	indexKey     = "{chatq}:dl:index"
	// resolvedKey maps a task id to the time (unix ms) chatq saw the task
	// succeed after it was dead-lettered (run again from asynqmon). Kept
	// apart from the JSON record so a resolution never rewrites a payload.
	resolvedKey = "{chatq}:dl:resolved"
	// tombstoneKey maps the ids of replayed or deleted dead letters to the
	// time they left the store, so the reconciler neither imports their
	// archived asynq copy again nor keeps it: it deletes it.
	tombstoneKey = "{chatq}:dl:tombstones"
	// rerunKey holds the ids of open records whose task the reconciler saw
	// live in asynq again (run from asynqmon): when such a task then leaves
	// asynq without a new dead letter, it succeeded.
	rerunKey    = "{chatq}:dl:rerun"
	claimPrefix = "{chatq}:dl:claim:"
	// AuditKey is the Redis stream of replay, delete and retention entries.
	AuditKey      = "{chatq}:dl:audit"
	patchPrefix   = "{chatq}:dl:patch:"
	reconcileLock = "{chatq}:dl:reconcile:lock"
)

func recordKey(taskID string) string { return recordPrefix + taskID }
func claimKey(taskID string) string  { return claimPrefix + taskID }

// patchEntryKey is where a patched replay records who changed what: a JSON
// PatchEntry under the replayed task's new id.
func patchEntryKey(newTaskID string) string { return patchPrefix + newTaskID }
