package tasks

import (
	"net/url"
	"strings"
)

// Usernames and group or chat room ids become segments of the provider's URL
// path (DELETE /chatgroups/{group_id}/users/{username}). A value that a proxy
// or the provider would read as "." or "..", or as more than one segment,
// changes which resource the request names: a group "..", normalised away,
// turns a member removal into "DELETE /users/alice" (issue 10, item 1). So a
// value must stay one ordinary segment however a server reads it: decoded
// once, decoded again by a second layer, and with ";parameters" dropped, as
// Tomcat and Jetty do before they remove dot segments.

// ruleDotSegment is the rule of a value that is, or decodes to, a dot segment.
const ruleDotSegment = `must not be "." or ".." (a dot segment of the URL path), also percent-encoded or with ";…"`

// isDotSegment reports whether s, or any percent-decoding of it, is "." or
// "..", once ";…" (RFC 3986 §3.3 segment parameters) is dropped.
func isDotSegment(s string) bool {
	return anyDecoding(s, func(d string) bool {
		d, _, _ = strings.Cut(d, ";")
		return d == "." || d == ".."
	})
}

// splitsSegment reports whether s, or any percent-decoding of it, holds a
// '/' (a second path segment) or a ',' (a second entry of a list segment).
func splitsSegment(s string) bool {
	return anyDecoding(s, func(d string) bool { return strings.ContainsAny(d, "/,") })
}

// anyDecoding reports whether f holds for s or for one of its successive
// percent-decodings (each decoded again until it no longer changes or no
// longer decodes). Each round shortens the string, so the loop ends.
func anyDecoding(s string, f func(string) bool) bool {
	for {
		if f(s) {
			return true
		}
		d, err := url.PathUnescape(s)
		if err != nil || d == s {
			return false
		}
		s = d
	}
}
