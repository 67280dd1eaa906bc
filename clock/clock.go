// Package clock is the edge of the world where time comes from. Drivers read
// time only through a Clock, so that tests can run Wait states, retries and
// timeouts without sleeping.
//
// Three clocks: Real, the system's; Virtual, whose time jumps ahead as soon
// as everything that uses it is waiting (baton test runs a day of Wait
// states in microseconds, and never ahead of a task still at work); and
// Manual, which moves only when a test moves it.
package clock

import (
	"container/heap"
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

// holder is a clock that must know who is at work: Virtual.
type holder interface {
	Hold() (release func())
}

// timerClock is a clock with stoppable timers.
type timerClock interface {
	newTimer(d time.Duration) *Timer
	newTimerAt(at time.Time) *Timer
}

// Hold tells a virtual clock that the caller is at work, so that time does
// not move until release is called (once). Other clocks ignore it.
func Hold(c Clock) (release func()) {
	if h, ok := c.(holder); ok {
		return h.Hold()
	}
	return func() {}
}

// Timer fires once on C, unless stopped.
type Timer struct {
	C    <-chan time.Time
	stop func()
}

// NewTimer starts a timer of d on c.
func NewTimer(c Clock, d time.Duration) *Timer {
	if tc, ok := c.(timerClock); ok {
		return tc.newTimer(d)
	}
	if _, ok := c.(Real); ok || c == nil {
		t := time.NewTimer(d)
		return &Timer{C: t.C, stop: func() { t.Stop() }}
	}
	return &Timer{C: c.After(d), stop: func() {}}
}

// NewTimerAt starts a timer on c that fires at the time at (at once if it
// has passed). Unlike NewTimer after reading Now, it cannot miss a clock
// that moves in between.
func NewTimerAt(c Clock, at time.Time) *Timer {
	if tc, ok := c.(timerClock); ok {
		return tc.newTimerAt(at)
	}
	if _, ok := c.(Real); ok || c == nil {
		t := time.NewTimer(time.Until(at))
		return &Timer{C: t.C, stop: func() { t.Stop() }}
	}
	return &Timer{C: c.After(at.Sub(c.Now())), stop: func() {}}
}

// Stop stops the timer. On a virtual clock it also ends the hold that a
// timer takes for its receiver when it fires: call Stop once the receiver is
// at work again (holding), whether the timer fired or not.
func (t *Timer) Stop() { t.stop() }

// ---- waiters shared by Virtual and Manual -------------------------------------

type waiter struct {
	at    time.Time
	seq   uint64
	ch    chan time.Time
	index int // in the heap; -1 once fired or removed
	// holds: when it fires, the waiter holds a virtual clock for its
	// receiver (held) until its timer is stopped.
	holds, held bool
}

type waiters []*waiter

func (h waiters) Len() int { return len(h) }
func (h waiters) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].seq < h[j].seq
}
func (h waiters) Swap(i, j int) { h[i], h[j] = h[j], h[i]; h[i].index = i; h[j].index = j }
func (h *waiters) Push(x any)   { w := x.(*waiter); w.index = len(*h); *h = append(*h, w) }
func (h *waiters) Pop() any {
	old := *h
	w := old[len(old)-1]
	*h = old[:len(old)-1]
	w.index = -1
	return w
}

// base is the time and the waiters of a Virtual or Manual clock.
type base struct {
	mu  sync.Mutex
	now time.Time
	q   waiters
	seq uint64
}

func (b *base) Now() time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.now
}

// add registers a waiter; b.mu is held.
func (b *base) add(d time.Duration, holds bool) *waiter { return b.addAt(b.now.Add(d), holds) }

// addAt registers a waiter for the time at; b.mu is held.
func (b *base) addAt(at time.Time, holds bool) *waiter {
	b.seq++
	w := &waiter{at: at, seq: b.seq, ch: make(chan time.Time, 1), holds: holds}
	heap.Push(&b.q, w)
	return w
}

// fireDue fires the waiters due at b.now and returns how many now hold
// the clock; b.mu is held.
func (b *base) fireDue() int {
	n := 0
	for len(b.q) > 0 && !b.q[0].at.After(b.now) {
		w := heap.Pop(&b.q).(*waiter)
		w.ch <- b.now
		if w.holds {
			w.held = true
			n++
		}
	}
	return n
}

// ---- Virtual -------------------------------------------------------------------

// Virtual is a clock whose time jumps to the next deadline as soon as
// nobody holds it. Whoever works on what the clock times (a driver's loop,
// a running task) holds it (Hold) until it waits again; a timer that fires
// holds it for its receiver until the receiver stops the timer. A driver
// that waits only on timers then runs a day of Wait states in microseconds,
// in the order real time would give, and never ahead of work in progress.
//
// While the clock is held its time stands still, except that a deadline
// that real time reaches fires: a task that hangs still meets its
// TimeoutSeconds, after as long as it would take on a real clock. A caller
// that never holds it sees time jump at each wait.
type Virtual struct {
	base
	holds int
	// real fires the earliest deadline in real time while the clock is
	// held; armed for realAt.
	real   *time.Timer
	realAt time.Time
}

// NewVirtual returns a virtual clock that starts at t.
func NewVirtual(t time.Time) *Virtual { return &Virtual{base: base{now: t}} }

// After returns a channel that receives the time d from now; the clock
// moves there at once if nobody holds it. A receiver of After holds
// nothing: use NewTimer for that.
func (v *Virtual) After(d time.Duration) <-chan time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	w := v.add(max(d, 0), false)
	v.advance()
	return w.ch
}

func (v *Virtual) newTimer(d time.Duration) *Timer {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.timerLocked(v.add(max(d, 0), true))
}

func (v *Virtual) newTimerAt(at time.Time) *Timer {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.timerLocked(v.addAt(at, true))
}

func (v *Virtual) timerLocked(w *waiter) *Timer {
	v.advance()
	return &Timer{C: w.ch, stop: func() { v.stopWaiter(w) }}
}

func (v *Virtual) stopWaiter(w *waiter) {
	v.mu.Lock()
	defer v.mu.Unlock()
	switch {
	case w.index >= 0:
		heap.Remove(&v.q, w.index)
		v.advance()
	case w.held:
		w.held = false
		v.holds--
		v.advance()
	}
}

// Hold keeps the clock where it is until release is called.
func (v *Virtual) Hold() (release func()) {
	v.mu.Lock()
	v.holds++
	v.advance()
	v.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			v.mu.Lock()
			v.holds--
			v.advance()
			v.mu.Unlock()
		})
	}
}

// advance moves the time to the earliest deadline while nobody holds the
// clock, and fires it; while somebody does, it waits for the deadline in
// real time. Each fired timer holds the clock for its receiver. v.mu is
// held.
func (v *Virtual) advance() {
	for v.holds == 0 && len(v.q) > 0 {
		if at := v.q[0].at; at.After(v.now) {
			v.now = at
		}
		v.holds += v.fireDue()
	}
	if v.holds == 0 || len(v.q) == 0 {
		if v.real != nil {
			v.real.Stop()
			v.real = nil
		}
		return
	}
	at := v.q[0].at
	if v.real != nil && v.realAt.Equal(at) {
		return
	}
	if v.real != nil {
		v.real.Stop()
	}
	v.realAt = at
	v.real = time.AfterFunc(at.Sub(v.now), func() {
		v.mu.Lock()
		defer v.mu.Unlock()
		if v.real == nil || !v.realAt.Equal(at) || len(v.q) == 0 || !v.q[0].at.Equal(at) {
			return
		}
		v.real = nil
		if at.After(v.now) {
			v.now = at
		}
		v.holds += v.fireDue()
		v.advance()
	})
}

// ---- Manual ----------------------------------------------------------------------

// Manual is a clock that moves only when Advance or Set moves it; the
// waits it passes fire then. Tests use it to control time exactly.
type Manual struct {
	base
	changed chan struct{} // closed and replaced whenever a waiter is added
}

// NewManual returns a manual clock at t.
func NewManual(t time.Time) *Manual {
	return &Manual{base: base{now: t}, changed: make(chan struct{})}
}

// After returns a channel that receives the time once the clock has been
// moved d ahead of now.
func (m *Manual) After(d time.Duration) <-chan time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	w := m.add(max(d, 0), false)
	m.fireDue()
	m.notify()
	return w.ch
}

func (m *Manual) newTimer(d time.Duration) *Timer {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.timerLocked(m.add(max(d, 0), false))
}

func (m *Manual) newTimerAt(at time.Time) *Timer {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.timerLocked(m.addAt(at, false))
}

func (m *Manual) timerLocked(w *waiter) *Timer {
	m.fireDue()
	m.notify()
	return &Timer{C: w.ch, stop: func() {
		m.mu.Lock()
		if w.index >= 0 {
			heap.Remove(&m.q, w.index)
		}
		m.mu.Unlock()
	}}
}

func (m *Manual) notify() {
	close(m.changed)
	m.changed = make(chan struct{})
}

// Advance moves the clock d ahead and fires what falls due.
func (m *Manual) Advance(d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.now = m.now.Add(d)
	m.fireDue()
}

// Set moves the clock to t (never back) and fires what falls due.
func (m *Manual) Set(t time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if t.After(m.now) {
		m.now = t
	}
	m.fireDue()
}

// Waiting returns the number of waits pending, and a channel closed when
// another one starts: a test waits for its code to block on the clock
// before it moves the clock.
func (m *Manual) Waiting() (int, <-chan struct{}) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.q), m.changed
}

// Next returns the earliest pending deadline.
func (m *Manual) Next() (time.Time, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.q) == 0 {
		return time.Time{}, false
	}
	return m.q[0].at, true
}
