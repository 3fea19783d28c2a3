package main_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/tasks"
)

// orderedChaosKeys is how many order keys the ordered chaos scenarios
// spread their messages over.
const orderedChaosKeys = 30

// enqueueOrdered enqueues *chaosMessages messages over orderedChaosKeys
// order keys, message i of a key with the text "<name>-k<key>-<i>".
func (c *chaos) enqueueOrdered() {
	c.t.Helper()
	for i := range *chaosMessages {
		k, n := i%orderedChaosKeys, i/orderedChaosKeys
		text := fmt.Sprintf("%s-k%02d-%05d", c.name, k, n)
		if i%25 == 24 {
			text += "-" + chaosRefuse
		}
		c.markers[c.fleet.Send(text, tasks.OrderKey(fmt.Sprintf("%s-k%02d", c.name, k)))] = text
	}
}

// inversions counts, per key, the messages the sandbox accepted after a
// later message of their key: the order the provider saw, as the sandbox
// recorded it. A message sent twice in a row is not an inversion.
func (c *chaos) inversions(t *testing.T) int {
	t.Helper()
	highest := map[string]string{}
	n := 0
	for _, m := range c.fleet.Sandbox.Messages() {
		var body struct{ Msg string }
		require.NoError(t, json.Unmarshal(m.Body, &body))
		text := strings.TrimSuffix(body.Msg, "-"+chaosRefuse)
		key, seq, ok := cutLast(text, "-")
		if !ok {
			continue
		}
		if seq < highest[key] {
			n++
			t.Logf("inversion in %s: %s after %s", key, seq, highest[key])
		}
		highest[key] = max(highest[key], seq)
	}
	return n
}

func cutLast(s, sep string) (before, after string, ok bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return "", "", false
	}
	return s[:i], s[i+len(sep):], true
}

// TestChaosOrdered is the chaos suite for ordered keys (README "Ordered
// conversations"): two worker processes, one killed with SIGKILL a third
// of the way through and started again; and Redis killed with SIGKILL and
// restarted on its AOF. The sandbox's record must show no key's messages
// out of order, and nothing lost. It does not run in parallel with
// TestChaos: its Redis fault needs a call in flight when Redis dies, which
// five scenarios' workers at once on a loaded machine can starve.
func TestChaosOrdered(t *testing.T) {
	scenarios := []struct {
		name  string
		fault func(c *chaos)
	}{
		{"ordered-worker-kill-9", func(c *chaos) {
			c.workers[0].kill9(c.t)
			c.startWorker()
		}},
		{"ordered-redis-kill-9-aof", func(c *chaos) {
			before := c.delivered()
			c.redis.Kill()
			c.waitDelivered(before + 1)
			time.Sleep(2 * time.Second) // the outage's length
			c.redis.Restart()
		}},
	}
	runs := make([]*chaos, len(scenarios))
	for i, sc := range scenarios {
		c := newChaos(t, sc.name)
		c.env = []string{"CHATQ_ORDER_SWEEP_INTERVAL=200ms", "CHATQ_ORDER_GRACE=10s", "CHATQ_HTTP_TIMEOUT=2s"}
		c.enqueueOrdered()
		c.startWorker()
		c.startWorker()
		c.waitDelivered(*chaosMessages / 3)
		sc.fault(c)
		runs[i] = c
	}
	settleAll(t, runs)
	for i, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			c := runs[i]
			res := c.result(t)
			t.Logf("chaos %s: %s", c.name, res)
			require.Empty(t, res.lost, "every enqueued message is delivered or dead-lettered")
			require.Zero(t, c.inversions(t), "no key's messages out of order")
		})
	}
}
