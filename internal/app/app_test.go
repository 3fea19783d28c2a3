package app_test

import (
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
	"github.com/chatq/chatq/internal/app"
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
