// Package server is the HTTP side of baton serve: one mux that routes the
// Step Functions API (POST /), health (GET /healthz: the process answers)
// and readiness (GET /readyz: the store answers too), and the web console
// (GET / and /assets/, its JSON API under /console/api/). Metrics take
// their own path here; EventBridge's PutEvents shares POST / (by its
// X-Amz-Target), and HTTP triggers live under their stages (/dev/...).
package server

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/baton-sh/baton/api"
	"github.com/baton-sh/baton/console"
	"github.com/baton-sh/baton/engine"
	"github.com/baton-sh/baton/events"
	"github.com/baton-sh/baton/httptrigger"
	"github.com/baton-sh/baton/metrics"
	"github.com/baton-sh/baton/sigv4"
)

// defaultRegion is the region of requests that name none.
const defaultRegion = "us-east-1"

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
	// OnCall, when set, is told every API call once answered: the audit
	// trail.
	OnCall func(*api.Call)
	// Done, once closed, ends the console's open event streams: close it
	// when the server begins to shut down (http.Server.Shutdown waits for
	// handlers, and a stream's runs until its client leaves).
	Done <-chan struct{}
	// Metrics, when set, are served at GET /metrics and count the API's
	// requests.
	Metrics *metrics.Metrics
	// Schedules, when set, lists the server's schedules for the console
	// (GET /console/api/schedules).
	Schedules console.ScheduleLister
	// Events, when set, answers EventBridge's PutEvents on POST /
	// (X-Amz-Target: AWSEvents.PutEvents), signed for the service
	// "events" when requests must be signed.
	Events *events.Bus
	// Triggers, when set, serves HTTP triggers under /<stage>/ for each of
	// its stages (none of which is one of the server's own paths).
	Triggers *httptrigger.Router
}

// Handler returns the server's mux over an engine. Every request is logged
// at debug level.
func Handler(e *engine.Engine, o Options) http.Handler {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ao := api.Options{Logger: log, OnCall: o.OnCall}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	sess := newSessions(o.Keys, now)
	if len(o.Keys) > 0 {
		keys := o.Keys
		ao.Verify = func(r *http.Request, body []byte) (string, error) {
			// The console's page, signed in, sends its session instead of
			// a signature; its calls take the default region.
			if r.Header.Get("Authorization") == "" && sess.who(r) != "" {
				return defaultRegion, nil
			}
			return sigv4.Verify(r, body, "states", func(id string) (string, bool) {
				secret, ok := keys[id]
				return secret, ok
			}, now())
		}
	}
	mux := http.NewServeMux()
	var apiHandler http.Handler = api.New(e, ao)
	if len(o.Keys) > 0 {
		// The console's session says who calls (for the audit trail).
		inner := apiHandler
		apiHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") == "" {
				if id := sess.who(r); id != "" {
					r = r.WithContext(api.WithAccessKey(r.Context(), id))
				}
			}
			inner.ServeHTTP(w, r)
		})
	}
	if o.Events != nil {
		apiHandler = withEvents(apiHandler, o.Events, log, o.Keys, now)
	}
	mux.Handle("POST /{$}", apiHandler)
	if o.Triggers != nil {
		for _, stage := range o.Triggers.Stages() {
			mux.Handle("/"+stage, o.Triggers)
			mux.Handle("/"+stage+"/", o.Triggers)
		}
	}
	if o.Metrics != nil {
		mux.Handle("GET /metrics", metricsHandler(o.Metrics, o.Keys))
	}
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
	site := console.Site()
	mux.Handle("GET /{$}", site)
	mux.Handle("GET /assets/", site)
	mux.HandleFunc("/console/api/session", sess.handle)
	mux.Handle("/console/api/", sess.guard(console.API(e, console.Options{Logger: log, Done: o.Done, Schedules: o.Schedules})))
	// Anything else is answered in the API's terms.
	mux.HandleFunc("/", api.NotFound)
	// A page of another site may not drive the server from its visitors'
	// browsers: a cross-origin POST (the API, the console's own API) is
	// refused. SDKs and the CLI send no Origin or Sec-Fetch-Site, so they
	// pass; the console's page is same-origin.
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		api.Refuse(w, http.StatusForbidden, "AccessDeniedException", "Cross-origin requests are refused: this server answers its own console and API clients")
	}))
	var h http.Handler = checkHost(csrf.Handler(mux), o.Hosts)
	if o.Metrics != nil {
		h = o.Metrics.API(h)
	}
	if log.Enabled(context.Background(), slog.LevelDebug) {
		h = logRequests(h, log)
	}
	return h
}

// withEvents answers EventBridge's actions (X-Amz-Target: AWSEvents.*),
// and hands the rest to the Step Functions API. Signatures are checked as
// the API's are, for the service "events".
func withEvents(next http.Handler, bus *events.Bus, log *slog.Logger, keys map[string]string, now func() time.Time) http.Handler {
	caller := func(r *http.Request, _ []byte) (string, error) { return api.Region(r) }
	if len(keys) > 0 {
		caller = func(r *http.Request, body []byte) (string, error) {
			region, err := sigv4.Verify(r, body, "events", func(id string) (string, bool) {
				secret, ok := keys[id]
				return secret, ok
			}, now())
			if err == nil && !api.ValidRegion(region) {
				err = errors.New("InvalidSignatureException: The credential scope names an invalid region: '" + region + "'")
			}
			return region, err
		}
	}
	eh := bus.Handler(events.HandlerOptions{Logger: log, Caller: caller})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.Header.Get("X-Amz-Target"), "AWSEvents.") {
			eh.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
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
		attrs := []any{"method", r.Method, "path", r.URL.Path,
			"action", strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AWSStepFunctions."),
			"status", rec.status, "duration", time.Since(start)}
		if id := w.Header()["x-amzn-RequestId"]; len(id) > 0 {
			attrs = append(attrs, "request_id", id[0])
		}
		if code := w.Header().Get("X-Amzn-ErrorType"); code != "" {
			attrs = append(attrs, "error", code)
		}
		log.Debug("request", attrs...)
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
