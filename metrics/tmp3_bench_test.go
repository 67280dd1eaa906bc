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

func BenchmarkTmpHandler(b *testing.B) {
	for _, typ := range []string{"EXPRESS", "STANDARD"} {
		for _, mode := range []string{"off", "api", "observer", "noop", "on"} {
			name := typ + "/" + mode
			on := mode != "off"
			b.Run(name, func(b *testing.B) {
				e, _ := enginetest.New(b, engine.Options{})
				o := server.Options{}
				switch mode {
				case "on":
					m := metrics.New(e, metrics.Options{})
					defer m.Close()
					o.Metrics = m
				case "api":
					m := metrics.New(e, metrics.Options{})
					m.Close()
					o.Metrics = m
				case "observer":
					m := metrics.New(e, metrics.Options{})
					defer m.Close()
				case "noop":
					defer e.Subscribe(noop{})()
				}
				_ = on
				h := server.Handler(e, o)
				out, err := e.CreateStateMachine(context.Background(), &engine.CreateStateMachineInput{Name: "h", Type: typ, RoleArn: "arn:aws:iam::123456789012:role/r",
					Definition: `{"StartAt":"Hello","States":{"Hello":{"Type":"Pass","Result":"world","ResultPath":"$.hello","End":true}}}`})
				if err != nil {
					b.Fatal(err)
				}
				target := "AWSStepFunctions.StartSyncExecution"
				if typ == "STANDARD" {
					target = "AWSStepFunctions.StartExecution"
				}
				body := `{"stateMachineArn":"` + out.StateMachineArn + `","input":"{\"name\":\"bench\"}"}`
				var r0, r1 syscall.Rusage
				syscall.Getrusage(syscall.RUSAGE_SELF, &r0)
				defer func() {
					syscall.Getrusage(syscall.RUSAGE_SELF, &r1)
					cpu := time.Duration(r1.Utime.Nano() + r1.Stime.Nano() - r0.Utime.Nano() - r0.Stime.Nano())
					b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
				}()
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
			})
		}
	}
}

type noop struct{}

func (noop) Observe([]engine.Event) {}
func (noop) Dropped(int)            {}
