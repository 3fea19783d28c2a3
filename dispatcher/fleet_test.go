package dispatcher_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/dispatcher"
	"github.com/chatq/chatq/internal/e2etest"
	"github.com/chatq/chatq/sandbox"
	"github.com/chatq/chatq/tokenstore"
)

// fleet is several worker "processes" (one test process: each has its own
// HTTP client, Redis client and token source) sharing one Redis database
// and one sandbox over HTTP.
type fleet struct {
	*e2etest.Fleet
}

func setupFleet(t *testing.T) *fleet {
	t.Helper()
	return &fleet{e2etest.New(t, func(o *e2etest.Options) {
		o.Sandbox.AppID, o.Sandbox.AppCertificate = e2etest.AppID, e2etest.AppCertificate
		o.HTTPTimeout = 5 * time.Second
		o.OwnRedisClient = true
	})}
}

var (
	clientCredentialsFetch e2etest.FetchFunc = e2etest.ClientCredentialsFetch
	appTokenFetch                            = e2etest.AppTokenFetch(e2etest.AppCertificate)
)

// process starts one worker process with concurrency workers and returns
// its token source.
func (f *fleet) process(concurrency int, fetch e2etest.FetchFunc) *tokenstore.Source {
	f.T.Helper()
	return f.AddWorker(func(o *e2etest.Options) {
		o.Worker.Concurrency, o.IdleConnsPerHost, o.Fetch = concurrency, concurrency, fetch
	}).Shared
}

func (f *fleet) send(n int, prefix string) []string {
	f.T.Helper()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = f.Send(fmt.Sprintf("%s-%d", prefix, i))
	}
	return ids
}

// waitDelivered waits for every task to end delivered and returns how
// many of them met a refresh and a credentials decision on the way.
func (f *fleet) waitDelivered(ids []string) (refreshes, credentials int) {
	f.T.Helper()
	f.WaitOutcome(f.T, ids, dispatcher.OutcomeDelivered)
	for _, id := range ids {
		for _, e := range f.Events.Events(id) {
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

func TestFleet_TokenExpiresMidRunOneTokenRequest(t *testing.T) {
	t.Parallel()
	f := setupFleet(t)
	// Slow sends keep ~100 calls in flight when the token expires.
	fault, err := sandbox.ParseFault("endpoint=send_message,delay=15ms")
	require.NoError(t, err)
	f.Sandbox.AddFault(fault)
	a, b := f.process(50, clientCredentialsFetch), f.process(50, clientCredentialsFetch)

	ids := f.send(400, "m")
	f.WaitSandbox(t, "150 deliveries", func(s sandbox.Stats) bool { return s.Delivered >= 150 })
	f.Sandbox.ExpireTokens()
	refreshes, credentials := f.waitDelivered(ids)

	st := f.Sandbox.Stats()
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
	f.Sandbox.ExpireTokens()
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
	require.Equal(t, 2, f.Sandbox.Stats().TokenRequests)
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

	f.Sandbox.ExpireTokens()
	ids = f.send(60, "after-expiry")
	refreshes, credentials := f.waitDelivered(ids)
	require.Positive(t, refreshes, "the expired app token was rejected")
	require.Zero(t, credentials)

	st := f.Sandbox.Stats()
	require.Zero(t, st.TokenRequests, "app tokens are minted locally")
	require.Equal(t, 2, st.AppTokens, "one app token for the fleet, one re-minted after the expiry")
	require.Equal(t, 2, a.State().Refreshes+b.State().Refreshes)
	require.Equal(t, 120, st.Delivered)
}

func TestFleet_ForgedAppTokenIsACredentialsProblem(t *testing.T) {
	t.Parallel()
	f := setupFleet(t)
	forged := e2etest.AppTokenFetch(strings.Repeat("0", 32))
	f.process(2, forged)
	ids := f.send(1, "forged")
	evs := f.Events.WaitFor(t, ids[0], func(evs []dispatcher.Event) bool {
		return len(evs) > 0 && evs[len(evs)-1].Outcome == dispatcher.OutcomeCredentials
	})
	require.Equal(t, dispatcher.OutcomeRefresh, evs[0].Outcome, "first 401: refresh once")
	require.Equal(t, http.StatusUnauthorized, evs[0].Status)
	require.Equal(t, "auth_bad_access_token", evs[0].Code)
	require.Zero(t, f.Sandbox.Stats().Delivered)
}
