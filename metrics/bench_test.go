package metrics_test

import (
	"context"
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
