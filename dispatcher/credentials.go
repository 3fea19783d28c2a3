package dispatcher

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/chatq/chatq/policy"
)

// credentialHealth remembers whether the provider rejects chatq's
// credentials. A rejection is a configuration error, not a task error: it is
// logged once per interval (naming what to fix) and makes the worker not
// ready, instead of dead-lettering every task one by one.
type credentialHealth struct {
	mu sync.Mutex
	// unchecked: the start check (Config.CheckCredentials) has not run.
	unchecked bool
	rejected  bool
	since     time.Time
	reason    string
	lastLog   time.Time
	interval  time.Duration
	logger    *slog.Logger
}

func (c *credentialHealth) reject(now time.Time, reason, fix string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.rejected {
		c.rejected, c.since = true, now
	}
	c.reason = reason
	if now.Sub(c.lastLog) < c.interval {
		return
	}
	c.lastLog = now
	c.logger.Error("provider rejects chatq's credentials; tasks are deferred until they are fixed",
		slog.String("fix", fix), slog.String("reason", reason), slog.Time("since", c.since))
}

func (c *credentialHealth) accept() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.rejected {
		return
	}
	c.rejected, c.lastLog = false, time.Time{}
	c.logger.Info("provider accepts chatq's credentials again", slog.Time("rejected_since", c.since))
}

// checked records that the start check has run, whatever it found.
func (c *credentialHealth) checked() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.unchecked = false
}

// err reports the rejection, nil when the credentials are accepted.
func (c *credentialHealth) err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.unchecked {
		return ErrCredentialsUnchecked
	}
	if !c.rejected {
		return nil
	}
	return fmt.Errorf("%w since %s: %s", ErrCredentialsRejected, c.since.Format(time.RFC3339), c.reason)
}

// checkCredentials asks the token source for a token once, before the
// worker takes tasks (Config.CheckCredentials), so that credentials the
// provider rejects show at start — logged naming the variables to fix, Ready
// failing — not at the first task, and not an hour later when a token cached
// by others runs out. The policy decides as it does for a task: only a
// credentials decision marks them rejected; a provider that does not answer
// leaves the question to the first tasks. The token obtained is cached, so
// the check costs no extra request.
func (w *Worker) checkCredentials(ctx context.Context) {
	defer w.creds.checked()
	_, err := w.tokens.Token(ctx)
	switch {
	case err == nil:
		w.logger.Info("credentials checked at start: token obtained", slog.String("credentials", w.cfg.CredentialsVars))
		return
	case ctx.Err() != nil:
		return
	}
	f := failureOf(err, "")
	d := w.policy.Decide(f, 0)
	if d.Action == policy.ActionCredentials {
		w.creds.reject(w.now(), d.Reason, w.fixFor(f))
		return
	}
	w.logger.Warn("credentials not checked at start: no answer the policy decides on; the first tasks will tell",
		slog.String("action", d.Action.String()), slog.Any("err", err))
}
