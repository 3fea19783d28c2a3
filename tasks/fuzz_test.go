package tasks

import (
	"errors"
	"testing"
)

// FuzzDecode checks that Decode never panics, that every error it returns is
// a *ValidationError, and that what it accepts survives a round trip through
// the canonical encoding.
func FuzzDecode(f *testing.F) {
	seeds := []string{
		`{"target":"users","to":["a"],"type":"txt","body":{"msg":"hi"}}`,
		`{"target":"chatgroups","to":["1"],"type":"custom","body":{"customEvent":"e","customExts":{"k":"v"}},"ext":{}}`,
		`{"target":"chatrooms","to":["1"],"type":"loc","body":{"lat":1,"lng":"2","addr":"x"}}`,
		`{"users":[{"username":"a"},{"username":"b"}]}`,
		`{"groupname":"g","owner":"a","members":["b"],"maxusers":2}`,
		`{"group_id":"1","usernames":["a"]}`,
		`{"group_id":"1","new_owner":"b"}`,
		`null`, `[]`, `{"body":null}`, `{"to":"x"}`, `{} {}`, "\xff",
	}
	for _, typ := range Types() {
		for _, s := range seeds {
			f.Add(typ, []byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, typ string, payload []byte) {
		v, err := Decode(typ, payload, Limits{MaxMessageBytes: 256})
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Decode(%q, %q): got %T %v, want a *ValidationError", typ, payload, err, err)
			}
			return
		}
		b, err := marshal(v)
		if err != nil {
			t.Fatalf("marshal(%#v): %v", v, err)
		}
		if _, err := Decode(typ, b, Limits{MaxMessageBytes: 256}); err != nil {
			t.Fatalf("Decode of the canonical %q: %v (from %q)", b, err, payload)
		}
	})
}
