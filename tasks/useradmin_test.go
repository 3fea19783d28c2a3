package tasks

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestUserAdmin_Validate covers the payloads that name one user: the same
// username rule, under each type's name.
func TestUserAdmin_Validate(t *testing.T) {
	t.Parallel()
	build := map[string]func(string) Payload{
		TypeDeleteUser:     func(u string) Payload { return DeleteUser{Username: u} },
		TypeDeactivateUser: func(u string) Payload { return DeactivateUser{Username: u} },
		TypeActivateUser:   func(u string) Payload { return ActivateUser{Username: u} },
		TypeDisconnectUser: func(u string) Payload { return DisconnectUser{Username: u} },
	}
	tests := []struct {
		name     string
		username string
		wantRule string // "" means valid
	}{
		{name: "valid", username: "alice_1.x-y"},
		{name: "valid 64", username: strings.Repeat("a", 64)},
		{name: "missing", username: "", wantRule: "is required"},
		{name: "uppercase", username: "Alice", wantRule: "must match"},
		{name: "65", username: strings.Repeat("a", 65), wantRule: "must match"},
		{name: "slash", username: "a/b", wantRule: "must match"},
		{name: "dot segment", username: "..", wantRule: "dot segment"},
	}
	for typ, mk := range build {
		for _, tt := range tests {
			t.Run(typ+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				p := mk(tt.username)
				require.Equal(t, typ, p.TaskType())
				field := ""
				if tt.wantRule != "" {
					field = "username"
				}
				requireValidation(t, p.Validate(Limits{}), typ, field, tt.wantRule)
			})
		}
	}
}

func TestMuteUser_Validate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		in        MuteUser
		wantField string // "" means valid
		wantRule  string
	}{
		{name: "valid one", in: MuteUser{Username: "a", Chat: Secs(100)}},
		{name: "valid all", in: MuteUser{Username: "a", Chat: Secs(MuteForever), GroupChat: Secs(Unmute), ChatRoom: Secs(2147483647)}},
		{name: "valid unmute only", in: MuteUser{Username: "a", ChatRoom: Secs(0)}},
		{name: "username missing", in: MuteUser{Chat: Secs(1)}, wantField: "username", wantRule: "is required"},
		{name: "no duration", in: MuteUser{Username: "a"}, wantField: "chat", wantRule: "one of chat, groupchat and chatroom is required"},
		{name: "chat -2", in: MuteUser{Username: "a", Chat: Secs(-2)}, wantField: "chat", wantRule: "got -2"},
		{name: "groupchat over int32", in: MuteUser{Username: "a", GroupChat: Secs(2147483648)}, wantField: "groupchat", wantRule: "1 to 2147483647 seconds"},
		{name: "chatroom negative", in: MuteUser{Username: "a", ChatRoom: Secs(-100)}, wantField: "chatroom", wantRule: "must be -1 (for ever), 0 (unmute)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			requireValidation(t, tt.in.Validate(Limits{}), TypeMuteUser, tt.wantField, tt.wantRule)
		})
	}
}

func TestSetUserMetadata_Validate(t *testing.T) {
	t.Parallel()
	md := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name      string
		in        SetUserMetadata
		wantField string // "" means valid
		wantRule  string
	}{
		{name: "valid", in: SetUserMetadata{Username: "a", Metadata: md("nickname", "Alice", "ext", "{}")}},
		{name: "valid empty value", in: SetUserMetadata{Username: "a", Metadata: md("sign", "")}},
		{name: "valid gender", in: SetUserMetadata{Username: "a", Metadata: md("gender", "2")}},
		{name: "valid 64-character nickname", in: SetUserMetadata{Username: "a", Metadata: md("nickname", strings.Repeat("名", 64))}},
		{name: "valid 2 KB", in: SetUserMetadata{Username: "a", Metadata: md("ext", strings.Repeat("x", 2045))}},
		{name: "username invalid", in: SetUserMetadata{Username: "A", Metadata: md("k", "v")}, wantField: "username", wantRule: "must match"},
		{name: "no metadata", in: SetUserMetadata{Username: "a"}, wantField: "metadata", wantRule: "at least one key"},
		{name: "empty key", in: SetUserMetadata{Username: "a", Metadata: md("", "v")}, wantField: "metadata", wantRule: "keys must not be empty"},
		{name: "key not UTF-8", in: SetUserMetadata{Username: "a", Metadata: md("\xff", "v")}, wantField: "metadata", wantRule: "keys must be valid UTF-8"},
		{name: "value not UTF-8", in: SetUserMetadata{Username: "a", Metadata: md("ext", "\xff")}, wantField: "metadata.ext", wantRule: "must be valid UTF-8"},
		{name: "nickname 65", in: SetUserMetadata{Username: "a", Metadata: md("nickname", strings.Repeat("n", 65))}, wantField: "metadata.nickname", wantRule: "0 to 64 characters, got 65"},
		{name: "avatarurl 257", in: SetUserMetadata{Username: "a", Metadata: md("avatarurl", strings.Repeat("u", 257))}, wantField: "metadata.avatarurl", wantRule: "0 to 256 characters"},
		{name: "phone 33", in: SetUserMetadata{Username: "a", Metadata: md("phone", strings.Repeat("1", 33))}, wantField: "metadata.phone", wantRule: "0 to 32 characters"},
		{name: "gender 3", in: SetUserMetadata{Username: "a", Metadata: md("gender", "3")}, wantField: "metadata.gender", wantRule: `must be "0" (unknown), "1" or "2"`},
		{name: "over 2 KB", in: SetUserMetadata{Username: "a", Metadata: md("ext", strings.Repeat("x", 2046))}, wantField: "metadata", wantRule: "at most 2048 bytes, got 2049"},
		{name: "form body over 4 KB", in: SetUserMetadata{Username: "a", Metadata: md("ext", strings.Repeat("&", 1400))}, wantField: "metadata", wantRule: "at most 4096 bytes of form body, got 4204"},
		{name: "first bad key in sorted order", in: SetUserMetadata{Username: "a", Metadata: md("phone", strings.Repeat("1", 33), "birth", strings.Repeat("b", 65))}, wantField: "metadata.birth", wantRule: "0 to 64 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			requireValidation(t, tt.in.Validate(Limits{}), TypeSetUserMetadata, tt.wantField, tt.wantRule)
		})
	}
}

func TestMetadataForm(t *testing.T) {
	t.Parallel()
	got := MetadataForm(map[string]string{"nickname": "A b", "avatarurl": "https://x/y.png?a=1&b=2", "ext": "名"})
	require.Equal(t, "avatarurl=https%3A%2F%2Fx%2Fy.png%3Fa%3D1%26b%3D2&ext=%E5%90%8D&nickname=A+b", got)
}

// TestDecode_userAdmin: strict decoding refuses unknown fields and keeps
// an explicit 0 (unmute) apart from an absent duration.
func TestDecode_userAdmin(t *testing.T) {
	t.Parallel()
	p, err := Decode(TypeMuteUser, []byte(`{"username":"a","chat":0}`), Limits{})
	require.NoError(t, err)
	require.Equal(t, MuteUser{Username: "a", Chat: Secs(0)}, p)

	_, err = Decode(TypeMuteUser, []byte(`{"username":"a","chat":1.5}`), Limits{})
	require.ErrorContains(t, err, "user:mute")
	_, err = Decode(TypeDeleteUser, []byte(`{"username":"a","force":true}`), Limits{})
	require.ErrorContains(t, err, `field "force": unknown field`)
	_, err = Decode(TypeSetUserMetadata, []byte(`{"username":"a","metadata":{"k":1}}`), Limits{})
	require.ErrorContains(t, err, "user:metadata:set")
}
