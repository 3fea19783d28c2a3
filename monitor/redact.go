package monitor

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"

	"github.com/hibiken/asynqmon"
)

// Redacted replaces the value of every secret-looking field.
const Redacted = "[redacted]"

// secretKey matches the keys whose values are never shown.
var secretKey = regexp.MustCompile(`(?i)secret|password|token|certificate|authorization`)

// PayloadFormatter shows JSON payloads indented, with secret-looking fields
// redacted at any depth; other payloads are not shown.
var PayloadFormatter = asynqmon.PayloadFormatterFunc(func(_ string, payload []byte) string {
	return FormatPayload(payload)
})

// FormatPayload is PayloadFormatter's formatting, for any JSON document.
func FormatPayload(payload []byte) string {
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return fmt.Sprintf("(%d bytes, not JSON: not shown)", len(payload))
	}
	out, err := json.MarshalIndent(redact(v), "", "  ")
	if err != nil {
		return fmt.Sprintf("(%d bytes: cannot format)", len(payload))
	}
	return string(out)
}

// redact returns v with the values of secret-looking keys replaced.
func redact(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if secretKey.MatchString(k) {
				t[k] = Redacted
				continue
			}
			t[k] = redact(x)
		}
	case []any:
		for i, x := range t {
			t[i] = redact(x)
		}
	}
	return v
}
