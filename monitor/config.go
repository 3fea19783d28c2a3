package monitor

import (
	"cmp"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hibiken/asynq"

	"github.com/chatq/chatq/console"
	"github.com/chatq/chatq/internal/netaddr"
	"github.com/chatq/chatq/policy"
)

// DefaultPath is where the UI is mounted when Config.Path is empty.
const DefaultPath = "/monitor"

// APIPath is the prefix of chatq's own JSON endpoints.
const APIPath = "/chatq/api/"

// ErrInsecure is returned by New for a non-loopback address without
// credentials and without Insecure.
var ErrInsecure = errors.New("refusing to serve the monitor on a non-loopback address without authentication")

// MinPasswordLength is the shortest password New accepts for a monitor on a
// non-loopback address, in characters.
const MinPasswordLength = 12

// ErrWeakPassword is returned by New for a non-loopback address whose
// password is shorter than MinPasswordLength. The error never contains the
// password.
var ErrWeakPassword = fmt.Errorf("password: must be at least %d characters on a non-loopback address", MinPasswordLength)

// Config configures a Monitor.
type Config struct {
	// Addr is the listen address, e.g. "127.0.0.1:8080". Required: New
	// checks it against the authentication rule.
	Addr string
	// Path is where asynqmon is mounted. Optional; default DefaultPath.
	Path string
	// User and Password enable HTTP basic auth. Optional; set both or neither.
	User, Password string
	// ReadOnly lets only GET and HEAD through and hides asynqmon's actions.
	ReadOnly bool
	// Insecure allows a non-loopback Addr without credentials (a proxy in
	// front authenticates). Optional.
	Insecure bool
	// Redis is asynq's Redis. Required.
	Redis asynq.RedisConnOpt
	// DeadLetters is read for /chatq/api/deadletters. Optional.
	DeadLetters DeadLetters
	// Rules is the effective policy table for /chatq/api/policy. Optional.
	Rules []policy.Rule
	// Tokens and Ready describe the worker in this process for
	// /chatq/api/tokens. Optional: a standalone monitor has no worker.
	Tokens TokenStater
	Ready  func() error
	// Timeout bounds each API request's Redis reads. Optional; default 5s.
	Timeout time.Duration
	// Console, optional, serves the on-call console under its Prefix
	// (default /console) behind the same authentication. New sets its
	// ReadOnly, FormatPayload, AsynqmonPath and Tokens from this Config.
	Console *console.Config
}

func (c Config) withDefaults() Config {
	if c.Path == "" {
		c.Path = DefaultPath
	}
	c.Path = "/" + strings.Trim(c.Path, "/")
	if c.Timeout <= 0 {
		c.Timeout = 5 * time.Second
	}
	return c
}

func (c Config) validate() error {
	var errs []error
	if c.Redis == nil {
		errs = append(errs, errors.New("redis connection: required"))
	}
	if (c.User == "") != (c.Password == "") {
		errs = append(errs, errors.New("user and password: set both or neither"))
	}
	if c.Path == "/" || strings.HasPrefix(c.Path+"/", "/chatq/") {
		errs = append(errs, fmt.Errorf("path %q: must be a sub-path other than /chatq", c.Path))
	}
	if c.Console != nil {
		cp := "/" + strings.Trim(cmp.Or(c.Console.Prefix, console.DefaultPrefix), "/")
		if strings.HasPrefix(c.Path+"/", cp+"/") || strings.HasPrefix(cp+"/", c.Path+"/") {
			errs = append(errs, fmt.Errorf("path %q: must not overlap the console's %q", c.Path, cp))
		}
	}
	if err := c.checkExposure(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// checkExposure enforces: no credentials → loopback only, unless Insecure;
// credentials on a non-loopback address → a password that is not trivially
// short, since anyone who can reach the port can try to guess it.
func (c Config) checkExposure() error {
	if c.User != "" {
		loop, err := netaddr.IsLoopback(c.Addr)
		if err == nil && !loop && utf8.RuneCountInString(c.Password) < MinPasswordLength {
			return fmt.Errorf("%w (%s is reachable from other hosts)", ErrWeakPassword, c.Addr)
		}
		return nil // a malformed address fails at listen, naming it
	}
	if c.Insecure {
		return nil
	}
	loop, err := netaddr.IsLoopback(c.Addr)
	if err != nil {
		return err
	}
	if !loop {
		return fmt.Errorf("%w: %s is reachable from other hosts, and the UI shows payloads and can delete, "+
			"retry and archive tasks; set a user and password, bind a loopback address such as 127.0.0.1:8080, "+
			"or declare it insecure when a proxy in front authenticates", ErrInsecure, c.Addr)
	}
	return nil
}
