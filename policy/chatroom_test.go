package policy

// roomCases are the chat room rows' cases (issue #12), kept apart from
// defaultCases so each type family's cases live in their own file.
var roomCases = []defaultCase{
	{wantRule: "404-room-already-gone", status: 404, code: "service_resource_not_found", message: "Service resource not found.", typ: "chatroom:delete", wantAction: ActionDone},
	{wantRule: "404-room-gone-remove", status: 404, code: "service_resource_not_found", message: "Service resource not found.", typ: "chatroom:members:remove", wantAction: ActionDone},
	{wantRule: "404-service-resource-not-found", status: 404, code: "service_resource_not_found", message: "Service resource not found.", typ: "chatroom:members:add", wantAction: ActionDeadLetter},
	{wantRule: "200-room-delete-refused", status: 200, code: "success_false", message: "data.success is false", typ: "chatroom:delete", wantAction: ActionRetry},
	{wantRule: "200-room-add-not-listed", status: 200, code: "not_in_newmembers", message: "user bob is not in data.newmembers of chat room 1", typ: "chatroom:members:add", wantAction: ActionRetry},
	{wantRule: "200-room-remove-not-member", status: 200, code: "result_false", message: "user: user1 doesn't exist in group: 66213271109633", typ: "chatroom:members:remove", wantAction: ActionDone},
	{wantRule: "200-room-remove-refused", status: 200, code: "result_false", message: "result false", typ: "chatroom:members:remove", wantAction: ActionRetry},
	{wantRule: "200-room-remove-no-result", status: 200, code: "no_result", message: "no result in the provider's response", typ: "chatroom:members:remove", wantAction: ActionRetry},
	{wantRule: "403-room-remove-not-member", status: 403, code: "forbidden_op", message: "User: bob doesn't exist in group: 66213271109633.", typ: "chatroom:members:remove", wantAction: ActionDone},
	// The same wording for an owner transfer stays a dead letter.
	{wantRule: "403-new-owner-not-member", status: 403, code: "forbidden_op", message: "User: bob doesn't exist in group: 1234.", typ: "group:owner:transfer", wantAction: ActionDeadLetter},
	{wantRule: "403-room-full", status: 403, code: "forbidden_op", message: "Can not join this chatroom, reason: chatroom 66213271109633 is full!", typ: "chatroom:members:add", wantAction: ActionRetry},
}

func init() { defaultCases = append(defaultCases, roomCases...) }
