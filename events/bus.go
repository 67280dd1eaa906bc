// Package events is EventBridge inside baton serve: event buses whose
// rules (trigger.Rule) start executions of their target state machines
// with the events that match their patterns, or a transformed input. It
// serves the PutEvents action (X-Amz-Target: AWSEvents.PutEvents, AWS's
// JSON 1.1 protocol) and takes Baton's own "Step Functions Execution
// Status Change" events, so that a rule can start a machine when another
// fails.
//
// A bus needs no declaration: events put on a bus that no rule names are
// accepted and go nowhere, as EventBridge's default bus takes any event.
// The package talks to the engine only through its exported
// StartExecution (Starter).
package events

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/baton-sh/baton/arn"
	"github.com/baton-sh/baton/engine"
	"github.com/baton-sh/baton/eventpattern"
	"github.com/baton-sh/baton/trigger"
)

// DefaultBus is the bus of events and rules that name none.
const DefaultBus = "default"

// DefaultMaxChain bounds a chain of executions started by status-change
// events of executions that rules started from status-change events (as
// Lambda stops a recursive loop after 16 invocations).
const DefaultMaxChain = 16

// maxPlace is the longest chain a name can count.
const maxPlace = 255

// Starter starts executions: the engine.
type Starter interface {
	StartExecution(ctx context.Context, in *engine.StartExecutionInput) (*engine.StartExecutionOutput, error)
}

// Options configure a Bus.
type Options struct {
	// Account is the account id of events and of the state machines that
	// rules name without an ARN.
	Account string
	Logger  *slog.Logger
	// Now is the time events are stamped with (default time.Now).
	Now func() time.Time
	// MaxChain bounds chains of status-change events (default
	// DefaultMaxChain, at most 255): see Bus.
	MaxChain int
}

// Bus holds the rules of every event bus and starts their targets. It is
// safe for concurrent use.
//
// Loops: a rule that starts a state machine on a status change it itself
// causes (a rule on every FAILED event whose target fails too) would run
// forever; EventBridge documents the danger ("Avoid writing infinite
// loops", among its best practices for event patterns) and leaves it to
// its users. Baton counts instead: an execution a rule
// started from a status-change event is one further down its chain than
// the execution whose event it was, and a chain longer than MaxChain
// starts nothing more (logged once per rule). The count travels in the
// name of the execution a rule starts (see executionName), so it
// survives restarts and holds whichever node delivers the event. Status-
// change events reach the bus through the store's notices, after the step
// that made them has been written, never on the execution's own
// goroutine: no chain runs synchronously.
type Bus struct {
	starter Starter
	o       Options
	log     *slog.Logger
	buses   map[string][]*rule

	mu   sync.Mutex
	warn map[string]bool // the rules that stopped a chain, warned of once
}

// rule is a trigger.Rule compiled.
type rule struct {
	trigger.Rule
	pattern   *eventpattern.Pattern
	transform *eventpattern.Transform
}

// New makes the buses of a set of rules; every rule is checked, and the
// problems of all are returned together, each named by the rule's Source.
func New(s Starter, rules []trigger.Rule, o Options) (*Bus, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxChain <= 0 {
		o.MaxChain = DefaultMaxChain
	}
	o.MaxChain = min(o.MaxChain, maxPlace)
	b := &Bus{starter: s, o: o, log: o.Logger, buses: map[string][]*rule{}, warn: map[string]bool{}}
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	var errs []error
	seen := map[[2]string]string{}
	for i := range rules {
		r := rules[i]
		where := r.Source
		if where == "" {
			where = fmt.Sprintf("rules[%d]", i)
		}
		if r.EventBus == "" {
			r.EventBus = DefaultBus
		}
		if problems := r.Check(); len(problems) > 0 {
			for _, p := range problems {
				errs = append(errs, fmt.Errorf("%s: %w", where, p))
			}
			continue
		}
		key := [2]string{r.EventBus, r.Name}
		if first, dup := seen[key]; dup {
			errs = append(errs, fmt.Errorf("%s: rule %q on bus %q is declared twice (first at %s)", where, r.Name, r.EventBus, first))
			continue
		}
		seen[key] = where
		if r.Disabled {
			continue
		}
		cr := &rule{Rule: r}
		cr.pattern, _ = eventpattern.Parse([]byte(r.Pattern))
		cr.transform, _ = eventpattern.CompileTarget(r.Transform)
		b.buses[r.EventBus] = append(b.buses[r.EventBus], cr)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return b, nil
}

// Event is an event in EventBridge's envelope, as rules see it.
type Event struct {
	Version    string   `json:"version"`
	ID         string   `json:"id"`
	DetailType string   `json:"detail-type"`
	Source     string   `json:"source"`
	Account    string   `json:"account"`
	Time       string   `json:"time"`
	Region     string   `json:"region"`
	Resources  []string `json:"resources"`
	// Detail is the event's detail, a JSON object.
	Detail json.RawMessage `json:"detail"`
}

// delivery is one event on its way to the rules of a bus.
type delivery struct {
	bus    string
	id     string
	region string
	event  any // the envelope, parsed
	// from, for a status-change event, is the execution it tells of,
	// and fromName its name.
	from, fromName string
	// trace is the X-Ray trace header the event was put with.
	trace string
}

// deliver starts the target of every rule of the bus that matches the
// event. The error is the first that a retry could cure (the store did
// not answer); refusals (no such state machine, an input it refuses) are
// logged and dropped, as EventBridge drops what its target refuses.
func (b *Bus) deliver(ctx context.Context, d delivery) error {
	var retry error
	for _, r := range b.buses[d.bus] {
		if !r.pattern.Match(d.event) {
			continue
		}
		if err := b.start(ctx, r, d); err != nil && retry == nil {
			retry = err
		}
	}
	return retry
}

func (b *Bus) start(ctx context.Context, r *rule, d delivery) error {
	place := 0
	if d.from != "" {
		place = placeOf(d.fromName) + 1
		if place > b.o.MaxChain {
			b.warnLoop(r, d.from)
			return nil
		}
	}
	region := d.region
	ruleARN := RuleARN(region, b.o.Account, d.bus, r.Name)
	input := r.transform.Apply(d.event, eventpattern.Meta{RuleName: r.Name, RuleARN: ruleARN, IngestionTime: b.o.Now()})
	out, err := b.starter.StartExecution(ctx, &engine.StartExecutionInput{
		StateMachineArn: StateMachineARN(r.StateMachine, region, b.o.Account),
		// The same event delivered again (notices are delivered at least
		// once) names the same execution, which AWS starts once.
		Name:        executionName(d.bus, r.Name, d.id, place),
		Input:       string(input),
		TraceHeader: d.trace,
	})
	var ee *engine.Error
	switch {
	case errors.As(err, &ee) && ee.Code == engine.ExecutionAlreadyExists:
		return nil
	case errors.As(err, &ee):
		b.log.Warn("a rule's target refused the event", "rule", r.Name, "bus", d.bus, "event", d.id, "stateMachine", r.StateMachine, "error", ee.Code, "message", ee.Message)
		return nil
	case err != nil:
		return fmt.Errorf("rule %s: %w", r.Name, err)
	}
	b.log.Debug("a rule started an execution", "rule", r.Name, "bus", d.bus, "event", d.id, "execution", out.ExecutionArn)
	return nil
}

func (b *Bus) warnLoop(r *rule, from string) {
	b.mu.Lock()
	first := !b.warn[r.EventBus+"/"+r.Name]
	b.warn[r.EventBus+"/"+r.Name] = true
	b.mu.Unlock()
	if first {
		b.log.Warn("a rule stopped a chain of status-change events: a loop? (logged once per rule)", "rule", r.Name, "bus", r.EventBus,
			"execution", from, "chain", b.o.MaxChain)
	}
}

// RuleARN is a rule's ARN, as EventBridge shapes it: the default bus's
// rules are rule/NAME, another bus's rule/BUS/NAME.
func RuleARN(region, account, bus, name string) string {
	if bus == DefaultBus {
		return "arn:aws:events:" + region + ":" + account + ":rule/" + name
	}
	return "arn:aws:events:" + region + ":" + account + ":rule/" + bus + "/" + name
}

// StateMachineARN is the ARN a trigger's target names: an ARN as given,
// or a name's ARN in a region and account.
func StateMachineARN(nameOrARN, region, account string) string {
	if strings.HasPrefix(nameOrARN, "arn:") {
		return nameOrARN
	}
	return arn.ARN{Region: region, Account: account, Kind: arn.StateMachine, Name: nameOrARN}.String()
}

// executionName is the name of the execution a rule starts for an event:
// a name-based UUID of the bus, the rule and the event's id, so that the
// same event delivered again names the same execution (which AWS starts
// once). Its last byte is the execution's place in a chain of
// status-change events (0: not started by one), sealed by the three bytes
// before it, so that the chain's count is read back from the names in
// status-change events, on any node, after any restart.
func executionName(bus, rule, eventID string, place int) string {
	h := sha256.Sum256([]byte(bus + "\x00" + rule + "\x00" + eventID))
	h[6] = h[6]&0x0f | 0x50 // a name-based UUID's version and variant bits
	h[8] = h[8]&0x3f | 0x80
	h[15] = byte(place)
	seal := sealOf(h[:16])
	copy(h[12:15], seal[:])
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// sealOf is the check of a name's bytes 0-11 and 15.
func sealOf(b []byte) [3]byte {
	sum := sha256.Sum256(append(append([]byte("baton chain\x00"), b[:12]...), b[15]))
	return [3]byte{sum[0], sum[1], sum[2]}
}

// placeOf is the place in a chain that an execution's name carries: 0 for
// a name no rule made (a random name's seal matches one time in 16
// million; even then, only with a name-based UUID's version bits).
func placeOf(name string) int {
	if len(name) != 36 {
		return 0
	}
	b, err := hex.DecodeString(strings.ReplaceAll(name, "-", ""))
	if err != nil || len(b) != 16 || strings.Count(name, "-") != 4 || b[6]>>4 != 5 || b[8]>>6 != 2 {
		return 0
	}
	if seal := sealOf(b); !bytes.Equal(seal[:], b[12:15]) {
		return 0
	}
	return int(b[15])
}
