// Package storetest is the suite every store driver must pass: call
// Exercise from the driver's tests with a function that makes a new, empty
// database and returns how to open stores over it. Several stores over one
// database stand for several Baton nodes sharing it.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/baton-sh/baton/store"
)

// Database opens another store over the same database.
type Database func(t *testing.T) store.Store

// Exercise runs the suite. newDatabase makes an empty database; the stores
// it opens are closed by the test's cleanup.
func Exercise(t *testing.T, newDatabase func(t *testing.T) Database) {
	tests := []struct {
		name string
		f    func(t *testing.T, db Database)
	}{
		{"Resources", testResources},
		{"Executions", testExecutions},
		{"StepAtomicity", testAtomicity},
		{"Timers", testTimers},
		{"ActivityTasks", testTasks},
		{"Committer", testCommitter},
		{"Leases", testLeases},
		{"ConditionalWrites", testConditionalWrites},
		{"TimerClaimRace", testTimerRace},
		{"ActivityClaimRace", testActivityRace},
		{"Secrets", testSecrets},
		{"Ended", testEnded},
		{"Search", testSearch},
		{"Count", testCount},
		{"TaskCounts", testTaskCounts},
		{"Notices", testNotices},
		{"Inbox", testInbox},
		{"ClaimNotices", testClaimNotices},
		{"TakeVoidsTimerClaims", testTakeVoidsTimerClaims},
		{"Schedules", testSchedules},
		{"ScheduleClaimRace", testScheduleClaimRace},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.f(t, newDatabase(t))
		})
	}
}

var ctx = context.Background()

var t0 = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func commit(t *testing.T, s store.Store, steps ...*store.Step) {
	t.Helper()
	for i, err := range s.Commit(ctx, steps) {
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
}

// lease registers a node whose lease runs for an hour after t0.
func lease(t *testing.T, s store.Store, node string) store.Lease {
	t.Helper()
	l, err := s.RegisterNode(ctx, node, t0, t0.Add(time.Hour))
	must(t, err)
	return l
}

func testResources(t *testing.T, db Database) {
	s := db(t)
	r := &store.Resource{ARN: "arn:sm:a", Kind: store.KindStateMachine, Name: "a", Created: t0, Body: []byte(`{"x":1}`), Tags: map[string]string{"k": "v"}}
	must(t, s.PutResource(ctx, r, true))
	if err := s.PutResource(ctx, r, true); !errors.Is(err, store.ErrConflict) {
		t.Errorf("second create: %v", err)
	}
	got, err := s.GetResource(ctx, "arn:sm:a")
	if err != nil || string(got.Body) != `{"x":1}` || got.Tags["k"] != "v" || !got.Created.Equal(t0) || got.Kind != store.KindStateMachine {
		t.Errorf("get: %+v %v", got, err)
	}
	r.Body = []byte(`{"x":2}`)
	must(t, s.PutResource(ctx, r, false))
	got, err = s.GetResource(ctx, "arn:sm:a")
	if err != nil || string(got.Body) != `{"x":2}` {
		t.Errorf("update: %+v %v", got, err)
	}
	if err := s.PutResource(ctx, &store.Resource{ARN: "arn:none"}, false); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("update of a missing resource: %v", err)
	}
	for i := 0; i < 5; i++ {
		must(t, s.PutResource(ctx, &store.Resource{ARN: fmt.Sprintf("arn:sm:a:%d", i+1), Kind: store.KindVersion, Parent: "arn:sm:a", Name: "a", Created: t0}, true))
	}
	must(t, s.PutResource(ctx, &store.Resource{ARN: "arn:sm:b:1", Kind: store.KindVersion, Parent: "arn:sm:b", Name: "b", Created: t0}, true))
	page1, err := s.ListResources(ctx, store.KindVersion, "arn:sm:a", store.Page{Limit: 3})
	must(t, err)
	if len(page1) != 3 || page1[0].ARN != "arn:sm:a:1" {
		t.Fatalf("page 1: %d", len(page1))
	}
	page2, err := s.ListResources(ctx, store.KindVersion, "arn:sm:a", store.Page{Limit: 3, After: page1[2].ARN})
	must(t, err)
	if len(page2) != 2 || page2[1].ARN != "arn:sm:a:5" {
		t.Errorf("page 2: %d", len(page2))
	}
	all, err := s.ListResources(ctx, store.KindVersion, "", store.Page{})
	must(t, err)
	if len(all) != 6 {
		t.Errorf("all versions: %d", len(all))
	}
	must(t, s.DeleteResource(ctx, "arn:sm:a"))
	if _, err := s.GetResource(ctx, "arn:sm:a"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("get after delete: %v", err)
	}
	if err := s.DeleteResource(ctx, "arn:sm:a"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
}

func execution(arn, sm string, start time.Time) store.Execution {
	return store.Execution{ARN: arn, StateMachineARN: sm, Name: arn, Status: "RUNNING", Input: "{}", Start: start, Definition: "{}", Meta: []byte(`{}`)}
}

func input(seq int64) []store.Input {
	return []store.Input{{Seq: seq, JSON: []byte(fmt.Sprintf(`{"seq":%d}`, seq))}}
}

func testExecutions(t *testing.T, db Database) {
	s := db(t)
	l := lease(t, s, "n1")
	for i := 0; i < 5; i++ {
		st := &store.Step{Create: true, Lease: l, Now: t0, Execution: execution(fmt.Sprintf("arn:e:%d", i), "arn:sm:a", t0.Add(time.Duration(i)*time.Second)),
			Inputs: input(1), Events: []store.Event{{ID: 1, JSON: []byte(`{"id":1}`)}, {ID: 2, JSON: []byte(`{"id":2}`)}}}
		if i == 4 {
			st.Execution.StateMachineARN = "arn:sm:b"
			st.Execution.VersionARN = "arn:sm:b:1"
		}
		st.Execution.Idle = i == 1
		commit(t, s, st)
	}
	if got, err := s.GetExecution(ctx, "arn:e:1"); err != nil || !got.Idle {
		t.Errorf("an idle execution: %+v %v", got, err)
	}
	dup := &store.Step{Create: true, Lease: l, Execution: execution("arn:e:0", "arn:sm:a", t0)}
	if errs := s.Commit(ctx, []*store.Step{dup}); !errors.Is(errs[0], store.ErrConflict) {
		t.Errorf("duplicate execution: %v", errs[0])
	}
	done := execution("arn:e:1", "arn:sm:a", t0.Add(time.Second))
	done.Status, done.Output, done.HasOutput, done.Stop = "SUCCEEDED", `{"ok":true}`, true, t0.Add(time.Minute)
	done.LastEvent, done.LastEventType = 3, "ExecutionSucceeded"
	commit(t, s, &store.Step{Execution: done, Lease: l, ExpectSeq: 1, Inputs: input(2), Events: []store.Event{{ID: 3, JSON: []byte(`{"id":3}`)}}})
	got, err := s.GetExecution(ctx, "arn:e:1")
	if err != nil || got.Status != "SUCCEEDED" || got.Output != `{"ok":true}` || !got.HasOutput || !got.Stop.Equal(t0.Add(time.Minute)) ||
		got.Definition != "{}" || got.Seq != 2 || got.Owner != l || got.LastEvent != 3 || got.LastEventType != "ExecutionSucceeded" || got.Idle {
		t.Errorf("get: %+v %v", got, err)
	}
	if _, err := s.GetExecution(ctx, "arn:e:none"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing execution: %v", err)
	}
	list, err := s.ListExecutions(ctx, store.ExecutionFilter{StateMachineARN: "arn:sm:a"}, store.Page{Limit: 2})
	must(t, err)
	if len(list) != 2 || list[0].ARN != "arn:e:3" || list[1].ARN != "arn:e:2" {
		t.Fatalf("newest first: %v", names(list))
	}
	next, err := s.ListExecutions(ctx, store.ExecutionFilter{StateMachineARN: "arn:sm:a"}, store.Page{Limit: 2, After: store.ExecutionCursor(list[1])})
	must(t, err)
	if len(next) != 2 || next[0].ARN != "arn:e:1" {
		t.Errorf("page 2: %v", names(next))
	}
	succeeded, err := s.ListExecutions(ctx, store.ExecutionFilter{Status: "SUCCEEDED"}, store.Page{})
	must(t, err)
	if len(succeeded) != 1 || succeeded[0].ARN != "arn:e:1" {
		t.Errorf("status filter: %v", names(succeeded))
	}
	// A redrive brings a finished execution back to RUNNING and counts.
	redriven := done
	redriven.Status = "RUNNING"
	redriven.RedriveCount, redriven.RedriveDate = 1, t0.Add(2*time.Minute)
	commit(t, s, &store.Step{Execution: redriven, Lease: l, ExpectSeq: 2, Inputs: input(3)})
	got, err = s.GetExecution(ctx, "arn:e:1")
	if err != nil || got.RedriveCount != 1 || !got.RedriveDate.Equal(t0.Add(2*time.Minute)) {
		t.Errorf("redrive fields: %+v %v", got, err)
	}
	yes, no := true, false
	list, err = s.ListExecutions(ctx, store.ExecutionFilter{StateMachineARN: "arn:sm:a", Redriven: &yes}, store.Page{})
	if err != nil || len(list) != 1 || list[0].ARN != "arn:e:1" {
		t.Errorf("redriven filter: %v %v", names(list), err)
	}
	list, err = s.ListExecutions(ctx, store.ExecutionFilter{StateMachineARN: "arn:sm:a", Redriven: &no}, store.Page{})
	if err != nil || len(list) != 3 {
		t.Errorf("not-redriven filter: %v %v", names(list), err)
	}
	byVersion, err := s.ListExecutions(ctx, store.ExecutionFilter{StateMachineARN: "arn:sm:b:1", ListBy: store.ByVersion}, store.Page{})
	if err != nil || len(byVersion) != 1 {
		t.Errorf("version filter: %v %v", names(byVersion), err)
	}
	events, err := s.Events(ctx, "arn:e:1", 0, 10, false)
	if err != nil || len(events) != 3 || events[2].ID != 3 {
		t.Errorf("events: %v %v", events, err)
	}
	events, err = s.Events(ctx, "arn:e:1", 1, 1, false)
	if err != nil || len(events) != 1 || events[0].ID != 2 {
		t.Errorf("events after 1: %v %v", events, err)
	}
	events, err = s.Events(ctx, "arn:e:1", 0, 2, true)
	if err != nil || len(events) != 2 || events[0].ID != 3 || events[1].ID != 2 {
		t.Errorf("reverse: %v %v", events, err)
	}
	journal, err := s.Journal(ctx, "arn:e:1")
	if err != nil || len(journal) != 3 || string(journal[1].JSON) != `{"seq":2}` {
		t.Errorf("journal: %v %v", journal, err)
	}
}

func names(es []*store.Execution) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.ARN)
	}
	return out
}

func testAtomicity(t *testing.T, db Database) {
	s := db(t)
	l := lease(t, s, "n1")
	commit(t, s, &store.Step{Create: true, Lease: l, Execution: execution("arn:e:ok", "arn:sm", t0), Inputs: input(1), Events: []store.Event{{ID: 1, JSON: []byte(`1`)}}})
	// A batch where the middle step conflicts: its parts are all undone, the
	// others are written.
	bad := &store.Step{Lease: l, ExpectSeq: 1, Execution: execution("arn:e:ok", "arn:sm", t0), Events: []store.Event{{ID: 2, JSON: []byte(`new`)}, {ID: 1, JSON: []byte(`dup`)}},
		AddTimers: []store.Timer{{ExecutionARN: "arn:e:ok", ID: 9, Due: t0}}}
	a := &store.Step{Create: true, Lease: l, Execution: execution("arn:e:a", "arn:sm", t0), Events: []store.Event{{ID: 1, JSON: []byte(`a`)}}}
	b := &store.Step{Create: true, Lease: l, Execution: execution("arn:e:b", "arn:sm", t0), Events: []store.Event{{ID: 1, JSON: []byte(`b`)}}}
	errs := s.Commit(ctx, []*store.Step{a, bad, b})
	if errs[0] != nil || errs[2] != nil || !errors.Is(errs[1], store.ErrConflict) {
		t.Fatalf("errors %v", errs)
	}
	timers, err := s.ClaimTimers(ctx, l, t0.Add(time.Hour), t0.Add(2*time.Hour), 10)
	if err != nil || len(timers) != 0 {
		t.Errorf("the failed step's timer was written: %v %v", timers, err)
	}
	if events, err := s.Events(ctx, "arn:e:ok", 0, 10, false); err != nil || len(events) != 1 {
		t.Errorf("the failed step's events were written: %d events, %v", len(events), err)
	}
	for _, arn := range []string{"arn:e:a", "arn:e:b"} {
		if _, err := s.GetExecution(ctx, arn); err != nil {
			t.Errorf("%s: %v", arn, err)
		}
	}
}

func testTimers(t *testing.T, db Database) {
	s := db(t)
	l := lease(t, s, "n1")
	e := execution("arn:e:t", "arn:sm", t0)
	commit(t, s, &store.Step{Create: true, Lease: l, Execution: e, Inputs: input(1), AddTimers: []store.Timer{
		{ExecutionARN: e.ARN, ID: 1, Due: t0.Add(3 * time.Second)},
		{ExecutionARN: e.ARN, ID: 2, Due: t0.Add(1 * time.Second)},
		{ExecutionARN: e.ARN, ID: 3, Due: t0.Add(time.Hour)},
	}})
	now := t0.Add(5 * time.Second)
	due, err := s.ClaimTimers(ctx, l, now, now.Add(time.Minute), 10)
	if err != nil || len(due) != 2 || due[0].ID != 2 || due[1].ID != 1 || !due[0].Due.Equal(t0.Add(time.Second)) {
		t.Fatalf("due: %v %v", due, err)
	}
	// Claimed: nobody gets them again until the claim runs out.
	if again, err := s.ClaimTimers(ctx, l, now, now.Add(time.Minute), 10); err != nil || len(again) != 0 {
		t.Errorf("claimed twice: %v %v", again, err)
	}
	commit(t, s, &store.Step{Execution: e, Lease: l, ExpectSeq: 1, Inputs: input(2), DeleteTimers: []int64{2}})
	later := now.Add(2 * time.Minute)
	due, err = s.ClaimTimers(ctx, l, later, later.Add(time.Minute), 10)
	if err != nil || len(due) != 1 || due[0].ID != 1 {
		t.Errorf("after the claim ran out: %v %v", due, err)
	}
	must(t, s.DropTimer(ctx, e.ARN, 1))
	if due, err := s.ClaimTimers(ctx, l, t0.Add(2*time.Hour), t0.Add(3*time.Hour), 10); err != nil || len(due) != 1 || due[0].ID != 3 {
		t.Errorf("after drop: %v %v", due, err)
	}
	// Only the owner's timers are claimed.
	other := lease(t, s, "n2")
	if due, err := s.ClaimTimers(ctx, other, t0.Add(5*time.Hour), t0.Add(6*time.Hour), 10); err != nil || len(due) != 0 {
		t.Errorf("another node claimed: %v %v", due, err)
	}
	// Timer 3 is claimed until 3 h, but a claim lapses when its execution
	// changes hands: the node that takes it over (here the owner, started
	// again) fires the timer at once.
	now = t0.Add(2*time.Hour + 30*time.Minute)
	if due, err := s.ClaimTimers(ctx, l, now, now.Add(time.Hour), 10); err != nil || len(due) != 0 {
		t.Fatalf("claimed twice before the restart: %v %v", due, err)
	}
	again := lease(t, s, "n1")
	if err := s.TakeExecution(ctx, e.ARN, again, now); err != nil {
		t.Fatal(err)
	}
	if due, err := s.ClaimTimers(ctx, again, now, now.Add(time.Hour), 10); err != nil || len(due) != 1 || due[0].ID != 3 {
		t.Errorf("claim after the takeover: %v %v", due, err)
	}
}

func testTasks(t *testing.T, db Database) {
	s := db(t)
	l := lease(t, s, "n1")
	e := execution("arn:e:w", "arn:sm", t0)
	commit(t, s, &store.Step{Create: true, Lease: l, Execution: e, Inputs: input(1), AddTasks: []store.ActivityTask{
		{Token: "tok2", ActivityARN: "arn:act", ExecutionARN: e.ARN, TaskID: 5, Input: `{"b":2}`, Created: t0.Add(time.Second)},
		{Token: "tok1", ActivityARN: "arn:act", ExecutionARN: e.ARN, TaskID: 4, Input: `{"a":1}`, Created: t0},
	}})
	first, err := s.ClaimActivityTask(ctx, "arn:act", "w1", t0.Add(time.Minute))
	if err != nil || first.Token != "tok1" || first.Worker != "w1" {
		t.Fatalf("claim: %+v %v", first, err)
	}
	second, err := s.ClaimActivityTask(ctx, "arn:act", "w2", t0)
	if err != nil || second.Token != "tok2" {
		t.Fatalf("second claim: %+v %v", second, err)
	}
	if _, err := s.ClaimActivityTask(ctx, "arn:act", "w3", t0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("empty queue: %v", err)
	}
	must(t, s.ReleaseActivityTask(ctx, "tok2"))
	again, err := s.ClaimActivityTask(ctx, "arn:act", "w4", t0)
	if err != nil || again.Token != "tok2" || again.Worker != "w4" {
		t.Errorf("claim after release: %+v %v", again, err)
	}
	if err := s.ReleaseActivityTask(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("release of a missing task: %v", err)
	}
	got, err := s.GetActivityTask(ctx, "tok1")
	if err != nil || got.TaskID != 4 || got.Input != `{"a":1}` || got.Worker != "w1" {
		t.Errorf("get: %+v %v", got, err)
	}
	commit(t, s, &store.Step{Execution: e, Lease: l, ExpectSeq: 1, Inputs: input(2), DeleteTasks: []string{"tok1"}})
	if _, err := s.GetActivityTask(ctx, "tok1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted task: %v", err)
	}

	// A step that claims a task takes it only while nobody holds it; one
	// that finds it taken writes nothing.
	commit(t, s, &store.Step{Execution: e, Lease: l, ExpectSeq: 2, Inputs: input(3), AddTasks: []store.ActivityTask{
		{Token: "tok3", ActivityARN: "arn:act", ExecutionARN: e.ARN, TaskID: 6, Input: `{}`, Created: t0},
	}})
	commit(t, s, &store.Step{Execution: e, Lease: l, ExpectSeq: 3, Inputs: input(4), ClaimTasks: []store.TaskClaim{{Token: "tok3", Worker: "w5", At: t0}}})
	if got, err := s.GetActivityTask(ctx, "tok3"); err != nil || got.Worker != "w5" || !got.Claimed.Equal(t0) {
		t.Errorf("claimed in a step: %+v %v", got, err)
	}
	if _, err := s.ClaimActivityTask(ctx, "arn:act", "w6", t0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a task claimed in a step is claimed again: %v", err)
	}
	for _, tok := range []string{"tok2", "tok3", "nope"} {
		errs := s.Commit(ctx, []*store.Step{{Execution: e, Lease: l, ExpectSeq: 4, Inputs: input(5), ClaimTasks: []store.TaskClaim{{Token: tok, Worker: "w7", At: t0}}}})
		if !errors.Is(errs[0], store.ErrConflict) {
			t.Errorf("claiming %s, held or missing, in a step: %v", tok, errs[0])
		}
	}
	if j, err := s.Journal(ctx, e.ARN); err != nil || len(j) != 4 {
		t.Errorf("a step whose claim failed was written: %d entries, %v", len(j), err)
	}
}

// testEnded: a step that ends an execution without its interpreter
// deletes every timer and activity task it has, and no other's.
func testEnded(t *testing.T, db Database) {
	s := db(t)
	l := lease(t, s, "n1")
	a, b := execution("arn:e:a", "arn:sm", t0), execution("arn:e:b", "arn:sm", t0)
	for _, e := range []store.Execution{a, b} {
		commit(t, s, &store.Step{Create: true, Lease: l, Execution: e, Inputs: input(1),
			AddTimers: []store.Timer{{ExecutionARN: e.ARN, ID: 1, Due: t0}, {ExecutionARN: e.ARN, ID: 2, Due: t0}},
			AddTasks:  []store.ActivityTask{{Token: e.ARN + "/t", ActivityARN: "arn:act", ExecutionARN: e.ARN, TaskID: 3, Input: `{}`, Created: t0}}})
	}
	a.Status = "ABORTED"
	commit(t, s, &store.Step{Execution: a, Lease: l, ExpectSeq: 1, Inputs: input(2), Ended: true})
	timers, err := s.ClaimTimers(ctx, l, t0, t0.Add(time.Minute), 10)
	must(t, err)
	if len(timers) != 2 || timers[0].ExecutionARN != b.ARN || timers[1].ExecutionARN != b.ARN {
		t.Errorf("timers left: %+v", timers)
	}
	if _, err := s.GetActivityTask(ctx, a.ARN+"/t"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the ended execution's task: %v", err)
	}
	if _, err := s.GetActivityTask(ctx, b.ARN+"/t"); err != nil {
		t.Errorf("the other execution's task: %v", err)
	}
}

func testCommitter(t *testing.T, db Database) {
	s := db(t)
	l := lease(t, s, "n1")
	c := store.NewCommitter(s, 64)
	var wg sync.WaitGroup
	errs := make([]error, 200)
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs[i] = c.Commit(ctx, &store.Step{Create: true, Lease: l, Execution: execution(fmt.Sprintf("arn:c:%d", i%150), "arn:sm:c", t0)})
		}(i)
	}
	wg.Wait()
	c.Close()
	ok, conflicts := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, store.ErrConflict):
			conflicts++
		default:
			t.Errorf("commit: %v", err)
		}
	}
	if ok != 150 || conflicts != 50 {
		t.Errorf("%d written, %d conflicts; want 150 and 50", ok, conflicts)
	}
	if err := c.Commit(ctx, &store.Step{}); !errors.Is(err, store.ErrClosed) {
		t.Errorf("commit after close: %v", err)
	}
}

// testLeases: executions belong to the node that created them while its
// lease lives; once it expires, or the node ends it, another node claims
// them, and the first can no longer write them.
func testLeases(t *testing.T, db Database) {
	a, b := db(t), db(t)
	la, err := a.RegisterNode(ctx, "a", t0, t0.Add(10*time.Second))
	must(t, err)
	lb, err := b.RegisterNode(ctx, "b", t0, t0.Add(10*time.Second))
	must(t, err)
	for i := 1; i <= 3; i++ {
		commit(t, a, &store.Step{Create: true, Lease: la, Now: t0, Execution: execution(fmt.Sprintf("arn:l:%d", i), "arn:sm", t0), Inputs: input(1)})
	}
	done := execution("arn:l:done", "arn:sm", t0)
	done.Status = "SUCCEEDED"
	commit(t, a, &store.Step{Create: true, Lease: la, Now: t0, Execution: done, Inputs: input(1)})

	// A node whose lease ran out (a long recovery) does not claim its own
	// executions again: it is still at work on them.
	if got, err := a.ClaimExecutions(ctx, la, t0.Add(time.Minute), 100); err != nil || len(got) != 0 {
		t.Fatalf("a claimed its own executions: %v %v", got, err)
	}
	// While a's lease lives, b claims nothing and takes nothing.
	if got, err := b.ClaimExecutions(ctx, lb, t0.Add(5*time.Second), 100); err != nil || len(got) != 0 {
		t.Fatalf("b claimed a live lease's executions: %v %v", got, err)
	}
	if err := b.TakeExecution(ctx, "arn:l:1", lb, t0.Add(5*time.Second)); !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("take of a live lease's execution: %v", err)
	}
	// a renews; at 12 s its lease still lives.
	must(t, a.RenewLease(ctx, la, t0.Add(20*time.Second)))
	if got, err := b.ClaimExecutions(ctx, lb, t0.Add(12*time.Second), 100); err != nil || len(got) != 0 {
		t.Fatalf("b claimed after a renewed: %v %v", got, err)
	}
	// At 25 s it has expired: b claims the running ones, in batches.
	now := t0.Add(25 * time.Second)
	must(t, b.RenewLease(ctx, lb, now.Add(10*time.Second)))
	first, err := b.ClaimExecutions(ctx, lb, now, 2)
	must(t, err)
	rest, err := b.ClaimExecutions(ctx, lb, now, 2)
	must(t, err)
	var claimed []string
	for _, rec := range append(first, rest...) {
		if rec.Owner != lb || rec.Status != "RUNNING" || rec.Seq != 1 {
			t.Errorf("claimed record %+v", rec)
		}
		claimed = append(claimed, rec.ARN)
	}
	slices.Sort(claimed)
	if !slices.Equal(claimed, []string{"arn:l:1", "arn:l:2", "arn:l:3"}) || len(first) != 2 {
		t.Fatalf("claimed %v", claimed)
	}
	if got, err := b.ClaimExecutions(ctx, lb, now, 100); err != nil || len(got) != 0 {
		t.Errorf("claimed twice: %v %v", got, err)
	}
	rec, err := b.GetExecution(ctx, "arn:l:1")
	if err != nil || rec.Owner != lb {
		t.Errorf("owner after the claim: %+v %v", rec, err)
	}
	// a's write is refused: it lost the lease.
	st := &store.Step{Lease: la, ExpectSeq: 1, Now: now, Execution: execution("arn:l:1", "arn:sm", t0), Inputs: input(2)}
	if errs := a.Commit(ctx, []*store.Step{st}); !errors.Is(errs[0], store.ErrLeaseLost) {
		t.Errorf("write under a lost lease: %v", errs[0])
	}
	// b writes, and a's journal entry never appeared.
	commit(t, b, &store.Step{Lease: lb, ExpectSeq: 1, Now: now, Execution: execution("arn:l:1", "arn:sm", t0), Inputs: input(2)})
	if j, err := b.Journal(ctx, "arn:l:1"); err != nil || len(j) != 2 {
		t.Errorf("journal: %v %v", j, err)
	}
	// A node that registers again is a new incarnation: the old one's
	// writes are refused, and its executions are free at once.
	lb2, err := b.RegisterNode(ctx, "b", now, now.Add(10*time.Second))
	must(t, err)
	if lb2.Epoch == lb.Epoch {
		t.Fatalf("a new registration kept epoch %d", lb.Epoch)
	}
	if err := b.RenewLease(ctx, lb, now.Add(time.Minute)); !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("renewal by the old incarnation: %v", err)
	}
	if errs := b.Commit(ctx, []*store.Step{{Lease: lb, ExpectSeq: 2, Now: now, Execution: execution("arn:l:1", "arn:sm", t0), Inputs: input(3)}}); !errors.Is(errs[0], store.ErrLeaseLost) {
		t.Errorf("write by the old incarnation: %v", errs[0])
	}
	if got, err := b.ClaimExecutions(ctx, lb2, now, 100); err != nil || len(got) != 3 {
		t.Errorf("the new incarnation claimed %v %v", got, err)
	}
	// A released lease frees its executions at once.
	la2, err := a.RegisterNode(ctx, "a", now, now.Add(time.Hour))
	must(t, err)
	must(t, b.ReleaseLease(ctx, lb2))
	if err := a.TakeExecution(ctx, "arn:l:2", la2, now); err != nil {
		t.Errorf("take after release: %v", err)
	}
	if err := a.TakeExecution(ctx, "arn:l:2", la2, now); err != nil {
		t.Errorf("take of one's own: %v", err)
	}
	if err := a.TakeExecution(ctx, "arn:l:done", la2, now); err != nil {
		t.Errorf("take of a finished execution (to redrive it): %v", err)
	}
	if err := a.TakeExecution(ctx, "arn:l:none", la2, now); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("take of a missing execution: %v", err)
	}
}

// testConditionalWrites: two writers that read the same journal position
// race; one wins, the other gets ErrConflict and nothing of its step lands.
func testConditionalWrites(t *testing.T, db Database) {
	a, b := db(t), db(t)
	l := lease(t, a, "n")
	commit(t, a, &store.Step{Create: true, Lease: l, Now: t0, Execution: execution("arn:c:1", "arn:sm", t0), Inputs: input(1),
		Events: []store.Event{{ID: 1, JSON: []byte(`1`)}}})
	step := func(body string) *store.Step {
		return &store.Step{Lease: l, ExpectSeq: 1, Now: t0, Execution: execution("arn:c:1", "arn:sm", t0),
			Inputs: []store.Input{{Seq: 2, JSON: []byte(body)}}, Events: []store.Event{{ID: 2, JSON: []byte(body)}},
			AddTimers: []store.Timer{{ExecutionARN: "arn:c:1", ID: 1, Due: t0}}}
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, s := range []store.Store{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.Commit(ctx, []*store.Step{step(fmt.Sprintf(`"writer %d"`, i))})[0]
		}()
	}
	wg.Wait()
	won := -1
	for i, err := range errs {
		switch {
		case err == nil:
			won = i
		case !errors.Is(err, store.ErrConflict):
			t.Errorf("writer %d: %v", i, err)
		}
	}
	if won < 0 || errs[1-won] == nil {
		t.Fatalf("outcomes %v: want one win and one ErrConflict", errs)
	}
	events, err := a.Events(ctx, "arn:c:1", 0, 10, false)
	must(t, err)
	if len(events) != 2 || string(events[1].JSON) != fmt.Sprintf(`"writer %d"`, won) {
		t.Errorf("events %v", events)
	}
	// A stale position is a conflict even for the writer that won.
	if errs := a.Commit(ctx, []*store.Step{step(`"late"`)}); !errors.Is(errs[0], store.ErrConflict) {
		t.Errorf("stale write: %v", errs[0])
	}
	missing := &store.Step{Lease: l, ExpectSeq: 0, Execution: execution("arn:c:none", "arn:sm", t0)}
	if errs := a.Commit(ctx, []*store.Step{missing}); !errors.Is(errs[0], store.ErrNotFound) {
		t.Errorf("write of a missing execution: %v", errs[0])
	}
}

// testTimerRace: two claimers over one database race for the same due
// timers; each timer goes to exactly one.
func testTimerRace(t *testing.T, db Database) {
	a, b := db(t), db(t)
	l := lease(t, a, "n")
	var timers []store.Timer
	for i := int64(1); i <= 50; i++ {
		timers = append(timers, store.Timer{ExecutionARN: "arn:r:1", ID: i, Due: t0.Add(time.Duration(i) * time.Millisecond)})
	}
	commit(t, a, &store.Step{Create: true, Lease: l, Now: t0, Execution: execution("arn:r:1", "arn:sm", t0), Inputs: input(1), AddTimers: timers})
	now := t0.Add(time.Second)
	claimRace(t, []store.Store{a, b, a, b}, 50, func(_ int, s store.Store) ([]int64, error) {
		claimed, err := s.ClaimTimers(ctx, l, now, now.Add(time.Minute), 3)
		ids := make([]int64, len(claimed))
		for i, c := range claimed {
			ids[i] = c.ID
		}
		return ids, err
	})
}

// testActivityRace: workers polling through two stores never get the same
// task.
func testActivityRace(t *testing.T, db Database) {
	a, b := db(t), db(t)
	l := lease(t, a, "n")
	var tasks []store.ActivityTask
	for i := 1; i <= 40; i++ {
		tasks = append(tasks, store.ActivityTask{Token: fmt.Sprintf("tok%02d", i), ActivityARN: "arn:act", ExecutionARN: "arn:q:1", TaskID: int64(i),
			Input: "{}", Created: t0.Add(time.Duration(i))})
	}
	commit(t, a, &store.Step{Create: true, Lease: l, Now: t0, Execution: execution("arn:q:1", "arn:sm", t0), Inputs: input(1), AddTasks: tasks})
	claimRace(t, []store.Store{a, b, a, b}, 40, func(w int, s store.Store) ([]string, error) {
		task, err := s.ClaimActivityTask(ctx, "arn:act", fmt.Sprintf("w%d", w), t0)
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return []string{task.Token}, nil
	})
}

func testSecrets(t *testing.T, db Database) {
	a, b := db(t), db(t)
	first, err := a.Secret(ctx, "token", []byte("first-secret"))
	must(t, err)
	second, err := b.Secret(ctx, "token", []byte("second-secret"))
	must(t, err)
	if string(first) != "first-secret" || string(second) != "first-secret" {
		t.Errorf("secrets %q and %q", first, second)
	}
	other, err := b.Secret(ctx, "other", []byte("x"))
	if err != nil || string(other) != "x" {
		t.Errorf("another secret: %q %v", other, err)
	}
}

// claimRace has one claimer per store (w numbers it) claim until it gets
// nothing, all at once, and checks that want things were claimed, each
// once. claim returns the keys of what it got.
func claimRace[K comparable](t *testing.T, stores []store.Store, want int, claim func(w int, s store.Store) ([]K, error)) {
	t.Helper()
	var mu sync.Mutex
	got := map[K]int{}
	var wg sync.WaitGroup
	for w, s := range stores {
		wg.Go(func() {
			for {
				keys, err := claim(w, s)
				if err != nil {
					t.Error(err)
					return
				}
				if len(keys) == 0 {
					return
				}
				mu.Lock()
				for _, k := range keys {
					got[k]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(got) != want {
		t.Errorf("%d claimed, want %d", len(got), want)
	}
	for k, n := range got {
		if n != 1 {
			t.Errorf("%v claimed %d times", k, n)
		}
	}
}
