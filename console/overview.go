package console

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/hibiken/asynq"

	"github.com/chatq/chatq/activity"
	"github.com/chatq/chatq/deadletter"
	"github.com/chatq/chatq/internal/queuedepth"
	"github.com/chatq/chatq/throttle"
)

// chartWindow is how far back the overview charts go; rateWindow is what
// the per-queue delivery rate averages over.
const (
	chartWindow = 3 * time.Hour
	rateWindow  = 5 * time.Minute
)

type overview struct {
	Queues     []queueRow
	Families   []throttle.FamilyStatus
	LimitsFrom string // the worker whose published limits the families use
	Published  []throttle.Settings
	Servers    []serverRow
	Tokens     TokenState
	Open       deadletter.Stats
	Charts     []chart
	// Problems are the parts that could not be read; the rest is shown.
	Problems []string
}

type queueRow struct {
	Name                                         string
	Pending, Active, Scheduled, Retry, Archived  int
	Paused                                       bool
	Latency                                      time.Duration
	DeliveredPerMin, RetriesPerMin, DeadLettered float64
}

type serverRow struct {
	Host        string
	PID         int
	Concurrency int
	Active      int
	Queues      string
	Started     time.Time
	Status      string
}

func (c *Console) serveOverview(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), c.cfg.Timeout)
	defer cancel()
	now := c.cfg.Now()
	var o overview
	problem := func(what string, err error) { o.Problems = append(o.Problems, fmt.Sprintf("%s: %v", what, err)) }
	minutes, err := activity.Read(ctx, c.cfg.Redis, now.Add(-chartWindow), now)
	if err != nil {
		problem("activity", err)
	}
	o.Charts = charts(minutes)
	if o.Queues, err = c.queues(minutes, now); err != nil {
		problem("queues", err)
	}
	if err := o.readThrottle(ctx, c); err != nil {
		problem("throttle", err)
	}
	if o.Servers, err = c.servers(); err != nil {
		problem("workers", err)
	}
	if c.cfg.Tokens != nil {
		o.Tokens = c.cfg.Tokens()
	}
	if o.Open, err = c.cfg.Store.Stats(ctx, deadletter.Filter{State: deadletter.StateOpen}); err != nil {
		problem("dead letters", err)
	}
	c.render(w, r, http.StatusOK, "overview", "overview", "Overview", o)
}

// readThrottle reads the published settings and the families' state as
// chatq status does: with the most recently started worker's limits.
func (o *overview) readThrottle(ctx context.Context, c *Console) error {
	var err error
	if o.Published, err = throttle.ReadSettings(ctx, c.cfg.Redis); err != nil {
		return err
	}
	var cfg throttle.Config
	if len(o.Published) > 0 {
		o.LimitsFrom, cfg = o.Published[0].Worker, o.Published[0].Config()
	}
	o.Families, err = throttle.ReadStatus(ctx, c.cfg.Redis, cfg)
	return err
}

// queues lists chatq's queues and any other asynq knows, with their depths
// and the last rateWindow's decisions per minute.
func (c *Console) queues(minutes []activity.Minute, now time.Time) ([]queueRow, error) {
	depths, err := queuedepth.Read(c.insp)
	if err != nil {
		return nil, err
	}
	rows := make([]queueRow, len(depths))
	for i, d := range depths {
		q := d.Queue
		rows[i] = queueRow{Name: q, Pending: d.Pending, Active: d.Active, Scheduled: d.Scheduled,
			Retry: d.Retry, Archived: d.Archived, Paused: d.Paused, Latency: d.Latency,
			DeliveredPerMin: perMinute(minutes, now, q, outDelivered, outDone),
			RetriesPerMin:   perMinute(minutes, now, q, outRetry, outDeferred),
			DeadLettered:    perMinute(minutes, now, q, outDeadLettered)}
	}
	return rows, nil
}

// perMinute averages the outcomes over the minutes of the last rateWindow.
func perMinute(minutes []activity.Minute, now time.Time, queue string, outcomes ...string) float64 {
	var n int64
	for _, m := range minutes {
		if now.Sub(m.Start) < rateWindow {
			n += m.Sum(queue, outcomes...)
		}
	}
	return float64(n) / rateWindow.Minutes()
}

// servers lists the asynq servers alive (each chatq worker runs one per
// queue in dedicated mode), busiest first.
func (c *Console) servers() ([]serverRow, error) {
	infos, err := c.insp.Servers()
	if err != nil {
		return nil, err
	}
	rows := make([]serverRow, 0, len(infos))
	for _, s := range infos {
		rows = append(rows, serverRow{Host: s.Host, PID: s.PID, Concurrency: s.Concurrency, Active: len(s.ActiveWorkers),
			Queues: queueList(s), Started: s.Started, Status: s.Status})
	}
	slices.SortFunc(rows, func(a, b serverRow) int { return b.Active - a.Active })
	return rows, nil
}

func queueList(s *asynq.ServerInfo) string {
	names := make([]string, 0, len(s.Queues))
	for q := range s.Queues {
		names = append(names, q)
	}
	slices.Sort(names)
	return fmt.Sprint(names)
}
