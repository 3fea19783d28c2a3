package deadletter

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRecord_SetPayloadRedactsSecrets(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name         string
		payload      string
		prefix       int // 0: SetPayload
		wantPayload  string
		wantRaw      string
		wantRedacted []string
	}{
		{name: "no secret", payload: `{"users":[{"username":"a"}]}`, wantPayload: `{"users":[{"username":"a"}]}`},
		{name: "passwords dropped", payload: `{"users":[{"username":"a","password":"pw-1"},{"username":"b","nickname":"B","password":"pw-2"}]}`,
			wantPayload: `{"users":[{"username":"a"},{"nickname":"B","username":"b"}]}`, wantRedacted: []string{"users[0].password", "users[1].password"}},
		{name: "the word elsewhere is kept", payload: `{"users":[{"username":"password"}]}`, wantPayload: `{"users":[{"username":"password"}]}`},
		{name: "not JSON", payload: `{"users":[{"username":"a","password":"pw-1"` + "\xff",
			wantRaw: `{"users":[{"username":"a","password":"[redacted]"` + "\xff", wantRedacted: []string{"payload"}},
		{name: "prefix cuts the password", payload: `{"users":[{"username":"a","password":"pw-123456789"}]}`, prefix: 45,
			wantRaw: `{"users":[{"username":"a","password":"[redacted]"`, wantRedacted: []string{"payload"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var r Record
			if tt.prefix > 0 {
				r.SetPayloadPrefix([]byte(tt.payload), tt.prefix)
			} else {
				r.SetPayload([]byte(tt.payload))
			}
			if tt.wantPayload != "" {
				require.JSONEq(t, tt.wantPayload, string(r.Payload))
			}
			require.Equal(t, tt.wantRaw, string(r.PayloadRaw))
			require.Equal(t, tt.wantRedacted, r.Redacted)
			require.NotContains(t, string(r.PayloadBytes()), "pw-")
		})
	}
}
