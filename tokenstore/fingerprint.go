package tokenstore

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"sync"
)

const (
	// fingerprintIterations is PBKDF2-HMAC-SHA256's work factor, OWASP's
	// 2023 recommendation for that function.
	fingerprintIterations = 600_000
	// fingerprintBytes is the digest length: 128 bits tell any two
	// credentials apart.
	fingerprintBytes = 16
	// fingerprintSalt versions the derivation and keeps it chatq's own.
	fingerprintSalt = "chatq token fingerprint v1"
)

// CredentialsName returns the Config.Name for a set of credentials:
// "<public>:<fingerprint>", where public (the app key, or the App ID) stays
// readable in the keys and the fingerprint tells secrets apart, so workers
// whose credentials differ in any part never share a token or a failure.
// salt holds the other non-secret parts (the client id).
//
// The fingerprint is PBKDF2-HMAC-SHA256 of secret, salted with public and
// salt, 600,000 iterations, 16 bytes in hex. Why a slow KDF and not a plain
// hash: the fingerprint sits in a key name that anyone who can list Redis
// keys reads, and a fast hash would let them test billions of guesses per
// second against a weak secret offline. A keyed hash (HMAC) would need a
// key stored where that reader cannot reach, which chatq does not have.
// Provider-issued secrets (a 128-bit app certificate, Easemob's client
// secrets) are out of reach of guessing either way; the slow KDF protects
// the weak or truncated one for the price of a fraction of a second once
// per worker start. PBKDF2 rather than scrypt or Argon2: it is in the
// standard library and needs no memory, where the worker stays within its
// 64 MiB goal ("Rate limits and benchmarks", row 6).
//
// The result is remembered for the life of the process, so a process that
// builds several workers (tests, the demo) pays once per credentials.
func CredentialsName(public, secret string, salt ...string) (string, error) {
	return credentialsName(fingerprintIterations, public, secret, salt...)
}

// credentialsName is CredentialsName with the work factor given (tests
// of the inputs lower it: the race detector makes each derivation cost
// seconds).
func credentialsName(iterations int, public, secret string, salt ...string) (string, error) {
	s := fingerprintSalt + "\x00" + public + "\x00" + strings.Join(salt, "\x00")
	memo := strconv.Itoa(iterations) + "\x00" + s + "\x00" + secret // in memory only, beside the secret itself
	if name, ok := fingerprints.Load(memo); ok {
		return name.(string), nil
	}
	key, err := pbkdf2.Key(sha256.New, secret, []byte(s), iterations, fingerprintBytes)
	if err != nil {
		return "", fmt.Errorf("tokenstore: fingerprint of the credentials: %w", err) // FIPS 140-3 mode refuses a secret under 112 bits
	}
	name := public + ":" + hex.EncodeToString(key)
	fingerprints.Store(memo, name)
	return name, nil
}

// fingerprints memoizes CredentialsName (a pure function that costs a
// fraction of a second, seconds under the race detector).
var fingerprints sync.Map
