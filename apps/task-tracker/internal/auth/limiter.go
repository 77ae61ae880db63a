package auth

import (
	"sync"
	"time"
)

// Limiter is a token bucket per client: perMinute requests at once, refilled evenly over a minute. Clients are the
// keys file's, so the map stays as small as that file.
type Limiter struct {
	mu       sync.Mutex
	capacity float64
	perSec   float64
	now      func() time.Time
	buckets  map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

func NewLimiter(perMinute int, now func() time.Time) *Limiter {
	return &Limiter{
		capacity: float64(perMinute), perSec: float64(perMinute) / 60, now: now, buckets: map[string]*bucket{},
	}
}

// Take spends one request of client's budget; when none is left it says how long until the next one.
func (l *Limiter) Take(client string) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b, ok := l.buckets[client]
	if !ok {
		b = &bucket{tokens: l.capacity, at: now}
		l.buckets[client] = b
	}
	b.tokens = min(l.capacity, b.tokens+now.Sub(b.at).Seconds()*l.perSec)
	b.at = now
	if b.tokens < 1 {
		return time.Duration((1 - b.tokens) / l.perSec * float64(time.Second)), false
	}
	b.tokens--
	return 0, true
}
