// Package app builds a chatq worker: configuration in, wired worker out.
//
// It is the one place that puts the REST client, the token source, the
// policy, the dead-letter store and its background loops, the throttle and
// the dispatcher together, so that chatq worker, the demo and the
// end-to-end tests run the same worker. Every field of Config has a
// default but the provider's address, the app key and the credentials;
// Deps carries the Redis connections and the optional seams tests use.
//
// The package knows no environment variable: the command line maps its
// settings onto Config and maps a *ConfigError's Field back to its own
// names.
package app
