// Package console serves the web console's own JSON API under
// /console/api/: what the Step Functions API (which the console calls
// for everything else, same-origin) cannot answer. Executions of every
// state machine searched and counted, whole histories in one read, a
// stream of what happens to executions (Server-Sent Events), activity
// queues, and a JSONata playground that evaluates as state machines do.
//
// Every answer is JSON; an error is {"error": "message"} with 400 for a
// bad parameter, 404 for an unknown execution, 503 while the store cannot
// write, 500 otherwise. Dates are epoch milliseconds (numbers), unlike the
// Step Functions API's seconds.
package console

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/baton-sh/baton/engine"
	"github.com/baton-sh/baton/jsonata"
	"github.com/baton-sh/baton/value"
)

// Options configure the console's API.
type Options struct {
	Logger *slog.Logger
	// Done, once closed, ends every open event stream and refuses new ones.
	// A stream's handler runs until its client leaves, and
	// http.Server.Shutdown waits for handlers (it does not cancel their
	// requests): close Done when the server begins to shut down, e.g.
	// srv.RegisterOnShutdown(func() { close(done) }).
	Done <-chan struct{}
	// Ping is how often a stream sends a comment to keep its connection
	// open (default 15 s); Coalesce the least time between two messages
	// about one execution (default 100 ms).
	Ping, Coalesce time.Duration
	// Schedules lists the server's schedules (GET /console/api/schedules);
	// nil: the server has none.
	Schedules ScheduleLister
}

// MaxBody bounds a request's body (the JSONata playground's): 1 MiB.
const MaxBody = 1 << 20

// API serves /console/api/... (the caller mounts it at "/console/api/").
func API(e *engine.Engine, o Options) http.Handler {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Ping <= 0 {
		o.Ping = 15 * time.Second
	}
	if o.Coalesce <= 0 {
		o.Coalesce = 100 * time.Millisecond
	}
	a := &api{e: e, log: o.Logger, hub: newHub(e, o), schedules: o.Schedules}
	routes := map[string]struct {
		method string
		h      func(http.ResponseWriter, *http.Request)
	}{
		"/console/api/overview":       {http.MethodGet, a.overview},
		"/console/api/state-machines": {http.MethodGet, a.stateMachines},
		"/console/api/executions":     {http.MethodGet, a.executions},
		"/console/api/history":        {http.MethodGet, a.history},
		"/console/api/stream":         {http.MethodGet, a.hub.serve},
		"/console/api/activities":     {http.MethodGet, a.activities},
		"/console/api/jsonata":        {http.MethodPost, a.jsonata},
		"/console/api/schedules":      {http.MethodGet, a.listSchedules},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				a.log.Error("panic in the console's API", "path", r.URL.Path, "panic", p)
				writeError(w, http.StatusInternalServerError, "internal error")
			}
		}()
		route, ok := routes[r.URL.Path]
		switch {
		case !ok:
			writeError(w, http.StatusNotFound, "no such path in the console's API: "+r.URL.Path)
		case r.Method != route.method:
			w.Header().Set("Allow", route.method)
			writeError(w, http.StatusMethodNotAllowed, r.URL.Path+" answers "+route.method+" only")
		default:
			route.h(w, r)
		}
	})
}

type api struct {
	e         *engine.Engine
	log       *slog.Logger
	hub       *hub
	schedules ScheduleLister
}

// writeJSON answers v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "cannot encode the answer")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(b, '\n')) //nolint:errcheck // the client went away
}

func writeError(w http.ResponseWriter, status int, msg string) {
	b, _ := json.Marshal(map[string]string{"error": msg}) //nolint:errchkjson // a string always encodes
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(b, '\n')) //nolint:errcheck // the client went away
}

// fail answers an error of the engine.
func (a *api) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ee *engine.Error
	switch {
	case errors.As(err, &ee):
		status := http.StatusBadRequest
		switch ee.Code {
		case engine.ExecutionDoesNotExist, engine.ActivityDoesNotExist, engine.StateMachineDoesNotExist, engine.ResourceNotFound:
			status = http.StatusNotFound
		}
		writeError(w, status, ee.Message)
	case a.e.Unavailable(err):
		writeError(w, http.StatusServiceUnavailable, "the store cannot be read or written for now; try again later")
	default:
		if r.Context().Err() == nil {
			a.log.Error("the console's API", "path", r.URL.Path, "error", err)
		}
		writeError(w, http.StatusInternalServerError, "an internal error occurred; the server's log tells more")
	}
}

// params reads a request's query parameters, remembering the first that
// is not valid.
type params struct {
	q   url.Values
	err string
}

func (p *params) text(name string) string { return p.q.Get(name) }

// millis reads an epoch-milliseconds parameter (zero time if absent).
func (p *params) millis(name string) time.Time {
	s := p.q.Get(name)
	if s == "" {
		return time.Time{}
	}
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil || ms < 0 || ms > maxMillis {
		p.bad("%s must be a time in milliseconds since the epoch, not '%s'", name, s)
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// maxMillis is the last millisecond a time in nanoseconds can hold (2262).
const maxMillis = math.MaxInt64 / int64(time.Millisecond)

// integer reads a whole-number parameter (def if absent).
func (p *params) integer(name string, def, lo, hi int64) int64 {
	s := p.q.Get(name)
	if s == "" {
		return def
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < lo || n > hi {
		p.bad("%s must be a whole number from %d to %d, not '%s'", name, lo, hi, s)
		return def
	}
	return n
}

func (p *params) bad(format string, args ...any) {
	if p.err == "" {
		p.err = fmt.Sprintf(format, args...)
	}
}

func millis(t time.Time) int64 { return t.UnixMilli() }

func millisPtr(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	ms := t.UnixMilli()
	return &ms
}

// ---- overview ----------------------------------------------------------------

// overview: GET /console/api/overview?since=MS — the executions started
// since a time (default: the last 24 hours by the engine's clock), counted
// by state machine and status.
func (a *api) overview(w http.ResponseWriter, r *http.Request) {
	p := &params{q: r.URL.Query()}
	since := p.millis("since")
	if p.err != "" {
		writeError(w, http.StatusBadRequest, p.err)
		return
	}
	if p.text("since") == "" {
		since = a.e.Now().Add(-24 * time.Hour)
	}
	counts, err := a.e.CountExecutions(r.Context(), since)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Since         int64                     `json:"since"`
		StateMachines map[string]map[string]int `json:"stateMachines"`
	}{millis(since), counts})
}

// ---- state machines ------------------------------------------------------------

// stateMachines: GET /console/api/state-machines?search=&limit=&nextToken=
// — the state machines whose name holds the text (in any case), in
// ListStateMachines' order and shape. It reads ListStateMachines' pages of
// 1,000 until limit have matched, so a page may hold up to 999 more than
// limit; nextToken continues after the last page read.
func (a *api) stateMachines(w http.ResponseWriter, r *http.Request) {
	p := &params{q: r.URL.Query()}
	text := strings.ToLower(p.text("search"))
	limit := int(p.integer("limit", 100, 1, 1000))
	if p.err != "" {
		writeError(w, http.StatusBadRequest, p.err)
		return
	}
	out := struct {
		StateMachines []engine.StateMachineListItem `json:"stateMachines"`
		NextToken     string                        `json:"nextToken,omitempty"`
	}{StateMachines: []engine.StateMachineListItem{}}
	token := p.text("nextToken")
	for {
		page, err := a.e.ListStateMachines(r.Context(), &engine.ListStateMachinesInput{MaxResults: 1000, NextToken: token})
		if err != nil {
			a.fail(w, r, err)
			return
		}
		for _, sm := range page.StateMachines {
			if strings.Contains(strings.ToLower(sm.Name), text) {
				out.StateMachines = append(out.StateMachines, sm)
			}
		}
		token = ""
		if page.NextToken != nil {
			token = *page.NextToken
		}
		if token == "" || len(out.StateMachines) >= limit {
			break
		}
	}
	out.NextToken = token
	writeJSON(w, http.StatusOK, out)
}

// ---- executions --------------------------------------------------------------

type executionItem struct {
	ExecutionArn           string `json:"executionArn"`
	StateMachineArn        string `json:"stateMachineArn"`
	StateMachineVersionArn string `json:"stateMachineVersionArn,omitempty"`
	StateMachineAliasArn   string `json:"stateMachineAliasArn,omitempty"`
	Name                   string `json:"name"`
	Status                 string `json:"status"`
	StartDate              int64  `json:"startDate"`
	StopDate               *int64 `json:"stopDate,omitempty"`
	RedriveCount           int    `json:"redriveCount"`
	Error                  string `json:"error,omitempty"`
	Cause                  string `json:"cause,omitempty"`
	// Express marks an Express execution the server kept (baton serve
	// --express-history): it cannot be stopped or redriven.
	Express bool `json:"express,omitempty"`
}

// executions: GET /console/api/executions — a page of a search of the
// executions of every state machine, newest first.
func (a *api) executions(w http.ResponseWriter, r *http.Request) {
	p := &params{q: r.URL.Query()}
	q := &engine.ExecutionQuery{
		StateMachineArn: p.text("stateMachineArn"), Status: p.text("status"),
		StartedAfter: p.millis("startedAfter"), StartedBefore: p.millis("startedBefore"),
		NamePrefix: p.text("namePrefix"), Text: p.text("text"),
		Limit:     int(p.integer("limit", engine.DefaultSearchLimit, 1, engine.MaxSearchLimit)),
		NextToken: p.text("nextToken"),
	}
	if p.err != "" {
		writeError(w, http.StatusBadRequest, p.err)
		return
	}
	page, err := a.e.SearchExecutions(r.Context(), q)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := struct {
		Executions []executionItem `json:"executions"`
		NextToken  string          `json:"nextToken,omitempty"`
	}{Executions: make([]executionItem, 0, len(page.Executions)), NextToken: page.NextToken}
	for _, rec := range page.Executions {
		out.Executions = append(out.Executions, executionItem{
			ExecutionArn: rec.ARN, StateMachineArn: rec.StateMachineARN, StateMachineVersionArn: rec.VersionARN,
			StateMachineAliasArn: rec.AliasARN, Name: rec.Name, Status: rec.Status, StartDate: millis(rec.Start),
			StopDate: millisPtr(rec.Stop), RedriveCount: rec.RedriveCount, Error: rec.Error, Cause: rec.Cause, Express: rec.Express,
		})
	}
	writeJSON(w, http.StatusOK, out)
}

// ---- history -----------------------------------------------------------------

// history: GET /console/api/history?executionArn=&after=&limit= — the
// events after an id, in GetExecutionHistory's JSON, with the execution's
// status (read before the events: they hold at least what it says) and
// lastEventId, the id of the last event answered (after, when none is).
// The events are the stored JSON, written as they are.
func (a *api) history(w http.ResponseWriter, r *http.Request) {
	p := &params{q: r.URL.Query()}
	execARN := p.text("executionArn")
	after := p.integer("after", 0, 0, 1<<53)
	limit := p.integer("limit", engine.MaxHistoryRead, 1, engine.MaxHistoryRead)
	if execARN == "" {
		p.bad("executionArn is required")
	}
	if p.err != "" {
		writeError(w, http.StatusBadRequest, p.err)
		return
	}
	status, events, err := a.e.ExecutionEvents(r.Context(), execARN, after, int(limit))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	last := after
	if n := len(events); n > 0 {
		last = events[n-1].ID
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString(`{"events":[`) //nolint:errcheck // the writer keeps its first error, checked at Flush
	for i, ev := range events {
		if i > 0 {
			bw.WriteByte(',') //nolint:errcheck // see above
		}
		bw.Write(ev.JSON) //nolint:errcheck // see above
	}
	bw.WriteString(`],"status":`)                                   //nolint:errcheck // see above
	bw.Write(value.AppendString(nil, status))                       //nolint:errcheck // see above
	bw.WriteString(`,"lastEventId":` + strconv.FormatInt(last, 10)) //nolint:errcheck // see above
	bw.WriteString("}\n")                                           //nolint:errcheck // see above
	bw.Flush()                                                      //nolint:errcheck // the client went away
}

// ---- activities --------------------------------------------------------------

// activities: GET /console/api/activities — every activity with its queue.
func (a *api) activities(w http.ResponseWriter, r *http.Request) {
	stats, err := a.e.ActivityStats(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	type activity struct {
		ActivityArn  string `json:"activityArn"`
		Name         string `json:"name"`
		CreationDate int64  `json:"creationDate"`
		Waiting      int    `json:"waiting"`
		InFlight     int    `json:"inFlight"`
		LastPoll     *int64 `json:"lastPoll"`
	}
	out := struct {
		Activities []activity `json:"activities"`
	}{Activities: make([]activity, 0, len(stats))}
	for _, s := range stats {
		out.Activities = append(out.Activities, activity{s.ActivityArn, s.Name, millis(s.CreationDate), s.Waiting, s.InFlight, millisPtr(s.LastPoll)})
	}
	writeJSON(w, http.StatusOK, out)
}

// ---- JSONata -----------------------------------------------------------------

// jsonata: POST /console/api/jsonata {"expression", "input"?, "variables"?,
// "context"?} — the expression evaluated as a state machine's field would
// be: $states.input is the input ({} when none is given), $states.context
// the context ({} when none), $name a variable. The answer is
// {"result": JSON}, {"result": null, "undefined": true}, or, when the
// expression cannot be parsed or fails, still 200:
// {"error": {"code", "message", "position"?}}.
func (a *api) jsonata(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		writeError(w, http.StatusRequestEntityTooLarge, "the body is larger than 1 MiB")
		return
	case err != nil:
		writeError(w, http.StatusBadRequest, "the body could not be read: "+err.Error())
		return
	}
	var in struct {
		Expression *string                    `json:"expression"`
		Input      json.RawMessage            `json:"input"`
		Context    json.RawMessage            `json:"context"`
		Variables  map[string]json.RawMessage `json:"variables"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		writeError(w, http.StatusBadRequest, "the body must be a JSON object {\"expression\": \"...\", \"input\": ..., \"variables\": {...}}: "+err.Error())
		return
	}
	if in.Expression == nil {
		writeError(w, http.StatusBadRequest, "expression is required")
		return
	}
	req := &engine.JSONataRequest{Expression: *in.Expression, Variables: map[string]any{}}
	if req.Input, err = parseValue(in.Input, "input"); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if req.Context, err = parseValue(in.Context, "context"); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	for name, raw := range in.Variables {
		if req.Variables[name], err = parseValue(raw, "the variable "+name); err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
	}
	result, defined, err := a.e.EvaluateJSONata(req)
	var je *jsonata.Error
	switch {
	case errors.As(err, &je):
		type jerr struct {
			Code     string `json:"code"`
			Message  string `json:"message"`
			Position *int   `json:"position,omitempty"`
		}
		e := jerr{Code: je.Code, Message: je.Text()}
		if je.Position > 0 {
			e.Position = &je.Position
		}
		writeJSON(w, http.StatusOK, struct {
			Error jerr `json:"error"`
		}{e})
	case err != nil:
		a.fail(w, r, err)
	case !defined:
		writeJSON(w, http.StatusOK, struct {
			Result    any  `json:"result"`
			Undefined bool `json:"undefined"`
		}{nil, true})
	default:
		writeJSON(w, http.StatusOK, struct {
			Result json.RawMessage `json:"result"`
		}{value.Marshal(result)})
	}
}

// parseValue reads a JSON value into Baton's value model (numbers keep
// their text); an absent one is {}.
func parseValue(raw json.RawMessage, what string) (any, error) {
	if len(raw) == 0 {
		return value.NewObject(nil), nil
	}
	v, err := value.Parse(raw)
	if err != nil {
		return nil, errors.New(what + " is not valid JSON: " + err.Error())
	}
	return v, nil
}
