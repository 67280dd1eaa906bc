package schedule

import (
	"testing"
	"time"
)

// at reads "2006-01-02T15:04:05" in a zone; "" is UTC.
func at(t testing.TB, zone, s string) time.Time {
	t.Helper()
	loc := time.UTC
	if zone != "" {
		var err error
		if loc, err = time.LoadLocation(zone); err != nil {
			t.Fatal(err)
		}
	}
	v, err := time.ParseInLocation("2006-01-02T15:04:05", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestNext(t *testing.T) {
	tests := []struct {
		name  string
		expr  string
		zone  string
		after string // in zone
		want  string // in UTC, "" for none
	}{
		{"daily noon", "cron(0 12 * * ? *)", "", "2026-12-01T10:00:00", "2026-12-01T12:00:00"},
		{"strictly after", "cron(0 12 * * ? *)", "", "2026-12-01T12:00:00", "2026-12-02T12:00:00"},
		{"within the due minute", "cron(0 12 * * ? *)", "", "2026-12-01T11:59:59", "2026-12-01T12:00:00"},
		{"every 15 minutes", "cron(0/15 * * * ? *)", "", "2026-12-01T10:07:30", "2026-12-01T10:15:00"},
		{"1/10 starts at minute 1", "cron(1/10 * * * ? *)", "", "2026-12-01T10:45:00", "2026-12-01T10:51:00"},
		{"into the next hour", "cron(1/10 * * * ? *)", "", "2026-12-01T10:55:00", "2026-12-01T11:01:00"},
		{"into the next year", "cron(0 0 1 1 ? *)", "", "2026-12-01T00:00:00", "2027-01-01T00:00:00"},
		{"weekdays from a Friday", "cron(0 10 ? * MON-FRI *)", "", "2026-12-04T11:00:00", "2026-12-07T10:00:00"},
		{"wrapping days of week", "cron(0 10 ? * FRI-MON *)", "", "2026-12-07T11:00:00", "2026-12-11T10:00:00"},
		{"wrapping hours", "cron(0 22-2 * * ? *)", "", "2026-12-01T03:00:00", "2026-12-01T22:00:00"},
		{"wrapping hours past midnight", "cron(0 22-2 * * ? *)", "", "2026-12-01T23:30:00", "2026-12-02T00:00:00"},
		{"quarterly", "cron(0 0 1 JAN,APR,JUL,OCT ? *)", "", "2026-12-01T00:00:00", "2027-01-01T00:00:00"},
		{"month increment", "cron(0 0 1 2/3 ? *)", "", "2026-05-02T00:00:00", "2026-08-01T00:00:00"},
		{"31st skips short months", "cron(0 0 31 * ? *)", "", "2026-03-31T00:00:00", "2026-05-31T00:00:00"},
		// L, W, #
		{"last day, leap year", "cron(0 0 L * ? *)", "", "2028-02-01T00:00:00", "2028-02-29T00:00:00"},
		{"last day, common year", "cron(0 0 L * ? *)", "", "2027-02-01T00:00:00", "2027-02-28T00:00:00"},
		{"last day of a 30-day month", "cron(0 0 L * ? *)", "", "2026-11-29T00:00:00", "2026-11-30T00:00:00"},
		{"29 February", "cron(0 0 29 2 ? *)", "", "2026-03-01T00:00:00", "2028-02-29T00:00:00"},
		{"29 February in 2100 (not a leap year)", "cron(0 0 29 2 ? *)", "", "2096-03-01T00:00:00", "2104-02-29T00:00:00"},
		{"15W on a Saturday", "cron(0 0 15W * ? *)", "", "2027-05-01T00:00:00", "2027-05-14T00:00:00"},
		{"15W on a Sunday", "cron(0 0 15W * ? *)", "", "2026-11-01T00:00:00", "2026-11-16T00:00:00"},
		{"15W on a weekday", "cron(0 0 15W * ? *)", "", "2026-12-01T00:00:00", "2026-12-15T00:00:00"},
		{"1W on a Saturday stays in the month", "cron(0 0 1W * ? *)", "", "2027-04-30T00:00:00", "2027-05-03T00:00:00"},
		{"1W on a Sunday", "cron(0 0 1W * ? *)", "", "2026-10-30T00:00:00", "2026-11-02T00:00:00"},
		{"31W skips 30-day months", "cron(0 0 31W * ? *)", "", "2026-11-01T00:00:00", "2026-12-31T00:00:00"},
		{"31W on a Sunday stays in the month", "cron(0 0 31W * ? *)", "", "2027-01-01T00:00:00", "2027-01-29T00:00:00"},
		{"LW on a Sunday", "cron(0 0 LW * ? *)", "", "2027-01-15T00:00:00", "2027-01-29T00:00:00"},
		{"LW in a February", "cron(0 0 LW * ? *)", "", "2027-02-01T00:00:00", "2027-02-26T00:00:00"},
		{"second Tuesday", "cron(0 0 ? * 3#2 *)", "", "2026-12-01T00:00:00", "2026-12-08T00:00:00"},
		{"first Tuesday, on it", "cron(0 9 ? * TUE#1 *)", "", "2026-12-01T00:00:00", "2026-12-01T09:00:00"},
		{"fifth Saturday skips months", "cron(0 0 ? * 7#5 *)", "", "2026-12-01T00:00:00", "2027-01-30T00:00:00"},
		{"last Friday", "cron(0 0 ? * 6L *)", "", "2026-12-01T00:00:00", "2026-12-25T00:00:00"},
		{"L is Saturday", "cron(0 0 ? * L *)", "", "2026-12-01T00:00:00", "2026-12-05T00:00:00"},
		// the year field
		{"a year ahead", "cron(0 0 1 1 ? 2030)", "", "2026-12-01T00:00:00", "2030-01-01T00:00:00"},
		{"a year passed", "cron(0 0 1 1 ? 2030)", "", "2030-01-01T00:00:00", ""},
		{"year increments", "cron(0 0 1 1 ? 2027/5)", "", "2027-06-01T00:00:00", "2032-01-01T00:00:00"},
		{"the last year", "cron(59 23 31 12 ? 2199)", "", "2199-12-31T23:58:00", "2199-12-31T23:59:00"},
		{"after the last year", "cron(* * * * ? *)", "", "2199-12-31T23:59:00", ""},
		{"before 1970", "cron(0 0 1 1 ? *)", "", "1900-06-01T00:00:00", "1970-01-01T00:00:00"},
		{"never", "cron(0 0 31 2 ? *)", "", "2026-01-01T00:00:00", ""},
		{"never: 30 February", "cron(0 0 30 FEB ? *)", "", "2026-01-01T00:00:00", ""},
		{"never: a fifth Monday in February of a common year", "cron(0 0 ? 2 2#5 2027)", "", "2026-01-01T00:00:00", ""},
		{"31 April in a leap year list", "cron(0 0 31 4 ? 2028)", "", "2026-01-01T00:00:00", ""},
		// time zones
		{"in a zone", "cron(0 9 * * ? *)", "Europe/Paris", "2026-12-01T10:00:00", "2026-12-02T08:00:00"},
		{"in a zone in summer", "cron(0 9 * * ? *)", "Europe/Paris", "2027-07-01T10:00:00", "2027-07-02T07:00:00"},
		{"a half-hour zone", "cron(0 9 * * ? *)", "Asia/Kolkata", "2026-12-01T10:00:00", "2026-12-02T03:30:00"},
		{"a day the zone's calendar skips", "cron(0 12 * * ? *)", "Pacific/Apia", "2011-12-29T13:00:00", "2011-12-30T22:00:00"}, // 31 December, +14
		{"only on the skipped day", "cron(0 12 30 12 ? 2011)", "Pacific/Apia", "2011-12-29T13:00:00", ""},
		// daylight-saving time (New York: 8 March and 1 November 2026)
		{"spring: the time does not exist, skipped", "cron(30 2 * * ? *)", "America/New_York", "2026-03-07T12:00:00", "2026-03-09T06:30:00"},
		{"spring: the hour after the gap", "cron(30 3 * * ? *)", "America/New_York", "2026-03-07T12:00:00", "2026-03-08T07:30:00"},
		{"spring: every 30 minutes across the gap", "cron(0/30 * * * ? *)", "America/New_York", "2026-03-08T01:45:00", "2026-03-08T07:00:00"},
		{"autumn: the first of two", "cron(30 1 * * ? *)", "America/New_York", "2026-11-01T00:00:00", "2026-11-01T05:30:00"},
		{"autumn: not repeated", "cron(30 1 * * ? *)", "America/New_York", "2026-11-01T01:30:00", "2026-11-02T06:30:00"},
		{"autumn: every 30 minutes does not repeat the hour", "cron(0/30 * * * ? *)", "America/New_York", "2026-11-01T01:45:00", "2026-11-01T07:00:00"},
		{"autumn: hourly", "cron(0 * * * ? *)", "America/New_York", "2026-11-01T00:30:00", "2026-11-01T05:00:00"},
		{"London spring", "cron(30 1 * * ? *)", "Europe/London", "2027-03-27T12:00:00", "2027-03-29T00:30:00"},
		{"London autumn", "cron(30 1 * * ? *)", "Europe/London", "2027-10-31T00:00:00", "2027-10-31T00:30:00"},
		{"Lord Howe: half-hour shift, autumn", "cron(45 1 * * ? *)", "Australia/Lord_Howe", "2027-04-04T00:00:00", "2027-04-03T14:45:00"},
		{"Lord Howe: half-hour shift, spring", "cron(15 2 * * ? *)", "Australia/Lord_Howe", "2027-10-03T00:00:00", "2027-10-03T15:15:00"}, // the 4th, +11
		// rate: counted from the epoch without a start
		{"rate from the epoch", "rate(5 minutes)", "", "2026-12-01T10:02:00", "2026-12-01T10:05:00"},
		{"rate on a due time", "rate(5 minutes)", "", "2026-12-01T10:05:00", "2026-12-01T10:10:00"},
		{"rate of hours", "rate(7 hours)", "", "1970-01-01T13:59:59", "1970-01-01T14:00:00"},
		{"rate before the epoch", "rate(1 day)", "", "1969-06-01T00:00:00", "1970-01-01T00:00:00"},
		{"rate of days ignores the zone", "rate(1 day)", "America/New_York", "2026-03-08T00:00:00", "2026-03-09T00:00:00"},
		// at
		{"at", "at(2027-01-01T09:00:00)", "", "2026-12-01T00:00:00", "2027-01-01T09:00:00"},
		{"at in a zone", "at(2027-01-01T09:00:00)", "Europe/Paris", "2026-12-01T00:00:00", "2027-01-01T08:00:00"},
		{"at passed", "at(2027-01-01T09:00:00)", "", "2027-01-01T09:00:00", ""},
		{"at with seconds", "at(2027-01-01T09:00:30)", "", "2027-01-01T09:00:29", "2027-01-01T09:00:30"},
		{"at in a gap never fires", "at(2026-03-08T02:30:00)", "America/New_York", "2026-01-01T00:00:00", ""},
		{"at twice: the first", "at(2026-11-01T01:30:00)", "America/New_York", "2026-01-01T00:00:00", "2026-11-01T05:30:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse(tt.expr, Options{Timezone: tt.zone})
			if err != nil {
				t.Fatal(err)
			}
			after := at(t, tt.zone, tt.after)
			got, ok := s.Next(after)
			if tt.want == "" {
				if ok {
					t.Fatalf("%s after %s = %s, want none", tt.expr, after, got.UTC())
				}
				return
			}
			want := at(t, "", tt.want)
			if !ok || !got.Equal(want) {
				t.Fatalf("%s after %s = %s %v, want %s", tt.expr, after, got.UTC(), ok, want)
			}
			if got.Location() != s.Location() {
				t.Errorf("time in %v, want the schedule's zone %v", got.Location(), s.Location())
			}
			if !s.Matches(got) {
				t.Errorf("Matches(%s) = false", got)
			}
		})
	}
}

// TestNextSequence follows a schedule through several due times, across
// daylight-saving changes in both directions.
func TestNextSequence(t *testing.T) {
	tests := []struct {
		expr, zone, from string
		want             []string // UTC
	}{
		{"cron(0 0/1 * * ? *)", "America/New_York", "2026-11-01T00:30:00", []string{
			"2026-11-01T05:00:00", // 01:00 EDT
			"2026-11-01T07:00:00", // 02:00 EST: 01:00 EST is not repeated
			"2026-11-01T08:00:00",
		}},
		{"cron(0 * * * ? *)", "America/New_York", "2026-03-08T00:30:00", []string{
			"2026-03-08T06:00:00", // 01:00 EST
			"2026-03-08T07:00:00", // 03:00 EDT: 02:00 does not exist
			"2026-03-08T08:00:00",
		}},
		{"cron(0 10 ? * 2#1,3#1 *)", "", "2026-12-01T00:00:00", nil}, // invalid, checked below
		{"rate(90 minutes)", "", "2026-12-01T23:00:00", []string{
			"2026-12-02T00:00:00", "2026-12-02T01:30:00", "2026-12-02T03:00:00",
		}},
		{"cron(0 12 ? * 6L 2026-2027)", "", "2026-10-01T00:00:00", []string{
			"2026-10-30T12:00:00", "2026-11-27T12:00:00", "2026-12-25T12:00:00", "2027-01-29T12:00:00",
		}},
	}
	for _, tt := range tests {
		s, err := Parse(tt.expr, Options{Timezone: tt.zone})
		if tt.want == nil {
			if err == nil {
				t.Errorf("Parse(%q) succeeded, want an error", tt.expr)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		cur := at(t, tt.zone, tt.from)
		for i, w := range tt.want {
			next, ok := s.Next(cur)
			if !ok || !next.Equal(at(t, "", w)) {
				t.Fatalf("%s: due time %d = %s %v, want %s", tt.expr, i, next.UTC(), ok, w)
			}
			cur = next
		}
	}
}

func TestStartAndEnd(t *testing.T) {
	start := at(t, "", "2026-12-01T10:02:30")
	end := at(t, "", "2026-12-01T10:20:00")
	tests := []struct {
		expr, after, want string
	}{
		{"rate(5 minutes)", "2026-01-01T00:00:00", "2026-12-01T10:02:30"}, // the start itself
		{"rate(5 minutes)", "2026-12-01T10:02:30", "2026-12-01T10:07:30"},
		{"rate(5 minutes)", "2026-12-01T10:12:31", "2026-12-01T10:17:30"},
		{"rate(5 minutes)", "2026-12-01T10:17:30", ""}, // 10:22:30 is after the end
		{"cron(0/10 * * * ? *)", "2026-01-01T00:00:00", "2026-12-01T10:10:00"},
		{"cron(0/10 * * * ? *)", "2026-12-01T10:10:00", "2026-12-01T10:20:00"}, // the end itself
		{"cron(0/10 * * * ? *)", "2026-12-01T10:20:00", ""},
		{"at(2026-12-01T10:00:00)", "2026-01-01T00:00:00", ""}, // before the start
	}
	for _, tt := range tests {
		s, err := Parse(tt.expr, Options{Start: start, End: end})
		if err != nil {
			t.Fatal(err)
		}
		got, ok := s.Next(at(t, "", tt.after))
		if tt.want == "" {
			if ok {
				t.Errorf("%s after %s = %s, want none", tt.expr, tt.after, got)
			}
			continue
		}
		if !ok || !got.Equal(at(t, "", tt.want)) {
			t.Errorf("%s after %s = %s %v, want %s", tt.expr, tt.after, got, ok, tt.want)
		}
	}
}

// TestRateSubSecondStart: a start with a fraction of a second keeps it,
// and an instant a fraction before a due time still gets that due time.
func TestRateSubSecondStart(t *testing.T) {
	start := time.Date(2026, 12, 1, 10, 0, 0, 700_000_000, time.UTC)
	s, err := Parse("rate(1 minute)", Options{Start: start})
	if err != nil {
		t.Fatal(err)
	}
	due := start.Add(time.Minute)
	for _, after := range []time.Time{start, due.Add(-time.Nanosecond), due.Add(-600 * time.Millisecond)} {
		if got, ok := s.Next(after); !ok || !got.Equal(due) {
			t.Errorf("after %s = %s %v, want %s", after, got, ok, due)
		}
	}
	if got, _ := s.Next(due); !got.Equal(due.Add(time.Minute)) {
		t.Errorf("after %s = %s, want a minute later", due, got)
	}
}

// TestNeverIsQuick: an expression that never fires answers false without
// walking minutes (a minute scan to 2199 would take seconds).
func TestNeverIsQuick(t *testing.T) {
	s := MustParse("cron(* * 31 2 ? *)")
	begin := time.Now()
	for range 10 {
		if _, ok := s.Next(time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)); ok {
			t.Fatal("a 31st of February")
		}
	}
	if d := time.Since(begin); d > 2*time.Second {
		t.Errorf("10 searches took %s", d)
	}
}

func BenchmarkNext(b *testing.B) {
	for _, expr := range []string{"cron(0/5 * * * ? *)", "cron(0 9 ? * 2#1 *)", "cron(0 0 29 2 ? *)", "cron(0 0 31 2 ? *)"} {
		s, err := Parse(expr, Options{Timezone: "America/New_York"})
		if err != nil {
			b.Fatal(err)
		}
		after := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
		b.Run(expr, func(b *testing.B) {
			for b.Loop() {
				s.Next(after)
			}
		})
	}
}

// TestRateAtTheEndOfTime: a rate asked about an instant near the largest
// time Go has answers none rather than overflowing into the past.
func TestRateAtTheEndOfTime(t *testing.T) {
	s := MustParse("rate(7 days)")
	if got, ok := s.Next(time.Unix(maxUnix-1000, 0)); ok {
		t.Fatalf("Next = %s", got)
	}
}
