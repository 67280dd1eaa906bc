package sqlite

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/baton-sh/baton/store"
)

// The store's cost per step, through the group committer as the durable
// driver uses it (32 writers at once):
//
//	go test -run '^$' -bench . ./store/sqlite/

func benchStore(b *testing.B) (*Store, store.Lease) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	l, err := s.RegisterNode(context.Background(), "local", time.Now(), time.Now().Add(time.Hour))
	if err != nil {
		b.Fatal(err)
	}
	return s, l
}

func randomName() string {
	var id [16]byte
	rand.Read(id[:])
	return hex.EncodeToString(id[:])
}

const benchSM = "arn:aws:states:us-east-1:123456789012:stateMachine:hello"

// helloStep is the one step of a one-Pass execution: it starts and ends.
func helloStep(l store.Lease, arn string, now time.Time) *store.Step {
	in := `{"name":"bench"}`
	events := []string{
		`{"timestamp":1796121829.198,"type":"ExecutionStarted","id":1,"previousEventId":0,"executionStartedEventDetails":{"input":"{\"name\":\"bench\"}","inputDetails":{"truncated":false},"roleArn":"arn:aws:iam::123456789012:role/bench"}}`,
		`{"timestamp":1796121829.198,"type":"PassStateEntered","id":2,"previousEventId":1,"stateEnteredEventDetails":{"name":"Hello","input":"{\"name\":\"bench\"}","inputDetails":{"truncated":false}}}`,
		`{"timestamp":1796121829.198,"type":"PassStateExited","id":3,"previousEventId":2,"stateExitedEventDetails":{"name":"Hello","output":"{\"name\":\"bench\",\"hello\":\"world\"}","outputDetails":{"truncated":false}}}`,
		`{"timestamp":1796121829.198,"type":"ExecutionSucceeded","id":4,"previousEventId":3,"executionSucceededEventDetails":{"output":"{\"name\":\"bench\",\"hello\":\"world\"}","outputDetails":{"truncated":false}}}`,
	}
	st := &store.Step{Create: true, Lease: l, Now: now, Execution: store.Execution{
		ARN: arn, StateMachineARN: benchSM, Name: arn[strings.LastIndexByte(arn, ':')+1:], Status: "SUCCEEDED", Input: in,
		Output: `{"name":"bench","hello":"world"}`, HasOutput: true, Start: now, Stop: now,
		Definition: `{"StartAt":"Hello","States":{"Hello":{"Type":"Pass","Result":"world","ResultPath":"$.hello","End":true}}}`,
		RoleARN:    "arn:aws:iam::123456789012:role/bench", Meta: []byte(`{"sm":"hello","region":"us-east-1","payloadLimit":262144}`),
		LastEvent: 4, LastEventType: "ExecutionSucceeded",
	}, Inputs: []store.Input{{Seq: 1, JSON: []byte(`{"k":"start","t":1796121829198358962,"d":{"name":"bench"}}`)}}}
	for i, e := range events {
		st.Events = append(st.Events, store.Event{ID: int64(i + 1), JSON: []byte(e)})
	}
	return st
}

func BenchmarkCommitHello(b *testing.B) { benchHello(b, func(int64) string { return randomName() }) }

// BenchmarkCommitHelloNamed names the executions e1, e2, ... as the API
// harness does: their ARNs sort close together.
func BenchmarkCommitHelloNamed(b *testing.B) {
	benchHello(b, func(i int64) string { return fmt.Sprintf("e%d", i) })
}

// BenchmarkCommitChain10 writes the one step of an execution of ten Pass
// states: 22 events.
func BenchmarkCommitChain10(b *testing.B) {
	s, l := benchStore(b)
	var n atomic.Int64
	c := store.NewCommitter(s, 256)
	defer c.Close()
	now := time.Now()
	b.SetParallelism(16)
	defer reportCPU(b)()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			arn := "arn:aws:states:us-east-1:123456789012:execution:chain10:" + fmt.Sprintf("e%d", n.Add(1))
			st := helloStep(l, arn, now)
			st.Events = st.Events[:1]
			for i := 0; i < 10; i++ {
				st.Events = append(st.Events,
					store.Event{ID: int64(2*i + 2), JSON: []byte(fmt.Sprintf(`{"timestamp":1796121829.198,"type":"PassStateEntered","id":%d,"previousEventId":%d,"stateEnteredEventDetails":{"name":"S%d","input":"{\"id\":12,\"s0\":{\"step\":0,\"id\":12}}","inputDetails":{"truncated":false}}}`, 2*i+2, 2*i+1, i))},
					store.Event{ID: int64(2*i + 3), JSON: []byte(fmt.Sprintf(`{"timestamp":1796121829.198,"type":"PassStateExited","id":%d,"previousEventId":%d,"stateExitedEventDetails":{"name":"S%d","output":"{\"id\":12,\"s0\":{\"step\":0,\"id\":12}}","outputDetails":{"truncated":false}}}`, 2*i+3, 2*i+2, i))})
			}
			st.Events = append(st.Events, store.Event{ID: 22, JSON: st.Events[len(st.Events)-1].JSON})
			st.Execution.LastEvent = 22
			if err := c.Commit(context.Background(), st); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func benchHello(b *testing.B, name func(int64) string) {
	s, l := benchStore(b)
	var n atomic.Int64
	c := store.NewCommitter(s, 256)
	defer c.Close()
	now := time.Now()
	b.SetParallelism(16) // 32 writers on 2 cores
	defer reportCPU(b)()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			arn := "arn:aws:states:us-east-1:123456789012:execution:hello:" + name(n.Add(1))
			if err := c.Commit(context.Background(), helloStep(l, arn, now)); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkCommitActivity writes the three steps of an execution whose
// one Task is an activity: scheduled (a task row), started, succeeded.
func BenchmarkCommitActivity(b *testing.B) {
	s, l := benchStore(b)
	c := store.NewCommitter(s, 256)
	defer c.Close()
	now := time.Now()
	var n atomic.Int64
	b.SetParallelism(16)
	defer reportCPU(b)()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			arn := "arn:aws:states:us-east-1:123456789012:execution:act:" + randomName()
			tok := fmt.Sprintf("tok-%d", n.Add(1))
			st := helloStep(l, arn, now)
			st.Execution.Status, st.Execution.Output, st.Execution.HasOutput = "RUNNING", "", false
			st.Events = st.Events[:3]
			st.AddTasks = []store.ActivityTask{{Token: tok, ActivityARN: "arn:act", ExecutionARN: arn, TaskID: 1, Input: `{"name":"bench"}`, Created: now}}
			if err := c.Commit(context.Background(), st); err != nil {
				b.Error(err)
				return
			}
			st2 := *st
			st2.Create, st2.ExpectSeq, st2.AddTasks = false, 1, nil
			st2.Inputs = []store.Input{{Seq: 2, JSON: []byte(`{"k":"started","t":1796121829213890187,"id":1}`)}}
			st2.Events = []store.Event{{ID: 4, JSON: []byte(`{"timestamp":1796121829.213,"type":"ActivityStarted","id":4,"previousEventId":3,"activityStartedEventDetails":{"workerName":""}}`)}}
			if err := c.Commit(context.Background(), &st2); err != nil {
				b.Error(err)
				return
			}
			st3 := st2
			st3.ExpectSeq = 2
			st3.Execution.Status, st3.Execution.Output, st3.Execution.HasOutput = "SUCCEEDED", `{"done":true}`, true
			st3.Inputs = []store.Input{{Seq: 3, JSON: []byte(`{"k":"ok","t":1796121829235221662,"id":1,"d":{"done":true}}`)}}
			st3.Events = []store.Event{
				{ID: 5, JSON: []byte(`{"timestamp":1796121829.235,"type":"ActivitySucceeded","id":5,"previousEventId":4,"activitySucceededEventDetails":{"output":"{\"done\":true}","outputDetails":{"truncated":false}}}`)},
				{ID: 6, JSON: []byte(`{"timestamp":1796121829.235,"type":"TaskStateExited","id":6,"previousEventId":5,"stateExitedEventDetails":{"name":"Work","output":"{\"done\":true}","outputDetails":{"truncated":false}}}`)},
				{ID: 7, JSON: []byte(`{"timestamp":1796121829.235,"type":"ExecutionSucceeded","id":7,"previousEventId":6,"executionSucceededEventDetails":{"output":"{\"done\":true}","outputDetails":{"truncated":false}}}`)},
			}
			st3.DeleteTasks = []string{tok}
			if err := c.Commit(context.Background(), &st3); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// cpuTime is the CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the CPU time per op from now until the returned
// function is called.
func reportCPU(b *testing.B) func() {
	c0 := cpuTime()
	return func() {
		b.StopTimer()
		b.ReportMetric(float64((cpuTime()-c0).Microseconds())/float64(b.N), "cpu-µs/op")
	}
}
