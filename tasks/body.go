package tasks

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// fieldKind says what a required body field must hold.
type fieldKind int

const (
	textField  fieldKind = iota // a non-empty string
	coordField                  // a number or a non-empty string ("39.96")
)

type bodyField struct {
	name string
	kind fieldKind
}

// bodyFields lists the required body fields per message type
// (https://docs.agora.io/en/agora-chat/restful-api/message-management). custom has no required field;
// its optional fields are checked by customBody.
var bodyFields = map[string][]bodyField{
	"txt":    {{"msg", textField}},
	"img":    {{"url", textField}},
	"audio":  {{"url", textField}},
	"video":  {{"url", textField}},
	"file":   {{"filename", textField}, {"url", textField}},
	"loc":    {{"lat", coordField}, {"lng", coordField}, {"addr", textField}},
	"cmd":    {{"action", textField}},
	"custom": nil,
}

const maxCustomExts = 16

// messageBody checks the message type and that body is a JSON object with the
// fields that type requires.
func (c *checker) messageBody(typ string, body json.RawMessage) {
	if c.failed() {
		return
	}
	fields, ok := bodyFields[typ]
	if !ok {
		c.fail("type", "must be one of txt, img, audio, video, file, loc, cmd, custom")
		return
	}
	obj, ok := c.object("body", body)
	if !ok {
		return
	}
	for _, f := range fields {
		c.bodyField(f, obj[f.name])
	}
	if typ == "custom" {
		c.customBody(obj)
	}
}

// object decodes raw as a JSON object, or records why it is not one.
func (c *checker) object(field string, raw json.RawMessage) (map[string]json.RawMessage, bool) {
	var obj map[string]json.RawMessage
	switch {
	case len(bytes.TrimSpace(raw)) == 0:
		c.fail(field, "is required")
	case !json.Valid(raw):
		c.fail(field, "must be valid JSON")
	case !isJSONObject(raw) || json.Unmarshal(raw, &obj) != nil:
		c.fail(field, "must be a JSON object")
	}
	return obj, !c.failed()
}

func (c *checker) bodyField(f bodyField, raw json.RawMessage) {
	if c.failed() {
		return
	}
	path := "body." + f.name
	var s string
	switch {
	case raw == nil:
		c.fail(path, "is required")
	case f.kind == coordField && isJSONNumber(raw):
		// a number is fine
	case json.Unmarshal(raw, &s) != nil || isNull(raw):
		c.fail(path, kindRule(f.kind))
	case s == "":
		c.fail(path, ruleNotEmpty)
	}
}

func kindRule(k fieldKind) string {
	if k == coordField {
		return "must be a number or a string"
	}
	return "must be a string"
}

// customBody checks the optional customEvent and customExts of a custom
// message.
func (c *checker) customBody(obj map[string]json.RawMessage) {
	if raw, ok := obj["customEvent"]; ok {
		var s string
		if isNull(raw) || json.Unmarshal(raw, &s) != nil || !validCustomEvent(s) {
			c.fail("body.customEvent", "must match [a-zA-Z0-9-_/.]{1,32}")
			return
		}
	}
	raw, ok := obj["customExts"]
	if !ok || c.failed() {
		return
	}
	exts, ok := c.object("body.customExts", raw)
	if !ok {
		return
	}
	if len(exts) > maxCustomExts {
		c.fail("body.customExts", fmt.Sprintf("must have at most %d entries, got %d", maxCustomExts, len(exts)))
		return
	}
	for k, v := range exts {
		var s string
		if isNull(v) || json.Unmarshal(v, &s) != nil {
			c.fail("body.customExts."+k, "must be a string")
			return
		}
	}
}

// validCustomEvent reports whether s matches ^[a-zA-Z0-9-_/.]{1,32}$.
func validCustomEvent(s string) bool {
	if len(s) == 0 || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		ok := (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') ||
			b == '-' || b == '_' || b == '/' || b == '.'
		if !ok {
			return false
		}
	}
	return true
}

// isJSONObject reports whether raw is valid JSON whose value is an object.
func isJSONObject(raw []byte) bool {
	t := bytes.TrimSpace(raw)
	return len(t) > 0 && t[0] == '{' && json.Valid(t)
}

func isJSONNumber(raw []byte) bool {
	t := bytes.TrimSpace(raw)
	return len(t) > 0 && (t[0] == '-' || (t[0] >= '0' && t[0] <= '9')) && json.Valid(t)
}

func isNull(raw []byte) bool {
	return string(bytes.TrimSpace(raw)) == "null"
}

// compactLen returns the length of raw as compacted JSON (len(raw) when raw
// is not valid JSON; validation reports that separately).
func compactLen(raw []byte) int {
	var buf bytes.Buffer
	if json.Compact(&buf, raw) != nil {
		return len(raw)
	}
	return buf.Len()
}
