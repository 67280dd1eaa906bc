// Package storetest is the suite every store driver must pass: call
// Exercise from the driver's tests with a function that opens a new, empty
// store.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/baton-sh/baton/store"
)

// Exercise runs the suite.
func Exercise(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("Resources", func(t *testing.T) { testResources(t, open(t)) })
	t.Run("Executions", func(t *testing.T) { testExecutions(t, open(t)) })
	t.Run("StepAtomicity", func(t *testing.T) { testAtomicity(t, open(t)) })
	t.Run("Timers", func(t *testing.T) { testTimers(t, open(t)) })
	t.Run("ActivityTasks", func(t *testing.T) { testTasks(t, open(t)) })
	t.Run("Committer", func(t *testing.T) { testCommitter(t, open(t)) })
}

var ctx = context.Background()

var t0 = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

func testResources(t *testing.T, s store.Store) {
	r := &store.Resource{ARN: "arn:sm:a", Kind: store.KindStateMachine, Name: "a", Created: t0, Body: []byte(`{"x":1}`), Tags: map[string]string{"k": "v"}}
	if err := s.PutResource(ctx, r, true); err != nil {
		t.Fatal(err)
	}
	if err := s.PutResource(ctx, r, true); !errors.Is(err, store.ErrConflict) {
		t.Errorf("second create: %v", err)
	}
	got, err := s.GetResource(ctx, "arn:sm:a")
	if err != nil || string(got.Body) != `{"x":1}` || got.Tags["k"] != "v" || !got.Created.Equal(t0) || got.Kind != store.KindStateMachine {
		t.Errorf("get: %+v %v", got, err)
	}
	r.Body = []byte(`{"x":2}`)
	if err := s.PutResource(ctx, r, false); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.GetResource(ctx, "arn:sm:a"); string(got.Body) != `{"x":2}` {
		t.Errorf("update: %s", got.Body)
	}
	if err := s.PutResource(ctx, &store.Resource{ARN: "arn:none"}, false); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("update of a missing resource: %v", err)
	}
	for i := 0; i < 5; i++ {
		s.PutResource(ctx, &store.Resource{ARN: fmt.Sprintf("arn:sm:a:%d", i+1), Kind: store.KindVersion, Parent: "arn:sm:a", Name: "a", Created: t0}, true)
	}
	s.PutResource(ctx, &store.Resource{ARN: "arn:sm:b:1", Kind: store.KindVersion, Parent: "arn:sm:b", Name: "b", Created: t0}, true)
	page1, _ := s.ListResources(ctx, store.KindVersion, "arn:sm:a", store.Page{Limit: 3})
	if len(page1) != 3 || page1[0].ARN != "arn:sm:a:1" {
		t.Fatalf("page 1: %d", len(page1))
	}
	page2, _ := s.ListResources(ctx, store.KindVersion, "arn:sm:a", store.Page{Limit: 3, After: page1[2].ARN})
	if len(page2) != 2 || page2[1].ARN != "arn:sm:a:5" {
		t.Errorf("page 2: %d", len(page2))
	}
	all, _ := s.ListResources(ctx, store.KindVersion, "", store.Page{})
	if len(all) != 6 {
		t.Errorf("all versions: %d", len(all))
	}
	if err := s.DeleteResource(ctx, "arn:sm:a"); err != nil {
		t.Fatal(err)
	}
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

func testExecutions(t *testing.T, s store.Store) {
	for i := 0; i < 5; i++ {
		st := &store.Step{Create: true, Execution: execution(fmt.Sprintf("arn:e:%d", i), "arn:sm:a", t0.Add(time.Duration(i)*time.Second)),
			Inputs: []store.Input{{Seq: 1, JSON: []byte(`{"start":1}`)}},
			Events: []store.Event{{ID: 1, JSON: []byte(`{"id":1}`)}, {ID: 2, JSON: []byte(`{"id":2}`)}}}
		if i == 4 {
			st.Execution.StateMachineARN = "arn:sm:b"
			st.Execution.VersionARN = "arn:sm:b:1"
		}
		if errs := s.Commit(ctx, []*store.Step{st}); errs[0] != nil {
			t.Fatal(errs[0])
		}
	}
	dup := &store.Step{Create: true, Execution: execution("arn:e:0", "arn:sm:a", t0)}
	if errs := s.Commit(ctx, []*store.Step{dup}); !errors.Is(errs[0], store.ErrConflict) {
		t.Errorf("duplicate execution: %v", errs[0])
	}
	done := execution("arn:e:1", "arn:sm:a", t0.Add(time.Second))
	done.Status, done.Output, done.HasOutput, done.Stop = "SUCCEEDED", `{"ok":true}`, true, t0.Add(time.Minute)
	errs := s.Commit(ctx, []*store.Step{{Execution: done, Inputs: []store.Input{{Seq: 2, JSON: []byte(`{"timer":1}`)}}, Events: []store.Event{{ID: 3, JSON: []byte(`{"id":3}`)}}}})
	if errs[0] != nil {
		t.Fatal(errs[0])
	}
	got, err := s.GetExecution(ctx, "arn:e:1")
	if err != nil || got.Status != "SUCCEEDED" || got.Output != `{"ok":true}` || !got.HasOutput || !got.Stop.Equal(t0.Add(time.Minute)) || got.Definition != "{}" {
		t.Errorf("get: %+v %v", got, err)
	}
	if _, err := s.GetExecution(ctx, "arn:e:none"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing execution: %v", err)
	}
	list, _ := s.ListExecutions(ctx, store.ExecutionFilter{StateMachineARN: "arn:sm:a"}, store.Page{Limit: 2})
	if len(list) != 2 || list[0].ARN != "arn:e:3" || list[1].ARN != "arn:e:2" {
		t.Fatalf("newest first: %v", names(list))
	}
	next, _ := s.ListExecutions(ctx, store.ExecutionFilter{StateMachineARN: "arn:sm:a"}, store.Page{Limit: 2, After: store.ExecutionCursor(list[1])})
	if len(next) != 2 || next[0].ARN != "arn:e:1" {
		t.Errorf("page 2: %v", names(next))
	}
	running, _ := s.ListExecutions(ctx, store.ExecutionFilter{Status: "SUCCEEDED"}, store.Page{})
	if len(running) != 1 || running[0].ARN != "arn:e:1" {
		t.Errorf("status filter: %v", names(running))
	}
	// A redrive brings a finished execution back to RUNNING and counts.
	redriven := done
	redriven.Status = "SUCCEEDED"
	redriven.RedriveCount, redriven.RedriveDate = 1, t0.Add(2*time.Minute)
	if errs := s.Commit(ctx, []*store.Step{{Execution: redriven}}); errs[0] != nil {
		t.Fatal(errs[0])
	}
	if got, _ := s.GetExecution(ctx, "arn:e:1"); got.RedriveCount != 1 || !got.RedriveDate.Equal(t0.Add(2*time.Minute)) {
		t.Errorf("redrive fields: %+v", got)
	}
	yes, no := true, false
	if list, _ := s.ListExecutions(ctx, store.ExecutionFilter{StateMachineARN: "arn:sm:a", Redriven: &yes}, store.Page{}); len(list) != 1 || list[0].ARN != "arn:e:1" {
		t.Errorf("redriven filter: %v", names(list))
	}
	if list, _ := s.ListExecutions(ctx, store.ExecutionFilter{StateMachineARN: "arn:sm:a", Redriven: &no}, store.Page{}); len(list) != 3 {
		t.Errorf("not-redriven filter: %v", names(list))
	}
	byVersion, _ := s.ListExecutions(ctx, store.ExecutionFilter{StateMachineARN: "arn:sm:b:1"}, store.Page{})
	if len(byVersion) != 1 {
		t.Errorf("version filter: %v", names(byVersion))
	}
	open, _ := s.OpenExecutions(ctx)
	if len(open) != 4 {
		t.Errorf("open: %v", open)
	}
	events, _ := s.Events(ctx, "arn:e:1", 0, 10, false)
	if len(events) != 3 || events[2].ID != 3 {
		t.Errorf("events: %v", events)
	}
	events, _ = s.Events(ctx, "arn:e:1", 1, 1, false)
	if len(events) != 1 || events[0].ID != 2 {
		t.Errorf("events after 1: %v", events)
	}
	events, _ = s.Events(ctx, "arn:e:1", 0, 2, true)
	if len(events) != 2 || events[0].ID != 3 || events[1].ID != 2 {
		t.Errorf("reverse: %v", events)
	}
	journal, _ := s.Journal(ctx, "arn:e:1")
	if len(journal) != 2 || string(journal[1].JSON) != `{"timer":1}` {
		t.Errorf("journal: %v", journal)
	}
}

func names(es []*store.Execution) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.ARN)
	}
	return out
}

func testAtomicity(t *testing.T, s store.Store) {
	ok := &store.Step{Create: true, Execution: execution("arn:e:ok", "arn:sm", t0), Events: []store.Event{{ID: 1, JSON: []byte(`1`)}}}
	s.Commit(ctx, []*store.Step{ok})
	// A batch where the middle step conflicts: its parts are all undone, the
	// others are written.
	bad := &store.Step{Execution: execution("arn:e:ok", "arn:sm", t0), Events: []store.Event{{ID: 1, JSON: []byte(`dup`)}},
		AddTimers: []store.Timer{{ExecutionARN: "arn:e:ok", ID: 9, Due: t0}}}
	a := &store.Step{Create: true, Execution: execution("arn:e:a", "arn:sm", t0), Events: []store.Event{{ID: 1, JSON: []byte(`a`)}}}
	b := &store.Step{Create: true, Execution: execution("arn:e:b", "arn:sm", t0), Events: []store.Event{{ID: 1, JSON: []byte(`b`)}}}
	errs := s.Commit(ctx, []*store.Step{a, bad, b})
	if errs[0] != nil || errs[2] != nil || !errors.Is(errs[1], store.ErrConflict) {
		t.Fatalf("errors %v", errs)
	}
	if timers, _ := s.DueTimers(ctx, t0.Add(time.Hour), 10); len(timers) != 0 {
		t.Errorf("the failed step's timer was written: %v", timers)
	}
	for _, arn := range []string{"arn:e:a", "arn:e:b"} {
		if _, err := s.GetExecution(ctx, arn); err != nil {
			t.Errorf("%s: %v", arn, err)
		}
	}
}

func testTimers(t *testing.T, s store.Store) {
	e := execution("arn:e:t", "arn:sm", t0)
	s.Commit(ctx, []*store.Step{{Create: true, Execution: e, AddTimers: []store.Timer{
		{ExecutionARN: e.ARN, ID: 1, Due: t0.Add(3 * time.Second)},
		{ExecutionARN: e.ARN, ID: 2, Due: t0.Add(1 * time.Second)},
		{ExecutionARN: e.ARN, ID: 3, Due: t0.Add(time.Hour)},
	}}})
	due, _ := s.DueTimers(ctx, t0.Add(5*time.Second), 10)
	if len(due) != 2 || due[0].ID != 2 || due[1].ID != 1 || !due[0].Due.Equal(t0.Add(time.Second)) {
		t.Fatalf("due: %v", due)
	}
	s.Commit(ctx, []*store.Step{{Execution: e, DeleteTimers: []int64{2}}})
	due, _ = s.DueTimers(ctx, t0.Add(5*time.Second), 10)
	if len(due) != 1 || due[0].ID != 1 {
		t.Errorf("after delete: %v", due)
	}
}

func testTasks(t *testing.T, s store.Store) {
	e := execution("arn:e:w", "arn:sm", t0)
	s.Commit(ctx, []*store.Step{{Create: true, Execution: e, AddTasks: []store.ActivityTask{
		{Token: "tok2", ActivityARN: "arn:act", ExecutionARN: e.ARN, TaskID: 5, Input: `{"b":2}`, Created: t0.Add(time.Second)},
		{Token: "tok1", ActivityARN: "arn:act", ExecutionARN: e.ARN, TaskID: 4, Input: `{"a":1}`, Created: t0},
	}}})
	first, err := s.ClaimActivityTask(ctx, "arn:act", "w1", t0.Add(time.Minute))
	if err != nil || first.Token != "tok1" || first.Worker != "w1" {
		t.Fatalf("claim: %+v %v", first, err)
	}
	second, _ := s.ClaimActivityTask(ctx, "arn:act", "w2", t0)
	if second == nil || second.Token != "tok2" {
		t.Fatalf("second claim: %+v", second)
	}
	if _, err := s.ClaimActivityTask(ctx, "arn:act", "w3", t0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("empty queue: %v", err)
	}
	if err := s.ReleaseActivityTask(ctx, "tok2"); err != nil {
		t.Fatal(err)
	}
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
	s.Commit(ctx, []*store.Step{{Execution: e, DeleteTasks: []string{"tok1"}}})
	if _, err := s.GetActivityTask(ctx, "tok1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted task: %v", err)
	}
}

func testCommitter(t *testing.T, s store.Store) {
	c := store.NewCommitter(s, 64)
	var wg sync.WaitGroup
	errs := make([]error, 200)
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs[i] = c.Commit(ctx, &store.Step{Create: true, Execution: execution(fmt.Sprintf("arn:c:%d", i%150), "arn:sm:c", t0)})
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
