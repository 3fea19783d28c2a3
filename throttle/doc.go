// Package throttle keeps a fleet of chatq workers at the provider's rate
// limits and away from a provider that is down. Every worker shares the
// state below through Redis, so N workers behave like one client.
//
// Per API family (see [Family]: user, group and room messages, users,
// groups) it keeps:
//
//   - A rate limit (GCRA, github.com/go-redis/redis_rate): the documented
//     limits by default (agora-chat-rest-api-notes.md §7: 100 calls/s, 20/s
//     for group messages), plus an optional cap on all families together
//     (Config.Total, the free plan's 10 calls/s). A worker reserves tokens in
//     batches (about 50 ms worth, at most 100) with one Redis call and hands
//     them out locally, so the hot path pays no round trip per task.
//   - A pause: the first 429 of a family pauses it for every worker
//     (Retry-After when present, else Config.Pause) and lowers the family's
//     effective rate by Config.Decrease; the rate then recovers by
//     Config.Recovery of the configured limit per second (AIMD), so a limit
//     configured too high corrects itself.
//   - A circuit breaker: Config.BreakerFailures 5xx answers or network
//     errors in a row (across the fleet, at the granularity of
//     Config.Refresh) open it; while open, calls are not made and at most one
//     probe per Config.ProbeInterval goes out, fleet-wide. Any HTTP answer
//     below 500 to a probe closes it; a failed probe keeps it open.
//
// [Throttle.Acquire] asks for permission before a call. It waits when the
// wait is short (a token or a pause ending within Config.MaxWait) and
// otherwise returns a [*DeferError] with the delay after which to try again:
// the dispatcher defers the task without spending its retry budget and
// without counting a deferral (capacity and fleet-wide outages are not the
// task's failure). [Permit.Done] reports the call's outcome.
//
// Pause and breaker state is cached per worker for Config.Refresh (100 ms)
// and refreshed with one pipelined Redis call; a worker that changes the
// state sees it at once. Redis errors never stop delivery: the throttle then
// lets calls through (fails open) and logs the error.
//
// Redis keys, all under the {chatq} hash tag: {chatq}:throttle:<family>
// (hash: effective rate, pause, breaker), rate:{chatq}:throttle:<family> and
// rate:{chatq}:throttle:total (GCRA), {chatq}:throttle:calls:<family>:<unix
// second> (call counts for chatq status, expiring after a minute),
// {chatq}:throttle:config and {chatq}:throttle:config:seen (the settings
// each running worker publishes for chatq status: [Publisher], [ReadSettings]).
package throttle
