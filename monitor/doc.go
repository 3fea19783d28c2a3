// Package monitor serves chatq's web UI: asynqmon (queues, tasks, pause,
// retry, archive) under a configurable path, and a small JSON API beside it
// with what asynqmon cannot show: dead letters by rule, the effective policy
// table and the token and credentials state. With Config.Console it also
// serves the on-call console (package console) under /console/.
//
// Everything it serves sits behind one authentication layer: HTTP basic auth
// (user and password compared in constant time) when credentials are set,
// and in read-only mode only GET and HEAD pass (asynqmon's own ReadOnly is
// set too; the console hides its forms and refuses POSTs). New refuses a
// non-loopback address without credentials unless Insecure is set, because
// the UI can delete tasks and shows payloads.
//
// Payloads are shown as indented JSON with every field whose key looks
// secret (secret, password, token, certificate, authorization; any case, at
// any depth) replaced by "[redacted]"; a payload that is not JSON is not
// shown at all, since it cannot be redacted.
package monitor
