package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/baton-sh/baton/config"
	"github.com/baton-sh/baton/console"
	"github.com/baton-sh/baton/engine"
	"github.com/baton-sh/baton/infra"
	"github.com/baton-sh/baton/scheduler"
	"github.com/baton-sh/baton/store"
	"github.com/baton-sh/baton/trigger"
)

// crashAfterScheduledStart names a variable for the durability test only:
// set to 1, the server kills itself (SIGKILL) right after a schedule's
// execution started and before the schedule recorded it, the one instant
// a test cannot reach from outside by timing a kill. Not documented for
// users.
const crashAfterScheduledStart = "BATON_TEST_CRASH_AFTER_SCHEDULED_START"

// startSchedules runs the schedules of the triggers in the background,
// until the returned stop. It runs with none too: the schedules removed
// from the declarations are dropped from the store then, which stops them.
func startSchedules(eng *engine.Engine, st store.Store, triggers trigger.Set, node, account string, log *slog.Logger) (*scheduler.Runner, func(), error) {
	o := scheduler.Options{Store: st, Engine: eng, Logger: log, Node: node, Account: account}
	if os.Getenv(crashAfterScheduledStart) == "1" {
		o.Started = func(string, time.Time) { syscall.Kill(os.Getpid(), syscall.SIGKILL) } //nolint:errcheck // the process ends here
	}
	r, err := scheduler.New(triggers.Schedules, o)
	if err != nil {
		return nil, nil, usageError("serve: %v", err)
	}
	r.Start()
	return r, r.Close, nil
}

// cmdSchedules lists the schedules of a baton.yaml with their next due
// times, and with --endpoint what a running server says of them.
func cmdSchedules(args []string, stdout, _ io.Writer) error {
	fs := flag.NewFlagSet("schedules", flag.ContinueOnError)
	configFile := fs.String("config", "baton.yaml", "the baton.yaml that declares the schedules")
	count := fs.Int("count", 3, "how many next due times to show per schedule")
	after := fs.String("after", "", "show the due times after this time (RFC 3339) instead of after now")
	endpoint := fs.String("endpoint", "", "a running baton serve's URL: show when it last fired each schedule and when it is next due")
	asJSON := fs.Bool("json", false, "print JSON")
	rest, err := parseFlags(fs, args)
	if err != nil {
		if err == flag.ErrHelp {
			fmt.Fprint(stdout, helpText(fs, "baton schedules [--config baton.yaml] [--count N] [--endpoint URL] [--json] [INFRASTRUCTURE-FILE...]"))
		}
		return err
	}

	if *count < 0 || *count > 1000 {
		return usageError("schedules: --count is from 0 to 1000")
	}
	now := time.Now()
	if *after != "" {
		if now, err = time.Parse(time.RFC3339, *after); err != nil {
			return usageError("schedules: --after %q is not a time such as 2027-01-01T00:00:00Z", *after)
		}
	}
	// The schedules of baton.yaml, and of the infrastructure files named
	// (serverless.yml, SAM, CloudFormation, cdk.out), as serve --deploy
	// reads them. With files named, a baton.yaml not asked for by name is
	// read only if it is there.
	var declared []trigger.Schedule
	configSet := false
	fs.Visit(func(f *flag.Flag) { configSet = configSet || f.Name == "config" })
	if _, statErr := os.Stat(*configFile); len(rest) == 0 || configSet || statErr == nil {
		cfg, err := config.Load(*configFile)
		if err != nil {
			return usageError("schedules: %v", err)
		}
		declared = cfg.Triggers(*configFile).Schedules
	}
	for _, file := range rest {
		f, err := infra.Load(file, infra.Options{})
		if err != nil {
			return usageError("schedules: %v", err)
		}
		declared = append(declared, f.Triggers.Schedules...)
	}
	var remote map[string]serverSchedule
	if *endpoint != "" {
		if remote, err = fetchSchedules(*endpoint); err != nil {
			return &exitError{code: 1, msg: "schedules: " + err.Error()}
		}
	}
	var out []listedSchedule
	for _, s := range declared {
		l := listedSchedule{Name: s.Name, Expression: s.Expression, Timezone: s.Timezone, StateMachine: s.StateMachine, Enabled: !s.Disabled,
			Missed: scheduler.MissedName(s.Missed), WindowMinutes: s.WindowMinutes, Source: s.Source, Next: []time.Time{}}
		if l.Timezone == "" {
			l.Timezone = "UTC"
		}
		if !s.Disabled {
			if l.Next, err = scheduler.NextTimes(s, now, *count); err != nil {
				return usageError("schedules: %s: %v", s.Source, err)
			}
		}
		l.FromNow = !s.Disabled && s.Start.IsZero() && strings.HasPrefix(s.Expression, "rate(")
		if r, ok := remote[s.Name]; ok {
			l.Server = &r
			delete(remote, s.Name)
		}
		out = append(out, l)
	}
	for name, r := range remote { // the server's alone: declared elsewhere
		r := r
		out = append(out, listedSchedule{Name: name, Expression: r.Expression, Timezone: r.Timezone, StateMachine: r.StateMachineArn, Enabled: r.Enabled,
			Missed: r.Missed, WindowMinutes: r.WindowMinutes, Source: r.Source, Next: []time.Time{}, Server: &r, ServerOnly: true})
	}
	if *asJSON {
		b, _ := json.MarshalIndent(out, "", "  ")
		fmt.Fprintln(stdout, string(b))
		return nil
	}
	if len(out) == 0 {
		fmt.Fprintln(stdout, "no schedules declared")
	}
	for i, l := range out {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		writeSchedule(stdout, l)
	}
	return nil
}

// listedSchedule is one schedule as baton schedules prints it.
type listedSchedule struct {
	Name          string          `json:"name"`
	Expression    string          `json:"expression"`
	Timezone      string          `json:"timezone"`
	StateMachine  string          `json:"stateMachine"`
	Enabled       bool            `json:"enabled"`
	Missed        string          `json:"missed"`
	WindowMinutes int             `json:"windowMinutes"`
	Source        string          `json:"source,omitempty"`
	Next          []time.Time     `json:"next"`
	FromNow       bool            `json:"rateFromNow,omitempty"`
	Server        *serverSchedule `json:"server,omitempty"`
	ServerOnly    bool            `json:"serverOnly,omitempty"`
}

// serverSchedule is a schedule as GET /console/api/schedules gives it.
type serverSchedule = console.ScheduleItem

func fetchSchedules(endpoint string) (map[string]serverSchedule, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(endpoint, "/")+"/console/api/schedules", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var body struct {
		Schedules []serverSchedule `json:"schedules"`
		Error     string           `json:"error"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(&body); err != nil {
		return nil, fmt.Errorf("%s answered %s, not the console's JSON: %v", endpoint, resp.Status, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s answered %s: %s", endpoint, resp.Status, body.Error)
	}
	out := map[string]serverSchedule{}
	for _, s := range body.Schedules {
		out[s.Name] = s
	}
	return out, nil
}

func writeSchedule(w io.Writer, l listedSchedule) {
	fmt.Fprintf(w, "%s  %s", l.Name, l.Expression)
	if l.Timezone != "UTC" {
		fmt.Fprintf(w, " (%s)", l.Timezone)
	}
	fmt.Fprintf(w, " -> %s\n", l.StateMachine)
	var notes []string
	if l.Source != "" {
		notes = append(notes, l.Source)
	}
	if !l.Enabled {
		notes = append(notes, "disabled: never fires")
	}
	if l.WindowMinutes > 0 {
		notes = append(notes, fmt.Sprintf("flexible window %d min", l.WindowMinutes))
	}
	if l.Missed == "skip" {
		notes = append(notes, "missed due times: skipped")
	}
	if l.ServerOnly {
		notes = append(notes, "declared on the server, not in this file")
	}
	if len(notes) > 0 {
		fmt.Fprintf(w, "  %s\n", strings.Join(notes, "; "))
	}
	switch {
	case !l.Enabled || l.ServerOnly:
	case len(l.Next) == 0:
		fmt.Fprintln(w, "  next: none (it fires no more)")
	default:
		for i, t := range l.Next {
			label := "next:"
			if i > 0 {
				label = "     "
			}
			fmt.Fprintf(w, "  %s %s\n", label, t.Format(time.RFC3339))
		}
		if l.FromNow {
			fmt.Fprintln(w, "        (a rate without a start counts from when the server first sees it)")
		}
	}
	if s := l.Server; s != nil {
		loc := time.UTC
		if z, err := time.LoadLocation(s.Timezone); err == nil {
			loc = z
		}
		at := func(ms *int64) string {
			if ms == nil {
				return "none"
			}
			return time.UnixMilli(*ms).In(loc).Format(time.RFC3339)
		}
		fmt.Fprintf(w, "  server: next due %s", at(s.NextDue))
		if s.FireAt != nil && s.NextDue != nil && *s.FireAt != *s.NextDue {
			fmt.Fprintf(w, " (fires at %s)", at(s.FireAt))
		}
		fmt.Fprintln(w)
		if s.LastDue != nil {
			fmt.Fprintf(w, "          last due %s, dealt with at %s", at(s.LastDue), at(s.LastFired))
			if s.LastExecutionArn != "" {
				fmt.Fprintf(w, ": %s", s.LastExecutionArn)
			}
			fmt.Fprintln(w)
		}
		if s.LastError != "" {
			fmt.Fprintf(w, "          last error: %s\n", s.LastError)
		}
	}
}
