package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/baton-sh/baton/store"
)

func schedule(name, fp string, due time.Time) *store.ScheduleRecord {
	return &store.ScheduleRecord{Name: name, Fingerprint: fp, Seen: t0, Due: due, FireAt: due}
}

// testSchedules: a record is inserted once, kept while its fingerprint
// holds and replaced (its history kept) when it changes; claims go to one
// node at a time and run out; updates hold only under the claim.
func testSchedules(t *testing.T, db Database) {
	s := db(t)
	if _, ok, err := s.NextScheduleTime(ctx); err != nil || ok {
		t.Fatalf("next time of no schedules: %v %v", ok, err)
	}
	got, err := s.SyncSchedule(ctx, schedule("a", "f1", t0.Add(time.Minute)))
	must(t, err)
	if got.Name != "a" || !got.Due.Equal(t0.Add(time.Minute)) || !got.Seen.Equal(t0) || got.ClaimedBy != "" {
		t.Fatalf("inserted: %+v", got)
	}
	// Same fingerprint: what is stored stays.
	again := schedule("a", "f1", t0.Add(time.Hour))
	again.Seen = t0.Add(time.Hour)
	got, err = s.SyncSchedule(ctx, again)
	must(t, err)
	if !got.Due.Equal(t0.Add(time.Minute)) || !got.Seen.Equal(t0) {
		t.Fatalf("synced with the same fingerprint: %+v", got)
	}
	_, err = s.SyncSchedule(ctx, schedule("b", "f1", time.Time{})) // no due time: never claimed
	must(t, err)
	_, err = s.SyncSchedule(ctx, schedule("c", "f1", t0.Add(2*time.Minute)))
	must(t, err)
	next, ok, err := s.NextScheduleTime(ctx)
	must(t, err)
	if !ok || !next.Equal(t0.Add(time.Minute)) {
		t.Fatalf("next time %v %v", next, ok)
	}

	// Nothing is claimable before its time.
	if c, err := s.ClaimSchedules(ctx, "n1", t0, t0.Add(time.Minute), 10); err != nil || len(c) != 0 {
		t.Fatalf("claimed early: %+v %v", c, err)
	}
	now := t0.Add(5 * time.Minute)
	claimed, err := s.ClaimSchedules(ctx, "n1", now, now.Add(time.Minute), 10)
	must(t, err)
	if len(claimed) != 2 || claimed[0].Name != "a" || claimed[1].Name != "c" || claimed[0].ClaimedBy != "n1" || !claimed[0].ClaimedUntil.Equal(now.Add(time.Minute)) {
		t.Fatalf("claimed: %+v", claimed)
	}
	if c, err := s.ClaimSchedules(ctx, "n2", now, now.Add(time.Minute), 10); err != nil || len(c) != 0 {
		t.Fatalf("claimed twice: %+v %v", c, err)
	}
	// The next claimable time is the claim's end.
	next, _, err = s.NextScheduleTime(ctx)
	must(t, err)
	if !next.Equal(now.Add(time.Minute)) {
		t.Errorf("next time under claims: %v", next)
	}

	// An update under the claim moves the due time on.
	a := claimed[0]
	fired := *a
	fired.Due, fired.FireAt = t0.Add(time.Hour), t0.Add(time.Hour+30*time.Second)
	fired.LastDue, fired.LastFired, fired.LastExecution = a.Due, now, "arn:exec:a"
	fired.ClaimedUntil = time.Time{}
	if err := s.UpdateSchedule(ctx, "n2", a.Due, &fired); !errors.Is(err, store.ErrConflict) {
		t.Errorf("update without the claim: %v", err)
	}
	must(t, s.UpdateSchedule(ctx, "n1", a.Due, &fired))
	if err := s.UpdateSchedule(ctx, "n1", a.Due, &fired); !errors.Is(err, store.ErrConflict) {
		t.Errorf("update from a due time already moved on: %v", err)
	}
	// A claim that ran out is taken by another node, and the first one's
	// update then fails.
	later := now.Add(2 * time.Minute)
	c2, err := s.ClaimSchedules(ctx, "n2", later, later.Add(time.Minute), 10)
	must(t, err)
	if len(c2) != 1 || c2[0].Name != "c" || c2[0].ClaimedBy != "n2" {
		t.Fatalf("claims after the first ran out: %+v", c2)
	}
	cUpd := *claimed[1]
	cUpd.Due = time.Time{}
	if err := s.UpdateSchedule(ctx, "n1", claimed[1].Due, &cUpd); !errors.Is(err, store.ErrConflict) {
		t.Errorf("update under a claim another node took: %v", err)
	}

	// A new fingerprint replaces the record, keeping what happened last.
	changed := schedule("a", "f2", t0.Add(3*time.Hour))
	changed.Seen = t0.Add(2 * time.Hour)
	got, err = s.SyncSchedule(ctx, changed)
	must(t, err)
	if got.Fingerprint != "f2" || !got.Due.Equal(t0.Add(3*time.Hour)) || !got.Seen.Equal(t0.Add(2*time.Hour)) ||
		got.LastExecution != "arn:exec:a" || !got.LastDue.Equal(t0.Add(time.Minute)) || !got.LastFired.Equal(now) || got.ClaimedBy != "" {
		t.Fatalf("replaced: %+v", got)
	}
	// An update made for the old definition fails.
	old := fired
	if err := s.UpdateSchedule(ctx, "n1", fired.Due, &old); !errors.Is(err, store.ErrConflict) {
		t.Errorf("update of a replaced definition: %v", err)
	}

	all, err := s.ListSchedules(ctx)
	must(t, err)
	var names []string
	for _, r := range all {
		names = append(names, r.Name)
	}
	if fmt.Sprint(names) != "[a b c]" {
		t.Fatalf("listed %v", names)
	}
	must(t, s.DeleteSchedule(ctx, "b"))
	must(t, s.DeleteSchedule(ctx, "b"))
	all, err = s.ListSchedules(ctx)
	must(t, err)
	if len(all) != 2 {
		t.Errorf("after a delete: %d records", len(all))
	}
}

// testScheduleClaimRace: claimers over one database race for many due
// schedules; each due time goes to exactly one of them.
func testScheduleClaimRace(t *testing.T, db Database) {
	a, b := db(t), db(t)
	const n = 60
	for i := range n {
		_, err := a.SyncSchedule(ctx, schedule(fmt.Sprintf("s%02d", i), "f", t0.Add(time.Duration(i)*time.Millisecond)))
		must(t, err)
	}
	now := t0.Add(time.Second)
	claimRace(t, []store.Store{a, b, a, b}, n, func(w int, s store.Store) ([]string, error) {
		node := fmt.Sprintf("node%d", w)
		claimed, err := s.ClaimSchedules(ctx, node, now, now.Add(time.Minute), 4)
		var names []string
		for _, r := range claimed {
			names = append(names, r.Name)
			done := *r
			done.Due, done.FireAt, done.LastDue = time.Time{}, time.Time{}, r.Due
			if err := s.UpdateSchedule(ctx, node, r.Due, &done); err != nil {
				t.Errorf("%s: %v", r.Name, err)
			}
		}
		return names, err
	})
}
