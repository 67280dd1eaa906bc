package metrics

import (
	"testing"
	"time"

	"github.com/baton-sh/baton/engine"
	"github.com/prometheus/client_golang/prometheus"
)

func BenchmarkTmpObserve(b *testing.B) {
	o := newObserver(nil, prometheus.NewRegistry(), Options{MaxLabelValues: 1000})
	now := time.Now()
	batch := []engine.Event{
		{Kind: engine.ExecutionStarted, ExecutionARN: "arn:aws:states:us-east-1:123456789012:express:hello:x:y", StateMachineARN: "arn:aws:states:us-east-1:123456789012:stateMachine:hello", Time: now, StartTime: now},
		{Kind: engine.ExecutionFinished, ExecutionARN: "arn:aws:states:us-east-1:123456789012:express:hello:x:y", StateMachineARN: "arn:aws:states:us-east-1:123456789012:stateMachine:hello", Time: now.Add(time.Millisecond), StartTime: now, Status: "SUCCEEDED"},
	}
	b.ReportAllocs()
	for b.Loop() {
		o.Observe(batch)
	}
}
