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
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/baton-sh/baton/api"
	"github.com/baton-sh/baton/engine"
	"github.com/baton-sh/baton/sigv4"
)

// Options configure the server.
type Options struct {
	Logger *slog.Logger
	// Hosts are the names (or addresses) the server answers to besides its
	// loopback ones (localhost, 127.0.0.1, ::1); "*" answers any. A request
	// whose Host is none of them is refused: a web page that rebinds its
	// own name to this server's address cannot drive it.
	Hosts []string
	// Keys, when set, are the access keys (id: secret) that every API
	// request must be signed with (AWS Signature Version 4).
	Keys map[string]string
	// Now is the time signatures are checked against (default time.Now).
	Now func() time.Time
}

// Handler returns the server's mux over an engine. Every request is logged
// at debug level.
func Handler(e *engine.Engine, o Options) http.Handler {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ao := api.Options{Logger: log}
	if len(o.Keys) > 0 {
		now := o.Now
		if now == nil {
			now = time.Now
		}
		keys := o.Keys
		ao.Verify = func(r *http.Request, body []byte) (string, error) {
			return sigv4.Verify(r, body, "states", func(id string) (string, bool) {
				secret, ok := keys[id]
				return secret, ok
			}, now())
		}
	}
	mux := http.NewServeMux()
	mux.Handle("POST /{$}", api.New(e, ao))
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
	var h http.Handler = checkHost(mux, o.Hosts)
	if log.Enabled(context.Background(), slog.LevelDebug) {
		h = logRequests(h, log)
	}
	return h
}

// checkHost refuses requests whose Host is not one of the server's own
// names. Health and readiness answer whatever the Host: probes use
// addresses.
func checkHost(next http.Handler, hosts []string) http.Handler {
	allowed := map[string]bool{"localhost": true, "127.0.0.1": true, "::1": true}
	for _, h := range hosts {
		if h == "*" {
			return next
		}
		allowed[strings.ToLower(hostOnly(h))] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := strings.ToLower(hostOnly(r.Host))
		// The SDKs send StartSyncExecution and TestState to "sync-HOST".
		if allowed[host] || allowed[strings.TrimPrefix(host, "sync-")] || r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
			next.ServeHTTP(w, r)
			return
		}
		api.Refuse(w, http.StatusForbidden, "AccessDeniedException",
			"This server does not answer to the host '"+r.Host+"': name it with baton serve --allow-host")
	})
}

// hostOnly drops the port of a host[:port], and the brackets of an IPv6
// address.
func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return strings.TrimSuffix(strings.TrimPrefix(hostport, "["), "]")
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

// LimitListener accepts at most n connections at once; the next waits in
// the kernel's queue until one closes.
func LimitListener(ln net.Listener, n int) net.Listener {
	return &limitListener{Listener: ln, slots: make(chan struct{}, n), done: make(chan struct{})}
}

type limitListener struct {
	net.Listener
	slots chan struct{}
	done  chan struct{}
	once  sync.Once
}

func (l *limitListener) Accept() (net.Conn, error) {
	select {
	case l.slots <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	return &limitConn{Conn: c, release: func() { <-l.slots }}, nil
}

func (l *limitListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return l.Listener.Close()
}

type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
