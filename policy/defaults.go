package policy

// Provenance for the Doc field: the provider's public pages. "status-codes
// page" is https://docs.agora.io/en/agora-chat/reference/http-status-codes,
// whose tables most rows copy; the other rows cite the page that documents
// their wording or their advice. The sandbox answers with the same bodies
// (sandbox/errors.go), and dispatcher/rows_test.go drives every row.
const (
	docPage400 = "status-codes page, 400 Bad Request table"
	docPage401 = "status-codes page, 401 Unauthorized table"
	docPage403 = "status-codes page, 403 Forbidden table"
	docPage404 = "status-codes page, 404 Not Found table"
	docPage413 = "status-codes page, 413 Payload Too Large table"
	docPage415 = "status-codes page, 415 Unsupported Media Type table"
	docPage429 = "status-codes page, 429 Too Many Requests table"
	docPage500 = "status-codes page, 500 Internal Server Error table"
	docPage5xx = "status-codes page, 5xx section: retry, then open a ticket"

	docMessages = "https://docs.agora.io/en/agora-chat/restful-api/message-management"
	docUsers    = "https://docs.agora.io/en/agora-chat/restful-api/user-system-registration"
	docOverview = "https://docs.agora.io/en/agora-chat/restful-api/restful-overview"
	docLimits   = "https://docs.agora.io/en/api-reference/api-ref/im/limitations"
	docToken    = "https://doc.easemob.com/product/easemob_app_token.html"
	docErrors   = "https://doc.easemob.com/document/server-side/error.html"
	docGroups   = "https://doc.easemob.com/document/server-side/group_manage.html"
	docMembers  = "https://doc.easemob.com/document/server-side/group_member.html"
	// docRefused marks the rows of answers that say no with a 200 (issue #12).
	docRefused = docMembers + " (200 response data)"
	// docRecall is the recall call: Agora answers its refusals with a 200
	// (msgs[].recalled), Easemob with 400/403 message_recall_error.
	docRecall      = "https://docs.agora.io/en/agora-chat/restful-api/message-management (Recall a message)"
	docRecallEM    = "https://doc.easemob.com/document/server-side/message_recall_single.html"
	docGroupUpdate = "https://docs.agora.io/en/agora-chat/restful-api/chat-group-management/create-delete-retrieve-groups (Modifying group information)"
)

// Types used by the rows below. They mirror package tasks, which policy does
// not import (policy stays dependency-free).
const (
	typeSendMessage   = "message:send"
	typeRegisterUsers = "user:register"
	typeCreateGroup   = "group:create"
	typeDeleteGroup   = "group:delete"
	typeAddMembers    = "group:members:add"
	typeRemoveMembers = "group:members:remove"
	typeTransferOwner = "group:owner:transfer"
	typeRecall        = "message:recall"
	typeUpdateGroup   = "group:update"
)

// defaultRules is the table chatq ships: one row per documented case. Rows that
// dead-letter like their status fallback are kept anyway so that logs and dead
// letters name the exact case. PayloadFault marks the rows whose cause is the
// request body chatq builds from the payload (a missing, malformed, illegal or
// too large field): a replay of the same payload fails the same way, so replay
// skips those dead letters. Missing users or groups, limits, quotas and
// credentials are not payload faults: they are fixed outside chatq, which is
// what replay is for.
var defaultRules = []Rule{
	// 400: the request is wrong; only a few cases mean "already done" or "slow down".
	{Name: "400-invalid-grant", Status: "400", Code: "invalid_grant", Message: "Invalid username or password.",
		Action: ActionDeadLetter, Reason: "invalid username or password", Doc: docPage400},
	{Name: "400-json-parse", Status: "400", Code: "json_parse", Message: "Unexpected character.",
		Action: ActionDeadLetter, PayloadFault: true, Reason: "request body is not valid JSON", Doc: docPage400},
	{Name: "400-user-requires-username", Status: "400", Code: "illegal_argument", Message: "Entity 'user' requires a property named username.",
		Action: ActionDeadLetter, PayloadFault: true, Reason: "username missing", Doc: docPage400},
	{Name: "400-password-required", Status: "400", Code: "illegal_argument", Message: "Password or pin must provided.",
		Action: ActionDeadLetter, PayloadFault: true, Reason: "password missing", Doc: docPage400},
	{Name: "400-passwords-required", Status: "400", Code: "illegal_argument", Message: "New password is required. Old password is required.",
		Action: ActionDeadLetter, PayloadFault: true, Reason: "new or old password missing", Doc: docPage400},
	{Name: "400-invalid-request", Status: "400", Code: "illegal_argument", Message: "This is an invalid request.",
		Action: ActionDeadLetter, PayloadFault: true, Reason: "invalid request URL, header or body", Doc: docPage400},
	{Name: "400-from-empty", Status: "400", Code: "illegal_argument", Message: "'From' can't be empty.",
		Action: ActionDeadLetter, PayloadFault: true, Reason: "message sender is empty", Doc: docPage400},
	{Name: "400-target-type-invalid", Status: "400", Code: "illegal_argument", Message: "'Target_type' can only be 'users' or 'chatgroups' or 'chatrooms'.",
		Action: ActionDeadLetter, PayloadFault: true, Reason: "invalid message target type", Doc: docPage400},
	{Name: "400-username-not-legal", Status: "400", Code: "illegal_argument", Message: "{username} is not legal.",
		Action: ActionDeadLetter, PayloadFault: true, Reason: "username is not legal", Doc: docPage400},
	{Name: "400-message-too-large", Status: "400", Code: "illegal_argument", Message: "message is too large",
		Action: ActionDeadLetter, PayloadFault: true, Reason: "message body too large", Doc: docPage400},
	{Name: "400-chatmessage-not-supported", Status: "400", Code: "illegal_argument", Message: "This 'chatmessage' request is not supported.",
		Action: ActionDeadLetter, PayloadFault: true, Reason: "invalid history time format", Doc: docPage400},
	{Name: "400-history-expired", Status: "400", Code: "illegal_argument", Message: "Illegal arguments: appkey: {app_key}, time: {yyyymmddhh}, maybe chat message history is expired or unstored.",
		Action: ActionDeadLetter, Reason: "chat history expired or not stored", Doc: docPage400},
	{Name: "400-invalid-parameter", Status: "400", Code: "invalid_parameter", Message: "Some of {group_id} are not valid fields.",
		Action: ActionDeadLetter, PayloadFault: true, Reason: "invalid group fields", Doc: docPage400},
	{Name: "400-required-property-not-found", Status: "400", Code: "required_property_not_found", Message: "Entity user requires a property named 'username'.",
		Action: ActionDeadLetter, PayloadFault: true, Reason: "username missing", Doc: docPage400},
	// The page prints the app name as "null"; a placeholder also matches real names.
	{Name: "400-duplicate-user", Status: "400", Code: "duplicate_unique_property_exists", Types: []string{typeRegisterUsers},
		Message: "Application {app} Entity user requires that property named 'username' be unique, value of {username} exists.",
		Action:  ActionDone, Reason: "user already exists", Doc: docPage400},
	{Name: "400-duplicate-user-any-message", Status: "400", Code: "duplicate_unique_property_exists", Types: []string{typeRegisterUsers},
		Action: ActionDone, Reason: "user already exists", Doc: docUsers + " (batch variant: \"the same user XXX has a different password\")"},
	{Name: "400-set-presence-failed", Status: "400", Code: CodeNone, Message: "set presence failed",
		Action: ActionRetry, Class: ClassTransient, Reason: "setting presence failed", Doc: docPage400},
	{Name: "400-presence-ext-too-big", Status: "400", Code: CodeNone, Message: "ext is too big",
		Action: ActionDeadLetter, PayloadFault: true, Reason: "custom presence status too long", Doc: docPage400},
	{Name: "400-presence-resource-not-exist", Status: "400", Code: CodeNone, Message: "resource not exist",
		Action: ActionDeadLetter, Reason: "device resource does not exist", Doc: docPage400},
	{Name: "400-presence-sub-yourself", Status: "400", Code: CodeNone, Message: "you can't sub yourself",
		Action: ActionDeadLetter, PayloadFault: true, Reason: "cannot subscribe to own presence", Doc: docPage400},
	{Name: "400-presence-too-many-sub", Status: "400", Code: CodeNone, Message: "too many sub presence",
		Action: ActionDeadLetter, Reason: "too many presence subscriptions", Doc: docPage400},
	{Name: "400-presence-too-many-get", Status: "400", Code: CodeNone, Message: "too many get presences",
		Action: ActionDeadLetter, PayloadFault: true, Reason: "too many presences requested", Doc: docPage400},
	{Name: "400-presence-too-many-unsub", Status: "400", Code: CodeNone, Message: "too many unsub presences",
		Action: ActionDeadLetter, PayloadFault: true, Reason: "too many presence unsubscriptions", Doc: docPage400},
	{Name: "400-too-many-queries", Status: "400", Code: CodeNone, Message: "too many queries",
		Action: ActionDefer, Class: ClassTransient, Reason: "call frequency over the limit (rate limit reported as 400)", Doc: docPage400},
	{Name: "400-invalid-request-body", Status: "400", Code: "invalid_request_body",
		Action: ActionDeadLetter, PayloadFault: true, Reason: "request body is invalid", Doc: docMessages},
	{Name: "400-send-from-empty", Status: "400", Code: "message_send_error", Message: "param from can't be empty",
		Action: ActionDeadLetter, PayloadFault: true, Reason: "message sender is empty", Doc: docMessages},
	{Name: "400-send-to-empty", Status: "400", Code: "message_send_error", Message: "param to can't be empty",
		Action: ActionDeadLetter, PayloadFault: true, Reason: "message recipients are empty", Doc: docMessages},
	{Name: "400-send-type-empty", Status: "400", Code: "message_send_error", Message: "param type can't be empty",
		Action: ActionDeadLetter, PayloadFault: true, Reason: "message type is empty", Doc: docMessages},
	{Name: "400-send-body-empty", Status: "400", Code: "message_send_error", Message: "param body can't be empty",
		Action: ActionDeadLetter, PayloadFault: true, Reason: "message body is empty", Doc: docMessages},
	{Name: "400-send-ext-not-object", Status: "400", Code: "message_send_error", Message: "param ext must be JSONObject",
		Action: ActionDeadLetter, PayloadFault: true, Reason: "message ext is not a JSON object", Doc: docMessages},
	{Name: "400-send-too-many-recipients", Status: "400", Code: "message_send_error", Message: "params to's size can't exceed limit {limit}",
		Action: ActionDeadLetter, PayloadFault: true, Reason: "too many message recipients", Doc: docMessages},
	{Name: "400-send-message-too-large", Status: "400", Code: "message_send_error", Message: "message is too large",
		Action: ActionDeadLetter, PayloadFault: true, Reason: "message body too large", Doc: docMessages},
	{Name: "400-recall-param-empty", Status: "400", Code: "message_recall_error", Message: "param {field} can't be empty",
		Action: ActionDeadLetter, PayloadFault: true, Reason: "recall field missing", Doc: docRecallEM},
	{Name: "400-recall-no-recipient", Status: "400", Code: "message_recall_error", Message: "can't find msg to",
		Action: ActionDeadLetter, PayloadFault: true, Reason: "recipient of the recalled message not found", Doc: docRecallEM},

	// Easemob's group create: a custom group id that exists is
	// a create that already happened (chatq derives the id from the task,
	// so this is the answer to a retried create); public is required.
	{Name: "400-group-id-exists", Status: "400", Code: "illegal_argument", Types: []string{typeCreateGroup},
		Message: "group ID {group_id} already exists!",
		Action:  ActionDone, Reason: "group already created (custom group id exists)", Doc: docGroups},
	{Name: "400-group-public-required", Status: "400", Message: "group must contain public field!",
		Action: ActionDeadLetter, PayloadFault: true, Reason: "public field missing (easemob dialect)", Doc: docGroups},

	// 200 answers that say no (issue #12): the operation did not happen.
	// Deletes, transfers and adds are safe to repeat (a repeat that finds
	// the goal state answers 404 or 403, decided done above), so they are
	// retried; only a reason that states the goal state is done.
	{Name: "200-delete-refused", Status: "200", Code: "success_false", Types: []string{typeDeleteGroup},
		Action: ActionRetry, Class: ClassTransient, Reason: "group not deleted (data.success false)", Doc: docRefused},
	{Name: "200-transfer-refused", Status: "200", Code: "newowner_false", Types: []string{typeTransferOwner},
		Action: ActionRetry, Class: ClassTransient, Reason: "owner not transferred (data.newowner false)", Doc: docRefused},
	{Name: "200-add-refused", Status: "200", Code: "result_false", Types: []string{typeAddMembers},
		Action: ActionRetry, Class: ClassTransient, Reason: "member not added (data.result false)", Doc: docRefused},
	{Name: "200-add-not-listed", Status: "200", Code: "not_in_newmembers", Types: []string{typeAddMembers},
		Action: ActionRetry, Class: ClassTransient, Reason: "member not in data.newmembers (not confirmed added)", Doc: docRefused},
	{Name: "200-remove-not-member", Status: "200", Code: "result_false", Types: []string{typeRemoveMembers},
		Message: "users {username} are not members of this group!",
		Action:  ActionDone, Reason: "user already not in group", Doc: docRefused + "; 403 table wording"},
	{Name: "200-remove-owner", Status: "200", Code: "result_false", Types: []string{typeRemoveMembers},
		Message: "forbidden operation on group owner!",
		Action:  ActionDeadLetter, Reason: "the group owner cannot be removed", Doc: docRefused + "; 403 table wording"},
	{Name: "200-remove-refused", Status: "200", Code: "result_false", Types: []string{typeRemoveMembers},
		Action: ActionRetry, Class: ClassTransient, Reason: "member not removed (result false)", Doc: docRefused},
	{Name: "200-remove-no-result", Status: "200", Code: "no_result", Types: []string{typeRemoveMembers},
		Action: ActionRetry, Class: ClassTransient, Reason: "no result for the member in the answer", Doc: docRefused},
	// A recall refused with a 200 (Agora: msgs[].recalled is the reason):
	// "not_found msg" is a message already recalled — the answer to a recall
	// retried after a timeout — or no longer stored (force recalls it from
	// the receivers' devices), so the goal state holds for the server.
	{Name: "200-recall-not-found", Status: "200", Code: "not_recalled", Types: []string{typeRecall}, Message: "not_found msg",
		Action: ActionDone, Reason: "message already recalled (or no longer stored)", Doc: docRecall + " (failure list)"},
	{Name: "200-recall-too-late", Status: "200", Code: "not_recalled", Types: []string{typeRecall}, Message: "exceed {what} time limit",
		Action: ActionDeadLetter, Reason: "past the recall window (force recalls anyway)", Doc: docRecall + " (failure list)"},
	{Name: "200-recall-no-recipient", Status: "200", Code: "not_recalled", Types: []string{typeRecall}, Message: "can't find {message} to",
		Action: ActionDeadLetter, Reason: "recipient of the recalled message not found", Doc: docRecall + " (failure list)"},
	{Name: "200-recall-refused", Status: "200", Code: "not_recalled", Types: []string{typeRecall},
		Action: ActionRetry, Class: ClassTransient, Reason: "message not recalled (recalled is not \"yes\")", Doc: docRecall + " (failure list: \"internal error\")"},
	// A modification is safe to repeat; a field the provider keeps refusing
	// is dead-lettered when the budget is spent, never reported done.
	{Name: "200-update-refused", Status: "200", Code: "not_updated", Types: []string{typeUpdateGroup},
		Action: ActionRetry, Class: ClassTransient, Reason: "group field not confirmed updated (data.<field> not true)", Doc: docGroupUpdate},
	{Name: "200", Status: "200",
		Action: ActionRetry, Class: ClassTransient, Reason: "the provider answered 200 without confirming the operation", Doc: docRefused},

	// 401: the app token was refused; a fresh one fixes it. The status row
	// catches the other wordings of the user-registration page ("token is
	// illegal.", …).
	{Name: "401-registration-not-open", Status: "401", Code: "unauthorized", Message: "Registration is not open, please contact the app admin.",
		Action: ActionRefresh, Reason: "app token missing or expired", Doc: docPage401},
	{Name: "401-expired-token", Status: "401", Code: "unauthorized", Message: "Unable to authenticate due to expired access token.",
		Action: ActionRefresh, Reason: "app token expired", Doc: docPage401},
	{Name: "401-corrupt-token", Status: "401", Code: "auth_bad_access_token", Message: "Unable to authenticate due to corrupt access token.",
		Action: ActionRefresh, Reason: "app token corrupt", Doc: docPage401},
	{Name: "401-foreign-token", Status: "401", Code: "auth_bad_access_token", Message: "Unable to authenticate.",
		Action: ActionRefresh, Reason: "app token not issued by this server", Doc: docPage401},
	{Name: "401", Status: "401",
		Action: ActionRefresh, Reason: "app token rejected", Doc: docToken + ": on 401 fetch a new token"},

	// 403: group states that already hold are done; quotas are deferred.
	{Name: "403-already-member", Status: "403", Code: "forbidden_op", Types: []string{typeAddMembers},
		Message: "Can not join this group, reason: user: {username} already in group: {group_id}.",
		Action:  ActionDone, Reason: "user already in group", Doc: docPage403},
	{Name: "403-not-member", Status: "403", Code: "forbidden_op", Types: []string{typeRemoveMembers},
		Message: "Users {username} are not members of this group!",
		Action:  ActionDone, Reason: "users already not in group", Doc: docPage403},
	{Name: "403-new-owner-not-member", Status: "403", Code: "forbidden_op", Message: "User: {username} doesn't exist in group: {group_id}.",
		Action: ActionDeadLetter, Reason: "user is not a group member", Doc: docPage403},
	{Name: "403-same-owner", Status: "403", Code: "forbidden_op", Types: []string{typeTransferOwner},
		Message: "New owner and old owner are the same.",
		Action:  ActionDone, Reason: "user already owns the group", Doc: docPage403},
	{Name: "403-group-owner-op", Status: "403", Code: "forbidden_op", Message: "Forbidden operation on group owner!",
		Action: ActionDeadLetter, Reason: "operation not allowed on the group owner", Doc: docPage403},
	{Name: "403-user-too-many-groups", Status: "403", Code: "forbidden_op", Message: "Can not join this group, reason:user: {username} has joined too many groups/chatroom!",
		Action: ActionDeadLetter, Reason: "user joined too many groups", Doc: docPage403},
	{Name: "403-app-too-many-groups", Status: "403", Code: "forbidden_op", Message: "This appKey has create too many groups/chatrooms!",
		Action: ActionDeadLetter, Reason: "app created too many groups", Doc: docPage403},
	{Name: "403-invitee-contact-max", Status: "403", Code: "exceed_limit", Message: "Invitee's contact max count",
		Action: ActionDeadLetter, Reason: "invitee has too many contacts", Doc: docPage403},
	{Name: "403-inviter-contact-max", Status: "403", Code: "exceed_limit", Message: "Inviter's contact max count",
		Action: ActionDeadLetter, Reason: "inviter has too many contacts", Doc: docPage403},
	{Name: "403-message-send-reach-limit", Status: "403", Code: "message_send_error", Types: []string{typeSendMessage},
		Message: "message send reach limit",
		Action:  ActionDefer, Class: ClassTransient, Reason: "message quota reached", Doc: docMessages + "; " + docLimits},
	{Name: "403-message-send-forbidden-for-url", Status: "403", Types: []string{typeSendMessage}, Message: "Forbidden for url: {url}",
		Action: ActionDefer, Class: ClassTransient, Reason: "message quota reached (older wording)", Doc: docLimits},
	{Name: "403-recall-too-late", Status: "403", Code: "message_recall_error", Message: "exceed recall time limit",
		Action: ActionDeadLetter, Reason: "past the recall window (force recalls anyway)", Doc: docRecallEM},
	{Name: "403-recall-not-found", Status: "403", Code: "message_recall_error", Types: []string{typeRecall}, Message: "not_found msg",
		Action: ActionDone, Reason: "message already recalled (or no longer stored)", Doc: docRecallEM + ": \"若消息已被撤回，则无需重复撤回\""},
	{Name: "403-recall-unopened", Status: "403", Code: "forbidden_op", Message: "message recall service is unopened",
		Action: ActionDeadLetter, Reason: "message recall is not enabled for the app (console)", Doc: docRecallEM},
	{Name: "403", Status: "403",
		Action: ActionDeadLetter, Reason: "operation forbidden", Doc: docPage403},

	// 404: a missing group is "already gone" for deletes and removals; a
	// missing app is a configuration problem.
	{Name: "404-org-app-not-found", Status: "404", Code: "organization_application_not_found",
		Message: "Could not find application for {org_url} from URI: {app_url}/token.",
		Action:  ActionCredentials, Class: ClassSlow, Reason: "organization or application not found", Doc: docPage404},
	{Name: "404-org-app-not-found-any-message", Status: "404", Code: "organization_application_not_found",
		Action: ActionCredentials, Class: ClassSlow, Reason: "organization or application not found", Doc: docOverview},
	{Name: "404-already-gone", Status: "404", Code: "service_resource_not_found", Types: []string{typeDeleteGroup, typeRemoveMembers},
		Message: "Service resource not found.",
		Action:  ActionDone, Reason: "already gone", Doc: docPage404 + " (both service_resource_not_found rows)"},
	{Name: "404-group-already-gone", Status: "404", Code: "service_resource_not_found", Types: []string{typeDeleteGroup, typeRemoveMembers},
		Message: "do not find this group:{group_id}",
		Action:  ActionDone, Reason: "already gone", Doc: docGroups + "; " + docErrors},
	{Name: "404-service-resource-not-found", Status: "404", Code: "service_resource_not_found", Message: "Service resource not found.",
		Action: ActionDeadLetter, Reason: "user, group or room not found", Doc: docPage404 + " (both service_resource_not_found rows)"},
	{Name: "404-user-not-found", Status: "404", Code: "resource_not_found", Message: "username {username} doesn't exist",
		Action: ActionDeadLetter, Reason: "user does not exist", Doc: docPage404},
	{Name: "404-history-not-found", Status: "404", Code: "storage_object_not_found",
		Message: "Failed to find chat message history download url for appkey: {app_key}, time: {yyyymmddhh}.",
		Action:  ActionDeadLetter, Reason: "no chat history for that time", Doc: docPage404},
	{Name: "404-file-expired", Status: "404", Code: "file_expired", Message: "file {file} is expired",
		Action: ActionDeadLetter, Reason: "file expired", Doc: docPage404},

	{Name: "405", Status: "405", Action: ActionDeadLetter, Reason: "method not allowed", Doc: "status-codes page, 405 Method Not Allowed"},
	{Name: "408", Status: "408", Action: ActionRetry, Class: ClassTransient, Reason: "request timed out", Doc: "status-codes page, 408 Request Timeout; " + docErrors + ": resend"},
	{Name: "413-file-too-large", Status: "413", Code: "file exceeding maximum limit", Message: "the file size exceeds the maximum limit.",
		Action: ActionDeadLetter, PayloadFault: true, Reason: "attachment too large", Doc: docPage413},
	{Name: "413", Status: "413", Action: ActionDeadLetter, PayloadFault: true, Reason: "payload too large", Doc: docPage413 + "; " + docMessages + " (message over 5 KB)"},
	{Name: "415-web-application", Status: "415", Code: "web_application", Message: "Unsupported Media Type.",
		Action: ActionDeadLetter, Reason: "unsupported media type", Doc: docPage415},
	{Name: "415", Status: "415", Action: ActionDeadLetter, Reason: "unsupported media type", Doc: docPage415},

	// 429: per-second limits clear soon (defer, not a failure); plan caps do not.
	{Name: "429-reach-limit", Status: "429", Code: "reach_limit", Message: "This request has reached api limit.",
		Action: ActionDefer, Class: ClassTransient, Reason: "API call rate limit", Doc: docPage429 + "; " + docLimits},
	{Name: "429-resource-limited", Status: "429", Code: "resource_limited",
		Message: "You have exceeded the limit of the {pricing_plan} edition. Please upgrade to higher edition.",
		Action:  ActionRetry, Class: ClassSlow, Reason: "pricing plan limit exceeded", Doc: docPage429 + "; " + docLimits + ": not transient"},
	{Name: "429-resource-limited-any-message", Status: "429", Code: "resource_limited",
		Action: ActionRetry, Class: ClassSlow, Reason: "pricing plan limit exceeded", Doc: docUsers + " (registered-user cap); " + docLimits},
	{Name: "429", Status: "429", Action: ActionDefer, Class: ClassTransient, Reason: "rate limited", Doc: docPage429 + "; " + docErrors + " (legacy: pause and retry)"},

	// 5xx: retry, except the 500s that mean our request is wrong.
	{Name: "500-no-full-text-index", Status: "500", Code: "no_full_text_index",
		Message: "Entity 'user' with property named 'username' is not full text indexed. You cannot use the 'contains' operand on this field.",
		Action:  ActionDeadLetter, Reason: "query needs a full-text index", Doc: docPage500},
	{Name: "500-unsupported-operation", Status: "500", Code: "unsupported_service_operation", Message: "Service operation not supported.",
		Action: ActionDeadLetter, Reason: "method not supported for this URL", Doc: docPage500},
	{Name: "500-web-application", Status: "500", Code: "web_application", Message: "javax.ws.rs.WebApplicationException",
		Action: ActionDeadLetter, Reason: "invalid request URL", Doc: docPage500},
	{Name: "500", Status: "500", Action: ActionRetry, Class: ClassTransient, Reason: "server error", Doc: docPage5xx},
	{Name: "501", Status: "501", Action: ActionDeadLetter, Reason: "not implemented", Doc: "status-codes page, 501 Not Implemented"},
	{Name: "502", Status: "502", Action: ActionRetry, Class: ClassTransient, Reason: "bad gateway", Doc: docPage5xx},
	{Name: "503", Status: "503", Action: ActionRetry, Class: ClassTransient, Reason: "service unavailable", Doc: docPage5xx + "; " + docErrors},
	{Name: "504", Status: "504", Action: ActionRetry, Class: ClassTransient, Reason: "gateway timeout", Doc: docPage5xx},
	{Name: "network", Status: "network", Action: ActionRetry, Class: ClassTransient, Reason: "network error", Doc: docErrors + ": retry on timeout"},

	// Fallbacks: these also apply to token-endpoint failures.
	{Name: "4xx", Status: "4xx", Action: ActionDeadLetter, Reason: "client error", Doc: "status-codes page, 4xx section"},
	{Name: "5xx", Status: "5xx", Action: ActionRetry, Class: ClassTransient, Reason: "server error", Doc: docPage5xx},
	{Name: "fallback", Status: "*", Action: ActionDeadLetter, Reason: "unexpected failure", Doc: "catch-all"},

	// Token endpoint: the token request failed; the task itself is fine and
	// waits (credentials, defer) or retries.
	{Name: "token-400-invalid-grant", Status: "400", Code: "invalid_grant", Token: true,
		Action: ActionCredentials, Class: ClassSlow, Reason: "client id or secret rejected", Doc: docPage400 + "; " + docToken},
	{Name: "token-401", Status: "401", Token: true,
		Action: ActionCredentials, Class: ClassSlow, Reason: "token request unauthorized", Doc: docPage401 + "; " + docToken},
	{Name: "token-404-org-app-not-found", Status: "404", Code: "organization_application_not_found", Token: true,
		Action: ActionCredentials, Class: ClassSlow, Reason: "organization or application not found", Doc: docPage404 + "; " + docOverview},
	{Name: "token-408", Status: "408", Token: true,
		Action: ActionRetry, Class: ClassTransient, Reason: "token request timed out", Doc: "status-codes page, 408 Request Timeout"},
	{Name: "token-429", Status: "429", Token: true,
		Action: ActionDefer, Class: ClassTransient, Reason: "token endpoint rate limited", Doc: docToken + ": 300 req/s, do not request too often"},
	{Name: "token-4xx", Status: "4xx", Token: true,
		Action: ActionCredentials, Class: ClassSlow, Reason: "token request rejected", Doc: docToken + ": a refused token request is a configuration problem"},
	{Name: "token-5xx", Status: "5xx", Token: true,
		Action: ActionRetry, Class: ClassTransient, Reason: "token endpoint server error", Doc: docPage5xx},
	{Name: "token-network", Status: "network", Token: true,
		Action: ActionRetry, Class: ClassTransient, Reason: "token endpoint unreachable", Doc: docErrors + ": retry on timeout"},
}

// DefaultRules returns a copy of the rows chatq ships, in table order.
func DefaultRules() []Rule {
	out := make([]Rule, len(defaultRules))
	for i, r := range defaultRules {
		out[i] = r.clone()
	}
	return out
}
