package driver_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/baton-sh/baton/clock"
	"github.com/baton-sh/baton/driver"
	"github.com/baton-sh/baton/store"
)

// Many pollers, many tasks: each task goes to exactly one worker, and the
// claim is written with its start (the task row names the worker).
func TestActivityPollersShareTasks(t *testing.T) {
	t.Parallel()
	n := newNode(t, t.TempDir(), clock.NewManual(epoch), nil)
	act := "arn:aws:states:us-east-1:123456789012:activity:crowd"
	def := `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"` + act + `","End":true}}}`
	const k = 8
	got := make(chan *store.ActivityTask, k)
	var wg sync.WaitGroup
	for i := range k {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// The manual clock never moves: a poll ends only with a task.
			task, err := n.d.PollActivity(context.Background(), act, fmt.Sprintf("w%d", i), time.Minute)
			if err != nil || task == nil {
				t.Errorf("poll: %+v %v", task, err)
				return
			}
			got <- task
		}()
	}
	for i := range k {
		n.start(fmt.Sprintf("e%d", i), def, fmt.Sprintf(`{"i":%d}`, i))
	}
	wg.Wait()
	close(got)
	seen := map[string]bool{}
	for task := range got {
		if seen[task.Token] {
			t.Errorf("task %s handed out twice", task.Token)
		}
		seen[task.Token] = true
		row, err := n.s.GetActivityTask(context.Background(), task.Token)
		if err != nil || row.Worker != task.Worker || row.Claimed.IsZero() {
			t.Errorf("the stored task %+v %v, handed to %s", row, err, task.Worker)
		}
		if err := n.d.TaskSucceeded(context.Background(), task.ExecutionARN, task.TaskID, `{}`); err != nil {
			t.Error(err)
		}
	}
	if len(seen) != k {
		t.Errorf("%d tasks handed out, want %d", len(seen), k)
	}
}

// A task queued before a restart is handed out after it, once.
func TestActivityAfterRestart(t *testing.T) {
	t.Parallel()
	n := newNode(t, t.TempDir(), clock.NewManual(epoch), nil)
	act := "arn:aws:states:us-east-1:123456789012:activity:later"
	def := `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"` + act + `","End":true}}}`
	rec := n.start("r1", def, `{"v":1}`)
	n.restart()
	task, err := n.d.PollActivity(context.Background(), act, "after", time.Minute)
	if err != nil || task == nil || task.ExecutionARN != rec.ARN || task.Input != `{"v":1}` {
		t.Fatalf("poll after the restart: %+v %v", task, err)
	}
	if again, err := n.d.PollActivity(context.Background(), act, "twice", 0); again != nil || err != nil {
		t.Errorf("handed out again: %+v %v", again, err)
	}
	if err := n.d.TaskSucceeded(context.Background(), task.ExecutionARN, task.TaskID, `{"ok":true}`); err != nil {
		t.Fatal(err)
	}
	if done := n.wait(rec.ARN); done.Output != `{"ok":true}` {
		t.Errorf("%+v", done)
	}
}

// A poll at a node that does not own the task's execution (another node's
// lease is live) gets the task; its start and its result go to the owner's
// inbox, and the owner records them: the task is handed out once, and its
// history names the worker that took it.
func TestActivityOwnedElsewhere(t *testing.T) {
	t.Parallel()
	clk := clock.NewManual(epoch)
	dir := t.TempDir()
	a := newNode(t, dir, clk, nil)
	a.name = "a"
	a.restart()
	act := "arn:aws:states:us-east-1:123456789012:activity:elsewhere"
	def := `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"` + act + `","End":true}}}`
	rec := a.start("o1", def, `{"v":1}`)
	b := &node{t: t, dir: dir, name: "b", clk: clk, keys: a.keys, ended: map[string]chan struct{}{}}
	b.open()
	ctx := context.Background()
	task, err := b.d.PollActivity(ctx, act, "at-b", 0)
	if err != nil || task == nil || task.ExecutionARN != rec.ARN || task.Input != `{"v":1}` {
		t.Fatalf("b's poll of a's task: %+v %v", task, err)
	}
	if again, err := a.d.PollActivity(ctx, act, "at-a", 0); again != nil || err != nil {
		t.Fatalf("handed out again, at a: %+v %v", again, err)
	}
	if again, err := b.d.PollActivity(ctx, act, "at-b2", 0); again != nil || err != nil {
		t.Fatalf("handed out again, at b: %+v %v", again, err)
	}
	if err := b.d.TaskSucceeded(ctx, task.ExecutionARN, task.TaskID, `{"ok":true}`); err != nil {
		t.Fatal(err)
	}
	// The same token again: the owner will have recorded the result.
	if err := b.d.TaskSucceeded(ctx, task.ExecutionARN, task.TaskID, `{"ok":2}`); !errors.Is(err, driver.ErrStale) {
		t.Errorf("a second result: %v", err)
	}
	clk.Advance(4 * time.Second) // a's lease loop looks at its inboxes
	done := a.wait(rec.ARN)
	if done.Output != `{"ok":true}` || done.Owner.Node != "a" {
		t.Errorf("%+v", done)
	}
	if types := a.eventTypes(rec.ARN); types != "ExecutionStarted,TaskStateEntered,ActivityScheduled,ActivityStarted,ActivitySucceeded,TaskStateExited,ExecutionSucceeded" {
		t.Errorf("history %s", types)
	}
	if posted, err := a.s.Inbox(ctx, rec.ARN); err != nil || len(posted) != 0 {
		t.Errorf("inbox left: %+v %v", posted, err)
	}
}
