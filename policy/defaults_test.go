package policy

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// defaultCase is one failure and the default row that must decide it. The
// messages are the provider's real wordings where its pages record them, so
// the normalisation is exercised too.
type defaultCase struct {
	wantRule   string
	status     int
	code       string
	message    string
	typ        string
	network    bool
	token      bool
	wantAction Action
}

var defaultCases = []defaultCase{
	// 200 answers that say no (issue #12)
	{wantRule: "200-delete-refused", status: 200, code: "success_false", message: "data.success is false", typ: "group:delete", wantAction: ActionRetry},
	{wantRule: "200-transfer-refused", status: 200, code: "newowner_false", message: "data.newowner is false", typ: "group:owner:transfer", wantAction: ActionRetry},
	{wantRule: "200-add-refused", status: 200, code: "result_false", message: "data.result is false", typ: "group:members:add", wantAction: ActionRetry},
	{wantRule: "200-add-not-listed", status: 200, code: "not_in_newmembers", message: "user bob is not in data.newmembers of group 1", typ: "group:members:add", wantAction: ActionRetry},
	{wantRule: "200-remove-not-member", status: 200, code: "result_false", message: "users [bob] are not members of this group!", typ: "group:members:remove", wantAction: ActionDone},
	{wantRule: "200-remove-owner", status: 200, code: "result_false", message: "forbidden operation on group owner!", typ: "group:members:remove", wantAction: ActionDeadLetter},
	{wantRule: "200-remove-refused", status: 200, code: "result_false", message: "user: bob doesn't exist in group: 1", typ: "group:members:remove", wantAction: ActionRetry},
	{wantRule: "200-remove-no-result", status: 200, code: "no_result", message: "no result in the provider's response", typ: "group:members:remove", wantAction: ActionRetry},
	{wantRule: "200", status: 200, code: "result_false", message: "data.result is false", typ: "group:delete", wantAction: ActionRetry},
	{wantRule: "200-recall-not-found", status: 200, code: "not_recalled", message: "not_found msg", typ: "message:recall", wantAction: ActionDone},
	{wantRule: "200-recall-too-late", status: 200, code: "not_recalled", message: "exceed call time limit", typ: "message:recall", wantAction: ActionDeadLetter},
	{wantRule: "200-recall-no-recipient", status: 200, code: "not_recalled", message: "can't find message to", typ: "message:recall", wantAction: ActionDeadLetter},
	{wantRule: "200-recall-refused", status: 200, code: "not_recalled", message: "internal error", typ: "message:recall", wantAction: ActionRetry},
	{wantRule: "200-update-refused", status: 200, code: "not_updated", message: "fields not confirmed updated: [maxusers]", typ: "group:update", wantAction: ActionRetry},
	{wantRule: "400-recall-param-empty", status: 400, code: "message_recall_error", message: "param force can't be empty", typ: "message:recall", wantAction: ActionDeadLetter},
	{wantRule: "400-recall-no-recipient", status: 400, code: "message_recall_error", message: "can't find msg to", typ: "message:recall", wantAction: ActionDeadLetter},
	{wantRule: "403-recall-too-late", status: 403, code: "message_recall_error", message: "exceed recall time limit", typ: "message:recall", wantAction: ActionDeadLetter},
	{wantRule: "403-recall-not-found", status: 403, code: "message_recall_error", message: "not_found msg", typ: "message:recall", wantAction: ActionDone},
	{wantRule: "403-recall-unopened", status: 403, code: "forbidden_op", message: "message recall service is unopened", typ: "message:recall", wantAction: ActionDeadLetter},
	// Easemob group create (doc.easemob.com group_manage)
	{wantRule: "400-group-id-exists", status: 400, code: "illegal_argument", message: "group ID 123456789012345678 already exists!", typ: "group:create", wantAction: ActionDone},
	{wantRule: "400-group-public-required", status: 400, code: "invalid_parameter", message: "group must contain public field!", typ: "group:create", wantAction: ActionDeadLetter},
	// 400
	{wantRule: "400-invalid-grant", status: 400, code: "invalid_grant", message: "Invalid username or password.", typ: "user:register", wantAction: ActionDeadLetter},
	{wantRule: "400-json-parse", status: 400, code: "json_parse", message: "Unexpected character ('}' (code 125)): was expecting double-quote", typ: "message:send", wantAction: ActionDeadLetter},
	{wantRule: "400-user-requires-username", status: 400, code: "illegal_argument", message: "Entity 'user' requires a property named username", typ: "user:register", wantAction: ActionDeadLetter},
	{wantRule: "400-password-required", status: 400, code: "illegal_argument", message: "password or pin must provided", typ: "user:register", wantAction: ActionDeadLetter},
	{wantRule: "400-passwords-required", status: 400, code: "illegal_argument", message: "New password is required. Old password is required.", typ: "user:register", wantAction: ActionDeadLetter},
	{wantRule: "400-invalid-request", status: 400, code: "illegal_argument", message: "This is an invalid request", typ: "group:create", wantAction: ActionDeadLetter},
	{wantRule: "400-from-empty", status: 400, code: "illegal_argument", message: "'From' can't be empty.", typ: "message:send", wantAction: ActionDeadLetter},
	{wantRule: "400-target-type-invalid", status: 400, code: "illegal_argument", message: "target_type can only be 'users' or 'chatgroups' or 'chatrooms'", typ: "message:send", wantAction: ActionDeadLetter},
	{wantRule: "400-username-not-legal", status: 400, code: "illegal_argument", message: "username [Bob!] is not legal", typ: "user:register", wantAction: ActionDeadLetter},
	{wantRule: "400-message-too-large", status: 400, code: "illegal_argument", message: "“message is too large”", typ: "message:send", wantAction: ActionDeadLetter},
	{wantRule: "400-chatmessage-not-supported", status: 400, code: "illegal_argument", message: "This 'chatmessage' request is not supported.", typ: "message:send", wantAction: ActionDeadLetter},
	{wantRule: "400-history-expired", status: 400, code: "illegal_argument", message: "Illegal arguments: appkey: org#app, time: 2024010112, maybe chat message history is expired or unstored.", typ: "message:send", wantAction: ActionDeadLetter},
	{wantRule: "400-invalid-parameter", status: 400, code: "invalid_parameter", message: "some of [groupid] are not valid fields", typ: "group:create", wantAction: ActionDeadLetter},
	{wantRule: "400-required-property-not-found", status: 400, code: "required_property_not_found", message: "Entity user requires a property named 'username'.", typ: "user:register", wantAction: ActionDeadLetter},
	{wantRule: "400-duplicate-user", status: 400, code: "duplicate_unique_property_exists", message: "Application null Entity user requires that property named 'username' be unique, value of alice exists.", typ: "user:register", wantAction: ActionDone},
	{wantRule: "400-duplicate-user-any-message", status: 400, code: "duplicate_unique_property_exists", message: "the same user bob has a different password", typ: "user:register", wantAction: ActionDone},
	{wantRule: "400-set-presence-failed", status: 400, message: "set presence failed", typ: "message:send", wantAction: ActionRetry},
	{wantRule: "400-presence-ext-too-big", status: 400, message: "ext is too big", typ: "message:send", wantAction: ActionDeadLetter},
	{wantRule: "400-presence-resource-not-exist", status: 400, message: "resource not exist", typ: "message:send", wantAction: ActionDeadLetter},
	{wantRule: "400-presence-sub-yourself", status: 400, message: "you can't sub yourself", typ: "message:send", wantAction: ActionDeadLetter},
	{wantRule: "400-presence-too-many-sub", status: 400, message: "too many sub presence", typ: "message:send", wantAction: ActionDeadLetter},
	{wantRule: "400-presence-too-many-get", status: 400, message: "too many get presences", typ: "message:send", wantAction: ActionDeadLetter},
	{wantRule: "400-presence-too-many-unsub", status: 400, message: "too many unsub presences", typ: "message:send", wantAction: ActionDeadLetter},
	{wantRule: "400-too-many-queries", status: 400, message: "too many queries", typ: "message:send", wantAction: ActionDefer},
	{wantRule: "400-invalid-request-body", status: 400, code: "invalid_request_body", message: "Request body is invalid. Please check the body.", typ: "message:send", wantAction: ActionDeadLetter},
	{wantRule: "400-send-from-empty", status: 400, code: "message_send_error", message: "param from can't be empty", typ: "message:send", wantAction: ActionDeadLetter},
	{wantRule: "400-send-to-empty", status: 400, code: "message_send_error", message: "param to can't be empty", typ: "message:send", wantAction: ActionDeadLetter},
	{wantRule: "400-send-type-empty", status: 400, code: "message_send_error", message: "param type can't be empty", typ: "message:send", wantAction: ActionDeadLetter},
	{wantRule: "400-send-body-empty", status: 400, code: "message_send_error", message: "param body can't be empty", typ: "message:send", wantAction: ActionDeadLetter},
	{wantRule: "400-send-ext-not-object", status: 400, code: "message_send_error", message: "param ext must be JSONObject", typ: "message:send", wantAction: ActionDeadLetter},
	{wantRule: "400-send-too-many-recipients", status: 400, code: "message_send_error", message: "params to's size can't exceed limit 600", typ: "message:send", wantAction: ActionDeadLetter},
	{wantRule: "400-send-message-too-large", status: 400, code: "message_send_error", message: "message is too large", typ: "message:send", wantAction: ActionDeadLetter},
	// 401
	{wantRule: "401-registration-not-open", status: 401, code: "unauthorized", message: "Registration is not open, please contact the app admin.", typ: "user:register", wantAction: ActionRefresh},
	{wantRule: "401-expired-token", status: 401, code: "unauthorized", message: "Unable to authenticate due to expired access token", typ: "message:send", wantAction: ActionRefresh},
	{wantRule: "401-corrupt-token", status: 401, code: "auth_bad_access_token", message: "Unable to authenticate due to corrupt access token", typ: "message:send", wantAction: ActionRefresh},
	{wantRule: "401-foreign-token", status: 401, code: "auth_bad_access_token", message: "Unable to authenticate.", typ: "message:send", wantAction: ActionRefresh},
	{wantRule: "401", status: 401, code: "unauthorized", message: "token is illegal.", typ: "message:send", wantAction: ActionRefresh},
	// 403
	{wantRule: "403-already-member", status: 403, code: "forbidden_op", message: "can not join this group, reason:user: bob already in group: 1234", typ: "group:members:add", wantAction: ActionDone},
	{wantRule: "403-not-member", status: 403, code: "forbidden_op", message: "users [imautotest-8756313249] are not members of this group!", typ: "group:members:remove", wantAction: ActionDone},
	{wantRule: "403-new-owner-not-member", status: 403, code: "forbidden_op", message: "user: bob doesn't exist in group: 1234", typ: "group:owner:transfer", wantAction: ActionDeadLetter},
	{wantRule: "403-same-owner", status: 403, code: "forbidden_op", message: "new owner and old owner are the same", typ: "group:owner:transfer", wantAction: ActionDone},
	{wantRule: "403-group-owner-op", status: 403, code: "forbidden_op", message: "forbidden operation on group owner!", typ: "group:members:remove", wantAction: ActionDeadLetter},
	{wantRule: "403-user-too-many-groups", status: 403, code: "forbidden_op", message: "Can not join this group, reason:user: bob has joined too many groups/chatroom!", typ: "group:members:add", wantAction: ActionDeadLetter},
	{wantRule: "403-app-too-many-groups", status: 403, code: "forbidden_op", message: "This appKey has create too many groups/chatrooms!", typ: "group:create", wantAction: ActionDeadLetter},
	{wantRule: "403-invitee-contact-max", status: 403, code: "exceed_limit", message: "Invitee's contact max count", typ: "group:members:add", wantAction: ActionDeadLetter},
	{wantRule: "403-inviter-contact-max", status: 403, code: "exceed_limit", message: "Inviter's contact max count", typ: "group:members:add", wantAction: ActionDeadLetter},
	{wantRule: "403-message-send-reach-limit", status: 403, code: "message_send_error", message: "message send reach limit", typ: "message:send", wantAction: ActionDefer},
	{wantRule: "403-message-send-forbidden-for-url", status: 403, message: "Forbidden for url: [a41/org/app/messages/users]", typ: "message:send", wantAction: ActionDefer},
	{wantRule: "403", status: 403, code: "group_name_violation", message: "group name violates policy", typ: "group:create", wantAction: ActionDeadLetter},
	// 404
	{wantRule: "404-org-app-not-found", status: 404, code: "organization_application_not_found", message: "Could not find application for org from URI: org/app/token", typ: "message:send", wantAction: ActionCredentials},
	{wantRule: "404-org-app-not-found-any-message", status: 404, code: "organization_application_not_found", message: "application org/app not found", typ: "message:send", wantAction: ActionCredentials},
	{wantRule: "404-already-gone", status: 404, code: "service_resource_not_found", message: "Service resource not found.", typ: "group:delete", wantAction: ActionDone},
	{wantRule: "404-group-already-gone", status: 404, code: "service_resource_not_found", message: "do not find this group:1234", typ: "group:members:remove", wantAction: ActionDone},
	{wantRule: "404-service-resource-not-found", status: 404, code: "service_resource_not_found", message: "Service resource not found.", typ: "group:members:add", wantAction: ActionDeadLetter},
	{wantRule: "404-user-not-found", status: 404, code: "resource_not_found", message: "username bob doesn't exist!", typ: "group:create", wantAction: ActionDeadLetter},
	{wantRule: "404-history-not-found", status: 404, code: "storage_object_not_found", message: "Failed to find chat message history download url for appkey: org#app, time: 2024010112.", typ: "message:send", wantAction: ActionDeadLetter},
	{wantRule: "404-file-expired", status: 404, code: "file_expired", message: "file 3f9a is expired", typ: "message:send", wantAction: ActionDeadLetter},
	// other 4xx
	{wantRule: "405", status: 405, typ: "message:send", wantAction: ActionDeadLetter},
	{wantRule: "408", status: 408, typ: "message:send", wantAction: ActionRetry},
	{wantRule: "413-file-too-large", status: 413, code: "file exceeding maximum limit", message: "the file size exceeds the maximum limit.", typ: "message:send", wantAction: ActionDeadLetter},
	{wantRule: "413", status: 413, typ: "message:send", wantAction: ActionDeadLetter},
	{wantRule: "415-web-application", status: 415, code: "web_application", message: "Unsupported Media Type", typ: "message:send", wantAction: ActionDeadLetter},
	{wantRule: "415", status: 415, typ: "message:send", wantAction: ActionDeadLetter},
	// 429
	{wantRule: "429-reach-limit", status: 429, code: "reach_limit", message: "This request has reached api limit", typ: "message:send", wantAction: ActionDefer},
	{wantRule: "429-resource-limited", status: 429, code: "resource_limited", message: "You have exceeded the limit of the Free edition. Please upgrade to higher edition.", typ: "user:register", wantAction: ActionRetry},
	{wantRule: "429-resource-limited-any-message", status: 429, code: "resource_limited", message: "registered users exceed the limit", typ: "user:register", wantAction: ActionRetry},
	{wantRule: "429", status: 429, code: "too_many", typ: "message:send", wantAction: ActionDefer},
	// 5xx
	{wantRule: "500-no-full-text-index", status: 500, code: "no_full_text_index", message: "Entity 'user' with property named 'username' is not full text indexed. You cannot use the 'contains' operand on this field.", typ: "user:register", wantAction: ActionDeadLetter},
	{wantRule: "500-unsupported-operation", status: 500, code: "unsupported_service_operation", message: "Service operation not supported.", typ: "group:delete", wantAction: ActionDeadLetter},
	{wantRule: "500-web-application", status: 500, code: "web_application", message: "javax.ws.rs.WebApplicationException", typ: "message:send", wantAction: ActionDeadLetter},
	{wantRule: "500", status: 500, code: "internal_error", typ: "message:send", wantAction: ActionRetry},
	{wantRule: "501", status: 501, typ: "message:send", wantAction: ActionDeadLetter},
	{wantRule: "502", status: 502, typ: "message:send", wantAction: ActionRetry},
	{wantRule: "503", status: 503, typ: "message:send", wantAction: ActionRetry},
	{wantRule: "504", status: 504, typ: "message:send", wantAction: ActionRetry},
	{wantRule: "network", network: true, typ: "message:send", wantAction: ActionRetry},
	// fallbacks
	{wantRule: "4xx", status: 418, typ: "message:send", wantAction: ActionDeadLetter},
	{wantRule: "5xx", status: 507, typ: "message:send", wantAction: ActionRetry},
	{wantRule: "fallback", status: 302, typ: "message:send", wantAction: ActionDeadLetter},
	// token endpoint
	{wantRule: "token-400-invalid-grant", status: 400, code: "invalid_grant", message: "client secret is invalid", token: true, typ: "message:send", wantAction: ActionCredentials},
	{wantRule: "token-401", status: 401, code: "unauthorized", token: true, typ: "message:send", wantAction: ActionCredentials},
	{wantRule: "token-404-org-app-not-found", status: 404, code: "organization_application_not_found", message: "Could not find application for org from URI: org/app/token.", token: true, typ: "message:send", wantAction: ActionCredentials},
	{wantRule: "token-408", status: 408, token: true, typ: "message:send", wantAction: ActionRetry},
	{wantRule: "token-429", status: 429, code: "reach_limit", token: true, typ: "message:send", wantAction: ActionDefer},
	{wantRule: "token-4xx", status: 400, code: "json_parse", message: "Unexpected character.", token: true, typ: "message:send", wantAction: ActionCredentials},
	{wantRule: "token-5xx", status: 503, token: true, typ: "message:send", wantAction: ActionRetry},
	{wantRule: "token-network", network: true, token: true, typ: "message:send", wantAction: ActionRetry},
}

func TestTable_LookupDefaultRows(t *testing.T) {
	t.Parallel()
	bundle := setup(t)
	for _, tc := range defaultCases {
		t.Run(tc.wantRule, func(t *testing.T) {
			t.Parallel()
			f := Failure{Status: tc.status, Code: tc.code, Message: tc.message, TaskType: tc.typ, Network: tc.network, Token: tc.token}
			got := bundle.table.Lookup(f)
			require.Equal(t, tc.wantRule, got.Name, "rule\n%s", Explain(bundle.table, f))
			require.Equal(t, tc.wantAction, got.Action, "action of %s", got.Name)
		})
	}
}

// TestDefaultRules_EveryRowTested fails when a row is added without a case.
func TestDefaultRules_EveryRowTested(t *testing.T) {
	t.Parallel()
	tested := map[string]bool{}
	for _, tc := range defaultCases {
		tested[tc.wantRule] = true
	}
	for _, r := range DefaultRules() {
		require.True(t, tested[r.Name], "default rule %q has no case in defaultCases", r.Name)
	}
}

func TestDefaultRules_WellFormed(t *testing.T) {
	t.Parallel()
	names := map[string]bool{}
	for i, r := range DefaultRules() {
		require.NotEmpty(t, r.Doc, "rule %d (%q) has no Doc", i, r.Name)
		require.False(t, names[r.Name], "rule name %q is used twice", r.Name)
		names[r.Name] = true
	}
	_, err := NewTable(nil, DefaultRules())
	require.NoError(t, err)
}

// TestDefaultRules_PayloadFaults keeps the payload-fault rows to what the
// payload can cause: nothing that is fixed outside chatq (a missing user or
// group, a limit, a quota, credentials, the provider) may be skipped by
// replay.
func TestDefaultRules_PayloadFaults(t *testing.T) {
	t.Parallel()
	notPayload := []string{"404-user-not-found", "404-service-resource-not-found", "403-new-owner-not-member",
		"403-user-too-many-groups", "403-app-too-many-groups", "403", "4xx", "400-invalid-grant", "415", "fallback"}
	byName := map[string]Rule{}
	for _, r := range DefaultRules() {
		byName[r.Name] = r
		if r.PayloadFault {
			require.Contains(t, []string{"400", "413"}, r.Status, "rule %q", r.Name)
		}
	}
	for _, name := range notPayload {
		require.False(t, byName[name].PayloadFault, "rule %q is fixed outside chatq", name)
	}
	for _, name := range []string{"400-json-parse", "400-username-not-legal", "400-send-message-too-large", "400-invalid-request-body", "413"} {
		require.True(t, byName[name].PayloadFault, "rule %q is caused by the payload", name)
	}
}

func TestDefaultRules_ReturnsCopy(t *testing.T) {
	t.Parallel()
	rules := DefaultRules()
	for i := range rules {
		if len(rules[i].Types) > 0 {
			rules[i].Types[0] = "mutated"
		}
	}
	for _, r := range DefaultRules() {
		require.NotContains(t, r.Types, "mutated")
	}
}
