package dispatcher

import (
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// credentialHealth remembers whether the provider rejects chatq's
// credentials. A rejection is a configuration error, not a task error: it is
// logged once per interval (naming what to fix) and makes the worker not
// ready, instead of dead-lettering every task one by one.
type credentialHealth struct {
	mu       sync.Mutex
	rejected bool
	since    time.Time
	reason   string
	lastLog  time.Time
	interval time.Duration
	logger   *slog.Logger
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

// err reports the rejection, nil when the credentials are accepted.
func (c *credentialHealth) err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.rejected {
		return nil
	}
	return fmt.Errorf("%w since %s: %s", ErrCredentialsRejected, c.since.Format(time.RFC3339), c.reason)
}
