package clock

import (
	"testing"
	"time"
)

func TestVirtual(t *testing.T) {
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
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
