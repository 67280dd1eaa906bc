// Package trigger describes what starts executions besides an API call: a
// schedule, an HTTP route (as API Gateway's integration with Step
// Functions), or an EventBridge rule matching events put on a bus.
//
// These are plain descriptions, the meeting point of the places that
// declare triggers (baton.yaml, serverless.yml, SAM and CloudFormation
// templates) and the parts of baton serve that carry them out. Nothing here
// does I/O.
package trigger

import (
	"reflect"
	"time"

	"github.com/baton-sh/baton/eventpattern"
)

// Target is the execution a trigger starts.
type Target struct {
	// StateMachine names the state machine: its name (resolved in the
	// server's account and region) or an ARN, which may name a version or
	// an alias.
	StateMachine string
	// Input is the execution's input as JSON text, when the trigger gives
	// a constant one (a schedule's input, a rule's Input). Empty: the
	// trigger's own payload (an HTTP body, the event), or "{}" for a
	// schedule.
	Input string
}

// Schedule starts an execution at each due time of an expression.
type Schedule struct {
	// Name is unique among schedules: the key a schedule's due times are
	// remembered under, so that renaming it starts afresh.
	Name string
	Target
	// Expression is rate(...), cron(...) or at(...), as package schedule
	// reads it.
	Expression string
	// Timezone is an IANA name; "" is UTC.
	Timezone string
	// Start and End bound the due times (zero: unbounded).
	Start, End time.Time
	// WindowMinutes is the flexible time window: 0 is OFF.
	WindowMinutes int
	// Disabled schedules are kept but never fire.
	Disabled bool
	// Missed says what a due time that passed while no server ran becomes.
	Missed Missed
	// Source says where the schedule was declared, for messages
	// ("serverless.yml: stepFunctions.stateMachines.orders.events[0]").
	Source string
}

// Missed is a schedule's policy for due times missed while no server ran.
type Missed int

const (
	// FireOnce fires one execution for all the due times missed, on start.
	FireOnce Missed = iota
	// Skip drops missed due times; the schedule carries on from now.
	Skip
)

// HTTP starts an execution when a request reaches a method and path.
type HTTP struct {
	Target
	// Method is GET, POST, ... or ANY.
	Method string
	// Path is the route, with {name} parameters ("/orders/{id}").
	Path string
	// Sync runs the machine with StartSyncExecution and answers with its
	// output (Express machines only); otherwise StartExecution answers
	// with the execution's ARN and start date.
	Sync bool
	// Stage is the API Gateway stage the route is served under: its URL
	// is /<Stage><Path>, so that no route can shadow the server's own
	// paths. "" is the default stage ("dev", serverless' default).
	Stage string
	// Template says what the execution's input is made of, as
	// serverless-step-functions' request templates do: "" is the
	// request's JSON body ("{}" for none); "lambda_proxy" is the whole
	// request in the shape of API Gateway's Lambda proxy event (path,
	// headers, query string, path parameters, body as text).
	Template string
	// Mapping, when set, makes the input from the request instead:
	// InputPath or an InputTransformer (as a rule's target has them)
	// read the document {"body", "path", "querystring", "header",
	// "context"}, the body parsed as JSON; Input is a constant.
	Mapping *eventpattern.Target
	// IAM requires requests signed with AWS Signature Version 4 (service
	// execute-api) with one of the server's access keys, as API
	// Gateway's AWS_IAM authorization does; otherwise any request is
	// taken, API Gateway's default.
	IAM    bool
	Source string
}

// Rule starts an execution for each event put on a bus that matches its
// pattern.
type Rule struct {
	// Name is unique per bus.
	Name string
	// EventBus is the bus's name; "" is "default".
	EventBus string
	// Pattern is the event pattern as JSON text (package eventpattern).
	Pattern string
	Target
	// Transform says what the execution's input is made of: the event
	// (all empty), Input, InputPath or InputTransformer. Target.Input is
	// not used for rules.
	Transform eventpattern.Target
	Disabled  bool
	Source    string
}

// Set is every trigger one file declares.
type Set struct {
	Schedules []Schedule
	HTTP      []HTTP
	Rules     []Rule
}

// Join returns the triggers of both sets, s's first.
func (s Set) Join(o Set) Set {
	return Set{
		Schedules: append(append([]Schedule(nil), s.Schedules...), o.Schedules...),
		HTTP:      append(append([]HTTP(nil), s.HTTP...), o.HTTP...),
		Rules:     append(append([]Rule(nil), s.Rules...), o.Rules...),
	}
}

// Equal reports whether two sets declare the same triggers, in the same
// order.
func (s Set) Equal(o Set) bool {
	return reflect.DeepEqual(s.Join(Set{}), o.Join(Set{}))
}
