package metrics

import (
	"testing"
	"time"

	"github.com/baton-sh/baton/engine"
	"github.com/baton-sh/baton/engine/enginetest"
	"github.com/baton-sh/baton/history"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// TestPostponedInOrder: a task event whose task memory does not hold waits
// for the store on the metrics' goroutine, and its execution's later
// events wait behind it, while other executions are counted at once.
func TestPostponedInOrder(t *testing.T) {
	t.Parallel()
	e, _ := enginetest.New(t, engine.Options{})
	o := newObserver(e, prometheus.NewRegistry(), Options{MaxLabelValues: DefaultMaxLabelValues})
	const sm = "arn:aws:states:us-east-1:123456789012:stateMachine:m"
	x, y := "arn:aws:states:us-east-1:123456789012:execution:m:x", "arn:aws:states:us-east-1:123456789012:execution:m:y"
	now := time.Unix(1e9, 0)
	ended := &history.Event{ID: 7, PreviousID: 6, Type: history.ActivitySucceeded}
	end := func(arn string) engine.Event {
		return engine.Event{Kind: engine.ExecutionFinished, ExecutionARN: arn, StateMachineARN: sm, Time: now, Status: "SUCCEEDED"}
	}
	x0 := o.execs.get(execKey{sm: sm})
	succeeded, started := word{x0, executionsSucceeded}, word{x0, executionsStarted}

	// x's activity began before the metrics did.
	o.Observe([]engine.Event{{Kind: engine.TaskSucceeded, ExecutionARN: x, StateMachineARN: sm, Time: now, History: ended}, end(x)})
	o.Observe([]engine.Event{{Kind: engine.ExecutionStarted, ExecutionARN: x, StateMachineARN: sm, Time: now}})
	o.Observe([]engine.Event{end(y)})
	if got := value(t, succeeded); got != 1 {
		t.Errorf("before the store is read, %v executions succeeded; want y's alone", got)
	}
	if got := len(o.slow); got != 2 {
		t.Fatalf("%d batches wait for the store, want x's two", got)
	}
	ended.Type = history.ActivityFailed // the engine reuses its events: the postponed ones are copies
	o.countDeferred(<-o.slow)
	if got := value(t, started); got != 0 {
		t.Errorf("x's later start was counted before its earlier batch")
	}
	o.countDeferred(<-o.slow)
	for _, c := range []struct {
		name string
		c    word
		want float64
	}{
		{"succeeded", succeeded, 2},
		{"started", started, 1},
		{"activities succeeded", word{o.tasks[activityTask].get(Unknown), tasksSucceeded}, 1},
	} {
		if got := value(t, c.c); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	var m dto.Metric
	if err := o.unmatched.Write(&m); err != nil || m.GetCounter().GetValue() != 1 { // the store has no x
		t.Errorf("unmatched: %v %v", m.GetCounter().GetValue(), err)
	}
	if len(o.waiting) != 0 {
		t.Errorf("still waiting: %v", o.waiting)
	}
	// Now x's events are counted at once again.
	o.Observe([]engine.Event{end(x)})
	if got := value(t, succeeded); got != 3 {
		t.Errorf("%v executions succeeded, want 3", got)
	}
}

// word is one of a series' numbers.
type word struct {
	s *series
	w int
}

// value reads a number.
func value(t *testing.T, w word) float64 {
	t.Helper()
	return float64(w.s.c.sum(w.w))
}
