package sandbox

import "time"

// bucket is a token bucket: rate tokens a second, up to burst. Server.mu
// guards it. A zero rate allows everything.
type bucket struct {
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
}

func newBucket(rate float64, burst int, now time.Time) *bucket {
	return &bucket{rate: rate, burst: float64(burst), tokens: float64(burst), last: now}
}

// allow takes one token if there is one.
func (b *bucket) allow(now time.Time) bool {
	if b.rate <= 0 {
		return true
	}
	b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// allowCall applies Config.RateLimit to one call.
func (s *Server) allowCall() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.limiter.allow(s.now())
}

// quotaWindow counts delivered messages in a fixed one-minute window that
// starts with the first message after the previous window ended.
type quotaWindow struct {
	start time.Time
	used  int
}

// take reserves n messages of a quota per minute, all or nothing. A zero
// quota allows everything.
func (q *quotaWindow) take(now time.Time, n, quota int) bool {
	if quota <= 0 {
		return true
	}
	if q.start.IsZero() || now.Sub(q.start) >= time.Minute {
		q.start, q.used = now, 0
	}
	if q.used+n > quota {
		return false
	}
	q.used += n
	return true
}
