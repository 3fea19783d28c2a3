package deadletter

import (
	"bytes"
	"encoding/json"
	"regexp"
	"sort"
	"strconv"
)

// secretFields are the payload keys whose values a record never keeps:
// user:register's password (issue #12). They are removed, not replaced, so
// a replay cannot send a placeholder as the password: under a dialect that
// requires one, the replay reports the missing field until it is patched
// back in (--patch).
var secretFields = map[string]bool{"password": true, "newpassword": true}

// rawSecret finds a secret field in bytes that are not JSON (a refused
// payload's prefix), where no structure can be trusted.
var rawSecret = regexp.MustCompile(`(?i)"(new)?password"\s*:\s*"(?:[^"\\]|\\.)*("|$)`)

// redactedSecret is the text that replaces a secret in a payload that is not JSON.
const redactedSecret = `"password":"[redacted]"`

// redactPayload returns p without its secret fields, and their JSON paths
// ("users[0].password"). p is returned as it is when it holds none.
func redactPayload(p []byte) ([]byte, []string) {
	if !bytes.Contains(bytes.ToLower(p), []byte("password")) {
		return p, nil
	}
	dec := json.NewDecoder(bytes.NewReader(p))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil || dec.More() {
		if !rawSecret.Match(p) {
			return p, nil
		}
		return rawSecret.ReplaceAll(p, []byte(redactedSecret)), []string{"payload"}
	}
	var paths []string
	v = dropSecrets(v, "", &paths)
	if len(paths) == 0 {
		return p, nil
	}
	out, err := json.Marshal(v)
	if err != nil {
		return rawSecret.ReplaceAll(p, []byte(redactedSecret)), []string{"payload"}
	}
	sort.Strings(paths)
	return out, paths
}

// dropSecrets removes the secret fields of v at any depth, appending their
// paths.
func dropSecrets(v any, path string, paths *[]string) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			p := k
			if path != "" {
				p = path + "." + k
			}
			if secretFields[k] {
				delete(t, k)
				*paths = append(*paths, p)
				continue
			}
			t[k] = dropSecrets(x, p, paths)
		}
	case []any:
		for i, x := range t {
			t[i] = dropSecrets(x, path+"["+strconv.Itoa(i)+"]", paths)
		}
	}
	return v
}
