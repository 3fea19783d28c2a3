// Package cli implements the chatq command: its commands, flags, the
// CHATQ_* configuration and exit codes. The work itself lives below it:
// internal/app builds the worker, internal/demo runs the demo,
// internal/benchcmd the benchmarks, internal/taskline parses enqueue files.
// Commands are built per call from an Env (no globals), so tests drive them
// with their own writers; cmd/chatq only calls Main.
//
// Exit codes: 0 success, 1 failure at run time, 2 bad usage or
// configuration (the message names the flag or CHATQ_* variable).
package cli
