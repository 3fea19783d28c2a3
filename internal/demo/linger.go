package demo

import (
	"context"
	"fmt"
	"io"
	"time"
)

// linger keeps the demo up for d after its report, or until ctx ends
// (Ctrl-C, or the demo's timeout); either way the demo succeeded.
func linger(ctx context.Context, out io.Writer, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	fmt.Fprintf(out, "lingering for %s (Ctrl-C stops)\n", d)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
	return nil
}
