package sandbox

import (
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"time"
)

// tokenRequest is the body of POST /{org}/{app}/token.
type tokenRequest struct {
	GrantType    string `json:"grant_type"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	TTL          int64  `json:"ttl"` // seconds; <= 0 = Config.TokenTTL
}

// tokenResponse is the token endpoint's success body.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
	Application string `json:"application"`
}

// issueToken answers the token endpoint.
func (s *Server) issueToken(c *call) (any, *apiError) {
	var req tokenRequest
	if e := c.decode(&req); e != nil {
		return nil, e
	}
	if req.GrantType == "inherit" && s.cfg.Dialect == DialectEasemob {
		return s.issueUserToken(c) // accounts.go
	}
	if req.GrantType != "client_credentials" {
		return nil, newError(http.StatusBadRequest, "unsupported_grant_type",
			"unsupported grant_type: %s", req.GrantType)
	}
	if !equalSecret(req.ClientID, s.cfg.ClientID) || !equalSecret(req.ClientSecret, s.cfg.ClientSecret) {
		return nil, errInvalidGrant
	}
	ttl := s.cfg.TokenTTL
	if req.TTL > 0 {
		ttl = time.Duration(req.TTL) * time.Second
	}
	tok := newToken()
	s.mu.Lock()
	s.st.tokens[tok] = s.now().Add(ttl)
	s.mu.Unlock()
	return tokenResponse{AccessToken: tok, ExpiresIn: int64(ttl / time.Second), Application: s.appUUID}, nil
}

func equalSecret(got, want string) bool {
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// ExpireTokens makes every token issued so far, and every app token seen
// so far, expired; later calls with them get 401 unauthorized "Unable to
// authenticate due to expired access token.". Tokens issued (or first
// seen) afterwards are unaffected.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for tok := range s.st.tokens {
		s.st.tokens[tok] = time.Time{} // the zero time is before any clock reading
	}
}

// authenticate checks the bearer token of a provider request.
//
// register_user answers every failure with "Registration is not open": the
// provider's status-code table gives that text for a missing, expired or
// malformed token on the registration APIs, and the other texts only for
// "any other RESTful API".
func (s *Server) authenticate(r *http.Request, endpoint string) *apiError {
	e := s.checkToken(bearerToken(r))
	if e != nil && endpoint == EndpointRegisterUser {
		return errRegistrationShut
	}
	return e
}

func (s *Server) checkToken(tok string) *apiError {
	if tok == "" {
		return errExpiredToken
	}
	if strings.HasPrefix(tok, accessTokenVersion) {
		return s.checkAppToken(tok)
	}
	if !wellFormedToken(tok) {
		return errCorruptToken
	}
	s.mu.Lock()
	expires, ok := s.st.tokens[tok]
	s.mu.Unlock()
	switch {
	case !ok:
		return errUnknownToken
	case !s.now().Before(expires):
		return errExpiredToken
	}
	return nil
}

// checkAppToken checks an AccessToken2 app token: corrupt → 401
// auth_bad_access_token "…corrupt access token."; forged, for another app
// or without the ChatApp privilege → 401 auth_bad_access_token "Unable to
// authenticate."; past its expiry (or expired by ExpireTokens) → 401
// unauthorized "…expired access token.".
func (s *Server) checkAppToken(tok string) *apiError {
	t, err := verifyAppToken(tok, s.cfg.AppID, s.cfg.AppCertificate)
	switch {
	case errors.Is(err, errTokenCorrupt):
		return errCorruptToken
	case err != nil:
		return errUnknownToken
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	expires, seen := s.st.tokens[tok]
	if !seen {
		// Remembered so that ExpireTokens can expire it.
		expires = t.expiresAt()
		s.st.tokens[tok] = expires
		s.stats.AppTokens++
	}
	if !s.now().Before(expires) {
		return errExpiredToken
	}
	return nil
}

// bearerToken returns the token of an "Authorization: Bearer <token>"
// header, or "" when there is none.
func bearerToken(r *http.Request) string {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(tok)
}

// wellFormedToken reports whether tok has the app-token prefix followed by
// base64 (URL-safe or standard, padded or not).
func wellFormedToken(tok string) bool {
	rest, ok := strings.CutPrefix(tok, tokenPrefix)
	if !ok || rest == "" {
		return false
	}
	for _, enc := range []*base64.Encoding{
		base64.RawURLEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.StdEncoding,
	} {
		if _, err := enc.DecodeString(rest); err == nil {
			return true
		}
	}
	return false
}
