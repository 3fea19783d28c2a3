// Package throttle keeps a fleet of chatq workers at the provider's rate
// limits and away from a provider that is down. Every worker shares the
// state below through Redis, so N workers behave like one client.
//
// Per API family (see [Family]: user, group and room messages, users,
// groups) it keeps:
//
//   - A rate limit: the documented limits by default (the provider's
//     limitations page: 100 calls/s, 20/s for group messages), plus an
//     optional cap on all families together (Config.Total, the free plan's
//     10 calls/s). A GCRA in Redis (reserveScript) hands out slots — the
//     moments, 1/limit apart on Redis's clock, at which calls may leave — in
//     batches of about 50 ms (at most 100) per Redis call, so the hot path
//     pays no round trip per task and the fleet's calls leave evenly spaced
//     (Config.Burst allows that many back to back).
//   - 429s, counted per family in windows of Config.DecreaseWindow: a few
//     change nothing for the fleet; the fifth of a window, or one with
//     Retry-After, pauses the family for every worker (Retry-After, else
//     Config.Pause); a window with two or more lowers the effective rate in
//     proportion (at most by Config.Decrease), and it recovers by
//     Config.Recovery of the configured limit per second (AIMD), so a limit
//     configured too high corrects itself.
//   - A circuit breaker: Config.BreakerFailures 5xx answers or network
//     errors in a row (across the fleet, at the granularity of
//     Config.Refresh) open it; while open, calls are not made and at most one
//     probe per Config.ProbeInterval goes out, fleet-wide. Any HTTP answer
//     below 500 to a probe closes it; a failed probe keeps it open, and
//     [Permit.Done] returns a [*DeferError] for it: the probe's failure is
//     the breaker's evidence, not its task's.
//
// [Throttle.Acquire] asks for permission before a call. It waits when the
// wait is short (a slot or a pause ending within Config.MaxWait) and
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
