// Package cli implements the chatq command: worker, enqueue, policy,
// sandbox and demo. Commands are built per call from an Env (no globals),
// so tests drive them with their own writers; cmd/chatq only calls Main.
//
// Exit codes: 0 success, 1 failure at run time, 2 bad usage or
// configuration (the message names the flag or CHATQ_* variable).
package cli
