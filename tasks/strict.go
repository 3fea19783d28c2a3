package tasks

// UnmarshalStrict decodes one JSON value into v as Decode decodes a
// payload: unknown fields, wrong JSON types, empty input and data after the
// value are errors, each a *ValidationError whose Field is the JSON field
// when known, "payload" otherwise. It serves the envelopes that carry
// payloads into chatq (a line of `chatq enqueue -f`, an HTTP request).
func UnmarshalStrict(b []byte, v any) error {
	if err := strictUnmarshal(b, v); err != nil {
		return decodeError("", err)
	}
	return nil
}

// MaxKeyBytes is the longest idempotency key Key accepts.
const MaxKeyBytes = maxKeyBytes
