package console

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
)

// csrfCookie holds a random value per browser; forms carry
// HMAC(key, value), so a page of another site can neither read nor forge
// the token (a signed double-submit cookie; the key lives in this process
// only, so a restart asks for one reload).
const (
	csrfCookie = "chatq_console_csrf"
	csrfField  = "csrf"
)

type csrf struct {
	key  []byte
	path string
}

type csrfKey struct{}

func newCSRF(path string) *csrf {
	return &csrf{key: []byte(rand.Text()), path: path}
}

// ensureCookie gives a browser without the cookie a new one, and returns
// r carrying the form token for the page being rendered.
func (c *csrf) ensureCookie(w http.ResponseWriter, r *http.Request) *http.Request {
	val := ""
	if ck, err := r.Cookie(csrfCookie); err == nil && len(ck.Value) >= 16 {
		val = ck.Value
	} else {
		val = rand.Text()
		http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: val, Path: c.path, HttpOnly: true,
			SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	}
	return r.WithContext(context.WithValue(r.Context(), csrfKey{}, c.token(val)))
}

func (c *csrf) token(cookie string) string {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(cookie))
	return hex.EncodeToString(m.Sum(nil))
}

// valid reports whether the form's token matches the request's cookie.
func (c *csrf) valid(r *http.Request) bool {
	ck, err := r.Cookie(csrfCookie)
	if err != nil {
		return false
	}
	got, err := hex.DecodeString(r.PostFormValue(csrfField))
	if err != nil {
		return false
	}
	want, _ := hex.DecodeString(c.token(ck.Value))
	return hmac.Equal(got, want)
}

// formToken is the token the page being rendered puts in its forms.
func formToken(r *http.Request) string {
	s, _ := r.Context().Value(csrfKey{}).(string)
	return s
}
