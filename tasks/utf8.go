package tasks

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// ruleUTF8 is the rule of text that is not valid UTF-8. JSON text must be
// UTF-8 (RFC 8259 §8.1): encoding/json turns invalid bytes into U+FFFD when
// it decodes a Go string, but a json.RawMessage (body, ext) keeps them and
// would be sent to the provider byte for byte (issue 10, item 2).
const ruleUTF8 = "must be valid UTF-8"

// validUTF8 checks that raw, a JSON value kept as raw bytes, is valid UTF-8;
// a violation names the string or object key that is not, under field.
func (c *checker) validUTF8(field string, raw []byte) {
	if c.failed() || utf8.Valid(raw) {
		return
	}
	c.first = utf8Error(c.typ, field, raw)
}

// utf8Error describes the first invalid UTF-8 in raw, a JSON value at
// field ("" for a whole payload).
func utf8Error(typ, field string, raw []byte) *ValidationError {
	sub, key := invalidUTF8Path(raw)
	path := joinPath(field, sub)
	if path == "" {
		path = "payload"
	}
	rule := ruleUTF8
	if key {
		rule = "object key " + ruleUTF8
	}
	return &ValidationError{Type: typ, Field: path, Rule: rule}
}

// pathFrame is one open object or array while invalidUTF8Path walks JSON.
type pathFrame struct {
	array   bool
	index   int    // array: the current element
	key     string // object: the current member's key
	wantKey bool   // object: the next string is a key
}

// invalidUTF8Path returns the path (as Field writes it: "msg", "a[2].b")
// of the first string value or object key in raw whose bytes are not valid
// UTF-8, and whether it is a key; "" when there is none inside a string.
// It runs only after utf8.Valid failed, so its cost does not matter.
func invalidUTF8Path(raw []byte) (path string, key bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	var stack []pathFrame
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		chunk := raw[start:dec.InputOffset()] // the token, after ',' ':' or spaces
		switch tok {
		case json.Delim('{'), json.Delim('['):
			stack = append(stack, pathFrame{array: tok == json.Delim('['), wantKey: tok == json.Delim('{')})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		default:
			isKey := len(stack) > 0 && stack[len(stack)-1].wantKey
			if isKey {
				stack[len(stack)-1].key, stack[len(stack)-1].wantKey = tok.(string), false
			}
			if !utf8.Valid(chunk) {
				return framesPath(stack), isKey
			}
			if isKey {
				continue
			}
		}
		nextMember(stack)
	}
}

// nextMember moves the innermost open container past a finished value.
func nextMember(stack []pathFrame) {
	if len(stack) == 0 {
		return
	}
	top := &stack[len(stack)-1]
	if top.array {
		top.index++
	} else {
		top.wantKey = true
	}
}

func framesPath(stack []pathFrame) string {
	path := ""
	for _, f := range stack {
		if f.array {
			path += "[" + strconv.Itoa(f.index) + "]"
		} else {
			path = joinPath(path, f.key)
		}
	}
	return path
}

func joinPath(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "" || b[0] == '[':
		return a + b
	}
	return a + "." + b
}
