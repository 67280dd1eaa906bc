// Package clock is the edge of the world where time comes from. Drivers read
// time only through a Clock, so that tests can run Wait states, retries and
// timeouts without sleeping.
package clock

import (
	"sync"
	"time"
)

// Clock tells the time and waits.
type Clock interface {
	Now() time.Time
	// After returns a channel that receives the time once d has passed.
	After(d time.Duration) <-chan time.Time
}

// Real is the system clock.
type Real struct{}

// Now returns the current time.
func (Real) Now() time.Time { return time.Now() }

// After waits d.
func (Real) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Virtual is a clock whose time moves only when something waits on it: After
// advances the time by d at once. A driver that waits only on timers then
// runs a day of Wait states in microseconds, in the order real time would
// give.
type Virtual struct {
	mu  sync.Mutex
	now time.Time
}

// NewVirtual returns a virtual clock that starts at t.
func NewVirtual(t time.Time) *Virtual { return &Virtual{now: t} }

// Now returns the virtual time.
func (v *Virtual) Now() time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.now
}

// After advances the virtual time by d and returns a channel that already
// holds the new time.
func (v *Virtual) After(d time.Duration) <-chan time.Time {
	v.mu.Lock()
	if d > 0 {
		v.now = v.now.Add(d)
	}
	t := v.now
	v.mu.Unlock()
	ch := make(chan time.Time, 1)
	ch <- t
	return ch
}
