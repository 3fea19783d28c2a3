package app

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/chatq/chatq/agora"
	"github.com/chatq/chatq/tokenstore"
)

// credentials is the pair of Config that gets tokens.
type credentials struct {
	clientID, clientSecret string
	appID, appCertificate  string
	ttl                    time.Duration
}

func (c Config) credentials() credentials {
	return credentials{c.ClientID, c.ClientSecret, c.AppID, c.AppCertificate, c.TokenTTL}
}

func set(v string) bool { return strings.TrimSpace(v) != "" }

// appTokens reports whether the configuration chooses Agora app tokens
// (App ID + certificate) over client_credentials.
func (c credentials) appTokens() bool { return set(c.appID) || set(c.appCertificate) }

// check requires exactly one fully set pair.
func (c credentials) check() error {
	app, client := c.appTokens(), set(c.clientID) || set(c.clientSecret)
	switch {
	case app && client:
		return fieldErr("AppID / ClientID", "set either AppID and AppCertificate or ClientID and ClientSecret, not both")
	case !app && !client:
		return fieldErr("AppID / ClientID", "required: AppID and AppCertificate, or ClientID and ClientSecret")
	case app && !set(c.appID):
		return fieldErr("AppID", "required with AppCertificate")
	case app && !set(c.appCertificate):
		return fieldErr("AppCertificate", "required with AppID")
	case client && !set(c.clientID):
		return fieldErr("ClientID", "required with ClientSecret")
	case client && !set(c.clientSecret):
		return fieldErr("ClientSecret", "required with ClientID")
	}
	return nil
}

// tokenSource builds the chosen credentials' source and shares its token
// with the fleet through Redis, under {chatq}:token:<app key or App ID>:
// <fingerprint of the credentials> (tokenstore.CredentialsName): a worker
// whose secret differs never uses a token another fleet cached.
func (c credentials) tokenSource(appKey string, api *agora.Client, rdb redis.UniversalClient, logger *slog.Logger) (*tokenstore.Source, error) {
	fetch := tokenstore.FetchFunc(func(ctx context.Context) (agora.Token, error) {
		return api.RequestToken(ctx, c.clientID, c.clientSecret, c.ttl)
	})
	public, secret, salt := appKey, c.clientSecret, c.clientID
	if c.appTokens() {
		src, err := agora.NewAppTokenSource(agora.AppTokenConfig{AppID: c.appID, AppCertificate: c.appCertificate, TTL: c.ttl})
		if err != nil {
			return nil, &ConfigError{Field: "AppID / AppCertificate", Err: err}
		}
		fetch, public, secret, salt = src.Mint, c.appID, c.appCertificate, ""
	}
	name, err := tokenstore.CredentialsName(public, secret, salt)
	if err != nil {
		return nil, fmt.Errorf("token store: %w", err)
	}
	s, err := tokenstore.New(rdb, tokenstore.Config{Name: name, Fetch: fetch, Logger: logger})
	if err != nil {
		return nil, fmt.Errorf("token store: %w", err)
	}
	return s, nil
}
