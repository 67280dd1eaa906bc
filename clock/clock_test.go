package clock

import (
	"testing"
	"time"
)

var start = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

func TestVirtualJumpsWhenNobodyHolds(t *testing.T) {
	v := NewVirtual(start)
	if !v.Now().Equal(start) {
		t.Fatal("start time")
	}
	got := <-v.After(90 * time.Second)
	if want := start.Add(90 * time.Second); !got.Equal(want) || !v.Now().Equal(want) {
		t.Errorf("after 90s: %v, now %v", got, v.Now())
	}
	<-v.After(-time.Second)
	if !v.Now().Equal(start.Add(90 * time.Second)) {
		t.Error("a negative wait moved the clock")
	}
}

func TestVirtualWaitsForHolders(t *testing.T) {
	v := NewVirtual(start)
	release := v.Hold()
	timer := NewTimer(v, time.Minute)
	select {
	case <-timer.C:
		t.Fatal("the clock moved while held")
	default:
	}
	release()
	release() // once only
	at := <-timer.C
	if !at.Equal(start.Add(time.Minute)) {
		t.Fatalf("fired at %v", at)
	}
	// The fired timer holds the clock for its receiver until stopped: a
	// later timer does not fire meanwhile.
	later := NewTimer(v, time.Minute)
	select {
	case <-later.C:
		t.Fatal("the clock moved while a fired timer's receiver was at work")
	default:
	}
	timer.Stop()
	if at := <-later.C; !at.Equal(start.Add(2 * time.Minute)) {
		t.Errorf("later fired at %v", at)
	}
	later.Stop()
	// A stopped pending timer never fires and holds nothing.
	r := v.Hold()
	stopped := NewTimer(v, time.Second)
	stopped.Stop()
	r()
	select {
	case <-stopped.C:
		t.Error("a stopped timer fired")
	default:
	}
	if !v.Now().Equal(start.Add(2 * time.Minute)) {
		t.Errorf("now %v", v.Now())
	}
}

func TestVirtualOrder(t *testing.T) {
	v := NewVirtual(start)
	r := v.Hold()
	a := NewTimer(v, 3*time.Second)
	b := NewTimer(v, time.Second)
	r()
	if got := <-b.C; !got.Equal(start.Add(time.Second)) {
		t.Fatalf("b at %v", got)
	}
	select {
	case <-a.C:
		t.Fatal("a fired before b's receiver was done")
	default:
	}
	b.Stop()
	if got := <-a.C; !got.Equal(start.Add(3 * time.Second)) {
		t.Errorf("a at %v", got)
	}
	a.Stop()
}

func TestManual(t *testing.T) {
	m := NewManual(start)
	n, changed := m.Waiting()
	if n != 0 {
		t.Fatal(n)
	}
	ch := m.After(time.Minute)
	<-changed
	timer := NewTimer(m, 2*time.Minute)
	if next, ok := m.Next(); !ok || !next.Equal(start.Add(time.Minute)) {
		t.Errorf("next %v %v", next, ok)
	}
	m.Advance(59 * time.Second)
	select {
	case <-ch:
		t.Fatal("fired early")
	default:
	}
	m.Advance(time.Second)
	if got := <-ch; !got.Equal(start.Add(time.Minute)) {
		t.Errorf("fired at %v", got)
	}
	timer.Stop()
	m.Set(start.Add(time.Hour))
	select {
	case <-timer.C:
		t.Error("a stopped timer fired")
	default:
	}
	m.Set(start) // never back
	if !m.Now().Equal(start.Add(time.Hour)) {
		t.Errorf("now %v", m.Now())
	}
	if got := <-m.After(0); !got.Equal(start.Add(time.Hour)) {
		t.Errorf("a zero wait: %v", got)
	}
}

func TestRealTimer(t *testing.T) {
	timer := NewTimer(Real{}, time.Millisecond)
	<-timer.C
	timer.Stop()
	Hold(Real{})()
}

// TestVirtualHeldDeadline: a deadline passes in real time while the clock
// is held (a task that hangs meets its timeout), and the time moves to it.
func TestVirtualHeldDeadline(t *testing.T) {
	v := NewVirtual(start)
	release := v.Hold()
	defer release()
	timer := NewTimer(v, 20*time.Millisecond)
	if !v.Now().Equal(start) {
		t.Fatalf("the held clock moved: %v", v.Now())
	}
	got := <-timer.C
	if !got.Equal(start.Add(20 * time.Millisecond)) {
		t.Errorf("fired at %v", got)
	}
	timer.Stop()
}
