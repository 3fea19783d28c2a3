package monitor

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
)

// guard puts authentication and the read-only rule in front of next.
func guard(c Config, next http.Handler) http.Handler {
	user, pass := sha256.Sum256([]byte(c.User)), sha256.Sum256([]byte(c.Password))
	needAuth := c.User != ""
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if needAuth && !authorized(r, user, pass) {
			w.Header().Set("WWW-Authenticate", `Basic realm="chatq monitor", charset="UTF-8"`)
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
		if c.ReadOnly && r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "the monitor is read-only", http.StatusMethodNotAllowed)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// authorized compares hashes of the offered and expected credentials in
// constant time; hashing first hides their lengths too.
func authorized(r *http.Request, user, pass [sha256.Size]byte) bool {
	u, p, ok := r.BasicAuth()
	if !ok {
		return false
	}
	gu, gp := sha256.Sum256([]byte(u)), sha256.Sum256([]byte(p))
	okUser := subtle.ConstantTimeCompare(gu[:], user[:])
	okPass := subtle.ConstantTimeCompare(gp[:], pass[:])
	return okUser&okPass == 1
}
