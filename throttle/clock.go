package throttle

import (
	"context"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisClock estimates how far Redis's clock is ahead of this process's,
// so that slots handed out on Redis's clock are kept on the local one. As
// NTP does, it trusts the sample with the shortest round trip: the true
// offset lies within half of it. A sample is replaced by one whose round
// trip is shorter, or not much longer than the kept one's aged by
// clockAging per second, so a slow drift of either clock is followed.
type redisClock struct {
	mu     sync.Mutex
	offset time.Duration // Redis's clock minus the local clock
	rtt    time.Duration // round trip of the sample offset came from; 0 = none yet
	at     time.Time
}

// clockAging is how much a kept sample's round trip is deemed to grow per
// second of age.
const clockAging = time.Millisecond

// sample takes one exchange (sent and got on the local clock, redisNow
// read by Redis in between) into account and returns the current offset.
func (c *redisClock) sample(sent, got, redisNow time.Time) time.Duration {
	rtt := got.Sub(sent)
	mid := sent.Add(rtt / 2)
	c.mu.Lock()
	defer c.mu.Unlock()
	aged := c.rtt + time.Duration(float64(clockAging)*got.Sub(c.at).Seconds())
	if c.rtt == 0 || rtt <= aged {
		// Wall clocks: redisNow has no monotonic reading.
		c.offset, c.rtt, c.at = redisNow.Sub(mid.Round(0)), max(rtt, time.Nanosecond), got
	}
	return c.offset
}

// calibrated reports whether the clock has a sample.
func (c *redisClock) calibrated() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rtt > 0
}

// calibrate takes a few TIME round trips, so that the first reservation
// does not depend on one sample (which may include dialling the
// connection). Errors are left to the reservation that follows.
func (c *redisClock) calibrate(ctx context.Context, rdb redis.UniversalClient) {
	for range 3 {
		sent := time.Now()
		redisNow, err := rdb.Time(ctx).Result()
		if err != nil {
			return
		}
		c.sample(sent, time.Now(), redisNow)
	}
}
