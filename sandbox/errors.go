package sandbox

import (
	"fmt"
	"net/http"
)

// apiError is a provider error answer: the HTTP status and the body's "error"
// and "error_description" fields.
type apiError struct {
	Status  int
	Code    string
	Message string
}

func newError(status int, code, format string, args ...any) *apiError {
	return &apiError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// errorBody is the provider's Usergrid-style error body; the field order
// matches the bodies recorded from the real service.
type errorBody struct {
	Error       string `json:"error,omitempty"`
	Exception   string `json:"exception"`
	Timestamp   int64  `json:"timestamp"`
	Duration    int    `json:"duration"`
	Description string `json:"error_description"`
}

// exceptions maps an error code to the Java exception class the provider
// reports with it (from recorded responses where known, else plausible).
var exceptions = map[string]string{
	"":                                   "javax.ws.rs.WebApplicationException",
	"auth_bad_access_token":              "org.apache.usergrid.rest.exceptions.SecurityException",
	"duplicate_unique_property_exists":   "org.apache.usergrid.persistence.exceptions.DuplicateUniquePropertyExistsException",
	"exceed_limit":                       "com.easemob.group.exception.ExceedLimitException",
	"forbidden_op":                       "com.easemob.group.exception.ForbiddenOpException",
	"illegal_argument":                   "java.lang.IllegalArgumentException",
	"invalid_grant":                      "org.apache.usergrid.rest.exceptions.AuthErrorInfo",
	"invalid_parameter":                  "com.easemob.group.exception.InvalidParameterException",
	"invalid_request_body":               "com.easemob.message.exception.InvalidRequestBodyException",
	"json_parse":                         "com.fasterxml.jackson.core.JsonParseException",
	"message_send_error":                 "MessageSendException",
	"organization_application_not_found": "org.apache.usergrid.rest.exceptions.OrganizationApplicationNotFoundException",
	"reach_limit":                        "com.easemob.ratelimit.RateLimitException",
	"resource_limited":                   "com.easemob.ratelimit.ResourceLimitedException",
	"resource_not_found":                 "com.easemob.group.exception.ResourceNotFoundException",
	"service_resource_not_found":         "org.apache.usergrid.services.exceptions.ServiceResourceNotFoundException",
	"unauthorized":                       "org.apache.usergrid.rest.exceptions.SecurityException",
	"unsupported_grant_type":             "org.apache.usergrid.rest.exceptions.AuthErrorInfo",
	"web_application":                    "javax.ws.rs.WebApplicationException",
}

// exceptionFor returns the exception class reported with code.
func exceptionFor(code string) string {
	if e, ok := exceptions[code]; ok {
		return e
	}
	return "java.lang.RuntimeException"
}

// Errors with a fixed text. Their messages are the provider's documented
// wording (https://docs.agora.io/en/agora-chat/reference/http-status-codes).
var (
	errExpiredToken      = &apiError{http.StatusUnauthorized, "unauthorized", "Unable to authenticate due to expired access token."}
	errRegistrationShut  = &apiError{http.StatusUnauthorized, "unauthorized", "Registration is not open, please contact the app admin."}
	errCorruptToken      = &apiError{http.StatusUnauthorized, "auth_bad_access_token", "Unable to authenticate due to corrupt access token."}
	errUnknownToken      = &apiError{http.StatusUnauthorized, "auth_bad_access_token", "Unable to authenticate."}
	errInvalidGrant      = &apiError{http.StatusBadRequest, "invalid_grant", "Invalid username or password."}
	errJSONParse         = &apiError{http.StatusBadRequest, "json_parse", "Unexpected character."}
	errInvalidBody       = &apiError{http.StatusBadRequest, "invalid_request_body", "Request body is invalid."}
	errInvalidRequest    = &apiError{http.StatusBadRequest, "illegal_argument", "This is an invalid request."}
	errUnsupportedMedia  = &apiError{http.StatusUnsupportedMediaType, "web_application", "Unsupported Media Type."}
	errUnknownPath       = &apiError{http.StatusInternalServerError, "web_application", "javax.ws.rs.WebApplicationException"}
	errMethodNotAllowed  = &apiError{http.StatusMethodNotAllowed, "", "Method Not Allowed"}
	errBodyTooLarge      = &apiError{http.StatusRequestEntityTooLarge, "", "Request Entity Too Large"}
	errReachLimit        = &apiError{http.StatusTooManyRequests, "reach_limit", "This request has reached api limit."}
	errPlanLimit         = &apiError{http.StatusTooManyRequests, "resource_limited", "You have exceeded the limit of the Free edition. Please upgrade to higher edition."}
	errGroupNotFound     = &apiError{http.StatusNotFound, "service_resource_not_found", "Service resource not found."}
	errTooManyGroups     = &apiError{http.StatusForbidden, "forbidden_op", "This appKey has create too many groups/chatrooms!"}
	errGroupOwnerOp      = &apiError{http.StatusForbidden, "forbidden_op", "Forbidden operation on group owner!"}
	errSameOwner         = &apiError{http.StatusForbidden, "forbidden_op", "New owner and old owner are the same."}
	errMessageQuota      = &apiError{http.StatusForbidden, "message_send_error", "message send reach limit"}
	errMessageTooLarge   = &apiError{http.StatusBadRequest, "illegal_argument", "message is too large"}
	errEmptyFrom         = &apiError{http.StatusBadRequest, "illegal_argument", "'From' can't be empty."}
	errMissingUsername   = &apiError{http.StatusBadRequest, "illegal_argument", "Entity 'user' requires a property named username."}
	errMembersOverMaxUse = &apiError{http.StatusForbidden, "exceed_limit", "members size is greater than max user size !"}
)

func errUnknownApp(org, app string) *apiError {
	return newError(http.StatusNotFound, "organization_application_not_found",
		"Could not find application for %s from URI: %s/%s/token", org, org, app)
}

func errSendParam(format string, args ...any) *apiError {
	return newError(http.StatusBadRequest, "message_send_error", format, args...)
}

func errUserNotFound(name string) *apiError {
	return newError(http.StatusNotFound, "resource_not_found", "username %s doesn't exist", name)
}

func errInvalidParameter(format string, args ...any) *apiError {
	return newError(http.StatusBadRequest, "invalid_parameter", format, args...)
}

func errAlreadyMember(user, group string) *apiError {
	return newError(http.StatusForbidden, "forbidden_op",
		"Can not join this group, reason: user: %s already in group: %s.", user, group)
}

func errJoinedTooMany(user string) *apiError {
	return newError(http.StatusForbidden, "forbidden_op",
		"Can not join this group, reason:user: %s has joined too many groups/chatroom!", user)
}
