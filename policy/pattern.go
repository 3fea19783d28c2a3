package policy

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"
)

// pattern is a compiled Rule.Message: normalised literal segments that must
// appear in order, with anything (including nothing) between and around them.
type pattern struct {
	segs    [][]byte
	literal int // total literal length, the tie-break between message rows
}

// compilePattern splits s at {placeholders} and normalises each literal part.
// A "{" without a closing "}" is literal text.
func compilePattern(s string) pattern {
	var p pattern
	var parts []string
	for {
		open := strings.IndexByte(s, '{')
		if open < 0 {
			break
		}
		end := strings.IndexAny(s[open+1:], "{}")
		if end <= 0 || s[open+1+end] != '}' {
			// Not a placeholder: keep the "{" as text and look further on.
			parts = append(parts, s[:open+1])
			s = s[open+1:]
			continue
		}
		parts = append(parts, s[:open], "")
		s = s[open+1+end+1:]
	}
	parts = append(parts, s)
	// Rejoin literal runs that were split at a lone "{", then normalise.
	var lit strings.Builder
	flush := func(last bool) {
		seg := appendNormalized(nil, lit.String())
		if last {
			seg = trimTrailing(seg)
		}
		if len(seg) > 0 {
			p.segs = append(p.segs, seg)
			p.literal += len(seg)
		}
		lit.Reset()
	}
	for _, part := range parts {
		if part == "" {
			flush(false)
			continue
		}
		lit.WriteString(part)
	}
	flush(true)
	return p
}

// match reports whether the normalised message contains the segments in order.
// Leftmost matching of each segment is enough because the pattern is
// implicitly surrounded by wildcards.
func (p *pattern) match(msg []byte) bool {
	for _, seg := range p.segs {
		i := bytes.Index(msg, seg)
		if i < 0 {
			return false
		}
		msg = msg[i+len(seg):]
	}
	return true
}

// key is the canonical form used to decide whether an override replaces a row.
func (p *pattern) key() string {
	return string(bytes.Join(p.segs, []byte("{}")))
}

// appendNormalized appends s lowercased, without whitespace and quote characters.
func appendNormalized(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case c == ' ' || (c >= '\t' && c <= '\r') || c == '"' || c == '\'' || c == '`':
			case 'A' <= c && c <= 'Z':
				dst = append(dst, c+('a'-'A'))
			default:
				dst = append(dst, c)
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if unicode.IsSpace(r) || isQuote(r) {
			continue
		}
		dst = utf8.AppendRune(dst, unicode.ToLower(r))
	}
	return dst
}

// isQuote reports the non-ASCII quotes the provider's pages use (“message”).
func isQuote(r rune) bool {
	switch r {
	case '“', '”', '‘', '’', '„', '«', '»':
		return true
	}
	return false
}

func trimTrailing(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '.' || b[len(b)-1] == '!') {
		b = b[:len(b)-1]
	}
	return b
}
