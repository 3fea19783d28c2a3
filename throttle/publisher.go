package throttle

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// PublisherParams configure a Publisher.
type PublisherParams struct {
	// RDB is chatq's Redis. Required.
	RDB redis.UniversalClient
	// Settings are what the worker runs with; Settings.Worker is required.
	Settings Settings
	// Interval is the time between publications. Default 10s. An entry
	// lives 3 intervals: a worker that dies disappears from chatq status
	// within 3 to 4 intervals.
	Interval time.Duration
	// Logger, optional, receives publication failures.
	Logger *slog.Logger
	// Now is the clock; nil = time.Now.
	Now func() time.Time
}

// Publisher keeps a worker's Settings in Redis for chatq status: it
// publishes them at Start and every Interval, and removes them at Shutdown.
type Publisher struct {
	p    PublisherParams
	done chan struct{}
}

// NewPublisher checks p, applies its defaults and returns a Publisher;
// Start runs it.
func NewPublisher(p PublisherParams) (*Publisher, error) {
	if p.RDB == nil || p.Settings.Worker == "" {
		return nil, errors.New("throttle: publisher: fields RDB and Settings.Worker: required")
	}
	if p.Interval <= 0 {
		p.Interval = 10 * time.Second
	}
	if p.Logger == nil {
		p.Logger = slog.New(slog.DiscardHandler)
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	return &Publisher{p: p, done: make(chan struct{})}, nil
}

// Start publishes now and then every Interval, until Shutdown.
func (p *Publisher) Start(wg *sync.WaitGroup) {
	ctx, cancel := context.WithCancel(context.Background())
	wg.Go(func() {
		<-p.done
		cancel()
	})
	wg.Go(func() {
		t := time.NewTicker(p.p.Interval)
		defer t.Stop()
		for {
			p.exec(ctx)
			select {
			case <-ctx.Done():
				p.remove()
				return
			case <-t.C:
			}
		}
	})
}

// Shutdown stops the publisher, which then removes the worker's entry.
func (p *Publisher) Shutdown() { close(p.done) }

func (p *Publisher) exec(ctx context.Context) {
	err := publish(ctx, p.p.RDB, p.p.Settings, p.p.Now(), 3*p.p.Interval)
	if err != nil && ctx.Err() == nil {
		p.p.Logger.Warn("cannot publish the throttle settings for chatq status", "err", err)
	}
}

// remove deletes the worker's entry, within a short deadline: the worker
// is stopping, and the entry expires by itself anyway.
func (p *Publisher) remove() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := unpublish(ctx, p.p.RDB, p.p.Settings.Worker); err != nil {
		p.p.Logger.Warn("cannot remove the published throttle settings", "err", err)
	}
}
