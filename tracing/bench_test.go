package tracing_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"

	"github.com/baton-sh/baton/engine"
	"github.com/baton-sh/baton/engine/enginetest"
	"github.com/baton-sh/baton/internal/requestbench"
	"github.com/baton-sh/baton/interpreter"
	"github.com/baton-sh/baton/server"
	"github.com/baton-sh/baton/tracing"
)

// BenchmarkTraced: what tracing every execution costs a request that
// runs one, through the server's handler in this process, with spans
// exported by OTLP/HTTP to a receiver that drops them. cpu-ns/op is the
// process's CPU time per request, the exporter's included.
//
//	go test -run '^$' -bench Traced -benchtime 20000x ./tracing
func BenchmarkTraced(b *testing.B) {
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	defer sink.Close()
	for _, typ := range []string{"EXPRESS", "STANDARD"} {
		for _, mode := range []string{"off", "on"} {
			b.Run(typ+"/"+mode, func(b *testing.B) {
				// As baton serve wires it: tasks' traceparents, and traced
				// Express executions keeping their histories for their spans.
				var traced atomic.Pointer[tracing.Tracer]
				e, _ := enginetest.New(b, engine.Options{TraceTask: func(cfg *interpreter.Config, scheduled int64) string {
					if t := traced.Load(); t != nil {
						return t.TaskTraceparent(cfg, scheduled)
					}
					return ""
				}})
				if mode == "on" {
					exp, err := otlptracehttp.New(context.Background(), otlptracehttp.WithEndpointURL(sink.URL+"/v1/traces"))
					if err != nil {
						b.Fatal(err)
					}
					tp := tracing.NewProvider(exp)
					defer func() {
						if err := tp.Shutdown(context.Background()); err != nil {
							b.Error(err)
						}
					}()
					tr := tracing.New(e, tp, tracing.All)
					traced.Store(tr)
					defer tr.Close()
					defer e.Subscribe(tr)()
				}
				h := server.Handler(e, server.Options{})
				out, err := e.CreateStateMachine(context.Background(), &engine.CreateStateMachineInput{Name: "hello", Type: typ,
					RoleArn: "arn:aws:iam::123456789012:role/r",
					Definition: `{"StartAt":"Hello","States":{"Hello":{"Type":"Pass","Result":"world","ResultPath":"$.hello","Next":"Bye"},` +
						`"Bye":{"Type":"Pass","End":true}}}`})
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
