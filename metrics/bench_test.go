package metrics_test

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/baton-sh/baton/engine"
	"github.com/baton-sh/baton/engine/enginetest"
	"github.com/baton-sh/baton/internal/requestbench"
	"github.com/baton-sh/baton/metrics"
	"github.com/baton-sh/baton/server"
)

// BenchmarkHandler: what metrics cost a request that runs an execution,
// through the server's handler in this process (no client, no network):
// without metrics, with an observer that does nothing (the engine's seam
// alone), and with the metrics. cpu-ns/op is the process's CPU time per
// request, the observers' goroutines included.
//
//	go test -run '^$' -bench Handler -benchtime 100000x ./metrics
func BenchmarkHandler(b *testing.B) {
	for _, typ := range []string{"EXPRESS", "STANDARD"} {
		for _, mode := range []string{"off", "seam", "on"} {
			b.Run(typ+"/"+mode, func(b *testing.B) {
				e, _ := enginetest.New(b, engine.Options{})
				o := server.Options{}
				switch mode {
				case "seam":
					defer e.Subscribe(nothing{})()
				case "on":
					m := metrics.New(e, metrics.Options{})
					defer m.Close()
					o.Metrics = m
				}
				h := server.Handler(e, o)
				out, err := e.CreateStateMachine(context.Background(), &engine.CreateStateMachineInput{Name: "hello", Type: typ, RoleArn: role,
					Definition: `{"StartAt":"Hello","States":{"Hello":{"Type":"Pass","Result":"world","ResultPath":"$.hello","End":true}}}`})
				if err != nil {
					b.Fatal(err)
				}
				action := "StartSyncExecution"
				if typ == "STANDARD" {
					action = "StartExecution"
				}
				requestbench.Run(b, h, action, `{"stateMachineArn":"`+out.StateMachineArn+`","input":"{\"name\":\"bench\"}"}`)
			})
		}
	}
}

// nothing is an observer that does nothing with what it is told.
type nothing struct{}

func (nothing) Observe([]engine.Event) {}
func (nothing) Dropped(int)            {}

// BenchmarkRun: what metrics cost in-process runs, from two goroutines:
// of a one-state machine (a few hundred nanoseconds without them), and of
// a loop through 2,002 states.
//
//	go test -run '^$' -bench Run -benchtime 1000000x ./metrics
func BenchmarkRun(b *testing.B) {
	for _, bench := range []struct{ name, def string }{
		{"hello", `{"StartAt":"Hello","States":{"Hello":{"Type":"Pass","Result":"world","End":true}}}`},
		{"loop", `{"StartAt":"Check","States":{"Check":{"Type":"Choice","Choices":[{"Variable":"$.i","NumericEquals":1000,"Next":"Done"}],` +
			`"Default":"Inc"},"Inc":{"Type":"Pass","Parameters":{"i.$":"States.MathAdd($.i, 1)"},"Next":"Check"},"Done":{"Type":"Succeed"}}}`},
	} {
		for _, mode := range []string{"off", "on"} {
			b.Run(bench.name+"/"+mode, func(b *testing.B) {
				e, _ := enginetest.New(b, engine.Options{})
				if mode == "on" {
					defer metrics.New(e, metrics.Options{}).Close()
				}
				m, err := e.Load([]byte(bench.def), engine.LoadOptions{})
				if err != nil {
					b.Fatal(err)
				}
				in, err := e.ParseInput([]byte(`{"i":0}`))
				if err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				b.RunParallel(func(pb *testing.PB) {
					src := rand.NewPCG(1, 2)
					for pb.Next() {
						r, err := m.Run(context.Background(), in, engine.RunOptions{Random: src})
						if err != nil || !r.Succeeded() {
							b.Error(err, r.Status())
							return
						}
						r.Release()
					}
				})
			})
		}
	}
}
