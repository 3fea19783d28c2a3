package sandbox

import (
	"bytes"
	"compress/zlib"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"time"
)

// This file verifies Agora AccessToken2 ("007") app tokens. It is written
// apart from chatq's builder (agora/accesstoken) on purpose: the sandbox is
// the oracle, so a shared bug cannot make both sides agree.

// accessTokenVersion starts every AccessToken2 token.
const accessTokenVersion = "007"

const (
	chatServiceType  = 5 // Agora Chat
	chatAppPrivilege = 2 // app privileges (REST API)
)

var (
	errTokenCorrupt   = errors.New("corrupt token")
	errTokenSignature = errors.New("bad signature or wrong app")
)

// appToken is what the sandbox reads from an AccessToken2 token.
type appToken struct {
	appID     string
	issued    uint32
	expire    uint32
	salt      uint32
	chatApp   bool   // a Chat service grants the ChatApp privilege
	chatAppTo uint32 // that privilege's expiry, seconds after issued
}

// expiresAt is the earlier of the token's and the privilege's expiry.
func (t appToken) expiresAt() time.Time {
	return time.Unix(int64(t.issued)+int64(min(t.expire, t.chatAppTo)), 0)
}

// verifyAppToken decodes tok and checks that it is signed with cert, for
// appID, and grants the ChatApp privilege. It returns errTokenCorrupt for
// anything it cannot decode and errTokenSignature otherwise.
func verifyAppToken(tok, appID, cert string) (appToken, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(tok, accessTokenVersion))
	if err != nil {
		return appToken{}, errTokenCorrupt
	}
	zr, err := zlib.NewReader(bytes.NewReader(raw))
	if err != nil {
		return appToken{}, errTokenCorrupt
	}
	plain, err := io.ReadAll(io.LimitReader(zr, 16<<10))
	if err != nil {
		return appToken{}, errTokenCorrupt
	}
	d := &decoder{b: plain}
	sig := d.bytes()
	signed := d.b
	t := d.content()
	if d.bad || len(d.b) != 0 {
		return appToken{}, errTokenCorrupt
	}
	if cert == "" || t.appID != appID || !t.chatApp || !hmac.Equal(sig, tokenSignature(cert, t.issued, t.salt, signed)) {
		return appToken{}, errTokenSignature
	}
	return t, nil
}

// tokenSignature is HMAC(HMAC(u32 salt, HMAC(u32 issued, cert)), content).
func tokenSignature(cert string, issued, salt uint32, content []byte) []byte {
	key := hmacSHA256(le32(issued), []byte(cert))
	key = hmacSHA256(le32(salt), key)
	return hmacSHA256(key, content)
}

func hmacSHA256(key, msg []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	return m.Sum(nil)
}

func le32(v uint32) []byte {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], v)
	return b[:]
}

// decoder reads the token's little-endian fields; bad sticks on a short
// read or a service it cannot skip.
type decoder struct {
	b   []byte
	bad bool
}

func (d *decoder) next(n int) []byte {
	if d.bad || n > len(d.b) {
		d.bad = true
		return make([]byte, n)
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) u16() uint16   { return binary.LittleEndian.Uint16(d.next(2)) }
func (d *decoder) u32() uint32   { return binary.LittleEndian.Uint32(d.next(4)) }
func (d *decoder) bytes() []byte { return d.next(int(d.u16())) }

// content reads app id, issue time, expiry, salt and the services. Chat
// (5) and RTM (2) services end with a user id; other types are refused.
func (d *decoder) content() appToken {
	t := appToken{appID: string(d.bytes()), issued: d.u32(), expire: d.u32(), salt: d.u32()}
	services := int(d.u16())
	for i := 0; i < services && !d.bad; i++ {
		typ := d.u16()
		if typ != chatServiceType && typ != 2 {
			d.bad = true
			return t
		}
		privileges := int(d.u16())
		for j := 0; j < privileges && !d.bad; j++ {
			p, exp := d.u16(), d.u32()
			if typ == chatServiceType && p == chatAppPrivilege {
				t.chatApp, t.chatAppTo = true, exp
			}
		}
		user := d.bytes()
		if typ == chatServiceType && len(user) != 0 {
			t.chatApp = false // a user token, not an app token
		}
	}
	return t
}
