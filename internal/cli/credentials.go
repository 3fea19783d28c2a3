package cli

import (
	"strings"
)

// Names of the two credentials sources' variables.
const (
	appTokenVars          = "CHATQ_APP_ID and CHATQ_APP_CERTIFICATE"
	clientCredentialsVars = "CHATQ_CLIENT_ID and CHATQ_CLIENT_SECRET"
)

// usesAppTokens reports whether the configuration chooses Agora app tokens
// (App ID + certificate) over client_credentials.
func (c Config) usesAppTokens() bool {
	return strings.TrimSpace(c.AppID) != "" || strings.TrimSpace(c.AppCertificate) != ""
}

// credentialVars names the variables of the chosen credentials source, for
// the dispatcher's "check …" messages.
func (c Config) credentialVars() string {
	if c.usesAppTokens() {
		return appTokenVars
	}
	return clientCredentialsVars
}

// requireCredentials checks that exactly one source is fully set: App ID
// and certificate, or client id and secret.
func (c Config) requireCredentials() error {
	set := func(v string) bool { return strings.TrimSpace(v) != "" }
	app := set(c.AppID) || set(c.AppCertificate)
	client := set(c.ClientID) || set(c.ClientSecret)
	switch {
	case app && client:
		return &ConfigError{Var: envPrefix + "_APP_ID / " + envPrefix + "_CLIENT_ID",
			Rule: "set either " + appTokenVars + " (Agora app tokens) or " + clientCredentialsVars + " (client_credentials), not both"}
	case !app && !client:
		return &ConfigError{Var: envPrefix + "_APP_ID / " + envPrefix + "_CLIENT_ID",
			Rule: "required: " + appTokenVars + " (Agora app tokens) or " + clientCredentialsVars + " (client_credentials)"}
	case app && !set(c.AppID):
		return &ConfigError{Var: envPrefix + "_APP_ID", Rule: "required with CHATQ_APP_CERTIFICATE"}
	case app && !set(c.AppCertificate):
		return &ConfigError{Var: envPrefix + "_APP_CERTIFICATE", Rule: "required with CHATQ_APP_ID"}
	case client && !set(c.ClientID):
		return &ConfigError{Var: envPrefix + "_CLIENT_ID", Rule: "required with CHATQ_CLIENT_SECRET"}
	case client && !set(c.ClientSecret):
		return &ConfigError{Var: envPrefix + "_CLIENT_SECRET", Rule: "required with CHATQ_CLIENT_ID"}
	}
	return nil
}
