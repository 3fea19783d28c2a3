package agora

import (
	"fmt"
	"net/url"
	"strings"
)

// checkPath refuses a request path with a dot segment. Callers validate ids
// (package tasks), but a segment that a proxy or the provider reads as "."
// or ".." silently names another resource — "/chatgroups/../users/alice"
// is "/users/alice" once normalised — so the client checks the path it is
// about to send, whatever its caller did (issue 10, item 1). Each entry of
// a comma-separated list segment ("/users/u1,u2") is checked too: the
// client escapes ',' inside ids, so a raw ',' is always its own separator.
func checkPath(p string) error {
	for seg := range strings.SplitSeq(p, "/") {
		for part := range strings.SplitSeq(seg, ",") {
			if isDotSegment(part) {
				return fmt.Errorf("path segment %q is a dot segment (\".\" or \"..\", maybe percent-encoded): %w",
					part, ErrInvalidInput)
			}
		}
	}
	return nil
}

// isDotSegment reports whether s, or any successive percent-decoding of it
// (two layers may each decode once), is "." or ".." once ";parameters" are
// dropped, as Tomcat and Jetty drop them. Each decoding shortens s, so the
// loop ends.
func isDotSegment(s string) bool {
	for {
		if base, _, _ := strings.Cut(s, ";"); base == "." || base == ".." {
			return true
		}
		d, err := url.PathUnescape(s)
		if err != nil || d == s {
			return false
		}
		s = d
	}
}
