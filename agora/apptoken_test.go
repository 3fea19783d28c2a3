package agora

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/agora/accesstoken"
)

const (
	testAppID   = "970CA35de60c44645bbae8a215061b33"
	testAppCert = "5CFd2fd1755d40ecb72977518be15d3b"
)

func setupAppTokens(t *testing.T, cfg AppTokenConfig) (*AppTokenSource, *fakeClock) {
	t.Helper()
	clock := newFakeClock()
	cfg.AppID, cfg.AppCertificate, cfg.Now = testAppID, testAppCert, clock.Now
	src, err := NewAppTokenSource(cfg)
	require.NoError(t, err)
	return src, clock
}

func TestAppTokenSource_Token(t *testing.T) {
	t.Parallel()
	src, clock := setupAppTokens(t, AppTokenConfig{TTL: 10 * time.Minute})
	ctx := context.Background()

	tok, err := src.Token(ctx)
	require.NoError(t, err)
	require.True(t, clock.Now().Add(10*time.Minute).Equal(tok.ExpiresAt), "expiry %s", tok.ExpiresAt)
	parsed, err := accesstoken.Verify(tok.Value(), testAppCert)
	require.NoError(t, err)
	exp, ok := parsed.Privilege(accesstoken.ServiceChat, accesstoken.PrivilegeChatApp)
	require.True(t, ok, "ChatApp privilege")
	require.Equal(t, uint32(600), exp)
	require.Equal(t, "", parsed.Services[0].UserID)

	again, err := src.Token(ctx)
	require.NoError(t, err)
	require.True(t, tok.Equal(again), "cached")
	require.Equal(t, 1, src.Mints())

	// RefreshBefore is capped at 10% of the TTL: 1m before expiry.
	clock.Advance(9*time.Minute - time.Second)
	again, _ = src.Token(ctx)
	require.True(t, tok.Equal(again), "not yet due")
	clock.Advance(time.Second)
	fresh, err := src.Token(ctx)
	require.NoError(t, err)
	require.False(t, tok.Equal(fresh), "re-minted before expiry")
	require.Equal(t, 2, src.Mints())
}

func TestAppTokenSource_Invalidate(t *testing.T) {
	t.Parallel()
	src, clock := setupAppTokens(t, AppTokenConfig{})
	ctx := context.Background()
	first, err := src.Token(ctx)
	require.NoError(t, err)

	src.Invalidate(NewToken("007stale", time.Time{}))
	got, _ := src.Token(ctx)
	require.True(t, first.Equal(got), "a stale token's invalidation keeps the current one")

	src.Invalidate(first)
	second, err := src.Token(ctx)
	require.NoError(t, err)
	require.False(t, first.Equal(second), "re-minted after invalidation")
	require.True(t, clock.Now().Add(DefaultAppTokenTTL).Equal(second.ExpiresAt), "expiry %s", second.ExpiresAt)

	minted, err := src.Mint(ctx)
	require.NoError(t, err)
	got, _ = src.Token(ctx)
	require.True(t, second.Equal(got), "Mint leaves the cache alone")
	require.False(t, minted.Equal(second))
}

func TestNewAppTokenSource_rejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cfg     AppTokenConfig
		wantErr string
	}{
		{name: "short app id", cfg: AppTokenConfig{AppID: "970CA35d", AppCertificate: testAppCert}, wantErr: "AppID / AppCertificate"},
		{name: "bad certificate", cfg: AppTokenConfig{AppID: testAppID, AppCertificate: "not-hex-" + strings.Repeat("z", 24)}, wantErr: "AppID / AppCertificate"},
		{name: "ttl over 24h", cfg: AppTokenConfig{AppID: testAppID, AppCertificate: testAppCert, TTL: 25 * time.Hour}, wantErr: "TTL"},
		{name: "fractional ttl", cfg: AppTokenConfig{AppID: testAppID, AppCertificate: testAppCert, TTL: 1500 * time.Millisecond}, wantErr: "TTL"},
		{name: "negative refresh", cfg: AppTokenConfig{AppID: testAppID, AppCertificate: testAppCert, RefreshBefore: -1}, wantErr: "RefreshBefore"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewAppTokenSource(tt.cfg)
			require.ErrorContains(t, err, tt.wantErr)
			require.NotContains(t, err.Error(), testAppCert)
		})
	}
}

func TestAppTokenSource_String(t *testing.T) {
	t.Parallel()
	src, _ := setupAppTokens(t, AppTokenConfig{})
	for _, s := range []string{fmt.Sprintf("%v", src), fmt.Sprintf("%+v", src), fmt.Sprintf("%#v", src)} {
		require.NotContains(t, s, testAppCert)
	}
}
