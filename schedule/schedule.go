// Package schedule reads the schedule expressions of Amazon EventBridge and
// EventBridge Scheduler — rate(5 minutes), cron(0 12 ? * MON-FRI *),
// at(2027-01-01T09:00:00) — and tells when a schedule is next due.
//
// It is pure: no clock, no goroutines. A Schedule is immutable once parsed;
// Next is computed by skipping over the fields of the wall clock of the
// schedule's time zone, never by scanning minute by minute, and gives up at
// the end of the last year a cron expression may name (2199).
//
// Daylight-saving time is handled as EventBridge Scheduler documents it: a
// wall-clock time that the clocks skip in spring is not invoked, and one
// that the clocks show twice in autumn is invoked once, the first time.
// Rate schedules count fixed durations (a day is 24 hours) from their start.
package schedule

import (
	"strings"
	"time"
	_ "time/tzdata" // time zones by IANA name even where the system has none (containers)
)

// Kind says which expression a schedule was written with.
type Kind int

const (
	Rate Kind = iota + 1 // rate(value unit)
	Cron                 // cron(minutes hours day-of-month month day-of-week year)
	At                   // at(yyyy-mm-ddThh:mm:ss)
)

func (k Kind) String() string {
	switch k {
	case Rate:
		return "rate"
	case Cron:
		return "cron"
	case At:
		return "at"
	}
	return "unknown"
}

// Options are the parts of a Scheduler schedule that decide its times
// besides the expression.
type Options struct {
	// Timezone is an IANA name (ScheduleExpressionTimezone); "" is UTC.
	// cron and at expressions are read on its clocks; rates ignore it.
	Timezone string
	// Start is StartDate: nothing is due before it, and a rate counts from
	// it (the first time is Start itself). A rate without one counts from
	// the Unix epoch, so that rate(5 minutes) falls on :00, :05, ...; a
	// server sets it to the schedule's creation time, as AWS does.
	Start time.Time
	// End is EndDate: nothing is due after it. Zero means never.
	End time.Time
}

// Schedule is a parsed schedule expression. Its zero value is not usable.
type Schedule struct {
	expr  string
	kind  Kind
	loc   *time.Location
	start time.Time
	end   time.Time

	period int64 // rate: seconds
	cron   *cronExpr
	at     wall
}

// Parse reads a schedule expression. Errors are *Error.
func Parse(expr string, opts Options) (*Schedule, error) {
	loc, err := location(opts.Timezone)
	if err != nil {
		return nil, err
	}
	if !opts.End.IsZero() && !opts.Start.IsZero() && !opts.End.After(opts.Start) {
		return nil, &Error{Expression: expr, Reason: "EndDate must be after StartDate"}
	}
	s := &Schedule{expr: expr, loc: loc, start: opts.Start, end: opts.End}
	name, body, ok := call(expr)
	if !ok {
		return nil, &Error{Expression: expr, Reason: "an expression is rate(value unit), cron(fields) or at(yyyy-mm-ddThh:mm:ss)"}
	}
	switch name {
	case "rate":
		s.kind = Rate
		s.period, err = parseRate(body)
	case "cron":
		s.kind = Cron
		s.cron, err = parseCron(body)
	case "at":
		s.kind = At
		s.at, err = parseAt(body)
	default:
		return nil, &Error{Expression: expr, Reason: "unknown expression type " + quote(name) + ": use rate, cron or at"}
	}
	if err != nil {
		e := err.(*Error)
		e.Expression = expr
		return nil, e
	}
	return s, nil
}

// MustParse is Parse for expressions known to be valid; it panics otherwise.
func MustParse(expr string) *Schedule {
	s, err := Parse(expr, Options{})
	if err != nil {
		panic(err)
	}
	return s
}

// call splits "name(body)".
func call(expr string) (name, body string, ok bool) {
	open := strings.IndexByte(expr, '(')
	if open <= 0 || !strings.HasSuffix(expr, ")") {
		return "", "", false
	}
	return expr[:open], expr[open+1 : len(expr)-1], true
}

// location resolves a ScheduleExpressionTimezone.
func location(name string) (*time.Location, error) {
	if name == "" || name == "UTC" {
		return time.UTC, nil
	}
	// "Local" would make a schedule's times depend on the machine.
	if name == "Local" {
		return nil, &Error{Field: "timezone", Reason: "\"Local\" is not an IANA time zone name"}
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, &Error{Field: "timezone", Reason: quote(name) + " is not a known IANA time zone name"}
	}
	return loc, nil
}

// String returns the expression as written.
func (s *Schedule) String() string { return s.expr }

// Kind returns rate, cron or at.
func (s *Schedule) Kind() Kind { return s.kind }

// Location returns the time zone cron and at expressions are read in.
func (s *Schedule) Location() *time.Location { return s.loc }

// Next returns the first due time strictly after the given instant, and
// false when there is none (an at() already past, a cron expression with no
// time left before 2199 or before End). Times are in the schedule's zone.
func (s *Schedule) Next(after time.Time) (time.Time, bool) {
	if !s.start.IsZero() && after.Before(s.start) {
		// Due at Start itself is allowed: look from just before it.
		after = s.start.Add(-time.Nanosecond)
	}
	var t time.Time
	var ok bool
	switch s.kind {
	case Rate:
		t, ok = s.nextRate(after)
	case Cron:
		t, ok = s.cron.next(after, s.loc)
	case At:
		t, ok = s.at.instant(s.loc)
		ok = ok && t.After(after)
	}
	if !ok || (!s.end.IsZero() && t.After(s.end)) {
		return time.Time{}, false
	}
	return t.In(s.loc), true
}

// Matches says whether t is one of the schedule's due times.
func (s *Schedule) Matches(t time.Time) bool {
	n, ok := s.Next(t.Add(-time.Nanosecond))
	return ok && n.Equal(t)
}
