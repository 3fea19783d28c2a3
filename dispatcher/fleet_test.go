package dispatcher_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/agora"
	"github.com/chatq/chatq/deadletter"
	"github.com/chatq/chatq/dispatcher"
	"github.com/chatq/chatq/internal/redistest"
	"github.com/chatq/chatq/policy"
	"github.com/chatq/chatq/sandbox"
	"github.com/chatq/chatq/tasks"
	"github.com/chatq/chatq/tokenstore"
)

const (
	fleetAppID   = "970CA35de60c44645bbae8a215061b33"
	fleetAppCert = "5CFd2fd1755d40ecb72977518be15d3b"
)

// fleet is several worker "processes" (one test process: each has its own
// HTTP client, Redis client and token source) sharing one Redis database
// and one sandbox over HTTP.
type fleet struct {
	t        *testing.T
	db       *redistest.DB
	sb       *sandbox.Server
	url      string
	events   *recorder
	logs     *syncBuffer
	producer *tasks.Client
}

func setupFleet(t *testing.T) *fleet {
	t.Helper()
	f := &fleet{t: t, db: redistest.New(t), events: newRecorder(), logs: &syncBuffer{},
		sb: sandbox.New(sandbox.Config{ClientID: testClientID, ClientSecret: testClientSecret,
			AppID: fleetAppID, AppCertificate: fleetAppCert})}
	srv := httptest.NewServer(f.sb)
	t.Cleanup(srv.Close)
	f.url = srv.URL
	f.producer = tasks.NewClient(f.db.Opt, tasks.ClientConfig{})
	t.Cleanup(func() { _ = f.producer.Close() })
	t.Cleanup(func() {
		logs := f.logs.String()
		require.NotContains(t, logs, testClientSecret, "client secret in logs")
		require.NotContains(t, logs, fleetAppCert, "app certificate in logs")
		require.NotContains(t, logs, "YWMt", "a token in logs")
		require.NotContains(t, logs, `"007`, "an app token in logs")
	})
	return f
}

// fetchFunc builds one process's token fetch: client_credentials, or
// locally minted app tokens when appTokens is set.
type fetchFunc func(t *testing.T, api *agora.Client) (tokenstore.FetchFunc, string)

func clientCredentialsFetch(_ *testing.T, api *agora.Client) (tokenstore.FetchFunc, string) {
	return func(ctx context.Context) (agora.Token, error) {
		return api.RequestToken(ctx, testClientID, testClientSecret, 0)
	}, "org#app"
}

func appTokenFetch(t *testing.T, _ *agora.Client) (tokenstore.FetchFunc, string) {
	src, err := agora.NewAppTokenSource(agora.AppTokenConfig{AppID: fleetAppID, AppCertificate: fleetAppCert})
	require.NoError(t, err)
	return src.Mint, fleetAppID
}

// process starts one worker process with concurrency workers and returns
// its token source.
func (f *fleet) process(concurrency int, fetch fetchFunc) *tokenstore.Source {
	t := f.t
	t.Helper()
	api, err := agora.New(agora.Config{BaseURL: f.url, AppKey: "org#app", Timeout: 5 * time.Second,
		HTTPClient: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: concurrency}}})
	require.NoError(t, err)
	rdb := redis.NewClient(&redis.Options{Addr: f.db.Client.Options().Addr, DB: f.db.Client.Options().DB})
	t.Cleanup(func() { _ = rdb.Close() })
	logger := slog.New(slog.NewJSONHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	fn, name := fetch(t, api)
	tokens, err := tokenstore.New(tokenstore.Config{Redis: rdb, Name: name, Fetch: fn, Logger: logger})
	require.NoError(t, err)
	fast := policy.Backoff{Base: 10 * time.Millisecond, Max: 40 * time.Millisecond, Multiplier: 2}
	p, err := policy.New(policy.Config{Backoff: map[policy.Class]policy.Backoff{policy.ClassTransient: fast, policy.ClassSlow: fast}})
	require.NoError(t, err)
	w, err := dispatcher.New(dispatcher.Config{Concurrency: concurrency, PollInterval: 20 * time.Millisecond,
		ShutdownTimeout: 3 * time.Second, DeferMaxAttempts: 5, DeferMaxAge: time.Minute, CredentialsLogInterval: time.Hour},
		dispatcher.Deps{Redis: f.db.Opt, RDB: rdb, API: api, Tokens: tokens, Policy: p,
			DeadLetters: deadletter.NewStore(rdb), Observer: f.events, Logger: logger})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = w.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return tokens
}

func (f *fleet) send(n int, prefix string) []string {
	f.t.Helper()
	ids := make([]string, n)
	for i := range ids {
		b, _ := json.Marshal(map[string]string{"msg": fmt.Sprintf("%s-%d", prefix, i)})
		id, err := f.producer.SendMessage(context.Background(),
			tasks.SendMessage{Target: "users", To: []string{"erin"}, Type: "txt", Body: b})
		require.NoError(f.t, err)
		ids[i] = id
	}
	return ids
}

// waitDelivered waits for every task to end delivered and returns how
// many of them met a refresh and a credentials decision on the way.
func (f *fleet) waitDelivered(ids []string) (refreshes, credentials int) {
	f.t.Helper()
	for _, id := range ids {
		evs := f.events.waitFinal(f.t, id)
		require.Equal(f.t, dispatcher.OutcomeDelivered, evs[len(evs)-1].Outcome, "task %s: %v", id, outcomes(evs))
		for _, e := range evs {
			switch e.Outcome {
			case dispatcher.OutcomeRefresh:
				refreshes++
			case dispatcher.OutcomeCredentials:
				credentials++
			}
		}
	}
	return refreshes, credentials
}

// waitSandbox waits, with a deadline, until cond holds for the sandbox stats.
func (f *fleet) waitSandbox(what string, cond func(sandbox.Stats) bool) {
	f.t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond(f.sb.Stats()) {
		if time.Now().After(deadline) {
			f.t.Fatalf("sandbox: %s not reached within %s: %+v", what, waitTimeout, f.sb.Stats())
		}
		time.Sleep(2 * time.Millisecond) // the sandbox signals nothing; poll its counters
	}
}

func TestFleet_TokenExpiresMidRunOneTokenRequest(t *testing.T) {
	t.Parallel()
	f := setupFleet(t)
	// Slow sends keep ~100 calls in flight when the token expires.
	fault, err := sandbox.ParseFault("endpoint=send_message,delay=15ms")
	require.NoError(t, err)
	f.sb.AddFault(fault)
	a, b := f.process(50, clientCredentialsFetch), f.process(50, clientCredentialsFetch)

	ids := f.send(400, "m")
	f.waitSandbox("150 deliveries", func(s sandbox.Stats) bool { return s.Delivered >= 150 })
	f.sb.ExpireTokens()
	refreshes, credentials := f.waitDelivered(ids)

	st := f.sb.Stats()
	require.Equal(t, 400, st.Delivered, "every task delivered once")
	require.Equal(t, 2, st.TokenRequests, "one token request at start, exactly one for the expiry")
	require.Equal(t, 2, a.State().Refreshes+b.State().Refreshes, "fetches across the fleet")
	require.Positive(t, refreshes, "the expiry was met mid-run")
	require.Zero(t, credentials, "no task met the expired token twice")
	t.Logf("401s on the expired token: %d refresh decisions", refreshes)
}

func TestFleet_StaleTokenDoesNotDropFresherOne(t *testing.T) {
	t.Parallel()
	f := setupFleet(t)
	a, b := f.process(5, clientCredentialsFetch), f.process(5, clientCredentialsFetch)
	ctx := t.Context()
	t1, err := a.Token(ctx)
	require.NoError(t, err)
	f.sb.ExpireTokens()
	b.Invalidate(t1) // b met the 401 first and refreshes
	t2, err := b.Token(ctx)
	require.NoError(t, err)
	require.False(t, t1.Equal(t2))

	a.Invalidate(t1) // a's late 401 on the stale token
	got, err := b.Token(ctx)
	require.NoError(t, err)
	require.True(t, t2.Equal(got), "b keeps the fresher token")
	got, err = a.Token(ctx)
	require.NoError(t, err)
	require.True(t, t2.Equal(got), "a adopts it")

	ids := f.send(40, "after")
	refreshes, _ := f.waitDelivered(ids)
	require.Zero(t, refreshes, "no 401 with the fresher token")
	require.Equal(t, 2, f.sb.Stats().TokenRequests)
}

func TestFleet_AppTokensVerifiedBySandbox(t *testing.T) {
	t.Parallel()
	f := setupFleet(t)
	a, b := f.process(20, appTokenFetch), f.process(20, appTokenFetch)

	ids := f.send(60, "app")
	refreshes, _ := f.waitDelivered(ids)
	require.Zero(t, refreshes)
	tok, err := a.Token(t.Context())
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(tok.Value(), "007"), "an AccessToken2 app token")

	f.sb.ExpireTokens()
	ids = f.send(60, "after-expiry")
	refreshes, credentials := f.waitDelivered(ids)
	require.Positive(t, refreshes, "the expired app token was rejected")
	require.Zero(t, credentials)

	st := f.sb.Stats()
	require.Zero(t, st.TokenRequests, "app tokens are minted locally")
	require.Equal(t, 2, st.AppTokens, "one app token for the fleet, one re-minted after the expiry")
	require.Equal(t, 2, a.State().Refreshes+b.State().Refreshes)
	require.Equal(t, 120, st.Delivered)
}

func TestFleet_ForgedAppTokenIsACredentialsProblem(t *testing.T) {
	t.Parallel()
	f := setupFleet(t)
	forged := func(t *testing.T, _ *agora.Client) (tokenstore.FetchFunc, string) {
		src, err := agora.NewAppTokenSource(agora.AppTokenConfig{AppID: fleetAppID, AppCertificate: strings.Repeat("0", 32)})
		require.NoError(t, err)
		return src.Mint, fleetAppID
	}
	f.process(2, forged)
	ids := f.send(1, "forged")
	evs := f.events.waitFor(t, ids[0], func(evs []dispatcher.Event) bool {
		return len(evs) > 0 && evs[len(evs)-1].Outcome == dispatcher.OutcomeCredentials
	})
	require.Equal(t, dispatcher.OutcomeRefresh, evs[0].Outcome, "first 401: refresh once")
	require.Equal(t, http.StatusUnauthorized, evs[0].Status)
	require.Equal(t, "auth_bad_access_token", evs[0].Code)
	require.Zero(t, f.sb.Stats().Delivered)
}
