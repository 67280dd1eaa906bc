package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/baton-sh/baton/store"
)

// testInbox: inputs posted for an execution are kept in order until a step
// of its owner takes them; a step that takes one already taken writes
// nothing; an end drops the rest; PostedTo finds the owner's.
func testInbox(t *testing.T, db Database) {
	a, b := db(t), db(t) // two nodes
	la, lb := lease(t, a, "na"), lease(t, b, "nb")
	e, other := execution("arn:e:in", "arn:sm", t0), execution("arn:e:other", "arn:sm", t0)
	commit(t, a, &store.Step{Create: true, Lease: la, Execution: e, Inputs: input(1)},
		&store.Step{Create: true, Lease: la, Execution: other, Inputs: input(1)})

	if _, err := b.Post(ctx, "arn:e:missing", []byte(`{}`), t0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("post to a missing execution: %v", err)
	}
	owner, err := b.Post(ctx, e.ARN, []byte(`{"n":1}`), t0)
	if err != nil || owner != la {
		t.Fatalf("post: owner %+v, %v; want %+v", owner, err, la)
	}
	_, err = b.Post(ctx, e.ARN, []byte(`{"n":2}`), t0.Add(time.Second))
	must(t, err)
	_, err = b.Post(ctx, other.ARN, []byte(`{"n":3}`), t0)
	must(t, err)

	posted, err := a.Inbox(ctx, e.ARN)
	must(t, err)
	if len(posted) != 2 || string(posted[0].Body) != `{"n":1}` || string(posted[1].Body) != `{"n":2}` ||
		posted[0].ExecutionARN != e.ARN || !posted[1].At.Equal(t0.Add(time.Second)) || posted[0].ID >= posted[1].ID {
		t.Fatalf("inbox: %+v", posted)
	}
	if arns, err := a.PostedTo(ctx, la, 10); err != nil || !sameSet(arns, []string{e.ARN, other.ARN}) {
		t.Errorf("posted to the owner: %v %v", arns, err)
	}
	if arns, err := b.PostedTo(ctx, lb, 10); err != nil || len(arns) != 0 {
		t.Errorf("posted to another node: %v %v", arns, err)
	}

	// The owner applies the first; applying it again is refused.
	commit(t, a, &store.Step{Execution: e, Lease: la, ExpectSeq: 1, Inputs: input(2), TakeInbox: []int64{posted[0].ID}})
	errs := a.Commit(ctx, []*store.Step{{Execution: e, Lease: la, ExpectSeq: 2, Inputs: input(3), TakeInbox: []int64{posted[0].ID}}})
	if !errors.Is(errs[0], store.ErrConflict) {
		t.Errorf("taking a posted input twice: %v", errs[0])
	}
	// Another execution's post is not this one's to take.
	inOther, err := a.Inbox(ctx, other.ARN)
	must(t, err)
	errs = a.Commit(ctx, []*store.Step{{Execution: e, Lease: la, ExpectSeq: 2, Inputs: input(3), TakeInbox: []int64{inOther[0].ID}}})
	if !errors.Is(errs[0], store.ErrConflict) {
		t.Errorf("taking another execution's posted input: %v", errs[0])
	}
	if left, err := a.Inbox(ctx, e.ARN); err != nil || len(left) != 1 || left[0].ID != posted[1].ID {
		t.Errorf("inbox after a take: %+v %v", left, err)
	}

	// A step that takes the last and ends the execution; a post after the
	// end is found by PostedTo on any node, to be dropped.
	_, err = b.Post(ctx, e.ARN, []byte(`{"n":4}`), t0)
	must(t, err)
	e.Status = "ABORTED"
	commit(t, a, &store.Step{Execution: e, Lease: la, ExpectSeq: 2, Inputs: input(3), TakeInbox: []int64{posted[1].ID}, Ended: true})
	if left, err := a.Inbox(ctx, e.ARN); err != nil || len(left) != 0 {
		t.Errorf("inbox of an ended execution: %+v %v", left, err)
	}
	_, err = b.Post(ctx, e.ARN, []byte(`{"n":5}`), t0)
	must(t, err)
	if arns, err := b.PostedTo(ctx, lb, 10); err != nil || !slices.Equal(arns, []string{e.ARN}) {
		t.Errorf("an ended execution's posts, to another node: %v %v", arns, err)
	}
	late, err := b.Inbox(ctx, e.ARN)
	must(t, err)
	must(t, b.DropPosted(ctx, []int64{late[0].ID, late[0].ID + 1000}))
	if left, err := a.Inbox(ctx, e.ARN); err != nil || len(left) != 0 {
		t.Errorf("inbox after a drop: %+v %v", left, err)
	}

	// A taker reads the posts made before its take.
	if err := b.TakeExecution(ctx, other.ARN, lb, t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if left, err := b.Inbox(ctx, other.ARN); err != nil || len(left) != 1 {
		t.Errorf("the inbox of a taken execution: %+v %v", left, err)
	}
	if owner, err := a.Post(ctx, other.ARN, []byte(`{}`), t0); err != nil || owner != lb {
		t.Errorf("post after a takeover names %+v, %v; want %+v", owner, err, lb)
	}

	// Epochs are unique across nodes; an ended execution goes to whoever
	// takes it, though its owner's lease lives (a redrive runs it there).
	if lc := lease(t, b, "nc"); lc.Epoch == la.Epoch || lc.Epoch == lb.Epoch || la.Epoch == lb.Epoch {
		t.Errorf("epochs shared by nodes: %d %d %d", la.Epoch, lb.Epoch, lc.Epoch)
	}
	if err := b.TakeExecution(ctx, e.ARN, lb, t0); err != nil {
		t.Errorf("taking an ended execution from a live owner: %v", err)
	}

	// A start posted for a task claimed in the store holds while the claim
	// does, and keeps it from being released.
	f := execution("arn:e:ps", "arn:sm", t0)
	commit(t, a, &store.Step{Create: true, Lease: la, Execution: f, Inputs: input(1), AddTasks: []store.ActivityTask{
		{Token: "ps1", ActivityARN: "arn:act:ps", ExecutionARN: f.ARN, TaskID: 1, Input: `{}`, Created: t0},
		{Token: "ps2", ActivityARN: "arn:act:ps", ExecutionARN: f.ARN, TaskID: 2, Input: `{}`, Created: t0.Add(time.Second)},
	}})
	first, err := b.ClaimActivityTask(ctx, "arn:act:ps", "w1", t0)
	must(t, err)
	second, err := b.ClaimActivityTask(ctx, "arn:act:ps", "w2", t0.Add(time.Second))
	must(t, err)
	if owner, err := b.PostStart(ctx, f.ARN, []byte(`{"s":1}`), store.TaskClaim{Token: first.Token, Worker: "w1", At: first.Claimed}, t0); err != nil || owner != la {
		t.Errorf("post of a held claim's start: %+v %v", owner, err)
	}
	if err := a.ReleaseActivityTask(ctx, first.Token); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("release of a task whose start was posted: %v", err)
	}
	if _, err := b.ClaimActivityTask(ctx, "arn:act:ps", "w3", t0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a claim after the release of posted and claimed tasks: %v", err)
	}
	must(t, a.ReleaseActivityTask(ctx, second.Token))
	if _, err := b.PostStart(ctx, f.ARN, []byte(`{"s":2}`), store.TaskClaim{Token: second.Token, Worker: "w2", At: second.Claimed}, t0); !errors.Is(err, store.ErrConflict) {
		t.Errorf("post of a released claim's start: %v", err)
	}
	if posted, err := a.Inbox(ctx, f.ARN); err != nil || len(posted) != 1 || string(posted[0].Body) != `{"s":1}` {
		t.Errorf("the inbox after two posted starts: %+v %v", posted, err)
	}

	if _, ok := a.(store.Signals); ok {
		testSignals(t, a, b)
	}
}

// testSignals: a node hears a wake meant for it and the activities whose
// tasks any node queues; another node's wake is not its.
func testSignals(t *testing.T, a, b store.Store) {
	sa, sb := a.(store.Signals), b.(store.Signals)
	inbox, activity := make(chan string, 16), make(chan string, 16)
	lctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- sb.Listen(lctx, "nb", func(arn string) { inbox <- arn }, func(arn string) { activity <- arn })
	}()
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("listen: %v", err)
		}
	}()
	// The first names are empty: whatever came before listening.
	for _, ch := range []chan string{inbox, activity} {
		if got := receive(t, ch); got != "" {
			t.Fatalf("first signal %q, want \"\"", got)
		}
	}
	must(t, sa.Wake(ctx, "na", "arn:e:not-for-nb"))
	must(t, sa.Wake(ctx, "nb", "arn:e:for-nb"))
	if got := receive(t, inbox); got != "arn:e:for-nb" {
		t.Errorf("wake: %q", got)
	}
	la := lease(t, a, "na2")
	e := execution("arn:e:signals", "arn:sm", t0)
	commit(t, a, &store.Step{Create: true, Lease: la, Execution: e, Inputs: input(1), AddTasks: []store.ActivityTask{
		{Token: "sig1", ActivityARN: "arn:act:sig", ExecutionARN: e.ARN, TaskID: 1, Input: `{}`, Created: t0},
		{Token: "sig2", ActivityARN: "arn:act:sig", ExecutionARN: e.ARN, TaskID: 2, Input: `{}`, Created: t0},
	}})
	if got := receive(t, activity); got != "arn:act:sig" {
		t.Errorf("activity: %q", got)
	}
}

func receive(t *testing.T, ch chan string) string {
	t.Helper()
	select {
	case s := <-ch:
		return s
	case <-time.After(10 * time.Second):
		t.Fatal("no signal within 10 s")
		return ""
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// testTakeVoidsTimerClaims: an execution taken over loses its timers'
// claims, even when it comes back to the lease that made them (a lease
// that had lapsed is still its node's incarnation).
func testTakeVoidsTimerClaims(t *testing.T, db Database) {
	a, b := db(t), db(t)
	la, lb := lease(t, a, "na"), lease(t, b, "nb")
	for i, take := range []func(arn string, l store.Lease, s store.Store, now time.Time) error{
		func(arn string, l store.Lease, s store.Store, now time.Time) error {
			return s.TakeExecution(ctx, arn, l, now)
		},
		func(arn string, l store.Lease, s store.Store, now time.Time) error {
			_, err := s.ClaimExecutions(ctx, l, now, 100)
			return err
		},
	} {
		arn := fmt.Sprintf("arn:e:tv%d", i)
		commit(t, a, &store.Step{Create: true, Lease: la, Execution: execution(arn, "arn:sm", t0), Inputs: input(1),
			AddTimers: []store.Timer{{ExecutionARN: arn, ID: 1, Due: t0}}})
		if got, err := a.ClaimTimers(ctx, la, t0, t0.Add(10*time.Hour), 10); err != nil || len(got) != 1 {
			t.Fatalf("the first claim: %+v %v", got, err)
		}
		// Both leases ran out an hour after t0: each may take the other's.
		later := t0.Add(2 * time.Hour)
		must(t, take(arn, lb, b, later))
		must(t, take(arn, la, a, later))
		if rec, err := a.GetExecution(ctx, arn); err != nil || rec.Owner != la {
			t.Fatalf("taken back: %+v %v", rec, err)
		}
		// (A claim of executions takes every one it may: the earlier
		// iterations' come along.)
		if got, err := a.ClaimTimers(ctx, la, later, later.Add(time.Minute), 10); err != nil ||
			!slices.ContainsFunc(got, func(tm store.Timer) bool { return tm.ExecutionARN == arn }) {
			t.Errorf("take %d: a timer claimed before the execution went away and came back: %+v %v", i, got, err)
		}
	}
}
