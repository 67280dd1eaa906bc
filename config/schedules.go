package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/baton-sh/baton/arn"
	"github.com/baton-sh/baton/schedule"
	"github.com/baton-sh/baton/trigger"
)

// Schedule is a schedule of baton serve, under schedules: in baton.yaml,
// keyed by its name:
//
//	schedules:
//	  nightly-report:
//	    expression: cron(0 2 * * ? *)   # rate(...), cron(...) or at(...)
//	    timezone: Europe/Paris          # default UTC
//	    stateMachine: report            # a name (the server's account, us-east-1) or an ARN
//	    input: {kind: nightly}          # YAML or JSON text; default {}
//	    window: 15m                     # flexible time window, whole minutes; default off
//	    start: 2027-01-01T00:00:00Z     # no due time before (a rate counts from it)
//	    end: 2027-12-31T23:59:59Z       # none after
//	    enabled: false                  # kept, never fires; default true
//	    missed: skip                    # due times missed while no server ran: fire-once (default) or skip
type Schedule struct {
	Expression   string   `yaml:"expression"`
	Timezone     string   `yaml:"timezone"`
	StateMachine string   `yaml:"stateMachine"`
	Input        JSON     `yaml:"input"`
	Window       Duration `yaml:"window"`
	Start        string   `yaml:"start"`
	End          string   `yaml:"end"`
	Enabled      *bool    `yaml:"enabled"`
	Missed       string   `yaml:"missed"`

	// trigger is the schedule as the server takes it, made by check.
	trigger trigger.Schedule
}

// JSON is a value given as YAML (a mapping, a list, a number...) or as
// JSON text in a string, kept as JSON text.
type JSON string

// UnmarshalYAML reads a YAML value as JSON text.
func (j *JSON) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str" {
		*j = JSON(n.Value)
		return nil
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return err
	}
	// Not escaped for HTML: Scheduler's <aws.scheduler.*> keywords must
	// stay as written.
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("line %d: this value cannot be written as JSON: %v", n.Line, err)
	}
	*j = JSON(strings.TrimSuffix(b.String(), "\n"))
	return nil
}

// scheduleName is EventBridge Scheduler's rule for a schedule's name.
var scheduleName = regexp.MustCompile(`^[0-9a-zA-Z._-]{1,64}$`)

// contextAttribute is one of Scheduler's <aws.scheduler.*> keywords.
var contextAttribute = regexp.MustCompile(`<aws\.scheduler\.[a-z-]+>`)

// checkSchedules checks every schedule and makes its trigger.
func (c *Config) checkSchedules() []string {
	var problems []string
	for _, name := range sortedKeys(c.Schedules) {
		key := "schedules." + name
		s := c.Schedules[name]
		if s == nil {
			problems = append(problems, key+": give at least its expression and stateMachine")
			continue
		}
		if !scheduleName.MatchString(name) {
			problems = append(problems, key+": a schedule's name is 1 to 64 letters, digits, '.', '_' or '-'")
		}
		t := trigger.Schedule{Name: name, Expression: s.Expression, Timezone: s.Timezone, Target: trigger.Target{StateMachine: s.StateMachine, Input: string(s.Input)},
			Disabled: s.Enabled != nil && !*s.Enabled, Source: key}
		loc := time.UTC
		if l, err := time.LoadLocation(s.Timezone); err == nil && s.Timezone != "Local" {
			loc = l
		}
		var err error
		if t.Start, err = parseTime(s.Start, loc); err != nil {
			problems = append(problems, key+".start: "+err.Error())
		}
		if t.End, err = parseTime(s.End, loc); err != nil {
			problems = append(problems, key+".end: "+err.Error())
		}
		switch {
		case s.Expression == "":
			problems = append(problems, key+".expression: missing: rate(...), cron(...) or at(...)")
		default:
			if _, err := schedule.Parse(s.Expression, schedule.Options{Timezone: s.Timezone, Start: t.Start, End: t.End}); err != nil {
				field := "expression"
				var se *schedule.Error
				if errors.As(err, &se) && se.Field == "timezone" {
					field = "timezone"
				} else if errors.As(err, &se) && strings.Contains(se.Reason, "EndDate") {
					field = "end"
				}
				problems = append(problems, key+"."+field+": "+err.Error())
			}
		}
		if w := time.Duration(s.Window); w != 0 {
			if w%time.Minute != 0 || w < time.Minute || w > 24*time.Hour {
				problems = append(problems, fmt.Sprintf("%s.window: %s is not a whole number of minutes from 1m to 24h (1440m)", key, w))
			}
			t.WindowMinutes = int(w / time.Minute)
		}
		switch {
		case s.StateMachine == "":
			problems = append(problems, key+".stateMachine: missing: the name or ARN of the state machine it starts")
		case strings.HasPrefix(s.StateMachine, "arn:"):
			if a, err := arn.Parse(s.StateMachine); err != nil || (a.Kind != arn.StateMachine && a.Kind != arn.Version && a.Kind != arn.Alias) {
				problems = append(problems, fmt.Sprintf("%s.stateMachine: %q is not the ARN of a state machine, a version or an alias", key, s.StateMachine))
			}
		case !arn.ValidName(s.StateMachine):
			problems = append(problems, fmt.Sprintf("%s.stateMachine: %q is not a state machine's name", key, s.StateMachine))
		}
		if s.Input != "" {
			// Scheduler's keywords are replaced as text before the input is
			// read, so one may stand for a number outside quotes.
			if !json.Valid([]byte(contextAttribute.ReplaceAllString(string(s.Input), "1"))) {
				problems = append(problems, key+".input: not JSON: give YAML, or JSON text in a string")
			}
		}
		switch s.Missed {
		case "", "fire-once":
		case "skip":
			t.Missed = trigger.Skip
		default:
			problems = append(problems, fmt.Sprintf("%s.missed: %q is not fire-once or skip", key, s.Missed))
		}
		s.trigger = t
	}
	return problems
}

// parseTime reads a start or end date: RFC 3339, or a date and time
// without an offset, read on the schedule's clocks.
func parseTime(s string, loc *time.Location) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date such as 2027-01-01T09:00:00Z or 2027-01-01T09:00:00 (on the schedule's clocks)", s)
}

// Triggers returns what the file declares that starts executions: its
// schedules (by name), HTTP triggers and rules, each Source naming file
// and key.
func (c *Config) Triggers(file string) trigger.Set {
	var set trigger.Set
	for _, name := range sortedKeys(c.Schedules) {
		set.Schedules = append(set.Schedules, c.Schedules[name].trigger)
	}
	c.httpAndRules(&set)
	if file != "" {
		for i := range set.Schedules {
			set.Schedules[i].Source = file + ": " + set.Schedules[i].Source
		}
		for i := range set.HTTP {
			set.HTTP[i].Source = file + ": " + set.HTTP[i].Source
		}
		for i := range set.Rules {
			set.Rules[i].Source = file + ": " + set.Rules[i].Source
		}
	}
	return set
}
