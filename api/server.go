// Package api is the Step Functions API in AWS's JSON 1.0 protocol: POST /
// with X-Amz-Target: AWSStepFunctions.<Action>, bodies and errors shaped as
// AWS shapes them, so that the aws CLI and every AWS SDK work against Baton
// unchanged. It is a codec: it decodes a request into the engine's input,
// calls the engine, and encodes its answer or its error; the engine does
// the rest.
package api

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/baton-sh/baton/engine"
)

// MaxBodySize bounds a request body: a 1 MiB definition or a 256 KiB input
// with JSON escaping fits.
const MaxBodySize = 4 << 20

// Server answers API requests.
type Server struct {
	engine  *engine.Engine
	log     *slog.Logger
	verify  Verifier
	onCall  func(*Call)
	actions map[string]handler
}

// Call is one request the API answered, as the audit trail records it.
type Call struct {
	Time        time.Time
	Action      string // the operation's name, e.g. StartExecution
	RequestID   string
	Region      string
	AccessKeyID string // the signature's key, or the console session's; "" for none
	SourceIP    string
	UserAgent   string
	Request     []byte // the body as sent
	Response    any    // the answer (nil with an error)
	ErrorCode   string
	ErrorMsg    string
}

type accessKeyCtx struct{}

// WithAccessKey tells the API whose request it is when no signature says
// so (the console's signed-in session).
func WithAccessKey(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, accessKeyCtx{}, id)
}

// accessKeyOf is the access key a request was made with: its signature's
// credential, or what WithAccessKey said.
func accessKeyOf(hr *http.Request) string {
	if scope := credentialOf(hr); scope != nil {
		return scope[0]
	}
	id, _ := hr.Context().Value(accessKeyCtx{}).(string)
	return id
}

// credentialOf splits a SigV4 Authorization header's credential
// (KEY/DATE/REGION/SERVICE/aws4_request); nil without one.
func credentialOf(hr *http.Request) []string {
	auth := hr.Header.Get("Authorization")
	i := strings.Index(auth, "Credential=")
	if i < 0 {
		return nil
	}
	scope := auth[i+len("Credential="):]
	if j := strings.IndexAny(scope, ", "); j >= 0 {
		scope = scope[:j]
	}
	return strings.Split(scope, "/")
}

// Options configure a Server.
type Options struct {
	Logger *slog.Logger
	// Verify, when set, checks each request's signature and returns the
	// region it was signed for; a request it refuses is answered with its
	// error. Without it any request is taken, its region read from its
	// credential scope.
	Verify Verifier
	// OnCall, when set, is told every request for a known operation once
	// it is answered (on the request's goroutine): the audit trail.
	OnCall func(*Call)
}

// Verifier checks a request (whose body is body) and returns its region.
// Its errors are "Code: message".
type Verifier func(r *http.Request, body []byte) (region string, err error)

// handler decodes a request body, calls the engine and returns its answer.
type handler func(ctx context.Context, e *engine.Engine, body []byte, region string) (any, error)

// action makes the handler of one engine method.
func action[In, Out any](call func(*engine.Engine, context.Context, *In) (*Out, error)) handler {
	return func(ctx context.Context, e *engine.Engine, body []byte, region string) (any, error) {
		in := new(In)
		if err := decode(body, in); err != nil {
			return nil, err
		}
		if c, ok := any(in).(interface{ SetRegion(string) }); ok {
			c.SetRegion(region)
		}
		return call(e, ctx, in)
	}
}

// New makes the API of an engine.
func New(e *engine.Engine, o Options) *Server {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	type E = engine.Engine
	return &Server{engine: e, log: log, verify: o.Verify, onCall: o.OnCall, actions: map[string]handler{
		"CreateStateMachine":               action((*E).CreateStateMachine),
		"DescribeStateMachine":             action((*E).DescribeStateMachine),
		"UpdateStateMachine":               action((*E).UpdateStateMachine),
		"DeleteStateMachine":               action((*E).DeleteStateMachine),
		"ListStateMachines":                action((*E).ListStateMachines),
		"PublishStateMachineVersion":       action((*E).PublishStateMachineVersion),
		"ListStateMachineVersions":         action((*E).ListStateMachineVersions),
		"DeleteStateMachineVersion":        action((*E).DeleteStateMachineVersion),
		"CreateStateMachineAlias":          action((*E).CreateStateMachineAlias),
		"DescribeStateMachineAlias":        action((*E).DescribeStateMachineAlias),
		"UpdateStateMachineAlias":          action((*E).UpdateStateMachineAlias),
		"DeleteStateMachineAlias":          action((*E).DeleteStateMachineAlias),
		"ListStateMachineAliases":          action((*E).ListStateMachineAliases),
		"ValidateStateMachineDefinition":   action((*E).ValidateStateMachineDefinition),
		"TestState":                        action((*E).TestState),
		"StartExecution":                   action((*E).StartExecution),
		"StartSyncExecution":               action((*E).StartSyncExecution),
		"DescribeExecution":                action((*E).DescribeExecution),
		"StopExecution":                    action((*E).StopExecution),
		"RedriveExecution":                 action((*E).RedriveExecution),
		"ListExecutions":                   action((*E).ListExecutions),
		"GetExecutionHistory":              action((*E).GetExecutionHistory),
		"DescribeStateMachineForExecution": action((*E).DescribeStateMachineForExecution),
		"CreateActivity":                   action((*E).CreateActivity),
		"DeleteActivity":                   action((*E).DeleteActivity),
		"DescribeActivity":                 action((*E).DescribeActivity),
		"ListActivities":                   action((*E).ListActivities),
		"GetActivityTask":                  action((*E).GetActivityTask),
		"SendTaskSuccess":                  action((*E).SendTaskSuccess),
		"SendTaskFailure":                  action((*E).SendTaskFailure),
		"SendTaskHeartbeat":                action((*E).SendTaskHeartbeat),
		"TagResource":                      action((*E).TagResource),
		"UntagResource":                    action((*E).UntagResource),
		"ListTagsForResource":              action((*E).ListTagsForResource),
	}}
}

// decode reads a request body into v; an empty body is an empty request.
func decode(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	err := dec.Decode(v)
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &te):
		return &apiError{status: 400, code: "SerializationException", message: "Unexpected value type for field '" + te.Field + "'"}
	case err == nil:
		// One JSON document and nothing after it, as AWS reads a body.
		if _, next := dec.Token(); next != io.EOF {
			err = errors.New("text after the request's JSON")
		}
	}
	if err != nil {
		return &apiError{status: 400, code: "SerializationException", message: "Start of structure or map found where not expected, or the body is not valid JSON"}
	}
	return nil
}

// Refuse answers a request with an error in the API's shape.
func Refuse(w http.ResponseWriter, status int, code, message string) {
	writeError(w, &apiError{status: status, code: code, message: message})
}

// NotFound answers a request for nothing the server has, in the API's
// terms.
func NotFound(w http.ResponseWriter, hr *http.Request) {
	writeError(w, &apiError{status: 404, code: "UnknownOperationException", message: "Not found: " + hr.Method + " " + hr.URL.Path})
}

// ServeHTTP answers an API request: a POST with X-Amz-Target.
func (s *Server) ServeHTTP(w http.ResponseWriter, hr *http.Request) {
	// Every answer names its request, as AWS's do (SDKs report it with
	// errors); the header keeps AWS's spelling.
	id := engine.NewUUID()
	w.Header()["x-amzn-RequestId"] = []string{id}
	if hr.Method != http.MethodPost {
		NotFound(w, hr)
		return
	}
	if s.onCall != nil {
		rec := &callRecorder{ResponseWriter: w, call: Call{Time: time.Now(), RequestID: id}}
		defer s.report(rec, hr)
		w = rec
	}
	body, err := io.ReadAll(io.LimitReader(hr.Body, MaxBodySize+1))
	if err != nil {
		writeError(w, &apiError{status: 400, code: "SerializationException", message: "cannot read the request body"})
		return
	}
	if len(body) > MaxBodySize {
		writeError(w, &apiError{status: 413, code: "ValidationException", message: "The request body is larger than 4194304 bytes"})
		return
	}
	if rec, ok := w.(*callRecorder); ok {
		rec.call.Request = body
	}
	// Who asks comes before what is asked.
	region, err := s.caller(hr, body)
	if err != nil {
		writeError(w, s.toAPIError(hr.Context(), "", err))
		return
	}
	target := hr.Header.Get("X-Amz-Target")
	name, ok := strings.CutPrefix(target, "AWSStepFunctions.")
	h := s.actions[name]
	if !ok || h == nil {
		writeError(w, &apiError{status: 400, code: "UnknownOperationException", message: "Unknown operation: \"" + target + "\""})
		return
	}
	ctx := hr.Context()
	// A caller in a trace (W3C's traceparent, or X-Ray's header) passes it
	// to the executions it starts, as X-Ray does.
	if tp := cmp.Or(hr.Header.Get("traceparent"), hr.Header.Get("X-Amzn-Trace-Id")); tp != "" {
		ctx = engine.WithTraceHeader(ctx, tp)
	}
	out, err := s.call(ctx, h, body, region)
	if rec, ok := w.(*callRecorder); ok {
		rec.call.Response = out
	}
	if err != nil {
		ae := s.toAPIError(hr.Context(), name, err)
		writeError(w, ae)
		return
	}
	data, err := json.Marshal(out)
	if err != nil {
		writeError(w, &apiError{status: 500, code: "InternalFailure", message: "cannot encode the response"})
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Write(data) //nolint:errcheck // the client went away: nothing to tell it
}

// callRecorder keeps what the audit trail needs of an answer.
type callRecorder struct {
	http.ResponseWriter
	call Call
}

// report tells OnCall a request for a known operation, with what it was
// answered (an error's code and message from the answer's headers and
// body as writeError shaped them).
func (s *Server) report(rec *callRecorder, hr *http.Request) {
	name, ok := strings.CutPrefix(hr.Header.Get("X-Amz-Target"), "AWSStepFunctions.")
	if !ok || s.actions[name] == nil {
		return
	}
	c := &rec.call
	c.Action = name
	c.Region, _ = regionOf(hr)
	c.AccessKeyID = accessKeyOf(hr)
	c.SourceIP = hr.RemoteAddr
	if host, _, err := net.SplitHostPort(hr.RemoteAddr); err == nil {
		c.SourceIP = host
	}
	c.UserAgent = hr.UserAgent()
	s.onCall(c)
}

func (r *callRecorder) WriteHeader(status int) {
	r.call.ErrorCode = r.Header().Get("X-Amzn-ErrorType")
	r.ResponseWriter.WriteHeader(status)
}

func (r *callRecorder) Write(b []byte) (int, error) {
	if r.call.ErrorCode != "" && r.call.ErrorMsg == "" {
		var e struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(b, &e) == nil {
			r.call.ErrorMsg = e.Message
		}
	}
	return r.ResponseWriter.Write(b)
}

// caller checks the request's signature, when the server requires one, and
// returns the region the request is for.
func (s *Server) caller(hr *http.Request, body []byte) (string, error) {
	if s.verify == nil {
		return regionOf(hr)
	}
	region, err := s.verify(hr, body)
	if err != nil {
		code, msg, _ := strings.Cut(err.Error(), ": ")
		status := http.StatusBadRequest
		if code == "MissingAuthenticationTokenException" {
			status = http.StatusForbidden
		}
		return "", &apiError{status: status, code: code, message: msg}
	}
	if !validRegion(region) {
		return "", &apiError{status: 400, code: "InvalidSignatureException", message: "The credential scope names an invalid region: '" + region + "'"}
	}
	return region, nil
}

// call runs a handler, turning a panic into an internal error so that a
// bug answers 500 instead of closing the connection.
func (s *Server) call(ctx context.Context, h handler, body []byte, region string) (out any, err error) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("panic in a handler", "panic", p)
			err = &apiError{status: 500, code: "InternalFailure", message: "internal error"}
		}
	}()
	return h(ctx, s.engine, body, region)
}

// toAPIError shapes an error as AWS does: the engine's refusals keep their
// code; anything else is the service's own failure.
func (s *Server) toAPIError(ctx context.Context, action string, err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	var ee *engine.Error
	if errors.As(err, &ee) {
		return &apiError{status: statusOf(ee.Code), code: string(ee.Code), message: ee.Message}
	}
	if s.engine.Unavailable(err) {
		// A full disk: retryable (every SDK retries a 503), logged once.
		return &apiError{status: http.StatusServiceUnavailable, code: "ServiceUnavailable",
			message: "The request has failed due to a temporary failure of the server."}
	}
	if engine.OwnedElsewhere(err) {
		// Another node advances the execution: a callback or a stop cannot
		// be handed to it yet, but a dead owner's executions are taken over
		// once its lease lapses. Retryable, as every SDK retries a 503.
		return &apiError{status: http.StatusServiceUnavailable, code: "ServiceUnavailable",
			message: "Another Baton node advances this execution, and its lease has not lapsed; try again."}
	}
	if ctx.Err() == nil {
		s.log.Error("internal error", "action", action, "error", err)
	}
	// What went wrong inside is for the server's log, not for its clients.
	return &apiError{status: 500, code: "InternalFailure", message: "An internal error occurred; the server's log tells more."}
}

// statusOf is the HTTP status of an error code: AWS answers every refusal
// of the Step Functions API with 400.
func statusOf(engine.Code) int { return http.StatusBadRequest }

// Region is the region a request is for: its SigV4 credential scope's
// (us-east-1 without one). Its error is "Code: message", as a Verifier's.
// Other AWS protocols served on the same port (EventBridge's) read it so.
func Region(r *http.Request) (string, error) { return regionOf(r) }

// ValidRegion reports whether s has the shape of a region's name.
func ValidRegion(s string) bool { return validRegion(s) }

// regionOf reads the region from the request's SigV4 credential scope
// (us-east-1 without one). A region that is not a region's name, one that
// would make ARNs nothing can parse (us-east-1:evil), is refused.
func regionOf(r *http.Request) (string, error) {
	parts := credentialOf(r)
	if len(parts) < 5 || parts[2] == "" {
		return "us-east-1", nil
	}
	if !validRegion(parts[2]) {
		return "", &apiError{status: 400, code: "InvalidSignatureException", message: "The credential scope names an invalid region: '" + parts[2] + "'"}
	}
	return parts[2], nil
}

// validRegion reports whether s has the shape of a region's name: lower-case
// words and digits joined by hyphens (us-east-1, cn-north-1,
// us-gov-west-1, eu-isoe-west-1).
func validRegion(s string) bool {
	if len(s) < 4 || len(s) > 32 || s[0] == '-' || s[len(s)-1] == '-' || !strings.Contains(s, "-") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' && s[i-1] != '-') {
			return false
		}
	}
	return true
}
