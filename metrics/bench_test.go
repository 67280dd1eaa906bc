package metrics_test

import (
	"context"
	"math/rand/v2"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/baton-sh/baton/engine"
	"github.com/baton-sh/baton/engine/enginetest"
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
				target := "AWSStepFunctions.StartSyncExecution"
				if typ == "STANDARD" {
					target = "AWSStepFunctions.StartExecution"
				}
				body := `{"stateMachineArn":"` + out.StateMachineArn + `","input":"{\"name\":\"bench\"}"}`
				cpu0 := cpuTime(b)
				b.SetParallelism(16)
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						req := httptest.NewRequest("POST", "http://127.0.0.1/", strings.NewReader(body))
						req.Header.Set("X-Amz-Target", target)
						w := httptest.NewRecorder()
						h.ServeHTTP(w, req)
						if w.Code != 200 {
							b.Error(w.Code, w.Body.String())
							return
						}
					}
				})
				b.StopTimer()
				b.ReportMetric(float64((cpuTime(b)-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
			})
		}
	}
}

// nothing is an observer that does nothing with what it is told.
type nothing struct{}

func (nothing) Observe([]engine.Event) {}
func (nothing) Dropped(int)            {}

// cpuTime is the CPU time the process has used.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

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
