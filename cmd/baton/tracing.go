package main

import (
	"context"
	"log/slog"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/baton-sh/baton/engine"
	"github.com/baton-sh/baton/tracing"
)

// startTracing exports executions' traces by OTLP over HTTP, configured as
// every OpenTelemetry SDK is, by the OTEL_* environment variables
// (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
// OTEL_EXPORTER_OTLP_HEADERS, OTEL_SERVICE_NAME, ...). It returns what
// stops it: the spans still open end, those made are sent.
func startTracing(eng *engine.Engine, mode string, log *slog.Logger) (*tracing.Tracer, func(), error) {
	m := tracing.Configured
	switch mode {
	case "configured":
	case "all":
		m = tracing.All
	default:
		return nil, nil, usageError("serve: --tracing is configured, all or off, not %q", mode)
	}
	exp, err := otlptracehttp.New(context.Background())
	if err != nil {
		return nil, nil, &exitError{code: 1, msg: "serve: tracing: " + err.Error()}
	}
	// The environment's OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win
	// over the name baton.
	res, err := resource.New(context.Background(), resource.WithAttributes(attribute.String("service.name", "baton")), resource.WithFromEnv())
	if err != nil {
		return nil, nil, &exitError{code: 1, msg: "serve: tracing: " + err.Error()}
	}
	tp := tracing.NewProvider(exp, sdktrace.WithResource(res))
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		log.Warn("exporting traces", "error", err)
	}))
	tr := tracing.New(eng, tp, m)
	unsubscribe := eng.Subscribe(tr)
	return tr, func() {
		unsubscribe()
		tr.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := tp.Shutdown(ctx); err != nil {
			log.Warn("exporting the last traces", "error", err)
		}
	}, nil
}
