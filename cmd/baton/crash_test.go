package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// TestServeCrash kills the server with SIGKILL while hundreds of executions
// wait in Wait states and activity tasks, starts it again on the same data
// folder, and checks from the histories that every acknowledged execution
// finishes with the right output and that no state was entered twice.
func TestServeCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("the crash test takes a few seconds")
	}
	t.Parallel()
	serveCrash(t)
}

// serveCrash is the crash test on a server started with extra flags (its
// store).
func serveCrash(t *testing.T, extra ...string) {
	const waiters, workers = 300, 150
	s := startServerAt(t, t.TempDir(), extra...)
	c := s.client()
	ctx := context.Background()
	act := must(c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("crash-work")}))(t)
	waitDef := `{"StartAt":"Wait","States":{"Wait":{"Type":"Wait","Seconds":2,"Next":"Mark"},
		"Mark":{"Type":"Pass","Parameters":{"n.$":"$.n","done":true},"End":true}}}`
	// A task handed to a worker whose answer died with the server is lost to
	// everyone, as on AWS; the heartbeat and a retry bring it back.
	taskDef := `{"StartAt":"Work","States":{"Work":{"Type":"Task","Resource":"` + aws.ToString(act.ActivityArn) + `","TimeoutSeconds":120,"HeartbeatSeconds":4,
		"Retry":[{"ErrorEquals":["States.HeartbeatTimeout"],"IntervalSeconds":1,"MaxAttempts":3}],"Next":"Mark"},
		"Mark":{"Type":"Pass","Parameters":{"n.$":"$.n","worked.$":"$.worked"},"End":true}}}`
	waitSM := createMachine(t, c, "crash-wait", waitDef)
	taskSM := createMachine(t, c, "crash-task", taskDef)

	// The crash's phases. A call may fail only if it went to the first
	// server once its kill had begun; any other failure fails the test.
	killing := make(chan struct{})   // closed just before the kill
	restarted := make(chan struct{}) // closed once the second server answers
	var mu sync.Mutex
	current := c // the client of the server that runs
	client := func() (c *sfn.Client, first bool) {
		mu.Lock()
		defer mu.Unlock()
		return current, !closed(restarted)
	}
	mayFail := func(first bool) bool { return first && closed(killing) }
	// progress wakes the test when a start is acknowledged or a worker
	// takes or completes a task.
	progress := make(chan struct{}, 1)
	notify := func() {
		select {
		case progress <- struct{}{}:
		default:
		}
	}

	acked := map[string]int{} // execution ARN -> n
	start := func(sm string, n int) {
		c, first := client()
		out, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Name: aws.String(fmt.Sprintf("e%d", n)), Input: aws.String(fmt.Sprintf(`{"n":%d}`, n))})
		if err != nil {
			if !mayFail(first) {
				t.Errorf("start %d: %v", n, err)
			}
			return // refused or lost in the crash: it may or may not exist
		}
		mu.Lock()
		acked[aws.ToString(out.ExecutionArn)] = n
		mu.Unlock()
		notify()
	}

	// Activity workers: poll, then report success, through the outage
	// with the token they hold. Workers 0 to 3 hold their first task until
	// the second server runs: some tasks are held at the crash.
	const holders = 4
	workCtx, stopWork := context.WithCancel(ctx)
	var held, completed atomic.Int64
	var workWG sync.WaitGroup
	defer workWG.Wait()
	defer stopWork()
	worker := func(w int) {
		defer workWG.Done()
		hold := w < holders
		for workCtx.Err() == nil {
			c, first := client()
			pollCtx, cancel := context.WithTimeout(workCtx, 5*time.Second)
			task, err := c.GetActivityTask(pollCtx, &sfn.GetActivityTaskInput{ActivityArn: act.ActivityArn, WorkerName: aws.String(fmt.Sprint("w", w))})
			timedOut := pollCtx.Err() != nil
			cancel()
			switch {
			case workCtx.Err() != nil:
				return
			case err != nil && timedOut:
				continue // no task within the poll: ask again
			case err != nil && mayFail(first):
				if !waitFor(workCtx, restarted) {
					return
				}
				continue
			case err != nil:
				t.Errorf("worker %d: %v", w, err)
				return
			case task.TaskToken == nil:
				continue
			}
			out := strings.Replace(aws.ToString(task.Input), "}", `,"worked":true}`, 1)
			if hold {
				hold = false
				held.Add(1)
				notify()
				if !waitFor(workCtx, restarted) {
					return
				}
			}
			for {
				c, first := client()
				_, err := c.SendTaskSuccess(workCtx, &sfn.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: aws.String(out)})
				if err == nil {
					completed.Add(1)
					notify()
					break
				}
				if workCtx.Err() != nil {
					return
				}
				if code := apiCode(err); code == "TaskTimedOut" || code == "InvalidToken" {
					t.Logf("a worker's token was refused: %v", err)
					break
				}
				if !mayFail(first) {
					t.Errorf("worker %d: %v", w, err)
					return
				}
				if !waitFor(workCtx, restarted) {
					return
				}
			}
		}
	}
	for w := 0; w < 8; w++ {
		workWG.Add(1)
		go worker(w)
	}

	// Starts go on, 16 at a time, while the server is killed: those
	// acknowledged must finish, the others may or may not exist.
	var startWG sync.WaitGroup
	defer startWG.Wait()
	startWG.Add(1)
	go func() {
		defer startWG.Done()
		slots := make(chan struct{}, 16)
		for i := 0; i < max(waiters, workers); i++ {
			for _, job := range []struct {
				sm string
				n  int
				ok bool
			}{{waitSM, i, i < waiters}, {taskSM, 1000 + i, i < workers}} {
				if !job.ok {
					continue
				}
				slots <- struct{}{}
				startWG.Add(1)
				go func() {
					defer startWG.Done()
					defer func() { <-slots }()
					start(job.sm, job.n)
				}()
			}
		}
	}()

	// The kill comes once executions wait, tasks have completed and every
	// holder holds one.
	ready := func() bool {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		return n >= 100 && held.Load() == holders && completed.Load() >= 4
	}
	timeout := time.After(60 * time.Second)
	for !ready() {
		select {
		case <-progress:
		case <-timeout:
			t.Fatalf("waited 60s for 100 acknowledged starts, %d held tasks and 4 completed ones: %d held, %d completed", holders, held.Load(), completed.Load())
		}
	}
	close(killing)
	s.kill(t)
	startWG.Wait()
	t.Logf("killed with %d of %d executions acknowledged, %d tasks completed, %d held", len(acked), waiters+workers, completed.Load(), held.Load())

	s2 := startServerAt(t, s.dir, extra...)
	mu.Lock()
	c = s2.client()
	current = c
	mu.Unlock()
	close(restarted)
	deadline := time.Now().Add(60 * time.Second)
	for arn, n := range acked {
		out := waitDoneBy(t, c, arn, deadline)
		want := fmt.Sprintf(`{"n":%d,"done":true}`, n)
		if n >= 1000 {
			want = fmt.Sprintf(`{"n":%d,"worked":true}`, n)
		}
		if out.Status != types.ExecutionStatusSucceeded || aws.ToString(out.Output) != want {
			t.Errorf("%s: %s %s %s, want output %s", arn, out.Status, aws.ToString(out.Output), aws.ToString(out.Cause), want)
			continue
		}
		checkHistory(t, c, arn)
	}
	stopWork()
	workWG.Wait()
	s2.stop(t)
}

// closed tells whether ch is closed.
func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// waitFor waits until ch is closed; false if ctx ends first.
func waitFor(ctx context.Context, ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	case <-ctx.Done():
		return false
	}
}

// waitDoneBy waits until an execution is no longer RUNNING, until a
// deadline shared by many executions.
func waitDoneBy(t testing.TB, c *sfn.Client, arn string, deadline time.Time) *sfn.DescribeExecutionOutput {
	t.Helper()
	var out *sfn.DescribeExecutionOutput
	poll(t, arn+" to end", time.Until(deadline), func() (bool, error) {
		var err error
		out, err = c.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
		return err == nil && out.Status != types.ExecutionStatusRunning, err
	})
	return out
}

// checkHistory checks that ids run 1..N without a gap and that no state
// was entered twice.
func checkHistory(t *testing.T, c *sfn.Client, arn string) {
	t.Helper()
	entered := map[string]int{}
	for i, e := range historyOf(t, c, aws.String(arn)) {
		if e.Id != int64(i+1) {
			t.Errorf("%s: event %d has id %d", arn, i+1, e.Id)
			return
		}
		if e.StateEnteredEventDetails != nil {
			entered[aws.ToString(e.StateEnteredEventDetails.Name)]++
		}
	}
	for name, n := range entered {
		if n != 1 {
			t.Errorf("%s: state %s entered %d times", arn, name, n)
		}
	}
}
