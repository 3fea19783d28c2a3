package sandbox

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	mrand "math/rand/v2"
	"strconv"
	"sync/atomic"
)

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+).
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// tokenPrefix starts every provider app token ("YWMt" is base64 of "amc-").
const tokenPrefix = "YWMt"

// newToken returns a fresh app token: the prefix and 32 random bytes in
// URL-safe base64.
func newToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return tokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// idGen hands out unique message ids (19 digits, like the provider's) and
// group ids (15 digits).
type idGen struct {
	message atomic.Uint64
	group   atomic.Uint64
}

func newIDGen() *idGen {
	g := &idGen{}
	g.message.Store(1_000_000_000_000_000_000 + mrand.Uint64N(1e17))
	g.group.Store(100_000_000_000_000 + mrand.Uint64N(1e14))
	return g
}

func (g *idGen) messageID() string { return strconv.FormatUint(g.message.Add(1), 10) }

func (g *idGen) groupID() string { return strconv.FormatUint(g.group.Add(1), 10) }
