// Package requestbench measures what a Step Functions API request costs a
// server's handler in the benchmark's own process: no client, no network.
package requestbench

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Run sends the action (X-Amz-Target, without "AWSStepFunctions.") with
// body to h from many goroutines, b.N times, and reports cpu-ns/op: the
// process's CPU time per request, its other goroutines' included.
func Run(b *testing.B, h http.Handler, action, body string) {
	b.Helper()
	cpu0 := cpuTime(b)
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest("POST", "http://127.0.0.1/", strings.NewReader(body))
			req.Header.Set("X-Amz-Target", "AWSStepFunctions."+action)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				b.Error(w.Code, w.Body.String())
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64((cpuTime(b)-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
}

// cpuTime is the CPU time the process has used.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
