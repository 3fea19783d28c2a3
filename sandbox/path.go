package sandbox

import (
	"net/url"
	"strings"
)

// routeSegments reads a raw (escaped) request path the way HTTP servers
// and proxies do before routing, and returns its decoded segments:
//
//  1. percent-encoded unreserved characters are decoded (RFC 3986
//     §6.2.2.2), so "%2E%2e" is "..";
//  2. dot segments are removed (§5.2.4): "/chatgroups/../users/u" is
//     "/users/u";
//  3. the path is split at its raw '/' and each segment decoded, so an
//     encoded "%2F" stays inside its segment;
//  4. one trailing empty segment is dropped: a trailing '/' matches the
//     same resource, as in JAX-RS routing, the provider's framework.
//
// So the sandbox is no more lenient than the provider behind a proxy: a
// request whose id is ".." names the resource the provider would act on.
func routeSegments(rawPath string) []string {
	p := removeDotSegments(decodeUnreserved(rawPath))
	segs := strings.Split(strings.TrimPrefix(p, "/"), "/")
	if n := len(segs); n > 1 && segs[n-1] == "" {
		segs = segs[:n-1]
	}
	for i, s := range segs {
		if d, err := url.PathUnescape(s); err == nil {
			segs[i] = d
		}
	}
	return segs
}

// decodeUnreserved decodes each %XX whose byte is an unreserved character
// (ALPHA, DIGIT, '-', '.', '_', '~') and leaves every other escape as is.
func decodeUnreserved(p string) string {
	if !strings.Contains(p, "%") {
		return p
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] == '%' && i+2 < len(p) {
			if c, ok := unhex(p[i+1], p[i+2]); ok && isUnreserved(c) {
				b.WriteByte(c)
				i += 2
				continue
			}
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

func unhex(hi, lo byte) (byte, bool) {
	h, ok1 := hexVal(hi)
	l, ok2 := hexVal(lo)
	return h<<4 | l, ok1 && ok2
}

func hexVal(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func isUnreserved(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// removeDotSegments is the algorithm of RFC 3986 §5.2.4, step by step:
// in is the input buffer, out the output segments (each with its leading
// '/', when it had one).
func removeDotSegments(in string) string {
	var out []string
	pop := func() {
		if len(out) > 0 {
			out = out[:len(out)-1]
		}
	}
	for in != "" {
		switch {
		case strings.HasPrefix(in, "../"): // A
			in = in[3:]
		case strings.HasPrefix(in, "./"): // A
			in = in[2:]
		case strings.HasPrefix(in, "/./"): // B
			in = in[2:]
		case in == "/.": // B
			in = "/"
		case strings.HasPrefix(in, "/../"): // C
			in = in[3:]
			pop()
		case in == "/..": // C
			in = "/"
			pop()
		case in == "." || in == "..": // D
			in = ""
		default: // E: move the first segment, with its leading '/', to out
			end := strings.IndexByte(in[1:], '/') + 1
			if end == 0 {
				end = len(in)
			}
			out = append(out, in[:end])
			in = in[end:]
		}
	}
	return strings.Join(out, "")
}
