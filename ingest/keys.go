package ingest

import (
	"bufio"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Key is one API key the server accepts: its name and the SHA-256 of the
// key itself. Keys are random strings of high entropy, so a fast hash is
// enough; the server never holds a key.
type Key struct {
	Name string
	Hash [sha256.Size]byte
}

// HashKey returns the hex SHA-256 of key, as a keys file holds it.
func HashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// ParseKeys reads a keys file: one key a line, "<name> <hex sha256 of the
// key>"; blank lines and lines starting with '#' are skipped. Names are 1
// to 64 printable ASCII characters without spaces (tasks.EnqueuedBy) and
// unique. Errors name the line and never contain a hash.
func ParseKeys(r io.Reader) ([]Key, error) {
	var (
		keys  []Key
		errs  []error
		names = map[string]bool{}
	)
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, err := parseKey(line)
		if err == nil && names[k.Name] {
			err = fmt.Errorf("name %q: must be unique", k.Name)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("line %d: %w", n, err))
			continue
		}
		names[k.Name] = true
		keys = append(keys, k)
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, fmt.Errorf("reading keys: %w", err))
	}
	return keys, errors.Join(errs...)
}

func parseKey(line string) (Key, error) {
	f := strings.Fields(line)
	if len(f) != 2 {
		return Key{}, errors.New(`must be "<name> <hex sha256 of the key>"`)
	}
	if !validName(f[0]) {
		return Key{}, fmt.Errorf("name: must be 1 to 64 printable ASCII characters without spaces")
	}
	b, err := hex.DecodeString(f[1])
	if err != nil || len(b) != sha256.Size {
		return Key{}, fmt.Errorf("name %q: hash: must be 64 hex digits (the SHA-256 of the key, not the key)", f[0])
	}
	k := Key{Name: f[0]}
	copy(k.Hash[:], b)
	return k, nil
}

func validName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if r <= ' ' || r > '~' {
			return false
		}
	}
	return true
}

// authenticate returns the name of the key r's bearer token is, or false.
// Every key is compared, in constant time, so the time taken says nothing
// about which key came close.
func authenticate(keys []Key, r *http.Request) (string, bool) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || token == "" {
		return "", false
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(token)))
	name := ""
	for _, k := range keys {
		if subtle.ConstantTimeCompare(sum[:], k.Hash[:]) == 1 {
			name = k.Name
		}
	}
	return name, name != ""
}
