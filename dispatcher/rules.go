package dispatcher

import "github.com/chatq/chatq/policy"

// Decisions the dispatcher makes itself, outside the provider's table. They
// have rule names so logs and dead letters say which case applied.
var (
	invalidPayloadRule = policy.Rule{
		Name:   "invalid-payload",
		Action: policy.ActionDeadLetter,
		Reason: "invalid payload",
		Doc:    "chatq: the payload does not decode or validate as its task type",
	}
	payloadTooLargeRule = policy.Rule{
		Name:   "payload-too-large",
		Action: policy.ActionDeadLetter,
		Reason: "payload too large",
		Doc:    "chatq: the payload is over Config.MaxPayloadBytes; it is not decoded",
	}
	unknownTypeRule = policy.Rule{
		Name:   "unknown-type",
		Action: policy.ActionDeadLetter,
		Reason: "unknown task type",
		Doc:    "chatq: no handler for this task type",
	}
	invalidRequestRule = policy.Rule{
		Name:   "invalid-request",
		Action: policy.ActionDeadLetter,
		Reason: "request refused before sending",
		Doc:    "chatq: the REST client cannot build a valid request from the payload",
	}
	freshTokenRefusedRule = policy.Rule{
		Name:   "fresh-token-refused",
		Action: policy.ActionCredentials,
		Reason: "a freshly fetched token was refused",
		Doc:    "chatq: 401 right after a token refresh means the credentials are rejected",
	}
)
