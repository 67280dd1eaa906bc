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
	const waiters, workers = 300, 150
	s := startServer(t, "")
	c := s.client()
	ctx := context.Background()
	act, err := c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("crash-work")})
	if err != nil {
		t.Fatal(err)
	}
	waitDef := `{"StartAt":"Wait","States":{"Wait":{"Type":"Wait","Seconds":2,"Next":"Mark"},
		"Mark":{"Type":"Pass","Parameters":{"n.$":"$.n","done":true},"End":true}}}`
	// A task handed to a worker whose answer died with the server is lost to
	// everyone, as on AWS; the heartbeat and a retry bring it back.
	taskDef := `{"StartAt":"Work","States":{"Work":{"Type":"Task","Resource":"` + aws.ToString(act.ActivityArn) + `","TimeoutSeconds":120,"HeartbeatSeconds":8,
		"Retry":[{"ErrorEquals":["States.HeartbeatTimeout"],"IntervalSeconds":1,"MaxAttempts":3}],"Next":"Mark"},
		"Mark":{"Type":"Pass","Parameters":{"n.$":"$.n","worked.$":"$.worked"},"End":true}}}`
	waitSM, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("crash-wait"), Definition: aws.String(waitDef), RoleArn: aws.String(role)})
	if err != nil {
		t.Fatal(err)
	}
	taskSM, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("crash-task"), Definition: aws.String(taskDef), RoleArn: aws.String(role)})
	if err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	acked := map[string]int{} // execution ARN -> n
	var startWG sync.WaitGroup
	start := func(sm *string, n int) {
		defer startWG.Done()
		out, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm, Name: aws.String(fmt.Sprintf("e%d", n)), Input: aws.String(fmt.Sprintf(`{"n":%d}`, n))})
		if err == nil {
			mu.Lock()
			acked[aws.ToString(out.ExecutionArn)] = n
			mu.Unlock()
		}
	}

	// Activity workers: poll, then report success, retrying through the
	// outage with the token they hold.
	workCtx, stopWork := context.WithCancel(ctx)
	var completed atomic.Int64
	var workWG sync.WaitGroup
	client := func() *sfn.Client { mu.Lock(); defer mu.Unlock(); return c }
	for w := 0; w < 8; w++ {
		workWG.Add(1)
		go func(w int) {
			defer workWG.Done()
			for workCtx.Err() == nil {
				pollCtx, cancel := context.WithTimeout(workCtx, 5*time.Second)
				task, err := client().GetActivityTask(pollCtx, &sfn.GetActivityTaskInput{ActivityArn: act.ActivityArn, WorkerName: aws.String(fmt.Sprint("w", w))})
				cancel()
				if err != nil || task.TaskToken == nil {
					time.Sleep(50 * time.Millisecond)
					continue
				}
				out := strings.Replace(aws.ToString(task.Input), "}", `,"worked":true}`, 1)
				time.Sleep(100 * time.Millisecond) // work takes time: some tasks are held at the crash
				for workCtx.Err() == nil {
					_, err := client().SendTaskSuccess(workCtx, &sfn.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: aws.String(out)})
					if err == nil {
						completed.Add(1)
						break
					}
					if code := apiCode(err); code == "TaskTimedOut" || code == "InvalidToken" {
						t.Logf("a worker's token was refused: %v", err)
						break
					}
					time.Sleep(50 * time.Millisecond)
				}
			}
		}(w)
	}

	// Starts go on while the server is killed: those acknowledged must
	// finish, the others may or may not exist.
	killed := make(chan struct{})
	go func() {
		time.Sleep(200 * time.Millisecond)
		s.cmd.Process.Kill()
		s.cmd.Wait()
		close(killed)
	}()
	for i := 0; i < max(waiters, workers); i++ {
		if i < waiters {
			startWG.Add(1)
			go start(waitSM.StateMachineArn, i)
		}
		if i < workers {
			startWG.Add(1)
			go start(taskSM.StateMachineArn, 1000+i)
		}
		time.Sleep(time.Millisecond)
	}
	<-killed
	startWG.Wait()
	t.Logf("killed with %d of %d executions acknowledged, %d tasks completed", len(acked), waiters+workers, completed.Load())

	s2 := startServer(t, s.dir)
	mu.Lock()
	c = s2.client()
	mu.Unlock()
	deadline := time.Now().Add(60 * time.Second)
	for arn, n := range acked {
		var out *sfn.DescribeExecutionOutput
		for {
			out, err = c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
			if err != nil {
				t.Fatalf("%s: %v", arn, err)
			}
			if out.Status != types.ExecutionStatusRunning || time.Now().After(deadline) {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
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

// checkHistory checks that ids run 1..N without a gap and that no state
// was entered twice.
func checkHistory(t *testing.T, c *sfn.Client, arn string) {
	t.Helper()
	p := sfn.NewGetExecutionHistoryPaginator(c, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arn)})
	entered := map[string]int{}
	var id int64
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Events {
			id++
			if e.Id != id {
				t.Errorf("%s: event %d has id %d", arn, id, e.Id)
				return
			}
			if e.StateEnteredEventDetails != nil {
				entered[aws.ToString(e.StateEnteredEventDetails.Name)]++
			}
		}
	}
	for name, n := range entered {
		if n != 1 {
			t.Errorf("%s: state %s entered %d times", arn, name, n)
		}
	}
}
