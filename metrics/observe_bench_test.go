package metrics

import (
	"testing"
	"time"

	"github.com/baton-sh/baton/engine"
	"github.com/prometheus/client_golang/prometheus"
)

// BenchmarkObserve: the counting of an Express execution's start and end,
// on the metrics' goroutine (what the engine's seam costs besides is in
// BenchmarkHandler).
func BenchmarkObserve(b *testing.B) {
	o := newObserver(nil, prometheus.NewRegistry(), Options{MaxLabelValues: DefaultMaxLabelValues})
	now := time.Now()
	x, sm := "arn:aws:states:us-east-1:123456789012:express:hello:x:y", "arn:aws:states:us-east-1:123456789012:stateMachine:hello"
	batch := []engine.Event{
		{Kind: engine.ExecutionStarted, ExecutionARN: x, StateMachineARN: sm, Time: now, StartTime: now},
		{Kind: engine.ExecutionFinished, ExecutionARN: x, StateMachineARN: sm, Time: now.Add(time.Millisecond), StartTime: now, Status: "SUCCEEDED"},
	}
	b.ReportAllocs()
	for b.Loop() {
		o.Observe(batch)
	}
}
