package schedule

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

var fuzzZones = []string{"", "America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kolkata", "Pacific/Apia", "America/Sao_Paulo"}

// firstShown says whether t is the first instant at which the clocks of its
// zone show its reading: no instant up to three hours earlier (every offset
// change since 1970 is smaller) shows the same reading. Written apart from
// wall.instant, to check it.
func firstShown(t time.Time) bool {
	w := wallOf(t)
	for d := 15 * time.Minute; d <= 3*time.Hour; d += 15 * time.Minute {
		if wallOf(t.Add(-d)) == w {
			return false
		}
	}
	return true
}

// bruteNext finds the next due time of a cron schedule minute by minute,
// up to limit; ok is false when there is none before it.
func bruteNext(s *Schedule, after, limit time.Time) (time.Time, bool) {
	t := after.Truncate(time.Minute).Add(time.Minute)
	for ; !t.After(limit); t = t.Add(time.Minute) {
		lt := t.In(s.loc)
		w := wallOf(lt)
		c := s.cron
		if w.sec == 0 && c.minutes&(1<<w.minute) != 0 && c.hours&(1<<w.hour) != 0 &&
			c.months&(1<<w.month) != 0 && c.hasYear(w.year) &&
			c.dayMatches(w.year, w.month, w.day, daysIn(w.year, w.month)) && firstShown(lt) {
			return lt, true
		}
	}
	return time.Time{}, false
}

// checkNext checks Next's contract from one instant: strictly later,
// matching, and no due time skipped (checked by brute force over spans of
// up to two days).
func checkNext(t *testing.T, s *Schedule, after time.Time) {
	t.Helper()
	for range 3 {
		next, ok := s.Next(after)
		if s.kind == Cron {
			limit := after.Add(48 * time.Hour)
			if ok && next.Before(limit) {
				limit = next
			}
			want, wok := bruteNext(s, after, limit)
			if wok != (ok && !next.After(limit)) || wok && !want.Equal(next) {
				t.Fatalf("%s in %s after %s: Next = %s %v, minute by minute %s %v", s, s.loc, after, next, ok, want, wok)
			}
		}
		if !ok {
			return
		}
		if !next.After(after) {
			t.Fatalf("%s after %s: Next = %s, not later", s, after, next)
		}
		if !s.Matches(next) {
			t.Fatalf("%s: Next = %s, which Matches says is not due", s, next)
		}
		after = next
	}
}

// TestNextAgainstBruteForce runs checkNext over many expressions, zones and
// instants (around daylight-saving changes too), with a fixed seed.
func TestNextAgainstBruteForce(t *testing.T) {
	exprs := []string{
		"cron(* * * * ? *)", "cron(0/7 * * * ? *)", "cron(30 1-3 * * ? *)", "cron(0,30 2 * * ? *)",
		"cron(15 */5 ? * MON-FRI *)", "cron(59 23 L * ? *)", "cron(0 0 LW * ? *)", "cron(0 12 15W * ? *)",
		"cron(45 1 ? * 1#1 *)", "cron(0 2 ? * 1L *)", "cron(0 0 ? * L *)", "cron(0 22-2 ? * FRI-MON *)",
		"cron(0 0 1 1 ? 2027/3)", "rate(7 minutes)", "rate(1 hour)", "at(2026-11-01T01:30:00)",
	}
	r := rand.New(rand.NewPCG(13, 4))
	base := []time.Time{
		time.Date(2026, 3, 7, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC),
		time.Date(2027, 4, 2, 0, 0, 0, 0, time.UTC), time.Date(2027, 10, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2011, 12, 28, 0, 0, 0, 0, time.UTC),
	}
	for _, expr := range exprs {
		for _, zone := range fuzzZones {
			s, err := Parse(expr, Options{Timezone: zone})
			if err != nil {
				t.Fatal(err)
			}
			for _, b := range base {
				for range 8 {
					checkNext(t, s, b.Add(time.Duration(r.Int64N(int64(96*time.Hour)))))
				}
			}
		}
	}
}

// FuzzNext: any text parses or fails with an *Error, never panics or
// hangs; a schedule's due times obey Next's contract.
func FuzzNext(f *testing.F) {
	seeds := []string{
		"rate(5 minutes)", "rate(1 day)", "cron(0 12 * * ? *)", "cron(0/15 1-3 ? * MON-FRI 2026-2030)",
		"cron(0 0 L * ? *)", "cron(0 0 LW * ? *)", "cron(0 0 1W * ? *)", "cron(0 0 ? * 6L *)",
		"cron(0 0 ? * 3#2 *)", "cron(0 0 31 2 ? *)", "cron(0 22-2 * * ? *)", "at(2026-11-01T01:30:00)",
		"cron(1,2,3 1-5/2 1/7 */3 ? 2030-2040/5)", "cron(0 0 ? * L *)", "rate(2147483647 days)",
	}
	for i, s := range seeds {
		f.Add(s, uint8(i), int64(1_790_000_000+i*1_000_003))
	}
	f.Fuzz(func(t *testing.T, expr string, zone uint8, sec int64) {
		s, err := Parse(expr, Options{Timezone: fuzzZones[int(zone)%len(fuzzZones)]})
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || !strings.HasPrefix(err.Error(), "Invalid ") {
				t.Fatalf("Parse(%q): %v (%T)", expr, err, err)
			}
			return
		}
		// From 1960 to 2210: before and after the years cron may name.
		const lo, span = -315_619_200, 7_890_000_000
		sec = lo + (sec%span+span)%span
		checkNext(t, s, time.Unix(sec, 0))
	})
}
