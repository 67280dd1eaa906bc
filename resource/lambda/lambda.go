// Package lambda runs the Lambda functions a state machine calls, on this
// machine: a Task whose Resource is a function's ARN
// (arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]) or the optimized
// integration arn:aws:states:::lambda:invoke (and .waitForTaskToken). The
// config file says how each function runs: a local command, an HTTP
// endpoint, or an endpoint that speaks Lambda's Invoke API (sam local
// start-lambda, LocalStack). Results and failures are shaped as Lambda and
// Step Functions shape them.
package lambda

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/baton-sh/baton/arn"
	"github.com/baton-sh/baton/config"
	"github.com/baton-sh/baton/intrinsic"
	"github.com/baton-sh/baton/resource"
	"github.com/baton-sh/baton/value"
)

// Resource ARNs this package serves.
const (
	InvokeARN         = "arn:aws:states:::lambda:invoke"
	InvokeCallbackARN = "arn:aws:states:::lambda:invoke.waitForTaskToken"
	functionPrefix    = "arn:aws:lambda:"
)

// MaxResponse is Lambda's limit on a synchronous invocation's response.
const MaxResponse = 6 << 20

// Functions runs configured functions.
type Functions struct {
	funcs map[string]invoker
	other invoker // every function funcs does not name (nil: none)
	// async runs InvocationType Event calls, which outlive their task.
	async sync.WaitGroup
}

// invocation is one call of a function.
type invocation struct {
	name      string // as configured
	qualifier string
	payload   []byte
	requestID string
	region    string
	typ       string // RequestResponse, Event or DryRun
	trace     string // the task span's W3C traceparent, when traced
}

// response is what a function answered.
type response struct {
	payload []byte
	// functionError is "Unhandled" when the function failed; payload is
	// then its error document ({"errorType", "errorMessage", ...}).
	functionError   string
	executedVersion string
	statusCode      int
}

type invoker interface {
	invoke(ctx context.Context, in *invocation) (*response, error)
}

// Option configures Functions.
type Option func(*options)

type options struct {
	log *slog.Logger
	out io.Writer
}

// WithLogger sends the log output of functions run as commands (what they
// write on their standard error, and on their standard output before
// their result) to log, a line at a time (at info level).
func WithLogger(log *slog.Logger) Option { return func(o *options) { o.log = log } }

// WithOutput copies the log output of functions run as commands to w, a
// line at a time, each line after the function's name in brackets, as
// `sam local invoke` shows a function's logs: baton run gives its standard
// error. Lines are written whole, one at a time, whichever function wrote
// them.
func WithOutput(w io.Writer) Option { return func(o *options) { o.out = &lockedWriter{w: w} } }

// sink is where the log output of the commands goes.
func (o *options) sink() *sink {
	if o.log == nil && o.out == nil {
		return nil
	}
	return &sink{log: o.log, out: o.out}
}

// New prepares the functions of a config (nil: none).
func New(cfg *config.Config, opts ...Option) *Functions {
	f := &Functions{funcs: map[string]invoker{}}
	if cfg == nil {
		return f
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second}}
	for name, fc := range cfg.Functions {
		f.funcs[name] = newInvoker(fc, client, &o)
	}
	if cfg.OtherFunctions != nil {
		f.other = newInvoker(cfg.OtherFunctions, client, &o)
	}
	return f
}

func newInvoker(fc *config.Function, client *http.Client, o *options) invoker {
	switch fc.Kind() {
	case "command":
		return &command{cfg: fc, out: o.sink()}
	case "http":
		return &endpoint{cfg: fc, client: client}
	}
	return &invokeAPI{cfg: fc, client: client}
}

// Register serves function ARNs and the lambda:invoke integration. Exact
// registrations made before or after (Go handlers) take precedence.
func (f *Functions) Register(reg *resource.Registry) {
	reg.Register(functionPrefix+"*", f)
	reg.Register(InvokeARN, f)
	reg.Register(InvokeCallbackARN, f)
	// Other partitions (aws-cn, aws-us-gov) name functions the same way.
	reg.Register("arn:aws-cn:lambda:*", f)
	reg.Register("arn:aws-us-gov:lambda:*", f)
}

// Wait waits for asynchronous (Event) invocations still running.
func (f *Functions) Wait() { f.async.Wait() }

// Invoke runs one Task.
func (f *Functions) Invoke(ctx context.Context, req *resource.Request) (any, error) {
	if req.Resource == InvokeARN || req.Resource == InvokeCallbackARN {
		return f.invokeIntegration(ctx, req)
	}
	return f.invokeFunctionARN(ctx, req)
}

// invokeFunctionARN runs a Task whose Resource is the function's ARN: its
// input is the payload and the function's result is the task's.
func (f *Functions) invokeFunctionARN(ctx context.Context, req *resource.Request) (any, error) {
	fn, err := parseFunction(req.Resource, "")
	if err != nil {
		return nil, err
	}
	resp, err := f.call(ctx, fn, value.Marshal(req.Input), "RequestResponse", req)
	if err != nil {
		return nil, err
	}
	if resp.functionError != "" {
		return nil, functionFailure(resp.payload)
	}
	return parsePayload(resp.payload), nil
}

// invokeIntegration runs arn:aws:states:::lambda:invoke: its parameters are
// Invoke's (FunctionName, Payload, InvocationType, Qualifier, ...), and its
// result is Invoke's response, with the payload parsed.
func (f *Functions) invokeIntegration(ctx context.Context, req *resource.Request) (any, error) {
	params, ok := req.Input.(*value.Object)
	if !ok {
		return nil, failure("States.Runtime", "The parameters of a lambda:invoke task must be an object")
	}
	nameV, _ := params.Get("FunctionName")
	name, ok := nameV.(string)
	if !ok || name == "" {
		return nil, validationError("FunctionName", "Member must not be null")
	}
	qualifier := ""
	if q, ok := params.Get("Qualifier"); ok {
		qualifier, _ = q.(string)
	}
	fn, err := parseFunction(name, qualifier)
	if err != nil {
		return nil, err
	}
	if fn.region == "" {
		fn.region, fn.account = regionOf(req.ExecutionARN)
	}
	payload := []byte("{}")
	if p, ok := params.Get("Payload"); ok {
		payload = value.Marshal(p)
	}
	typ := "RequestResponse"
	if t, ok := params.Get("InvocationType"); ok {
		typ, _ = t.(string)
	}
	switch typ {
	case "RequestResponse", "Event", "DryRun":
	default:
		return nil, validationError("InvocationType", "Member must satisfy enum value set: [Event, RequestResponse, DryRun]")
	}
	resp, err := f.call(ctx, fn, payload, typ, req)
	if err != nil {
		return nil, err
	}
	if resp.functionError != "" {
		return nil, functionFailure(resp.payload)
	}
	out := envelope(resp)
	if req.Resource == InvokeCallbackARN {
		// The call has handed out the token; the result comes with it.
		return nil, &resource.Submitted{Output: out}
	}
	return out, nil
}

// function names a function and where its ARN says it lives.
type function struct {
	name, qualifier, region, account string
}

func (fn *function) arn() string {
	s := "arn:aws:lambda:" + fn.region + ":" + fn.account + ":function:" + fn.name
	if fn.qualifier != "" {
		s += ":" + fn.qualifier
	}
	return s
}

// parseFunction reads a function's name as Lambda accepts it: NAME,
// NAME:QUALIFIER, ACCOUNT:function:NAME[:QUALIFIER] or a full ARN.
func parseFunction(s, qualifier string) (*function, error) {
	fn := &function{qualifier: qualifier}
	parts := strings.Split(s, ":")
	switch {
	case strings.HasPrefix(s, "arn:"):
		if len(parts) < 7 || parts[2] != "lambda" || parts[5] != "function" || len(parts) > 8 {
			return nil, validationError("FunctionName", "Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?")
		}
		fn.region, fn.account, fn.name = parts[3], parts[4], parts[6]
		if len(parts) == 8 {
			fn.qualifier = parts[7]
		}
	case len(parts) >= 3 && parts[1] == "function":
		fn.account, fn.name = parts[0], parts[2]
		if len(parts) == 4 {
			fn.qualifier = parts[3]
		}
	case len(parts) <= 2:
		fn.name = parts[0]
		if len(parts) == 2 {
			fn.qualifier = parts[1]
		}
	default:
		return nil, validationError("FunctionName", "Member must satisfy regular expression pattern")
	}
	if fn.name == "" {
		return nil, validationError("FunctionName", "Member must have length greater than or equal to 1")
	}
	return fn, nil
}

// regionOf reads the region and account of an execution ARN.
func regionOf(execARN string) (string, string) {
	a, err := arn.Parse(execARN)
	if err != nil {
		return "us-east-1", "123456789012"
	}
	return a.Region, a.Account
}

// call runs a configured function.
func (f *Functions) call(ctx context.Context, fn *function, payload []byte, typ string, req *resource.Request) (*response, error) {
	if fn.region == "" {
		fn.region, fn.account = regionOf(req.ExecutionARN)
	}
	if fn.account == "" {
		_, fn.account = regionOf(req.ExecutionARN)
	}
	inv := f.funcs[fn.name]
	if inv == nil {
		inv = f.other
	}
	reqID := newRequestID()
	if inv == nil {
		err := serviceError("ResourceNotFoundException", 404, reqID, "Function not found: "+fn.arn()).(*resource.Error)
		err.Cause += " Configure the function '" + fn.name + "' under functions: in baton.yaml (--config), or every function under otherFunctions:, or mock the state."
		return nil, err
	}
	in := &invocation{name: fn.name, qualifier: fn.qualifier, payload: payload, requestID: reqID, region: fn.region, typ: typ, trace: req.TraceParent}
	switch typ {
	case "DryRun":
		return &response{payload: nil, executedVersion: version(fn), statusCode: 204}, nil
	case "Event":
		// Lambda queues the event and answers at once; the function runs
		// on its own, whatever becomes of the task.
		f.async.Add(1)
		go func() {
			defer f.async.Done()
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Minute)
			defer cancel()
			inv.invoke(ctx, in)
		}()
		return &response{payload: nil, executedVersion: version(fn), statusCode: 202}, nil
	}
	resp, err := inv.invoke(ctx, in)
	if err != nil {
		return nil, err
	}
	if resp.executedVersion == "" {
		resp.executedVersion = version(fn)
	}
	if resp.statusCode == 0 {
		resp.statusCode = 200
	}
	if len(resp.payload) > MaxResponse {
		return nil, serviceError("ServiceException", 502, reqID, fmt.Sprintf("Response payload size (%d bytes) exceeded maximum allowed payload size (%d bytes).", len(resp.payload), MaxResponse))
	}
	return resp, nil
}

func version(fn *function) string {
	if fn.qualifier != "" && fn.qualifier != "$LATEST" && allDigits(fn.qualifier) {
		return fn.qualifier
	}
	return "$LATEST"
}

func allDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

func newRequestID() string {
	return intrinsic.UUID(rand.NewPCG(rand.Uint64(), rand.Uint64()))
}

// parsePayload reads a function's result: JSON as a value, anything else
// as a string, nothing as null.
func parsePayload(b []byte) any {
	if len(strings.TrimSpace(string(b))) == 0 {
		return nil
	}
	v, err := value.Parse(b)
	if err != nil {
		return string(b)
	}
	return v
}

// envelope is lambda:invoke's result: Invoke's response, as the AWS SDK
// for Java gives it to Step Functions.
func envelope(resp *response) *value.Object {
	date := time.Now().UTC().Format(http.TimeFormat)
	length := strconv.Itoa(len(resp.payload))
	reqID := newRequestID()
	headers := [][2]string{
		{"Connection", "keep-alive"}, {"Content-Length", length}, {"Content-Type", "application/json"}, {"Date", date},
		{"X-Amz-Executed-Version", resp.executedVersion}, {"x-amzn-Remapped-Content-Length", "0"}, {"x-amzn-RequestId", reqID},
	}
	all := make([]value.Member, len(headers))
	single := make([]value.Member, len(headers))
	for i, h := range headers {
		all[i] = value.Member{Key: h[0], Value: []any{h[1]}}
		single[i] = value.Member{Key: h[0], Value: h[1]}
	}
	ms := []value.Member{
		{Key: "ExecutedVersion", Value: resp.executedVersion},
		{Key: "Payload", Value: parsePayload(resp.payload)},
		{Key: "SdkHttpMetadata", Value: value.NewObject([]value.Member{
			{Key: "AllHttpHeaders", Value: value.NewObject(all)},
			{Key: "HttpHeaders", Value: value.NewObject(single)},
			{Key: "HttpStatusCode", Value: value.Int(int64(resp.statusCode))},
		})},
		{Key: "SdkResponseMetadata", Value: value.NewObject([]value.Member{{Key: "RequestId", Value: reqID}})},
		{Key: "StatusCode", Value: value.Int(int64(resp.statusCode))},
	}
	if resp.payload == nil {
		ms[1].Value = ""
	}
	return value.NewObject(ms)
}

// functionFailure is the task failure of a function that failed: its
// errorType names the error, and the cause is its error document, as
// Step Functions reports a Lambda function's exception.
func functionFailure(payload []byte) error {
	var doc struct {
		ErrorType string `json:"errorType"`
	}
	name := "Lambda.Unknown"
	if json.Unmarshal(payload, &doc) == nil && doc.ErrorType != "" {
		name = doc.ErrorType
	}
	return &resource.Error{Name: name, Cause: string(payload)}
}

// errorDocument is a function error as a Lambda runtime writes it.
func errorDocument(errorType, message string) []byte {
	b, _ := json.Marshal(struct {
		ErrorMessage string   `json:"errorMessage"`
		ErrorType    string   `json:"errorType"`
		StackTrace   []string `json:"stackTrace"`
	}{message, errorType, []string{}})
	return b
}

// serviceError is an error of the Lambda service itself (not of the
// function), named as Step Functions names them: Lambda.<ErrorCode>.
func serviceError(code string, status int, reqID, message string) error {
	return &resource.Error{Name: "Lambda." + code, Cause: fmt.Sprintf("%s (Service: AWSLambda; Status Code: %d; Error Code: %s; Request ID: %s; Proxy: null)",
		message, status, code, reqID)}
}

// clientError is a failure to reach the function at all, as the AWS SDK
// reports one.
func clientError(err error) error {
	return &resource.Error{Name: "Lambda.SdkClientException", Cause: "Unable to execute HTTP request: " + err.Error()}
}

func validationError(field, constraint string) error {
	return &resource.Error{Name: "Lambda.AWSLambdaException", Cause: fmt.Sprintf("1 validation error detected: Value at '%s' failed to satisfy constraint: %s (Service: AWSLambda; Status Code: 400; Error Code: ValidationException; Request ID: %s; Proxy: null)", strings.ToLower(field[:1])+field[1:], constraint, newRequestID())}
}

func failure(name, cause string) error { return &resource.Error{Name: name, Cause: cause} }
