package agora

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strconv"

	"github.com/chatq/chatq/tasks"
)

// Dialect names the provider chatq speaks to: Agora Chat and Easemob run
// the same REST API family, but differ in what a request must or may carry.
type Dialect string

// The dialects chatq speaks.
const (
	DialectAgora   Dialect = "agora"
	DialectEasemob Dialect = "easemob"
)

// DialectRules is everything that differs between the dialects. The table
// below is the one place that says how; the client, the validation limits
// (Limits) and the configuration read it, and the README's "Dialects" table
// repeats it.
type DialectRules struct {
	Dialect Dialect
	// MaxMessageBytes is the default body+ext limit of a message
	// (CHATQ_MAX_MESSAGE_BYTES overrides it).
	MaxMessageBytes int
	// RequirePassword: registering a user without a password is refused.
	RequirePassword bool
	// CustomGroupID: a group create may carry its own "groupid", so chatq
	// derives one from the task and a retried create cannot make two
	// groups. Without it a payload's groupid is refused by validation.
	CustomGroupID bool
	// ErrorCodes: error bodies carry a numeric "error_code" besides "error".
	ErrorCodes bool
	// GroupChatType is the recall's chat_type of a group message: Agora's
	// page spells it "group_chat", Easemob's "groupchat" (the payload's).
	GroupChatType string
	// Doc is where the differences are documented.
	Doc string
}

// dialects is the table of what differs (issue #12).
var dialects = map[Dialect]DialectRules{
	DialectAgora: {
		Dialect:         DialectAgora,
		MaxMessageBytes: 5120, // "body + ext ≤ 5 KB, or the error 413 will be returned"
		RequirePassword: false,
		CustomGroupID:   false,
		ErrorCodes:      false,
		GroupChatType:   "group_chat", // message management, "Recall a message"
		Doc:             "docs.agora.io Chat REST API (password removed from register in July 2024; public optional)",
	},
	DialectEasemob: {
		Dialect:         DialectEasemob,
		MaxMessageBytes: 5120, // 400 "message is too large" over 5 KB
		RequirePassword: true, // 400 "password or pin must provided"
		CustomGroupID:   true, // 400 "group ID XX already exists!"
		ErrorCodes:      true, // "error_code":14007 since 2025
		GroupChatType:   "groupchat",
		Doc:             "doc.easemob.com server-side API and easemob-im-server-sdk (public required on create)",
	},
}

// ParseDialect returns the dialect named s ("agora" or "easemob").
func ParseDialect(s string) (Dialect, error) {
	d := Dialect(s)
	if _, ok := dialects[d]; !ok {
		return "", fmt.Errorf("unknown provider dialect %q: must be agora or easemob", s)
	}
	return d, nil
}

// InferDialect is the dialect of the credentials chosen: a client id and
// secret are Easemob's client_credentials (Agora documents app tokens
// only); an App ID and App Certificate, or no credentials at all (a
// producer), are Agora's.
func InferDialect(clientCredentials bool) Dialect {
	if clientCredentials {
		return DialectEasemob
	}
	return DialectAgora
}

// Rules returns the dialect's row of the table; an unknown dialect gets
// Agora's.
func (d Dialect) Rules() DialectRules {
	if r, ok := dialects[d]; ok {
		return r
	}
	return dialects[DialectAgora]
}

// Limits returns the validation limits of the dialect; maxMessageBytes > 0
// overrides its message limit.
func (r DialectRules) Limits(maxMessageBytes int) tasks.Limits {
	l := tasks.Limits{MaxMessageBytes: r.MaxMessageBytes, RequirePassword: r.RequirePassword, RejectGroupID: !r.CustomGroupID}
	if maxMessageBytes > 0 {
		l.MaxMessageBytes = maxMessageBytes
	}
	return l
}

// DerivedGroupID is the custom group id of a create made for key (a task
// id): 18 decimal digits, like the provider's own ids, from SHA-256 of key.
// The same task retried asks for the same id, which the provider then
// refuses as existing (a create that already happened).
func DerivedGroupID(key string) string {
	sum := sha256.Sum256([]byte("chatq/group:create/" + key))
	n := binary.BigEndian.Uint64(sum[:8]) % 900_000_000_000_000_000
	return strconv.FormatUint(n+100_000_000_000_000_000, 10)
}
