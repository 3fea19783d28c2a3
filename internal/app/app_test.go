package app_test

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/agora"
	"github.com/chatq/chatq/dispatcher"
	"github.com/chatq/chatq/internal/app"
	"github.com/chatq/chatq/throttle"
)

const (
	testAppID   = "970CA35de60c44645bbae8a215061b33"
	testAppCert = "5CFd2fd1755d40ecb72977518be15d3b"
)

// deps points at a Redis that is never dialled: building a worker asks
// nothing of Redis.
func deps(t *testing.T) app.Deps {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	t.Cleanup(func() { _ = rdb.Close() })
	return app.Deps{Redis: asynq.RedisClientOpt{Addr: "127.0.0.1:1"}, RDB: rdb, Logger: slog.New(slog.DiscardHandler)}
}

// TestNew_ScrubsTheConfiguredSecret checks the wiring: the REST client the
// worker is built with redacts whichever secret the configuration holds
// from a provider answer that echoes it, on any call.
func TestNew_ScrubsTheConfiguredSecret(t *testing.T) {
	t.Parallel()
	const clientSecret = "YXA6-configured-client-secret"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, `{"error":"forbidden_op","error_description":"echo %s %s"}`, clientSecret, testAppCert)
	}))
	t.Cleanup(srv.Close)
	for _, tc := range []struct {
		name string
		cfg  app.Config
	}{
		{name: "client credentials", cfg: app.Config{ClientID: "id", ClientSecret: clientSecret}},
		{name: "app token", cfg: app.Config{AppID: testAppID, AppCertificate: testAppCert}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := tc.cfg
			c.APIURL, c.AppKey, c.HTTPTimeout, c.TokenTTL = srv.URL, "org#app", time.Second, time.Hour
			w, err := app.New(c, deps(t))
			require.NoError(t, err)
			err = w.API.DeleteGroup(t.Context(), agora.NewToken("token-value-0123", time.Time{}), "g1")
			require.ErrorContains(t, err, "[redacted]")
			require.NotContains(t, err.Error(), c.ClientSecret+c.AppCertificate, "the configured secret")
		})
	}
}

// TestNew_ConfigErrorsNameTheField: a bad configuration is a
// *app.ConfigError naming the Go field, so that the command line can name
// its own setting; several are reported in field order.
func TestNew_ConfigErrorsNameTheField(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		cfg       app.Config
		deps      func(app.Deps) app.Deps
		wantField string
		wantErr   string
	}{
		{name: "nothing set", wantField: "APIURL",
			wantErr: "app: field APIURL: required\nfield AppKey: required\nfield AppID / ClientID: required: AppID and AppCertificate, or ClientID and ClientSecret"},
		{name: "app key without a hash", cfg: app.Config{APIURL: "http://x", AppKey: "orgapp", ClientID: "id", ClientSecret: "s"},
			wantField: "AppKey", wantErr: `app: field AppKey: must be "org#app" with exactly one '#'`},
		{name: "both credential pairs", cfg: app.Config{APIURL: "http://x", AppKey: "o#a", ClientID: "id", ClientSecret: "s", AppID: testAppID},
			wantField: "AppID / ClientID", wantErr: "app: field AppID / ClientID: set either AppID and AppCertificate or ClientID and ClientSecret, not both"},
		{name: "secret without id", cfg: app.Config{APIURL: "http://x", AppKey: "o#a", ClientSecret: "s"},
			wantField: "ClientID", wantErr: "app: field ClientID: required with ClientSecret"},
		{name: "bad app certificate", cfg: app.Config{APIURL: "http://x", AppKey: "o#a", AppID: testAppID, AppCertificate: "short"},
			wantField: "AppID / AppCertificate"},
		{name: "CA file missing", cfg: app.Config{APIURL: "http://x", AppKey: "o#a", ClientID: "id", ClientSecret: "s", APICAFile: "testdata/none.pem"},
			wantField: "APICAFile"},
		{name: "own tokens: no credentials needed", cfg: app.Config{APIURL: "http://x", AppKey: "o#a", Worker: dispatcher.Config{Concurrency: -1}},
			deps: func(d app.Deps) app.Deps {
				d.Tokens = func(*agora.Client) (agora.TokenSource, error) { return nil, errors.New("unused") }
				return d
			}, wantErr: "app: tokens: unused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := deps(t)
			if tc.deps != nil {
				d = tc.deps(d)
			}
			_, err := app.New(tc.cfg, d)
			require.Error(t, err)
			if tc.wantErr != "" {
				require.EqualError(t, err, tc.wantErr)
			}
			var ce *app.ConfigError
			if tc.wantField == "" {
				require.False(t, errors.As(err, &ce), "got %v, want no ConfigError", err)
				return
			}
			require.ErrorAs(t, err, &ce)
			require.Equal(t, tc.wantField, ce.Field)
		})
	}
}

// TestNew_Wiring: the worker runs what chatq worker runs: the throttle
// when configured, a connection pool sized to its slots, a store and a
// resolver.
func TestNew_Wiring(t *testing.T) {
	t.Parallel()
	base := app.Config{APIURL: "http://127.0.0.1:1", AppKey: "o#a", ClientID: "id", ClientSecret: "s"}
	for _, tc := range []struct {
		name         string
		throttle     *throttle.Config
		wantThrottle bool
	}{
		{name: "no throttle"},
		{name: "throttle", throttle: &throttle.Config{}, wantThrottle: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := base
			cfg.Throttle = tc.throttle
			w, err := app.New(cfg, deps(t))
			require.NoError(t, err)
			require.Equal(t, tc.wantThrottle, w.Throttle != nil, "throttle")
			require.NotNil(t, w.Transport, "chatq's transport, whose counters feed metrics")
			require.NotNil(t, w.DeadLetters)
			require.NotNil(t, w.Resolver)
			require.NotNil(t, w.Tokens)
		})
	}
}
