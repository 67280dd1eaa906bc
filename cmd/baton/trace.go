package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The trace `baton run --history` prints without --json: one line per
// state entered, in the order the states ran, with its type, how long it
// took and its output or error; the states of a Parallel's branches and a
// Map's iterations indented under it, branch by branch and item by item.
//
// It is drawn from the history in GetExecutionHistory's shape alone, so it
// needs nothing the API does not give. States of one branch or iteration
// are told apart by following each event's previousEventId back to the
// ParallelStateStarted or MapIterationStarted it descends from.

// histEvent is the part of a history event the trace reads.
type histEvent struct {
	ID        int64       `json:"id"`
	Prev      int64       `json:"previousEventId"`
	Type      string      `json:"type"`
	Timestamp json.Number `json:"timestamp"`
	details   struct {
		Name   string `json:"name"`
		Output string `json:"output"`
		Error  string `json:"error"`
		Cause  string `json:"cause"`
		Index  int    `json:"index"`
	}
	hasFailure bool
	ms         int64 // the timestamp in milliseconds
}

func (e *histEvent) UnmarshalJSON(data []byte) error {
	type plain histEvent
	if err := json.Unmarshal(data, (*plain)(e)); err != nil {
		return err
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(data, &members); err != nil {
		return err
	}
	for k, v := range members {
		if strings.HasSuffix(k, "EventDetails") {
			if err := json.Unmarshal(v, &e.details); err != nil {
				return err
			}
			var f map[string]json.RawMessage
			if err := json.Unmarshal(v, &f); err != nil {
				return err
			}
			_, hasErr := f["error"]
			_, hasCause := f["cause"]
			e.hasFailure = hasErr || hasCause
		}
	}
	secs, err := e.Timestamp.Float64()
	if err != nil {
		return fmt.Errorf("event %d: timestamp %q: %w", e.ID, e.Timestamp, err)
	}
	e.ms = int64(math.Round(secs * 1000))
	return nil
}

// traceNode is one state entered.
type traceNode struct {
	name, typ     string
	entered, last int64 // milliseconds: when it was entered, its latest event
	exited        bool
	output        string
	errName       string
	cause         string
	failed        bool // an error was recorded for it
	aborted       bool
	attempts      int           // tasks scheduled, or Parallel/Map runs started
	branches      int           // the branches of the current Parallel run seen so far
	frames        []*traceFrame // a Parallel's branches, a Map's iterations
}

// traceFrame is a run of states: the execution's top level, one branch of
// a Parallel, or one iteration of a Map.
type traceFrame struct {
	label   string // "branch 1", "item 0"; "" at the top
	nodes   []*traceNode
	current *traceNode // the state entered last
}

// buildTrace turns a history (GetExecutionHistory's events, in order)
// into the tree of states it records.
func buildTrace(historyJSON []byte) (*traceFrame, error) {
	var events []histEvent
	if err := json.Unmarshal(historyJSON, &events); err != nil {
		return nil, fmt.Errorf("reading the history: %w", err)
	}
	b := &traceBuilder{
		top:     &traceFrame{},
		eventOf: make(map[int64]*histEvent, len(events)),
		frameOf: make(map[int64]*traceFrame, len(events)),
		owner:   map[int64]*traceNode{},
	}
	for i := range events {
		b.add(&events[i])
	}
	return b.top, nil
}

// traceBuilder files a history's events, one at a time, in the frames
// they belong to.
type traceBuilder struct {
	top     *traceFrame
	eventOf map[int64]*histEvent
	frameOf map[int64]*traceFrame
	// owner is the state of each ParallelStateStarted, MapStateStarted
	// and MapIterationStarted event: the branches and iterations that
	// follow them belong to it.
	owner map[int64]*traceNode
}

func (b *traceBuilder) add(e *histEvent) {
	b.eventOf[e.ID] = e
	f := b.top
	if p, ok := b.eventOf[e.Prev]; ok {
		f = b.frameOf[p.ID]
		if node := b.owner[p.ID]; node != nil && opensFrame(p.Type, e.Type) {
			f = node.newFrame(p)
		}
	}
	b.frameOf[e.ID] = f
	if n := f.record(e); n != nil && (e.Type == "ParallelStateStarted" || e.Type == "MapStateStarted" || e.Type == "MapIterationStarted") {
		b.owner[e.ID] = n
	}
}

// newFrame begins a branch of a Parallel or an item of a Map, after the
// event started that opens it.
func (n *traceNode) newFrame(started *histEvent) *traceFrame {
	f := &traceFrame{}
	if started.Type == "MapIterationStarted" {
		f.label = "item " + strconv.Itoa(started.details.Index)
	} else {
		n.branches++
		f.label = "branch " + strconv.Itoa(n.branches)
	}
	if n.attempts > 1 {
		f.label += fmt.Sprintf(", attempt %d", n.attempts)
	}
	n.frames = append(n.frames, f)
	return f
}

// opensFrame says whether an event whose previous event is prev begins a
// branch or an iteration (rather than closing the Parallel or Map run).
func opensFrame(prev, typ string) bool {
	switch prev {
	case "ParallelStateStarted":
		return strings.HasSuffix(typ, "StateEntered")
	case "MapIterationStarted":
		return true
	}
	return false
}

// record files one event of the frame under the state it concerns, and
// returns that state (nil for the execution's events before the first).
func (f *traceFrame) record(e *histEvent) *traceNode {
	if typ, ok := strings.CutSuffix(e.Type, "StateEntered"); ok {
		f.current = &traceNode{name: e.details.Name, typ: typ, entered: e.ms, last: e.ms}
		f.nodes = append(f.nodes, f.current)
		return f.current
	}
	n := f.current
	if n == nil {
		return nil
	}
	n.last = max(n.last, e.ms)
	switch {
	case strings.HasSuffix(e.Type, "StateExited"):
		n.exited, n.output = true, e.details.Output
	case strings.HasSuffix(e.Type, "StateAborted"):
		n.aborted = true
	case e.Type == "ParallelStateStarted" || e.Type == "MapStateStarted":
		n.attempts++
		n.branches = 0 // a retried run starts its branches again
	case e.Type == "TaskScheduled" || e.Type == "ActivityScheduled" || e.Type == "LambdaFunctionScheduled":
		n.attempts++
	case e.Type == "ExecutionAborted":
		n.aborted = true
	}
	if e.hasFailure {
		n.failed, n.errName, n.cause = true, e.details.Error, e.details.Cause
	}
	return n
}

// traceLine is one line of the printed trace.
type traceLine struct {
	indent         int
	name, typ, dur string
	result         string
}

// maxTraceResult is how much of an output or a cause a line shows.
const maxTraceResult = 120

func (f *traceFrame) lines(indent int, out []traceLine) []traceLine {
	for _, n := range f.nodes {
		dur := (time.Duration(n.last-n.entered) * time.Millisecond).String()
		if n.attempts > 1 {
			dur += fmt.Sprintf(" (%d attempts)", n.attempts)
		}
		out = append(out, traceLine{indent: indent, name: n.name, typ: n.typ, dur: dur, result: n.result()})
		for _, sub := range n.frames {
			out = append(out, traceLine{indent: indent + 1, name: "[" + sub.label + "]"})
			out = sub.lines(indent+2, out)
		}
	}
	return out
}

// result is what a state's line ends with: its output, its error, or what
// stopped it.
func (n *traceNode) result() string {
	failure := n.errName
	if n.cause != "" {
		failure += ": " + n.cause
	}
	switch {
	case n.exited && n.failed:
		return clip("caught " + failure + " -> " + n.output)
	case n.exited:
		return clip(n.output)
	case n.aborted:
		return "aborted"
	case n.failed:
		return clip("error " + failure)
	case n.typ == "Fail":
		return "failed"
	}
	return "did not finish"
}

// clip shortens text to maxTraceResult characters.
func clip(s string) string {
	if utf8.RuneCountInString(s) <= maxTraceResult {
		return s
	}
	r := []rune(s)
	return string(r[:maxTraceResult-1]) + "…"
}

// writeTrace prints a history as a trace, its columns aligned.
func writeTrace(w io.Writer, historyJSON []byte) error {
	top, err := buildTrace(historyJSON)
	if err != nil {
		return err
	}
	lines := top.lines(0, nil)
	nameW, typW, durW := 0, 0, 0
	for _, l := range lines {
		if l.typ == "" {
			continue // a branch or item heading sets no column
		}
		nameW = max(nameW, 2*l.indent+utf8.RuneCountInString(l.name))
		typW = max(typW, len(l.typ))
		durW = max(durW, len(l.dur))
	}
	var b strings.Builder
	for _, l := range lines {
		name := strings.Repeat("  ", l.indent) + l.name
		if l.typ == "" {
			b.WriteString(name + "\n")
			continue
		}
		fmt.Fprintf(&b, "%s  %-*s  %-*s  %s\n", pad(name, nameW), typW, l.typ, durW, l.dur, l.result)
	}
	_, err = io.WriteString(w, b.String())
	return err
}

// pad fills s with spaces to width characters.
func pad(s string, width int) string {
	return s + strings.Repeat(" ", max(0, width-utf8.RuneCountInString(s)))
}
