package accesstoken

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"time"
)

// Version is the prefix of every AccessToken2 token.
const Version = "007"

// Service types and privileges this package knows.
const (
	ServiceRTM  uint16 = 2 // Agora RTM; packs like Chat
	ServiceChat uint16 = 5 // Agora Chat

	PrivilegeChatUser uint16 = 1 // a chat user token
	PrivilegeChatApp  uint16 = 2 // a chat app token (REST API)
	PrivilegeRTMLogin uint16 = 1 // an RTM login token
)

// MaxChatTTL is the longest validity Agora accepts for a chat token.
const MaxChatTTL = 24 * time.Hour

// maxSalt bounds the random salt, like the reference builder ([1, 99999999]).
const maxSalt = 99999999

var (
	// ErrInvalidCredentials: the App ID or certificate is not 32
	// hexadecimal characters.
	ErrInvalidCredentials = errors.New("accesstoken: check appId or appCertificate: must be 32 hexadecimal characters")
	// ErrMalformed: the text is not an AccessToken2 token (wrong version,
	// bad base64 or zlib, truncated or trailing content).
	ErrMalformed = errors.New("accesstoken: malformed token")
	// ErrSignature: the token's signature does not match the certificate.
	ErrSignature = errors.New("accesstoken: signature mismatch")
	// ErrNoService: a token needs at least one service.
	ErrNoService = errors.New("accesstoken: no service")
	// ErrUnsupportedService: a service type this package cannot pack.
	ErrUnsupportedService = errors.New("accesstoken: unsupported service type")
)

// Service is one service of a token and its privileges.
type Service struct {
	// Type is ServiceChat or ServiceRTM.
	Type uint16
	// Privileges maps a privilege to its expiry, in seconds after IssueTs.
	Privileges map[uint16]uint32
	// UserID is the user the token is for; empty in a chat app token.
	UserID string
}

// Token is the content of an AccessToken2 token.
type Token struct {
	AppID   string
	IssueTs uint32 // unix seconds
	Expire  uint32 // seconds after IssueTs
	Salt    uint32
	// Services, sorted by Type when built or parsed.
	Services []Service
}

// ExpiresAt is IssueTs + Expire.
func (t Token) ExpiresAt() time.Time {
	return time.Unix(int64(t.IssueTs)+int64(t.Expire), 0)
}

// Privilege returns the expiry of privilege p of service typ (seconds after
// IssueTs) and whether the token grants it.
func (t Token) Privilege(typ, p uint16) (uint32, bool) {
	for _, s := range t.Services {
		if s.Type == typ {
			v, ok := s.Privileges[p]
			return v, ok
		}
	}
	return 0, false
}

// Build signs t with appCertificate and returns the token text. It
// rejects an App ID or certificate that is not 32 hex characters, a token
// without services and unsupported service types.
func Build(appCertificate string, t Token) (string, error) {
	if !isHex32(t.AppID) || !isHex32(appCertificate) {
		return "", ErrInvalidCredentials
	}
	if len(t.Services) == 0 {
		return "", ErrNoService
	}
	return signAndEncode(appCertificate, t)
}

// signAndEncode is Build without its checks.
func signAndEncode(appCertificate string, t Token) (string, error) {
	content, err := packContent(t)
	if err != nil {
		return "", err
	}
	sig := sign(appCertificate, t.IssueTs, t.Salt, content)
	return encode(append(packString(nil, string(sig)), content...))
}

// BuildChatAppToken returns a chat app token (Chat service, empty user id,
// privilege ChatApp) issued at now and valid for ttl (whole seconds, 1s to
// MaxChatTTL), with a random salt, and its expiry.
func BuildChatAppToken(appID, appCertificate string, ttl time.Duration, now time.Time) (string, time.Time, error) {
	if ttl < time.Second || ttl > MaxChatTTL {
		return "", time.Time{}, fmt.Errorf("accesstoken: ttl %s: must be between 1s and %s", ttl, MaxChatTTL)
	}
	salt, err := randomSalt()
	if err != nil {
		return "", time.Time{}, err
	}
	expire := uint32(ttl / time.Second)
	t := Token{AppID: appID, IssueTs: uint32(now.Unix()), Expire: expire, Salt: salt, Services: []Service{{
		Type: ServiceChat, Privileges: map[uint16]uint32{PrivilegeChatApp: expire},
	}}}
	tok, err := Build(appCertificate, t)
	if err != nil {
		return "", time.Time{}, err
	}
	return tok, t.ExpiresAt(), nil
}

// Parse decodes a token without checking its signature.
func Parse(token string) (Token, error) {
	t, _, _, err := parse(token)
	return t, err
}

// Verify parses token and checks its signature with appCertificate. It
// does not check expiry: compare ExpiresAt with the clock.
func Verify(token, appCertificate string) (Token, error) {
	t, sig, content, err := parse(token)
	if err != nil {
		return Token{}, err
	}
	if !isHex32(appCertificate) {
		return Token{}, ErrInvalidCredentials
	}
	if !equalMAC(sig, sign(appCertificate, t.IssueTs, t.Salt, content)) {
		return Token{}, ErrSignature
	}
	return t, nil
}

func randomSalt() (uint32, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(maxSalt))
	if err != nil {
		return 0, fmt.Errorf("accesstoken: salt: %w", err)
	}
	return uint32(n.Int64()) + 1, nil
}

func isHex32(s string) bool {
	if len(s) != 32 {
		return false
	}
	for _, c := range []byte(s) {
		ok := c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
		if !ok {
			return false
		}
	}
	return true
}

// packContent packs everything but the signature.
func packContent(t Token) ([]byte, error) {
	b := packString(nil, t.AppID)
	b = binary.LittleEndian.AppendUint32(b, t.IssueTs)
	b = binary.LittleEndian.AppendUint32(b, t.Expire)
	b = binary.LittleEndian.AppendUint32(b, t.Salt)
	services := slices.Clone(t.Services)
	slices.SortFunc(services, func(a, b Service) int { return int(a.Type) - int(b.Type) })
	b = binary.LittleEndian.AppendUint16(b, uint16(len(services)))
	for _, s := range services {
		if s.Type != ServiceChat && s.Type != ServiceRTM {
			return nil, fmt.Errorf("%w: %d", ErrUnsupportedService, s.Type)
		}
		b = packService(b, s)
	}
	return b, nil
}

func packService(b []byte, s Service) []byte {
	b = binary.LittleEndian.AppendUint16(b, s.Type)
	keys := make([]uint16, 0, len(s.Privileges))
	for k := range s.Privileges {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(keys)))
	for _, k := range keys {
		b = binary.LittleEndian.AppendUint16(b, k)
		b = binary.LittleEndian.AppendUint32(b, s.Privileges[k])
	}
	return packString(b, s.UserID)
}

func packString(b []byte, s string) []byte {
	b = binary.LittleEndian.AppendUint16(b, uint16(len(s)))
	return append(b, s...)
}
