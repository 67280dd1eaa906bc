// Package api serves the Step Functions API in AWS's JSON 1.0 protocol:
// POST / with X-Amz-Target: AWSStepFunctions.<Action>, bodies and errors
// shaped as AWS shapes them, so that the aws CLI and every AWS SDK work
// against Baton unchanged.
package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/baton-sh/baton/clock"
	"github.com/baton-sh/baton/definition"
	"github.com/baton-sh/baton/driver"
	"github.com/baton-sh/baton/machine"
	"github.com/baton-sh/baton/mock"
	"github.com/baton-sh/baton/resource"
	"github.com/baton-sh/baton/resource/nested"
	"github.com/baton-sh/baton/store"
)

// MaxBodySize bounds a request body: a 1 MiB definition or a 256 KiB input
// with JSON escaping fits.
const MaxBodySize = 4 << 20

// Config configures the API.
type Config struct {
	Store     store.Store
	Durable   *driver.Durable
	Resources *resource.Registry
	Clock     clock.Clock
	Logger    *slog.Logger
	// Account is the account id in ARNs (default 123456789012).
	Account string
	// PayloadLimit is the largest execution input and state output in bytes
	// (default 262,144, AWS's).
	PayloadLimit int
	// MaxPoll is how long GetActivityTask waits for a task (default 60 s,
	// AWS's).
	MaxPoll time.Duration
	// Mocks is the mock configuration that executions started with a
	// state machine ARN suffixed #TestCase use.
	Mocks *mock.Config
	// ExpressHistory keeps finished Express executions and their histories
	// in the store, for DescribeExecution and GetExecutionHistory (AWS
	// keeps none; this is for looking at them while developing).
	ExpressHistory bool
}

// Server handles API requests.
type Server struct {
	cfg      Config
	store    *resourceCache // cfg.Store, with decoded state machines and aliases cached
	machines sync.Map       // definition text -> *machine.Machine
	express  *expressRunner
	actions  map[string]func(ctx context.Context, r *request) (any, error)
}

// New makes a server.
func New(cfg Config) *Server {
	if cfg.Account == "" {
		cfg.Account = "123456789012"
	}
	if cfg.PayloadLimit <= 0 {
		cfg.PayloadLimit = 262144
	}
	if cfg.MaxPoll <= 0 {
		cfg.MaxPoll = MaxPoll
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Resources == nil {
		cfg.Resources = resource.NewRegistry()
	}
	s := &Server{cfg: cfg, store: newResourceCache(cfg.Store, cfg.Clock.Now)}
	s.express = newExpressRunner(s)
	// Nested workflows start their children here, and a .sync parent's
	// task ends when its child does.
	(&nested.Resource{Starter: s}).Register(cfg.Resources)
	s.registerCallbacks(cfg.Resources)
	if cfg.Durable != nil {
		cfg.Durable.OnFinish(s.childFinished)
	}
	s.actions = map[string]func(context.Context, *request) (any, error){
		"CreateStateMachine":               s.createStateMachine,
		"DescribeStateMachine":             s.describeStateMachine,
		"UpdateStateMachine":               s.updateStateMachine,
		"DeleteStateMachine":               s.deleteStateMachine,
		"ListStateMachines":                s.listStateMachines,
		"PublishStateMachineVersion":       s.publishStateMachineVersion,
		"ListStateMachineVersions":         s.listStateMachineVersions,
		"DeleteStateMachineVersion":        s.deleteStateMachineVersion,
		"CreateStateMachineAlias":          s.createStateMachineAlias,
		"DescribeStateMachineAlias":        s.describeStateMachineAlias,
		"UpdateStateMachineAlias":          s.updateStateMachineAlias,
		"DeleteStateMachineAlias":          s.deleteStateMachineAlias,
		"ListStateMachineAliases":          s.listStateMachineAliases,
		"ValidateStateMachineDefinition":   s.validateStateMachineDefinition,
		"TestState":                        s.testState,
		"StartExecution":                   s.startExecution,
		"StartSyncExecution":               s.startSyncExecution,
		"DescribeExecution":                s.describeExecution,
		"StopExecution":                    s.stopExecution,
		"RedriveExecution":                 s.redriveExecution,
		"ListExecutions":                   s.listExecutions,
		"GetExecutionHistory":              s.getExecutionHistory,
		"DescribeStateMachineForExecution": s.describeStateMachineForExecution,
		"CreateActivity":                   s.createActivity,
		"DeleteActivity":                   s.deleteActivity,
		"DescribeActivity":                 s.describeActivity,
		"ListActivities":                   s.listActivities,
		"GetActivityTask":                  s.getActivityTask,
		"SendTaskSuccess":                  s.sendTaskSuccess,
		"SendTaskFailure":                  s.sendTaskFailure,
		"SendTaskHeartbeat":                s.sendTaskHeartbeat,
		"TagResource":                      s.tagResource,
		"UntagResource":                    s.untagResource,
		"ListTagsForResource":              s.listTagsForResource,
	}
	return s
}

// compile compiles a definition once per distinct text.
func (s *Server) compile(def string) (*machine.Machine, error) {
	if m, ok := s.machines.Load(def); ok {
		return m.(*machine.Machine), nil
	}
	doc, diags := definition.Load([]byte(def), definition.Options{})
	if diags.HasErrors() {
		return nil, diags
	}
	m, err := machine.Compile(doc)
	if err != nil {
		return nil, err
	}
	s.machines.Store(def, m)
	return m, nil
}

// request is one API call being handled.
type request struct {
	body   []byte
	region string
}

// decode reads the request body into v.
func (r *request) decode(v any) error {
	if len(bytes.TrimSpace(r.body)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(r.body))
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return apiErrorf(400, "SerializationException", "Unexpected value type for field '%s'", te.Field)
		}
		return apiErrorf(400, "SerializationException", "Start of structure or map found where not expected, or the body is not valid JSON")
	}
	return nil
}

// ServeHTTP answers POST / (the API) and GET /healthz.
func (s *Server) ServeHTTP(w http.ResponseWriter, hr *http.Request) {
	if hr.URL.Path == "/healthz" && (hr.Method == http.MethodGet || hr.Method == http.MethodHead) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "ok\n")
		return
	}
	if hr.Method != http.MethodPost || hr.URL.Path != "/" {
		writeError(w, apiErrorf(404, "UnknownOperationException", "Not found: %s %s", hr.Method, hr.URL.Path))
		return
	}
	target := hr.Header.Get("X-Amz-Target")
	action, ok := strings.CutPrefix(target, "AWSStepFunctions.")
	handler := s.actions[action]
	if !ok || handler == nil {
		writeError(w, apiErrorf(400, "UnknownOperationException", "Unknown operation: %q", target))
		return
	}
	body, err := io.ReadAll(io.LimitReader(hr.Body, MaxBodySize+1))
	if err != nil {
		writeError(w, apiErrorf(400, "SerializationException", "cannot read the request body"))
		return
	}
	if len(body) > MaxBodySize {
		writeError(w, apiErrorf(413, "ValidationException", "The request body is larger than %d bytes", MaxBodySize))
		return
	}
	req := &request{body: body, region: regionOf(hr)}
	out, err := s.call(hr.Context(), handler, req)
	if err != nil {
		var ae *apiError
		if !errors.As(err, &ae) {
			if hr.Context().Err() == nil {
				s.cfg.Logger.Error("internal error", "action", action, "error", err)
			}
			ae = apiErrorf(500, "InternalFailure", "%s", "internal error: "+err.Error())
		}
		writeError(w, ae)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	data, err := json.Marshal(out)
	if err != nil {
		writeError(w, apiErrorf(500, "InternalFailure", "cannot encode the response"))
		return
	}
	w.Write(data)
}

// call runs a handler, turning a panic into an internal error so that a
// bug answers 500 instead of closing the connection.
func (s *Server) call(ctx context.Context, h func(context.Context, *request) (any, error), r *request) (out any, err error) {
	defer func() {
		if p := recover(); p != nil {
			s.cfg.Logger.Error("panic in a handler", "panic", p)
			err = apiErrorf(500, "InternalFailure", "internal error")
		}
	}()
	return h(ctx, r)
}

// regionOf reads the region from the request's SigV4 credential scope.
func regionOf(r *http.Request) string {
	auth := r.Header.Get("Authorization")
	if i := strings.Index(auth, "Credential="); i >= 0 {
		scope := auth[i+len("Credential="):]
		if j := strings.IndexAny(scope, ", "); j >= 0 {
			scope = scope[:j]
		}
		parts := strings.Split(scope, "/")
		if len(parts) >= 5 && parts[2] != "" {
			return parts[2]
		}
	}
	return "us-east-1"
}

// epoch is a time in the JSON 1.0 protocol's form: seconds since the epoch,
// with milliseconds.
type epoch time.Time

func (t epoch) MarshalJSON() ([]byte, error) {
	tt := time.Time(t)
	ms := tt.UnixMilli()
	return []byte(formatSeconds(ms)), nil
}

func formatSeconds(ms int64) string {
	sec, frac := ms/1000, ms%1000
	if frac < 0 {
		frac = -frac
	}
	digits := "000" + itoa(frac)
	return itoa(sec) + "." + digits[len(digits)-3:]
}

func itoa(i int64) string {
	if i == 0 {
		return "0"
	}
	neg := i < 0
	if neg {
		i = -i
	}
	var b [20]byte
	n := len(b)
	for i > 0 {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
	}
	if neg {
		n--
		b[n] = '-'
	}
	return string(b[n:])
}

func ptrEpoch(t time.Time) *epoch {
	if t.IsZero() {
		return nil
	}
	e := epoch(t)
	return &e
}
