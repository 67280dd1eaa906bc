package events

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/baton-sh/baton/engine"
	"github.com/baton-sh/baton/trigger"
	"github.com/baton-sh/baton/value"
)

// EventBridge's limits on PutEvents.
const (
	MaxEntries   = 10
	MaxEntrySize = 256 * 1024 // the entries of a request together, counted as AWS counts them
	// maxBody bounds a request's body: the entries' limit with JSON's
	// escaping and the request's own keys.
	maxBody = 4 << 20
)

// HandlerOptions configure the PutEvents handler.
type HandlerOptions struct {
	Logger *slog.Logger
	// Caller checks a request's signature when the server requires one
	// (credential scope service "events") and returns the region the
	// request is for; its errors are "Code: message".
	Caller func(r *http.Request, body []byte) (region string, err error)
}

// Handler serves EventBridge's PutEvents in AWS's JSON 1.1 protocol: POST
// with X-Amz-Target: AWSEvents.PutEvents. The events are matched against
// the rules of their buses, and the matching rules' targets started,
// before it answers: an event whose EventId came back has started its
// executions (EventBridge delivers later; the answer is the same).
func (b *Bus) Handler(o HandlerOptions) http.Handler {
	log := o.Logger
	if log == nil {
		log = b.log
	}
	return &handler{bus: b, caller: o.Caller, log: log}
}

type handler struct {
	bus    *Bus
	caller func(*http.Request, []byte) (string, error)
	log    *slog.Logger
}

// putEventsInput is PutEvents' request.
type putEventsInput struct {
	Entries    []Entry `json:"Entries"`
	EndpointID string  `json:"EndpointId"`
}

// Entry is an event put: PutEventsRequestEntry.
type Entry struct {
	// Time is epoch seconds, as JSON 1.1 sends timestamps (an RFC 3339
	// string is taken too).
	Time         json.RawMessage `json:"Time"`
	Source       string          `json:"Source"`
	Resources    []string        `json:"Resources"`
	DetailType   string          `json:"DetailType"`
	Detail       string          `json:"Detail"`
	EventBusName string          `json:"EventBusName"`
	TraceHeader  string          `json:"TraceHeader"`
}

// ResultEntry is one entry of PutEvents' answer: an EventId, or why the
// entry was refused.
type ResultEntry struct {
	EventID      string `json:"EventId,omitempty"`
	ErrorCode    string `json:"ErrorCode,omitempty"`
	ErrorMessage string `json:"ErrorMessage,omitempty"`
}

// PutEventsOutput is PutEvents' answer.
type PutEventsOutput struct {
	FailedEntryCount int           `json:"FailedEntryCount"`
	Entries          []ResultEntry `json:"Entries"`
}

// protocolError is an error of the whole request, in AWS's shape.
type protocolError struct {
	status        int
	code, message string
}

func (e *protocolError) Error() string { return e.code + ": " + e.message }

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header()["x-amzn-RequestId"] = []string{engine.NewUUID()}
	// A bug answers 500 in AWS's shape rather than closing the connection.
	defer func() {
		if p := recover(); p != nil {
			h.log.Error("panic in PutEvents", "panic", p)
			writeError(w, &protocolError{500, "InternalException", "internal error"})
		}
	}()
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		writeError(w, &protocolError{400, "SerializationException", "cannot read the request body"})
		return
	}
	if len(body) > maxBody {
		writeError(w, &protocolError{413, "ValidationException", "The request body is larger than " + strconv.Itoa(maxBody) + " bytes"})
		return
	}
	region, err := h.caller(r, body)
	if err != nil {
		code, msg, _ := strings.Cut(err.Error(), ": ")
		status := http.StatusBadRequest
		if code == "MissingAuthenticationTokenException" || code == "AccessDeniedException" {
			status = http.StatusForbidden
		}
		writeError(w, &protocolError{status, code, msg})
		return
	}
	target := r.Header.Get("X-Amz-Target")
	if target != "AWSEvents.PutEvents" {
		writeError(w, &protocolError{400, "UnknownOperationException", "Unknown operation: \"" + target +
			"\": of EventBridge's actions Baton serves PutEvents; its rules are declared in baton.yaml"})
		return
	}
	var in putEventsInput
	if err := decode(body, &in); err != nil {
		writeError(w, err)
		return
	}
	out, err := h.bus.Put(r.Context(), in.Entries, region)
	var pe *protocolError
	if errors.As(err, &pe) {
		writeError(w, pe)
		return
	}
	data, _ := json.Marshal(out) // strings and ints
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Write(data) //nolint:errcheck // the client went away
}

// decode reads a request body as AWS does: one JSON object, fields of the
// right types.
func decode(body []byte, v any) *protocolError {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	err := dec.Decode(v)
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &te):
		return &protocolError{400, "SerializationException", "Unexpected value type for field '" + te.Field + "'"}
	case err == nil:
		if _, next := dec.Token(); next != io.EOF {
			err = errors.New("text after the request's JSON")
		}
	}
	if err != nil {
		return &protocolError{400, "SerializationException", "Start of structure or map found where not expected, or the body is not valid JSON"}
	}
	return nil
}

func writeError(w http.ResponseWriter, e *protocolError) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-ErrorType", e.code)
	w.WriteHeader(e.status)
	data, _ := json.Marshal(struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}{e.code, e.message})
	w.Write(data) //nolint:errcheck // the client went away
}

// Put puts entries on their buses, as PutEvents does, and answers for each:
// its event's id, or why it was refused. The request as a whole is
// refused (an error) when it has no entry, more than MaxEntries, or
// entries larger than MaxEntrySize together.
func (b *Bus) Put(ctx context.Context, entries []Entry, region string) (*PutEventsOutput, error) {
	switch {
	case entries == nil:
		return nil, &protocolError{400, "ValidationException", "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null"}
	case len(entries) == 0:
		return nil, &protocolError{400, "ValidationException", "1 validation error detected: Value '[]' at 'entries' failed to satisfy constraint: Member must have length greater than or equal to 1"}
	case len(entries) > MaxEntries:
		return nil, &protocolError{400, "ValidationException", "1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to 10"}
	}
	size := 0
	for _, e := range entries {
		size += entrySize(&e)
	}
	if size > MaxEntrySize {
		return nil, &protocolError{400, "ValidationException", "Total size of the entries in the request is over the limit."}
	}
	out := &PutEventsOutput{Entries: make([]ResultEntry, len(entries))}
	now := b.o.Now()
	for i := range entries {
		res := b.putOne(ctx, &entries[i], region, now)
		if res.ErrorCode != "" {
			out.FailedEntryCount++
		}
		out.Entries[i] = res
	}
	return out, nil
}

// entrySize counts an entry as EventBridge documents ("Calculating
// PutEvents event entry size"): the UTF-8 bytes of Source, DetailType,
// Detail and each resource, and 14 for a Time.
func entrySize(e *Entry) int {
	n := len(e.Source) + len(e.DetailType) + len(e.Detail)
	if len(e.Time) > 0 && string(e.Time) != "null" {
		n += 14
	}
	for _, r := range e.Resources {
		n += len(r)
	}
	return n
}

func invalid(field, reason string) ResultEntry {
	return ResultEntry{ErrorCode: "InvalidArgument", ErrorMessage: "Parameter " + field + " is not valid. Reason: " + reason}
}

func (b *Bus) putOne(ctx context.Context, e *Entry, region string, now time.Time) ResultEntry {
	switch {
	case e.Source == "":
		return invalid("Source", "Source is a required argument.")
	case e.DetailType == "":
		return invalid("DetailType", "DetailType is a required argument.")
	case e.Detail == "":
		return invalid("Detail", "Detail is a required argument.")
	}
	detail, err := value.ParseString(e.Detail)
	if _, isObject := detail.(*value.Object); err != nil || !isObject {
		return ResultEntry{ErrorCode: "MalformedDetail", ErrorMessage: "Detail is malformed."}
	}
	bus, ok := busOf(e.EventBusName)
	if !ok {
		return invalid("EventBusName", "'"+e.EventBusName+"' is not an event bus name or ARN.")
	}
	at := now
	if len(e.Time) > 0 && string(e.Time) != "null" {
		t, ok := parseTime(e.Time)
		if !ok {
			return invalid("Time", "Time is not a timestamp.")
		}
		at = t
	}
	resources := e.Resources
	if resources == nil {
		resources = []string{}
	}
	ev := Event{Version: "0", ID: engine.NewUUID(), DetailType: e.DetailType, Source: e.Source, Account: b.o.Account,
		Time: at.UTC().Format(time.RFC3339), Region: region, Resources: resources, Detail: value.Marshal(detail)}
	body, err := json.Marshal(ev)
	if err != nil {
		return ResultEntry{ErrorCode: "InternalFailure", ErrorMessage: "the event could not be encoded"}
	}
	v, err := value.Parse(body)
	if err != nil {
		return ResultEntry{ErrorCode: "InternalFailure", ErrorMessage: "the event could not be encoded"}
	}
	trace := e.TraceHeader
	if len(trace) > 256 {
		trace = "" // longer than an execution's trace header may be: the start must not fail for it
	}
	if err := b.deliver(ctx, delivery{bus: bus, id: ev.ID, region: region, event: v, trace: trace}); err != nil {
		b.log.Error("an event's targets could not be started", "event", ev.ID, "bus", bus, "error", err)
		// Retryable, as EventBridge's own InternalFailure is.
		return ResultEntry{ErrorCode: "InternalFailure", ErrorMessage: "The request processing has failed because of an unknown error, exception or failure."}
	}
	return ResultEntry{EventID: ev.ID}
}

// busOf is the bus an entry names: its name, or the name in an event
// bus's ARN (arn:aws:events:REGION:ACCOUNT:event-bus/NAME).
func busOf(nameOrARN string) (string, bool) {
	if nameOrARN == "" {
		return DefaultBus, true
	}
	if strings.HasPrefix(nameOrARN, "arn:") {
		parts := strings.SplitN(nameOrARN, ":", 6)
		if len(parts) != 6 || parts[2] != "events" {
			return "", false
		}
		name, ok := strings.CutPrefix(parts[5], "event-bus/")
		return name, ok && trigger.ValidBusName(name)
	}
	return nameOrARN, trigger.ValidBusName(nameOrARN)
}

// parseTime reads a timestamp as JSON 1.1 sends one: epoch seconds,
// possibly with a fraction; or an RFC 3339 string.
func parseTime(raw json.RawMessage) (time.Time, bool) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		t, err := time.Parse(time.RFC3339Nano, s)
		return t, err == nil
	}
	var f float64
	if json.Unmarshal(raw, &f) != nil || math.IsNaN(f) || f < 0 || f > 253402300799 { // 9999-12-31
		return time.Time{}, false
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), true
}
