package cli

import (
	"log/slog"
	"strings"

	"github.com/chatq/chatq/agora"
)

// parseProvider returns CHATQ_PROVIDER as a dialect; "" when unset.
func (c Config) parseProvider() (agora.Dialect, error) {
	p := strings.TrimSpace(c.Provider)
	if p == "" {
		return "", nil
	}
	return agora.ParseDialect(strings.ToLower(p))
}

// dialect is the provider dialect: CHATQ_PROVIDER, else inferred from the
// credentials chosen (client_credentials are Easemob's).
func (c Config) dialect() agora.Dialect {
	if d, err := c.parseProvider(); err == nil && d != "" {
		return d
	}
	return agora.InferDialect(c.usesClientCredentials())
}

// dialectSource says where dialect came from, for the startup log.
func (c Config) dialectSource() string {
	switch {
	case strings.TrimSpace(c.Provider) != "":
		return "CHATQ_PROVIDER"
	case c.usesClientCredentials():
		return "inferred from " + clientCredentialsVars
	case c.usesAppTokens():
		return "inferred from " + appTokenVars
	}
	return "default (no credentials set)"
}

// usesClientCredentials reports whether a client id or secret is set.
func (c Config) usesClientCredentials() bool {
	return strings.TrimSpace(c.ClientID) != "" || strings.TrimSpace(c.ClientSecret) != ""
}

// logDialect states the dialect at start, and what it decides.
func logDialect(c Config, logger *slog.Logger) {
	d := c.dialect()
	r := d.Rules()
	logger.Info("provider dialect", slog.String("dialect", string(d)), slog.String("source", c.dialectSource()),
		slog.Int("max_message_bytes", c.limits().MaxMessageBytes), slog.Bool("password_required", r.RequirePassword),
		slog.Bool("custom_group_id", r.CustomGroupID))
}
