package bench

import (
	"context"
	"slices"
)

// memory: a worker process's peak resident set (VmHWM, /proc/<pid>/status:
// what the kernel charges it, Go runtime and binary included) at
// concurrency 100 while it drains a backlog.
func memory(ctx context.Context, b *bencher) ([]Row, error) {
	n := b.size(5000, 200)
	spec := fleetSpec{workers: 1, concurrency: 100, tasks: n, env: []string{liftedLimits()}}
	c, err := b.runFleet(ctx, withName(spec, "memory/chatq", false))
	if err != nil {
		return nil, err
	}
	bl, err := b.runFleet(ctx, withName(spec, "memory/baseline", true))
	if err != nil {
		return nil, err
	}
	return []Row{{Scenario: "memory", Metric: "worker peak RSS at concurrency 100 (VmHWM)",
		Chatq: slices.Max(c.peakRSS), Baseline: ptr(slices.Max(bl.peakRSS)), Unit: "MiB", Target: "<= 64"}}, nil
}
