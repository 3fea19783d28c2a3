package accesstoken

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The published vectors of Agora's reference builder (repository
// AgoraIO/Tools, DynamicKey/AgoraDynamicKey/go/src/accesstoken2/accesstoken_test.go).
const (
	vecAppID   = "970CA35de60c44645bbae8a215061b33"
	vecCert    = "5CFd2fd1755d40ecb72977518be15d3b"
	vecIssueTs = 1111111
	vecExpire  = 600
	vecSalt    = 1
	vecNone    = "007eJxSYEiJ9+zw7Gb1viNuGtMfy3JriuZNp+1h1iLu/rOePHlS91WBwdLcwNnR2DQl1cwg2cTEzMQ0KSkx1SLRyNDUwMwwydjY/YsAQwQTAwMjAwgAAgAA//+rZxiv"
	vecRTM     = "007eJxSYOCdJftjyTM2zxW6Xhm/5T0j5LdcUt/xYVt48fb5Mp3PX9coMFiaGzg7GpumpJoZJJuYmJmYJiUlplokGhmaGpgZJhkbu38RYIhgYmBgZABhJgZGBkYwn5OhJLW4JL60OLUIEAAA//9ZVh6A"
)

func vectorToken(services ...Service) Token {
	return Token{AppID: vecAppID, IssueTs: vecIssueTs, Expire: vecExpire, Salt: vecSalt, Services: services}
}

var rtmService = Service{Type: ServiceRTM, Privileges: map[uint16]uint32{PrivilegeRTMLogin: vecExpire}, UserID: "test_user"}

func TestBuild_vectors(t *testing.T) {
	t.Parallel()
	got, err := Build(vecCert, vectorToken(rtmService))
	require.NoError(t, err)
	require.Equal(t, vecRTM, got, "RTM vector")

	// The service-less vector is built by the reference's internal builder;
	// Build refuses a token without services, so it goes through the same
	// signing and encoding without that check.
	got, err = signAndEncode(vecCert, vectorToken())
	require.NoError(t, err)
	require.Equal(t, vecNone, got, "no-service vector")
	_, err = Build(vecCert, vectorToken())
	require.ErrorIs(t, err, ErrNoService)
}

func TestVerify_vectors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		token        string
		wantServices []Service
	}{
		{name: "none", token: vecNone},
		{name: "rtm", token: vecRTM, wantServices: []Service{rtmService}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Verify(tt.token, vecCert)
			require.NoError(t, err)
			require.Equal(t, vectorToken(tt.wantServices...), got)
			require.Equal(t, time.Unix(vecIssueTs+vecExpire, 0), got.ExpiresAt())

			parsed, err := Parse(tt.token)
			require.NoError(t, err)
			require.Equal(t, got, parsed)

			_, err = Verify(tt.token, strings.Repeat("0", 32))
			require.ErrorIs(t, err, ErrSignature, "verified with another certificate")
		})
	}
}

func TestBuildChatAppToken(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	tok, exp, err := BuildChatAppToken(vecAppID, vecCert, time.Hour, now)
	require.NoError(t, err)
	require.Equal(t, now.Add(time.Hour), exp)
	require.True(t, strings.HasPrefix(tok, Version))

	got, err := Verify(tok, vecCert)
	require.NoError(t, err)
	require.Equal(t, vecAppID, got.AppID)
	require.Equal(t, uint32(now.Unix()), got.IssueTs)
	require.Equal(t, uint32(3600), got.Expire)
	require.True(t, got.Salt >= 1 && got.Salt <= maxSalt, "salt %d", got.Salt)
	require.Equal(t, []Service{{Type: ServiceChat, Privileges: map[uint16]uint32{PrivilegeChatApp: 3600}, UserID: ""}}, got.Services)
	v, ok := got.Privilege(ServiceChat, PrivilegeChatApp)
	require.True(t, ok)
	require.Equal(t, uint32(3600), v)

	again, _, err := BuildChatAppToken(vecAppID, vecCert, time.Hour, now)
	require.NoError(t, err)
	require.NotEqual(t, tok, again, "a fresh salt gives a fresh token")
}

func TestBuild_rejects(t *testing.T) {
	t.Parallel()
	chat := Service{Type: ServiceChat, Privileges: map[uint16]uint32{PrivilegeChatApp: 60}}
	tests := []struct {
		name    string
		appID   string
		cert    string
		service Service
		wantErr error
	}{
		{name: "short app id", appID: "970CA35de60c", cert: vecCert, service: chat, wantErr: ErrInvalidCredentials},
		{name: "non-hex app id", appID: strings.Repeat("g", 32), cert: vecCert, service: chat, wantErr: ErrInvalidCredentials},
		{name: "long certificate", appID: vecAppID, cert: vecCert + "0", service: chat, wantErr: ErrInvalidCredentials},
		{name: "empty certificate", appID: vecAppID, cert: "", service: chat, wantErr: ErrInvalidCredentials},
		{name: "unsupported service", appID: vecAppID, cert: vecCert, service: Service{Type: 1}, wantErr: ErrUnsupportedService},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tok := vectorToken(tt.service)
			tok.AppID = tt.appID
			_, err := Build(tt.cert, tok)
			require.ErrorIs(t, err, tt.wantErr)
			if tt.cert != "" {
				require.NotContains(t, err.Error(), tt.cert, "certificate in error")
			}
		})
	}
	_, _, err := BuildChatAppToken(vecAppID, vecCert, 25*time.Hour, time.Now())
	require.Error(t, err, "ttl over 24h")
}

func TestParse_malformed(t *testing.T) {
	t.Parallel()
	raw, err := base64.StdEncoding.DecodeString(vecRTM[3:])
	require.NoError(t, err)
	flipped := append([]byte(nil), raw...)
	flipped[len(flipped)/2] ^= 0xff
	tests := []struct {
		name  string
		token string
	}{
		{name: "empty", token: ""},
		{name: "other version", token: "006" + vecRTM[3:]},
		{name: "not base64", token: "007!!!"},
		{name: "not zlib", token: "007" + base64.StdEncoding.EncodeToString([]byte("hello world"))},
		{name: "corrupt stream", token: "007" + base64.StdEncoding.EncodeToString(flipped)},
		{name: "truncated", token: vecRTM[:len(vecRTM)-12]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Verify(tt.token, vecCert)
			require.ErrorIs(t, err, ErrMalformed)
		})
	}
}

func TestVerify_forged(t *testing.T) {
	t.Parallel()
	// Same content, longer expiry, signed with another certificate.
	forged, err := Build(strings.Repeat("a", 32), Token{AppID: vecAppID, IssueTs: vecIssueTs, Expire: 86400, Salt: 7,
		Services: []Service{{Type: ServiceChat, Privileges: map[uint16]uint32{PrivilegeChatApp: 86400}}}})
	require.NoError(t, err)
	_, err = Verify(forged, vecCert)
	require.ErrorIs(t, err, ErrSignature)
}
