// Package demo runs chatq end to end in one process: the sandbox provider
// on a loopback port, the production worker (built by package app, with
// the throttle and the dead-letter loops) and a producer whose workload
// makes every policy action happen; then it prints a table of outcomes and
// the dead letters with their reasons.
//
// Its Redis is an explicit URL, database 15 of the configured server when
// that answers and holds nothing but earlier demo data, or an in-process
// miniredis (OpenRedis). chatq bench runs on the same kind of database.
package demo
