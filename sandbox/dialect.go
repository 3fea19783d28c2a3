package sandbox

import (
	"net/http"
	"slices"
)

// Dialects are the values of Config.Dialect: the sandbox is as strict as
// the provider it plays (issue #12), so no test passes against a sandbox
// more lenient than the real one.
var Dialects = []string{DialectAgora, DialectEasemob}

// The provider dialects the sandbox plays.
const (
	DialectAgora   = "agora"
	DialectEasemob = "easemob"
)

// dialectRules is what the sandbox enforces differently per dialect. It is
// the sandbox's own reading of the documentation, deliberately not shared
// with chatq's client (agora/dialect.go).
type dialectRules struct {
	// requirePassword: register without a password is 400 "password or
	// pin must provided" (Easemob; Agora removed the field in July 2024).
	requirePassword bool
	// requirePublic: create group without "public" is 400 "group must
	// contain public field!" (Easemob; optional for Agora).
	requirePublic bool
	// customGroupID: create group takes "groupid"; an existing one is 400
	// "group ID … already exists!". Elsewhere it is an unknown field.
	customGroupID bool
	// errorCodes: error bodies carry Easemob's numeric "error_code".
	errorCodes bool
}

var dialectTable = map[string]dialectRules{
	DialectAgora:   {},
	DialectEasemob: {requirePassword: true, requirePublic: true, customGroupID: true, errorCodes: true},
}

// ValidDialect reports whether d is one of Dialects.
func ValidDialect(d string) bool { return slices.Contains(Dialects, d) }

// rules returns the rules of the server's dialect.
func (s *Server) rules() dialectRules { return dialectTable[s.cfg.Dialect] }

// easemobErrorCodes are the numeric codes Easemob documents with a
// description (EM-DOCS message_single.md, 2025).
var easemobErrorCodes = map[string]int{"message is too large": 14007}

// errorCodeFor is the "error_code" of an answer under the server's
// dialect; 0 = none.
func (s *Server) errorCodeFor(e *apiError) int {
	if !s.rules().errorCodes {
		return 0
	}
	return easemobErrorCodes[e.Message]
}

// Errors only one dialect answers.
var (
	errPasswordRequired = &apiError{http.StatusBadRequest, "illegal_argument", "password or pin must provided"}
	errPublicRequired   = &apiError{http.StatusBadRequest, "illegal_argument", "group must contain public field!"}
	// errMessageTooLargeEasemob is Easemob's wording of a send over the
	// size limit (the Agora status-code page has illegal_argument).
	errMessageTooLargeEasemob = &apiError{http.StatusBadRequest, "message_send_error", "message is too large"}
)
