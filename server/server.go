// Package server is the HTTP side of baton serve: one mux that routes the
// Step Functions API (POST /), health (GET /healthz: the process answers)
// and readiness (GET /readyz: the store answers too), and a page for a
// browser that opens the server's address. The console and metrics take
// their own paths here.
package server

import (
	"context"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/baton-sh/baton/api"
	"github.com/baton-sh/baton/engine"
)

// Handler returns the server's mux over an engine. Every request is logged
// at debug level.
func Handler(e *engine.Engine, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	mux := http.NewServeMux()
	mux.Handle("POST /{$}", api.New(e, log))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n")) //nolint:errcheck // the client went away
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := e.Ready(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("not ready: " + err.Error() + "\n")) //nolint:errcheck // the client went away
			return
		}
		w.Write([]byte("ready\n")) //nolint:errcheck // the client went away
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := welcome.Execute(w, welcomePage{Host: r.Host, Account: e.Account()}); err != nil {
			log.Warn("writing the welcome page", "error", err)
		}
	})
	// Anything else is answered in the API's terms.
	mux.HandleFunc("/", api.NotFound)
	if !log.Enabled(context.Background(), slog.LevelDebug) {
		return mux
	}
	return logRequests(mux, log)
}

// logRequests logs each request at debug level: method, path, API action,
// status and duration.
func logRequests(next http.Handler, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		log.Debug("request", "method", r.Method, "path", r.URL.Path,
			"action", strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AWSStepFunctions."),
			"status", rec.status, "duration", time.Since(start))
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

type welcomePage struct {
	Host, Account string
}

var welcome = template.Must(template.New("welcome").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Baton</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 3rem auto; padding: 0 1rem; color: #1d232b; }
code, pre { font: 14px ui-monospace, monospace; background: #f2f4f7; border-radius: 4px; }
pre { padding: .8rem 1rem; overflow-x: auto; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
p.sub { margin-top: 0; color: #5b6573; }
</style>
</head>
<body>
<h1>Baton</h1>
<p class="sub">AWS Step Functions, run yourself.</p>
<p>This server speaks the Step Functions API: point the aws CLI or any AWS SDK at it.</p>
<pre>export AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x AWS_DEFAULT_REGION=us-east-1
aws stepfunctions --endpoint-url http://{{.Host}} list-state-machines
aws stepfunctions --endpoint-url http://{{.Host}} create-state-machine --name hello \
    --role-arn arn:aws:iam::{{.Account}}:role/baton --definition file://hello.json</pre>
<p>For <code>start-sync-execution</code> and <code>test-state</code>, set
<code>AWS_DISABLE_HOST_PREFIX_INJECTION=true</code>: the SDKs send them to a <code>sync-</code> host otherwise.</p>
<p>The web console is not built yet. Health: <a href="/healthz">/healthz</a>, readiness: <a href="/readyz">/readyz</a>.</p>
</body>
</html>
`))
