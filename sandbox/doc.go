// Package sandbox is a fake Agora Chat REST API: a real HTTP handler that keeps
// users, groups and delivered messages in memory, answers with the provider's
// documented status codes, error codes and messages, and injects faults on demand.
//
// It is the independent oracle for chatq's tests, demo and benchmarks, so it
// imports nothing from the chatq module. Build one with [New] and serve it with
// net/http or httptest:
//
//	srv := httptest.NewServer(sandbox.New(sandbox.Config{}))
//
// # Provider endpoints
//
// Paths are /{org}/{app}/... (Config.OrgName, Config.AppName). Each call is
// counted in [Stats] under its endpoint name:
//
//	token           POST   /{org}/{app}/token
//	send_message    POST   /{org}/{app}/messages/{users|chatgroups|chatrooms}
//	register_user   POST   /{org}/{app}/users                 (object = one user, array = batch of <= 60)
//	create_group    POST   /{org}/{app}/chatgroups
//	delete_group    DELETE /{org}/{app}/chatgroups/{group}
//	transfer_owner  PUT    /{org}/{app}/chatgroups/{group}    body {"newowner":"u"}
//	update_group    PUT    /{org}/{app}/chatgroups/{group}    body without "newowner"
//	recall_message  POST   /{org}/{app}/messages/msg_recall
//	add_members     POST   /{org}/{app}/chatgroups/{group}/users[/{user}]
//	remove_members  DELETE /{org}/{app}/chatgroups/{group}/users/{u1,u2,...}
//	other           anything else under a provider path (answered 500 or 405)
//
// The path is read as HTTP servers and proxies read it before routing:
// percent-encoded unreserved characters decoded ("%2e" is "."), dot
// segments removed (RFC 3986 §5.2.4), segments split at the raw '/' and
// then decoded, a trailing '/' ignored. So "DELETE
// /{org}/{app}/chatgroups/g1/users/.." deletes group g1, as it would behind
// a proxy.
//
// A request goes through these steps, in order: it is counted; the first
// matching fault answers it; a body over max(1 MiB, 4*MaxMessageBytes)
// answers 413; the rate limit (Config.RateLimit, not applied to
// token) answers 429 reach_limit; a wrong org/app answers 404; an unknown path
// answers 500 web_application and a wrong method 405; the bearer token is
// checked (not for token); a body without Content-Type application/json
// answers 415; unparsable JSON answers 400 json_parse; then the endpoint's own
// rules apply. Message sends do not check that recipients exist, as documented
// by the provider. On register_user every token failure (missing, expired,
// corrupt, unknown) answers 401 unauthorized "Registration is not open, please
// contact the app admin.", as the provider's status-code table says.
//
// Bearer tokens starting with "007" are Agora AccessToken2 app tokens, which
// clients mint themselves: the sandbox verifies them with its own code
// against Config.AppID and Config.AppCertificate (signature, App ID, Chat
// service with the ChatApp privilege, expiry) and counts each new one in
// Stats.AppTokens. A corrupt one answers 401 auth_bad_access_token "Unable to
// authenticate due to corrupt access token.", a forged one (or one for
// another app) 401 auth_bad_access_token "Unable to authenticate.", an
// expired one 401 unauthorized "Unable to authenticate due to expired access
// token.". Other tokens go through the client_credentials path.
//
// # Admin API
//
// Requests under /_sandbox/ need no token and are never counted, faulted or
// rate limited. Calls without a JSON answer return 204; bad input returns 400
// with {"error":"..."}:
//
//	POST   /_sandbox/faults         JSON Fault -> {"id":"f1"}
//	GET    /_sandbox/faults         list of active faults with their ids
//	DELETE /_sandbox/faults         remove every fault
//	DELETE /_sandbox/faults/{id}    remove one fault
//	POST   /_sandbox/tokens/expire  every token issued (or app token seen) so far is now expired
//	GET    /_sandbox/stats          JSON Stats
//	POST   /_sandbox/reset          drop all state, faults and stats
//	GET    /_sandbox/messages       delivered messages, in order
//	POST   /_sandbox/users          {"usernames":[...]} creates users directly
//	POST   /_sandbox/groups         {"id","owner","members"} creates a group directly
//	GET    /_sandbox/groups/{id}    JSON Group, or 404
//
// # Fault spec
//
// A [Fault] is given as JSON (admin API, [Server.AddFault]) or as a spec string
// for [ParseFault], comma-separated key=value pairs:
//
//	endpoint=send_message,status=503,times=3,retry_after=2
//	endpoint=token,delay=2s
//	match=user42,status=429,code=reach_limit,message=This request has reached api limit.
//	endpoint=register_user,drop=true,probability=0.1
//	status=502,raw_body=<html>Bad Gateway</html>
//
// Keys: endpoint, match, times, probability, status, code, message, exception,
// error_code, raw_body, content_type, retry_after, delay, drop, drop_after,
// refuse. A fault with only a delay slows the call down and then lets it
// through to normal processing; drop_after processes the call and then
// loses its answer; refuse answers the endpoint's documented negative 200
// (data.success, data.newowner or data.result false) and changes nothing.
//
// # Dialects
//
// Config.Dialect ("agora", the default, or "easemob"; chatq sandbox
// --dialect) makes the sandbox as strict as that provider: under easemob a
// register without password answers 400 "password or pin must provided",
// a group create without public 400 "group must contain public field!",
// and error bodies carry the numeric error_code; a group create's custom
// groupid is accepted under easemob (an existing one answers 400 "group ID
// … already exists!") and is an undocumented field under agora. Both
// answer an undocumented group-create field with 400 invalid_parameter
// "Some of [field] are not valid fields." and a message over
// MaxMessageBytes (5 KB) with 400. A part
// that does not start with key= (a key is lower-case letters and "_")
// continues the previous value, so messages and raw bodies may contain commas.
//
// Stats.Responses keys are "<status>" or "<status> <code>" (for example "200",
// "429 reach_limit"), plus "drop" for dropped connections and "canceled" for
// delayed calls whose client went away.
package sandbox
