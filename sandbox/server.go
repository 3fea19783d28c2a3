package sandbox

import (
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Config configures a Server. The zero value is usable: every field has a
// default, applied by New.
type Config struct {
	// OrgName and AppName form the path prefix /{org}/{app}/. Default "org", "app".
	OrgName, AppName string
	// ClientID and ClientSecret are the accepted client_credentials.
	// Default "sandbox-client-id" and "sandbox-client-secret".
	ClientID, ClientSecret string
	// AppID and AppCertificate verify AccessToken2 app tokens ("007…"),
	// which clients mint themselves: the signature, the App ID, the ChatApp
	// privilege and the expiry are checked. Empty = no app token is accepted.
	AppID, AppCertificate string
	// TokenTTL is the lifetime of issued tokens when the request has no ttl.
	// Default 1h.
	TokenTTL time.Duration
	// RateLimit is the allowed calls per second across all provider endpoints
	// but token. 0 = unlimited. Excess calls get 429 reach_limit.
	RateLimit float64
	// RateBurst is the token-bucket size. Default max(1, int(RateLimit)).
	RateBurst int
	// Dialect is the provider the sandbox plays: "agora" (default) or
	// "easemob" (see Dialects). It rejects what that provider rejects: a
	// register without password and a group create without public under
	// easemob, a custom groupid under agora.
	Dialect string
	// MaxMessageBytes limits len(body)+len(ext) of a message, in raw JSON
	// bytes. Default 5120, the 5 KB of both providers' current
	// documentation. Excess gets 400 illegal_argument (agora) or 400
	// message_send_error with error_code 14007 (easemob).
	MaxMessageBytes int
	// MessageQuotaPerMinute limits delivered messages (one per recipient) per
	// one-minute window. 0 = none. Excess gets 403 message_send_error.
	MessageQuotaPerMinute int
	// MaxUsers caps registered users. 0 = none. Excess gets 429 resource_limited.
	MaxUsers int
	// MaxGroups caps existing groups. 0 = none. Excess gets 403 forbidden_op.
	MaxGroups int
	// MaxGroupsPerUser caps the groups a user owns or belongs to. 0 = none.
	MaxGroupsPerUser int
	// MaxStoredMessages keeps only the newest N delivered messages in memory
	// (for long benchmarks). 0 = keep all. Stats.Delivered counts them all.
	MaxStoredMessages int
	// Seed seeds the generator behind Fault.Probability. 0 = a random seed.
	Seed uint64
	// Logger receives one debug line per request; tokens and secrets are
	// never logged. nil = discard.
	Logger *slog.Logger
	// RecallWindow is the app's message recall window: a recall without
	// force later than this after the send is refused ("exceed recall time
	// limit"). Default 2m, the provider's default.
	RecallWindow time.Duration
	// Now is the clock behind token expiry, the rate limit, the message
	// quota, the recall window and timestamps. nil = time.Now.
	Now func() time.Time
}

const (
	defaultTokenTTL        = time.Hour
	defaultMaxMessageBytes = 5120
	defaultRecallWindow    = 2 * time.Minute
	// minBodyLimit bounds how much of a request body is read.
	minBodyLimit = 1 << 20
)

// withDefaults returns c with every unset field given its default.
func (c Config) withDefaults() Config {
	setDefault(&c.OrgName, "org")
	setDefault(&c.AppName, "app")
	if !ValidDialect(c.Dialect) {
		c.Dialect = DialectAgora // the command line refuses other values
	}
	setDefault(&c.ClientID, "sandbox-client-id")
	setDefault(&c.ClientSecret, "sandbox-client-secret")
	if c.TokenTTL <= 0 {
		c.TokenTTL = defaultTokenTTL
	}
	if c.RateBurst <= 0 {
		c.RateBurst = max(1, int(c.RateLimit))
	}
	if c.MaxMessageBytes <= 0 {
		c.MaxMessageBytes = defaultMaxMessageBytes
	}
	if c.RecallWindow <= 0 {
		c.RecallWindow = defaultRecallWindow
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

func setDefault(s *string, v string) {
	if *s == "" {
		*s = v
	}
}

// Server is the fake provider. It implements http.Handler and is safe for
// concurrent use.
type Server struct {
	cfg     Config
	appUUID string
	admin   *http.ServeMux
	ids     *idGen

	mu      sync.Mutex // guards everything below
	st      *state
	faults  []*faultEntry
	faultN  int
	stats   Stats
	limiter *bucket
	quota   quotaWindow
	rng     *rand.Rand
}

var _ http.Handler = (*Server)(nil)

// New returns a Server for cfg, with defaults applied.
func New(cfg Config) *Server {
	s := &Server{cfg: cfg.withDefaults(), appUUID: newUUID(), ids: newIDGen()}
	s.admin = s.adminMux()
	s.resetLocked()
	return s
}

func (s *Server) now() time.Time { return s.cfg.Now() }

// Handler returns s itself, for wiring that wants an http.Handler by name.
func (s *Server) Handler() http.Handler { return s }

// ServeHTTP answers admin requests under /_sandbox/ and provider requests
// everywhere else.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, adminPrefix) {
		s.admin.ServeHTTP(w, r)
		return
	}
	s.serveProvider(w, r)
}

// Reset drops all users, groups, messages, tokens, faults and stats, and
// restarts the rate limiter and the message quota. The Config is kept.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resetLocked()
}

func (s *Server) resetLocked() {
	s.st = newState()
	s.faults = nil
	s.faultN = 0
	s.stats = Stats{Calls: map[string]int{}, Responses: map[string]int{}}
	s.limiter = newBucket(s.cfg.RateLimit, s.cfg.RateBurst, s.now())
	s.quota = quotaWindow{}
	seed := s.cfg.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	s.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// serveProvider runs a provider request through the steps listed in the
// package documentation.
func (s *Server) serveProvider(w http.ResponseWriter, r *http.Request) {
	rt := parseRoute(r.Method, r.URL.EscapedPath())
	c := &call{s: s, w: w, r: r, rt: rt}
	body, readErr := readBody(r, max(minBodyLimit, 4*s.cfg.MaxMessageBytes))
	c.body = body
	c.rt.endpoint = refineEndpoint(c.rt.endpoint, body)
	s.countCall(c.rt.endpoint)
	if s.applyFault(c) {
		return
	}
	if e := s.precheck(c, readErr); e != nil {
		c.fail(e)
		return
	}
	v, e := s.handle(c)
	if e != nil {
		c.fail(e)
		return
	}
	c.ok(v)
}

// precheck applies the checks every provider endpoint shares, in the
// provider's order.
func (s *Server) precheck(c *call, readErr error) *apiError {
	rt := c.rt
	if readErr != nil {
		return errBodyTooLarge
	}
	if rt.endpoint != EndpointToken && !s.allowCall() {
		return errReachLimit
	}
	if rt.org != s.cfg.OrgName || rt.app != s.cfg.AppName {
		return errUnknownApp(rt.org, rt.app)
	}
	switch rt.status {
	case routeUnknown:
		return errUnknownPath
	case routeBadMethod:
		return errMethodNotAllowed
	}
	if rt.endpoint != EndpointToken {
		if e := s.authenticate(c.r, rt.endpoint); e != nil {
			return e
		}
	}
	if len(c.body) > 0 && !isJSON(c.r.Header.Get("Content-Type")) {
		return errUnsupportedMedia
	}
	return nil
}

// handle dispatches a checked request to its endpoint.
func (s *Server) handle(c *call) (any, *apiError) {
	switch c.rt.endpoint {
	case EndpointToken:
		return s.issueToken(c)
	case EndpointSendMessage:
		return s.sendMessage(c)
	case EndpointRegisterUser:
		return s.registerUsers(c)
	case EndpointCreateGroup:
		return s.createGroup(c)
	case EndpointDeleteGroup:
		return s.deleteGroup(c)
	case EndpointAddMembers:
		return s.addMembers(c)
	case EndpointRemoveMembers:
		return s.removeMembers(c)
	case EndpointTransferOwner:
		return s.transferOwner(c)
	case EndpointRecallMessage:
		return s.recallMessage(c)
	case EndpointUpdateGroup:
		return s.updateGroup(c)
	}
	return nil, errUnknownPath
}

func (s *Server) countCall(endpoint string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Calls[endpoint]++
	if endpoint == EndpointToken {
		s.stats.TokenRequests++
	}
}
