package tokenstore

import (
	"context"
	"errors"
	"time"

	"github.com/chatq/chatq/agora"
)

// load finds the fleet's token, refreshing it when it is missing, due or
// rejected. It runs once per process at a time.
func (s *Source) load(ctx context.Context) (agora.Token, error) {
	e, f, err := s.read(ctx)
	if err != nil {
		return s.degraded(ctx, err)
	}
	e, f = s.acceptable(e), s.withLocalFailure(f)
	now := s.now()
	switch {
	case e.fresh(now):
		return s.adopt(e), nil
	case f != nil && e.usable(now):
		return s.adoptBriefly(e), nil // backing off, and the old token still works
	case f != nil:
		return agora.Token{}, f.tokenError()
	}
	return s.refresh(ctx, e)
}

// acceptable returns e unless it holds the token a 401 rejected here.
func (s *Source) acceptable(e *entry) *entry {
	if e == nil || s.isRejected(e.tok) {
		return nil
	}
	return e
}

// adoptBriefly caches a token that is due for refresh until the next poll,
// so the hot path does not hammer Redis while another process refreshes.
func (s *Source) adoptBriefly(e *entry) agora.Token {
	return s.adopt(&entry{tok: e.tok, refreshAt: s.now().Add(s.cfg.PollInterval)})
}

// refresh gets a new token for the fleet: under the lock, or from the
// process that holds it, or (after WaitTimeout) on its own. old is the
// current shared entry, nil when none is usable.
func (s *Source) refresh(ctx context.Context, old *entry) (agora.Token, error) {
	deadline := s.now().Add(s.cfg.WaitTimeout)
	for {
		fence, err := s.lock(ctx)
		if err != nil {
			return s.degraded(ctx, err)
		}
		if fence != "" {
			defer s.release(fence)
			return s.refreshLocked(ctx, old)
		}
		if old.usable(s.now()) {
			return s.adoptBriefly(old), nil // someone refreshes; the old token still works
		}
		tok, done, err := s.wait(ctx, old, deadline)
		if done {
			return tok, err
		}
		if !s.now().Before(deadline) {
			s.logger.Warn("tokenstore: no token from the refreshing process in time; fetching", "wait", s.cfg.WaitTimeout)
			return s.fetchAndShare(ctx)
		}
	}
}

// refreshLocked fetches unless another process wrote a new token between
// our read and our lock.
func (s *Source) refreshLocked(ctx context.Context, old *entry) (agora.Token, error) {
	e, f, err := s.read(ctx)
	if err == nil {
		if e = s.acceptable(e); e.fresh(s.now()) && (old == nil || !e.tok.Equal(old.tok)) {
			return s.adopt(e), nil
		}
		if f != nil {
			return agora.Token{}, f.tokenError()
		}
	}
	return s.fetchAndShare(ctx)
}

// wait polls until the shared token is replaced, a failure is shared, or
// the lock is gone (done false: try again) or deadline passes.
func (s *Source) wait(ctx context.Context, old *entry, deadline time.Time) (agora.Token, bool, error) {
	t := time.NewTicker(s.cfg.PollInterval)
	defer t.Stop()
	for s.now().Before(deadline) {
		select {
		case <-ctx.Done():
			return agora.Token{}, true, &agora.TokenError{Err: ctx.Err()}
		case <-t.C:
		}
		e, f, err := s.read(ctx)
		if err != nil {
			tok, err := s.degraded(ctx, err)
			return tok, true, err
		}
		if e = s.acceptable(e); e.fresh(s.now()) && (old == nil || !e.tok.Equal(old.tok)) {
			return s.adopt(e), true, nil
		}
		if f != nil {
			return agora.Token{}, true, f.tokenError()
		}
		if held, err := s.lockHeld(ctx); err == nil && !held {
			return agora.Token{}, false, nil
		}
	}
	return agora.Token{}, false, nil
}

// fetchAndShare fetches a token and writes it to Redis, or shares the
// failure for the backoff delay.
func (s *Source) fetchAndShare(ctx context.Context) (agora.Token, error) {
	e, err := s.fetch(ctx)
	if err != nil {
		delay := s.backOff(err)
		if werr := s.writeFailure(ctx, failureOf(err), delay); werr != nil {
			s.logger.Warn("tokenstore: sharing token failure", "err", werr)
		}
		return agora.Token{}, err
	}
	if err := s.write(ctx, e); err != nil {
		s.logger.Warn("tokenstore: sharing new token", "err", err)
	}
	return s.adopt(e), nil
}

// degraded fetches without Redis (it failed with cause), so delivery goes
// on; each process then fetches its own token.
func (s *Source) degraded(ctx context.Context, cause error) (agora.Token, error) {
	s.logger.Warn("tokenstore: Redis unavailable; fetching a token for this process only", "err", cause)
	if e := s.cur.Load(); e.usable(s.now()) && !s.isRejected(e.tok) {
		return s.adoptBriefly(e), nil
	}
	if f := s.withLocalFailure(nil); f != nil {
		return agora.Token{}, f.tokenError()
	}
	e, err := s.fetch(ctx)
	if err != nil {
		s.backOff(err)
		return agora.Token{}, err
	}
	return s.adopt(e), nil
}

// fetch calls Fetch and computes the refresh time of the new token.
func (s *Source) fetch(ctx context.Context) (*entry, error) {
	start := s.now()
	tok, err := s.cfg.Fetch(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		if tokErr := (*agora.TokenError)(nil); !errors.As(err, &tokErr) {
			err = &agora.TokenError{Err: err}
		}
		s.state.Failures++
		s.state.LastError = err.Error()
		return nil, err
	}
	s.state.Refreshes++
	s.state.LastRefresh, s.state.LastError = start, ""
	s.backoff.Reset()
	s.failed, s.failedUntil = nil, time.Time{}
	e := &entry{tok: tok}
	if !tok.ExpiresAt.IsZero() {
		margin := min(s.cfg.RefreshBefore, tok.ExpiresAt.Sub(start)/10)
		e.refreshAt = tok.ExpiresAt.Add(-margin)
	}
	return e, nil
}

// backOff records a failed fetch and returns the delay before the next
// one; until then this process answers with the failure even when Redis
// cannot share it.
func (s *Source) backOff(err error) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.backoff.NextBackOff()
	if d <= 0 {
		d = s.backoff.MaxInterval
	}
	f := failureOf(err)
	s.failed, s.failedUntil = &f, s.now().Add(d)
	return d
}

// withLocalFailure returns f, or this process's own failure while its
// backoff lasts.
func (s *Source) withLocalFailure(f *failure) *failure {
	if f != nil {
		return f
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failed != nil && s.now().Before(s.failedUntil) {
		return s.failed
	}
	return nil
}
