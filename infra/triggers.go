package infra

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/baton-sh/baton/eventpattern"
	"github.com/baton-sh/baton/schedule"
	"github.com/baton-sh/baton/trigger"
)

// The triggers of CloudFormation and SAM: AWS::Events::Rule (a schedule
// or an event pattern), AWS::Scheduler::Schedule, and a SAM state
// machine's Events.

// target names the state machine an ARN points at: a machine of this
// file by its name, anything else (an alias, a version, a machine of
// another stack) by its ARN. ok is false for an ARN that names no state
// machine (the rule's other targets: functions, queues, ...).
func (t *template) target(arn string) (string, bool) {
	if m := t.machineOf(arn); m != nil {
		return m.Name, true
	}
	parts := strings.Split(arn, ":")
	if len(parts) >= 7 && parts[0] == "arn" && parts[2] == "states" && parts[5] == "stateMachine" {
		return arn, true
	}
	return "", false
}

// busName is an event bus's name from its name or ARN.
func busName(s string) string {
	if i := strings.LastIndex(s, "event-bus/"); i >= 0 {
		return s[i+len("event-bus/"):]
	}
	if s == "" {
		return "default"
	}
	return s
}

// checkSchedule reports an expression the schedule package refuses.
func (rd *reader) checkSchedule(at *node, key, expr, tz string, start, end time.Time) bool {
	if _, err := schedule.Parse(expr, schedule.Options{Timezone: tz, Start: start, End: end}); err != nil {
		rd.fail(errAt(at, "%v", err), at, key)
		return false
	}
	return true
}

// checkPattern reports an event pattern EventBridge would refuse.
func (rd *reader) checkPattern(at *node, key, pattern string) bool {
	if _, err := eventpattern.Parse([]byte(pattern)); err != nil {
		rd.fail(errAt(at, "%v", err), at, key)
		return false
	}
	return true
}

// transform reads a rule target's Input, InputPath and InputTransformer.
func (rd *reader) transform(n *node) (eventpattern.Target, bool) {
	var tr eventpattern.Target
	tr.Input = rd.json(n, "Input")
	tr.InputPath = rd.str(n, "InputPath")
	if it := rd.val(n, "InputTransformer"); it != nil {
		tr.InputTransformer = &eventpattern.InputTransformer{InputTemplate: it.get("InputTemplate").str()}
		if m := it.get("InputPathsMap"); m != nil && m.kind == mapNode {
			tr.InputTransformer.InputPathsMap = map[string]string{}
			for i, k := range m.keys {
				tr.InputTransformer.InputPathsMap[k] = m.vals[i].str()
			}
		}
	}
	if _, err := eventpattern.CompileTarget(tr); err != nil {
		rd.fail(errAt(n, "%v", err), n, "")
		return tr, false
	}
	return tr, !rd.failed
}

func (t *template) eventRule(r *resource) {
	path := "Resources." + r.id + ".Properties"
	rd := t.reader("", path)
	name, err := t.physicalName(r, "Name", r.n, 0)
	if err != nil {
		t.report(err, r.n, path+".Name", "")
		return
	}
	p := r.props
	targets := p.get("Targets")
	if targets == nil || targets.kind != seqNode {
		return
	}
	var machineTargets []int
	var arns []string
	for i, tg := range targets.vals {
		trd := t.reader("", path+".Targets["+strconv.Itoa(i)+"]")
		arn := trd.str(tg, "Arn")
		if _, ok := t.target(arn); ok {
			machineTargets = append(machineTargets, i)
			arns = append(arns, arn)
		}
	}
	if len(machineTargets) == 0 {
		return
	}
	enabled := rd.enabled(p)
	bus := busName(rd.str(p, "EventBusName"))
	expr := rd.str(p, "ScheduleExpression")
	pattern := rd.json(p, "EventPattern")
	if expr != "" && !rd.checkSchedule(p.get("ScheduleExpression"), "ScheduleExpression", expr, "", time.Time{}, time.Time{}) {
		return
	}
	if pattern != "" && !rd.checkPattern(p.get("EventPattern"), "EventPattern", pattern) {
		return
	}
	if expr == "" && pattern == "" {
		rd.fail(errAt(r.n, "a rule needs ScheduleExpression or EventPattern"), r.n, "")
		return
	}
	for j, i := range machineTargets {
		tg := targets.vals[i]
		tpath := path + ".Targets[" + strconv.Itoa(i) + "]"
		trd := t.reader("", tpath)
		sm, _ := t.target(arns[j])
		trd.machine = sm
		tname := name
		if len(machineTargets) > 1 {
			tname = name + "/" + trd.str(tg, "Id")
		}
		tr, ok := trd.transform(tg)
		if !ok {
			continue
		}
		src := t.place(tg.line, tpath).String()
		if expr != "" {
			if tr.InputPath != "" || tr.InputTransformer != nil {
				trd.fail(errAt(tg, "a scheduled rule's target takes Input only: Baton starts scheduled executions with a constant input"), tg, "")
				continue
			}
			t.f.Triggers.Schedules = append(t.f.Triggers.Schedules, trigger.Schedule{Name: tname, Target: trigger.Target{StateMachine: sm, Input: tr.Input},
				Expression: expr, Disabled: !enabled, Source: src})
			continue
		}
		t.f.Triggers.Rules = append(t.f.Triggers.Rules, trigger.Rule{Name: tname, EventBus: bus, Pattern: pattern, Target: trigger.Target{StateMachine: sm},
			Transform: tr, Disabled: !enabled, Source: src})
	}
}

// universalTarget is EventBridge Scheduler's target that calls
// StartExecution with the schedule's Input as its request.
const universalTarget = "arn:aws:scheduler:::aws-sdk:sfn:startExecution"

func (t *template) scheduler(r *resource) {
	path := "Resources." + r.id + ".Properties"
	rd := t.reader("", path)
	p := r.props
	tg := p.get("Target")
	if tg == nil {
		return
	}
	arn := rd.str(tg, "Arn")
	input := rd.json(tg, "Input")
	if arn == universalTarget {
		var req struct {
			StateMachineArn string
			Input           json.RawMessage
		}
		if err := json.Unmarshal([]byte(input), &req); err != nil || req.StateMachineArn == "" {
			rd.fail(errAt(tg, "the startExecution target's Input must be a StartExecution request with StateMachineArn"), tg, "Target.Input")
			return
		}
		arn, input = req.StateMachineArn, ""
		if len(req.Input) > 0 {
			var s string
			if json.Unmarshal(req.Input, &s) == nil {
				input = s
			} else {
				input = string(req.Input)
			}
		}
	}
	sm, ok := t.target(arn)
	if !ok {
		return
	}
	rd.machine = sm
	name, err := t.physicalName(r, "Name", r.n, 0)
	if err != nil {
		t.report(err, r.n, path+".Name", sm)
		return
	}
	if g := rd.str(p, "GroupName"); g != "" && g != "default" {
		name = g + "/" + name
	}
	s := t.scheduleV2(rd, p, name, sm, input)
	if s != nil {
		s.Source = t.place(r.n.line, "Resources."+r.id).String()
		t.f.Triggers.Schedules = append(t.f.Triggers.Schedules, *s)
	}
}

// scheduleV2 reads EventBridge Scheduler's properties (also SAM's
// ScheduleV2 event's).
func (t *template) scheduleV2(rd *reader, p *node, name, sm, input string) *trigger.Schedule {
	s := &trigger.Schedule{Name: name, Target: trigger.Target{StateMachine: sm, Input: input}}
	s.Expression = rd.str(p, "ScheduleExpression")
	s.Timezone = rd.str(p, "ScheduleExpressionTimezone")
	s.Start = rd.date(p, "StartDate")
	s.End = rd.date(p, "EndDate")
	s.Disabled = !rd.enabled(p)
	if w := rd.val(p, "FlexibleTimeWindow"); w != nil && w.get("Mode").str() == "FLEXIBLE" {
		n, err := strconv.Atoi(w.get("MaximumWindowInMinutes").str())
		if err != nil || n < 1 || n > 1440 {
			rd.fail(errAt(w, "a FLEXIBLE window needs MaximumWindowInMinutes from 1 to 1440"), w, "FlexibleTimeWindow")
			return nil
		}
		s.WindowMinutes = n
	}
	if s.Expression == "" {
		rd.fail(errAt(p, "a schedule needs ScheduleExpression"), p, "")
		return nil
	}
	if rd.failed || !rd.checkSchedule(p.get("ScheduleExpression"), "ScheduleExpression", s.Expression, s.Timezone, s.Start, s.End) {
		return nil
	}
	return s
}

// date reads an ISO 8601 date-time (a zone-less one is UTC).
func (rd *reader) date(n *node, key string) time.Time {
	s := rd.str(n, key)
	if s == "" {
		return time.Time{}
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04:05.000Z07:00"} {
		if d, err := time.Parse(layout, s); err == nil {
			return d.UTC()
		}
	}
	rd.fail(errAt(n.get(key), "%s %q is not an ISO 8601 date and time", key, s), n.get(key), key)
	return time.Time{}
}

// samEvents reads a SAM state machine's Events.
func (t *template) samEvents(r *resource, m *Machine) {
	evs := r.props.get("Events")
	if evs == nil || evs.kind != mapNode {
		return
	}
	// UseAliasAsEventTarget: the events start the alias AutoPublishAlias
	// moves, not the state machine's latest revision.
	target := m.Name
	if v := t.reader(m.Name, "Resources."+r.id+".Properties").val(r.props, "UseAliasAsEventTarget"); v != nil && len(m.Aliases) > 0 {
		if on, _ := v.truthy(); on {
			target = m.ARN + ":" + m.Aliases[0].Name
		}
	}
	for i, key := range evs.keys {
		ev := evs.vals[i]
		path := "Resources." + r.id + ".Properties.Events." + key
		rd := t.reader(m.Name, path+".Properties")
		p := ev.get("Properties")
		if p == nil {
			p = &node{kind: mapNode, line: ev.line}
		}
		src := t.place(ev.line, path).String()
		// SAM names what it generates after the state machine and the
		// event: the rule's or schedule's logical ID.
		id := r.id + key
		typ := ev.get("Type").str()
		switch typ {
		case "Schedule":
			expr := rd.str(p, "Schedule")
			if expr == "" {
				rd.fail(errAt(p, "a Schedule event needs Schedule"), p, "")
				continue
			}
			name := rd.str(p, "Name")
			if name == "" {
				name = id
			}
			input := rd.json(p, "Input")
			enabled := rd.enabled(p)
			if rd.failed || !rd.checkSchedule(p.get("Schedule"), "Schedule", expr, "", time.Time{}, time.Time{}) {
				continue
			}
			t.f.Triggers.Schedules = append(t.f.Triggers.Schedules, trigger.Schedule{Name: name, Target: trigger.Target{StateMachine: target, Input: input},
				Expression: expr, Disabled: !enabled, Source: src})
		case "ScheduleV2":
			name := rd.str(p, "Name")
			if name == "" {
				name = id
			}
			if g := rd.str(p, "GroupName"); g != "" && g != "default" {
				name = g + "/" + name
			}
			if s := t.scheduleV2(rd, p, name, target, rd.json(p, "Input")); s != nil {
				s.Source = src
				t.f.Triggers.Schedules = append(t.f.Triggers.Schedules, *s)
			}
		case "Api":
			route := rd.str(p, "Path")
			method := strings.ToUpper(rd.str(p, "Method"))
			if route == "" || method == "" {
				rd.fail(errAt(p, "an Api event needs Path and Method"), p, "")
				continue
			}
			for _, k := range []string{"Auth", "RequestTemplates", "ResponseTemplates"} {
				if p.get(k) != nil {
					t.f.problem(Warning, t.place(p.get(k).line, path+".Properties."+k), m.Name, "%s is not carried out by Baton: the route starts executions without it", k)
				}
			}
			if !strings.HasPrefix(route, "/") {
				route = "/" + route
			}
			t.f.Triggers.HTTP = append(t.f.Triggers.HTTP, trigger.HTTP{Target: trigger.Target{StateMachine: target}, Method: method, Path: route, Source: src})
		case "EventBridgeRule", "CloudWatchEvent":
			pattern := rd.json(p, "Pattern")
			if pattern == "" {
				rd.fail(errAt(p, "a %s event needs Pattern", typ), p, "")
				continue
			}
			name := rd.str(p, "RuleName")
			if name == "" {
				name = id
			}
			bus := busName(rd.str(p, "EventBusName"))
			enabled := rd.enabled(p)
			tr, ok := rd.transform(p)
			if !ok || rd.failed || !rd.checkPattern(p.get("Pattern"), "Pattern", pattern) {
				continue
			}
			t.f.Triggers.Rules = append(t.f.Triggers.Rules, trigger.Rule{Name: name, EventBus: bus, Pattern: pattern, Target: trigger.Target{StateMachine: target},
				Transform: tr, Disabled: !enabled, Source: src})
		default:
			t.f.problem(Error, t.place(ev.line, path+".Type"), m.Name, "the event type %q is not one a state machine takes (Schedule, ScheduleV2, Api, EventBridgeRule, CloudWatchEvent)", typ)
		}
	}
}
