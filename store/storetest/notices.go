package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/baton-sh/baton/store"
)

// Notices are written with their step, atomically, read when due, retried
// later, and gone once delivered.
func testNotices(t *testing.T, db Database) {
	s := db(t)
	l := lease(t, s, "n1")
	e := execution("arn:e:n", "arn:sm", t0)
	n := func(target, body string, due time.Time) store.Notice {
		return store.Notice{Target: target, Body: []byte(body), Created: t0, Due: due}
	}
	commit(t, s, &store.Step{Create: true, Lease: l, Execution: e, Inputs: input(1),
		Notices: []store.Notice{n("http://a", `{"status":"RUNNING"}`, t0), n("http://b", `{"status":"RUNNING"}`, t0.Add(time.Second))}})
	// A step that fails writes none of its notices.
	errs := s.Commit(ctx, []*store.Step{{Execution: e, Lease: l, ExpectSeq: 7, Inputs: input(8), Notices: []store.Notice{n("http://a", `{"lost":true}`, t0)}}})
	if errs[0] == nil {
		t.Fatal("a step that should conflict was written")
	}
	due, err := s.DueNotices(ctx, t0, 10)
	must(t, err)
	if len(due) != 1 || due[0].Target != "http://a" || string(due[0].Body) != `{"status":"RUNNING"}` || due[0].Attempts != 0 || !due[0].Created.Equal(t0) {
		t.Fatalf("due at t0: %+v", due)
	}
	all, err := s.DueNotices(ctx, t0.Add(time.Hour), 10)
	must(t, err)
	if len(all) != 2 || all[0].ID != due[0].ID {
		t.Fatalf("due later: %+v", all)
	}
	// A failed attempt moves it on; a delivered one is gone.
	must(t, s.NoticeFailed(ctx, all[0].ID, t0.Add(time.Minute)))
	must(t, s.NoticeDelivered(ctx, all[1].ID))
	must(t, s.NoticeDelivered(ctx, all[1].ID)) // twice: no error
	got, err := s.DueNotices(ctx, t0.Add(time.Hour), 10)
	must(t, err)
	if fmt.Sprint(len(got)) != "1" || got[0].Attempts != 1 || !got[0].Due.Equal(t0.Add(time.Minute)) {
		t.Fatalf("after one failure and one delivery: %+v", got)
	}
	if early, err := s.DueNotices(ctx, t0.Add(time.Second), 10); err != nil || len(early) != 0 {
		t.Errorf("before its new time: %+v %v", early, err)
	}
}

// testClaimNotices: a claimed notice is not due again until its claim
// runs out, and two claimers never take the same one.
func testClaimNotices(t *testing.T, db Database) {
	a, b := db(t), db(t)
	l := lease(t, a, "n1")
	e := execution("arn:e:cn", "arn:sm", t0)
	var ns []store.Notice
	for i := range 50 {
		ns = append(ns, store.Notice{Target: "http://x", Body: []byte(fmt.Sprint(i)), Created: t0, Due: t0})
	}
	commit(t, a, &store.Step{Create: true, Lease: l, Execution: e, Inputs: input(1), Notices: ns})
	until := t0.Add(time.Minute)
	claimRace(t, []store.Store{a, b, a, b}, 50, func(_ int, s store.Store) ([]int64, error) {
		got, err := s.ClaimNotices(ctx, t0, until, 7)
		ids := make([]int64, len(got))
		for i, n := range got {
			ids[i] = n.ID
		}
		return ids, err
	})
	if again, err := a.ClaimNotices(ctx, until.Add(-time.Nanosecond), until.Add(time.Hour), 100); err != nil || len(again) != 0 {
		t.Errorf("claimed again before the claim ran out: %d %v", len(again), err)
	}
	if again, err := b.ClaimNotices(ctx, until, until.Add(time.Hour), 100); err != nil || len(again) != 50 || again[0].ID > again[1].ID {
		t.Errorf("claimed again once the claim ran out: %d %v", len(again), err)
	}
}
