package httptrigger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/baton-sh/baton/engine"
	"github.com/baton-sh/baton/eventpattern"
	"github.com/baton-sh/baton/events"
	"github.com/baton-sh/baton/sigv4"
	"github.com/baton-sh/baton/trigger"
)

// MaxBody is the largest request body a route takes: API Gateway's
// payload limit. The execution's input has its own, smaller limit (the
// server's --payload-limit), refused as StartExecution refuses it.
const MaxBody = 10485760

// Starter starts executions: the engine.
type Starter interface {
	StartExecution(ctx context.Context, in *engine.StartExecutionInput) (*engine.StartExecutionOutput, error)
	StartSyncExecution(ctx context.Context, in *engine.StartExecutionInput) (*engine.StartSyncExecutionOutput, error)
}

// Options configure a Router.
type Options struct {
	// Account and Region are those of the state machines that routes name
	// without an ARN (default region us-east-1).
	Account, Region string
	Logger          *slog.Logger
	// Keys are the access keys (id: secret) that IAM routes' requests must
	// be signed with; without any, IAM routes take any request, as the
	// server's API then does.
	Keys map[string]string
	// Now is the time signatures are checked against (default time.Now).
	Now func() time.Time
	// Unavailable says that an error is the store's outage (retryable).
	Unavailable func(error) bool
}

// Router serves the routes of every stage.
type Router struct {
	starter Starter
	o       Options
	log     *slog.Logger
	stages  map[string]*node
}

// New checks routes, together (two that API Gateway would refuse side by
// side are refused) and each on its own, and makes their router. Every
// problem is returned, each named by its route's Source.
func New(s Starter, routes []trigger.HTTP, o Options) (*Router, error) {
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Unavailable == nil {
		o.Unavailable = func(error) bool { return false }
	}
	rt := &Router{starter: s, o: o, log: o.Logger, stages: map[string]*node{}}
	if rt.log == nil {
		rt.log = slog.New(slog.DiscardHandler)
	}
	var errs []error
	sources := map[*route]string{}
	for i := range routes {
		h := routes[i]
		where := h.Source
		if where == "" {
			where = fmt.Sprintf("http[%d]", i)
		}
		if problems := h.Check(); len(problems) > 0 {
			for _, p := range problems {
				errs = append(errs, fmt.Errorf("%s: %w", where, p))
			}
			continue
		}
		r := &route{HTTP: h}
		if h.Mapping != nil {
			r.mapping, _ = eventpattern.CompileTarget(*h.Mapping)
		}
		sources[r] = where
		stage := stageOf(r)
		if rt.stages[stage] == nil {
			rt.stages[stage] = &node{}
		}
		if err := rt.stages[stage].add(r, sources); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", where, err))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return rt, nil
}

// Stages are the stages that have routes, sorted: the server mounts the
// router at /<stage>/ for each.
func (rt *Router) Stages() []string {
	stages := make([]string, 0, len(rt.stages))
	for s := range rt.stages {
		stages = append(stages, s)
	}
	sort.Strings(stages)
	return stages
}

// ServeHTTP answers a request to /<stage>/<path>.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := engine.NewUUID()
	w.Header()["x-amzn-RequestId"] = []string{reqID}
	// A bug answers 500, as API Gateway answers its own failures, rather
	// than closing the connection.
	defer func() {
		if p := recover(); p != nil {
			rt.log.Error("panic in an HTTP trigger", "panic", p, "path", r.URL.Path)
			message(w, http.StatusInternalServerError, "", "Internal server error")
		}
	}()
	stage, rest, segs, ok := splitPath(r.URL.EscapedPath())
	tree := rt.stages[stage]
	if !ok || tree == nil {
		missingToken(w)
		return
	}
	params := map[string]string{}
	rte := tree.match(segs, r.Method, params)
	if rte == nil {
		// API Gateway answers a path or a method it has no route for so.
		missingToken(w)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if err != nil {
		message(w, http.StatusBadRequest, "", "The request body could not be read")
		return
	}
	if len(body) > MaxBody {
		// API Gateway's edge answers so, in plain text.
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		w.Write([]byte("HTTP content length exceeded " + strconv.Itoa(MaxBody) + " bytes.")) //nolint:errcheck // the client went away
		return
	}
	if rte.IAM && len(rt.o.Keys) > 0 {
		if _, err := sigv4.Verify(r, body, "execute-api", func(id string) (string, bool) {
			s, ok := rt.o.Keys[id]
			return s, ok
		}, rt.o.Now()); err != nil {
			code, msg, _ := strings.Cut(err.Error(), ": ")
			if code == "MissingAuthenticationTokenException" {
				missingToken(w)
				return
			}
			message(w, http.StatusForbidden, code, msg)
			return
		}
	}
	req := &request{r: r, route: rte, stage: stage, path: rest, params: params, body: body, id: reqID, now: rt.o.Now()}
	input, err := req.input()
	if err != nil {
		message(w, http.StatusBadRequest, "BadRequestException", err.Error())
		return
	}
	in := &engine.StartExecutionInput{
		StateMachineArn: events.StateMachineARN(rte.StateMachine, rt.o.Region, rt.o.Account),
		Input:           input,
	}
	if th := r.Header.Get("X-Amzn-Trace-Id"); th != "" && len(th) <= 256 {
		in.TraceHeader = th
	}
	if rte.Sync {
		rt.sync(w, r.Context(), in)
		return
	}
	out, err := rt.starter.StartExecution(r.Context(), in)
	if err != nil {
		rt.refuse(w, r.Context(), err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// sync runs an Express execution to its end and answers its output; one
// that did not succeed is the integration's failure: 500, or 504 when it
// timed out, with its error and cause.
func (rt *Router) sync(w http.ResponseWriter, ctx context.Context, in *engine.StartExecutionInput) {
	out, err := rt.starter.StartSyncExecution(ctx, in)
	if err != nil {
		rt.refuse(w, ctx, err)
		return
	}
	if out.Status == "SUCCEEDED" && out.Output != nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		w.Write([]byte(*out.Output)) //nolint:errcheck // the client went away
		return
	}
	status := http.StatusInternalServerError
	if out.Status == "TIMED_OUT" {
		status = http.StatusGatewayTimeout
	}
	writeJSON(w, status, struct {
		ExecutionArn string `json:"executionArn"`
		Status       string `json:"status"`
		Error        string `json:"error,omitempty"`
		Cause        string `json:"cause,omitempty"`
	}{out.ExecutionArn, out.Status, out.Error, out.Cause})
}

// refuse answers StartExecution's error as API Gateway passes a Step
// Functions error through: 400 and the service's error body for a
// refusal, 503 for the store's outage (retryable), 500 for the rest.
func (rt *Router) refuse(w http.ResponseWriter, ctx context.Context, err error) {
	var ee *engine.Error
	switch {
	case errors.As(err, &ee):
		w.Header().Set("X-Amzn-ErrorType", string(ee.Code))
		writeJSON(w, http.StatusBadRequest, struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}{string(ee.Code), ee.Message})
	case rt.o.Unavailable(err):
		message(w, http.StatusServiceUnavailable, "ServiceUnavailable", "Service Unavailable")
	default:
		if ctx.Err() == nil {
			rt.log.Error("an HTTP trigger could not start its execution", "error", err)
		}
		message(w, http.StatusInternalServerError, "", "Internal server error")
	}
}

// splitPath splits /<stage>/<rest> into the stage, the rest as a path
// (/orders/42, "/" for none, as the client escaped it) and its segments,
// unescaped one by one (an escaped slash stays inside its segment).
func splitPath(escaped string) (stage, rest string, segs []string, ok bool) {
	p := strings.TrimPrefix(escaped, "/")
	stage, restEsc, _ := strings.Cut(p, "/")
	restEsc = strings.TrimSuffix(restEsc, "/")
	if restEsc != "" {
		for _, s := range strings.Split(restEsc, "/") {
			u, err := url.PathUnescape(s)
			if err != nil || s == "" {
				return "", "", nil, false
			}
			segs = append(segs, u)
		}
	}
	return stage, "/" + restEsc, segs, true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		status, data = http.StatusInternalServerError, []byte(`{"message":"Internal server error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(data) //nolint:errcheck // the client went away
}

// message answers as API Gateway answers its own errors: {"message": ...},
// and the error's type in x-amzn-ErrorType.
func message(w http.ResponseWriter, status int, code, msg string) {
	if code != "" {
		w.Header().Set("X-Amzn-ErrorType", code)
	}
	writeJSON(w, status, struct {
		Message string `json:"message"`
	}{msg})
}

// missingToken is API Gateway's answer to a path or method it has no
// route for (famously not a 404).
func missingToken(w http.ResponseWriter) {
	message(w, http.StatusForbidden, "MissingAuthenticationTokenException", "Missing Authentication Token")
}
