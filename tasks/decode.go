package tasks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Decode strictly decodes payload into the payload struct of taskType and
// validates it against l. It returns the struct as a value (SendMessage, not
// *SendMessage); its TaskType is taskType. The worker uses it for payloads from foreign producers.
//
// Strict means: unknown fields, wrong JSON types, an empty payload, data
// after the JSON value and invalid UTF-8 anywhere are all errors. Every error is a *ValidationError; an
// unknown task type has Field "type", and a decoding error has the JSON field
// as Field when known, "payload" otherwise. Like encoding/json, Decode
// matches field names case-insensitively.
func Decode(taskType string, payload []byte, l Limits) (Payload, error) {
	k, ok := kinds[taskType]
	if !ok {
		return nil, unknownType(taskType)
	}
	return k.decode(payload, l)
}

func unknownType(taskType string) *ValidationError {
	if taskType == "" {
		return &ValidationError{Field: "type", Rule: ruleRequired}
	}
	return &ValidationError{
		Field: "type",
		Rule:  fmt.Sprintf("unknown task type %q; want one of %s", taskType, strings.Join(Types(), ", ")),
	}
}

// decodeAs is Decode for payload struct T. Invalid UTF-8 is refused before
// decoding: encoding/json would quietly turn it into U+FFFD in a string
// field, and keep it in body and ext.
func decodeAs[T Payload](b []byte, l Limits) (Payload, error) {
	var v T
	typ := v.TaskType()
	if !utf8.Valid(b) {
		return nil, utf8Error(typ, "", b)
	}
	if err := strictUnmarshal(b, &v); err != nil {
		return nil, decodeError(typ, err)
	}
	if err := v.Validate(l); err != nil {
		return nil, err
	}
	return v, nil
}

// errTrailingData is returned by strictUnmarshal for data after the value.
var errTrailingData = errors.New("trailing data")

// strictUnmarshal is json.Unmarshal with unknown fields and trailing data
// rejected.
func strictUnmarshal(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errTrailingData
	}
	return nil
}

// decodeError turns an error of strictUnmarshal into a *ValidationError.
func decodeError(typ string, err error) *ValidationError {
	e := &ValidationError{Type: typ, Field: "payload"}
	var (
		syntax  *json.SyntaxError
		mistype *json.UnmarshalTypeError
	)
	switch {
	case errors.Is(err, io.EOF):
		e.Rule = "must not be empty"
	case errors.Is(err, io.ErrUnexpectedEOF):
		e.Rule = "must be valid JSON: unexpected end of input"
	case errors.Is(err, errTrailingData):
		e.Rule = "must hold a single JSON value, without trailing data"
	case errors.As(err, &syntax):
		e.Rule = fmt.Sprintf("must be valid JSON: %s (offset %d)", strings.TrimPrefix(syntax.Error(), "json: "), syntax.Offset)
	case errors.As(err, &mistype):
		if mistype.Field != "" {
			e.Field = mistype.Field
		}
		e.Rule = fmt.Sprintf("must be %s, got JSON %s", jsonKind(mistype.Type), mistype.Value)
	default:
		e.Rule = unknownFieldRule(err, e)
	}
	return e
}

// unknownFieldRule handles the error of DisallowUnknownFields, which
// encoding/json returns untyped ("json: unknown field \"x\""); parsing its
// text is the only way to name the field.
func unknownFieldRule(err error, e *ValidationError) string {
	name, ok := strings.CutPrefix(err.Error(), "json: unknown field ")
	if !ok {
		return "must be valid: " + strings.TrimPrefix(err.Error(), "json: ")
	}
	if f, uerr := strconv.Unquote(name); uerr == nil {
		e.Field = f
	}
	return "unknown field"
}

// jsonKind names the JSON value a Go type accepts.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "a different JSON type"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return "a " + t.String()
}
