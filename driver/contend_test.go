package driver_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/baton-sh/baton/clock"
	"github.com/baton-sh/baton/driver"
	"github.com/baton-sh/baton/store/postgres"
	"github.com/baton-sh/baton/store/postgres/pgtest"
	"github.com/baton-sh/baton/token"
)

// TestNodesContend: two nodes on one PostgreSQL database fight over the
// same executions, again and again. Each node has a clock of its own; each
// round one node's clock runs ahead of the other's by more than a lease,
// so that it finds the other's lease expired and takes its executions over
// while the other still holds them in memory and fires their timers, and
// workers poll both nodes for their activity tasks. Every timer fires once
// and every task is handed out once: each execution's history has its
// Wait left once and its task started and completed once.
func TestNodesContend(t *testing.T) {
	url := pgtest.Schema(t)
	t.Parallel()
	ctx := context.Background()
	const rounds, perRound = 4, 40
	keys := token.RandomKey()
	act := "arn:aws:states:us-east-1:123456789012:activity:contend"
	def := `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1,"Next":"A"},
		"A":{"Type":"Task","Resource":"` + act + `","End":true}}}`

	type contender struct {
		clk *clock.Manual
		s   *postgres.Store
		d   *driver.Durable
	}
	open := func(name string) *contender {
		s, err := postgres.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		c := &contender{clk: clock.NewManual(epoch), s: s}
		c.d = driver.NewDurable(driver.DurableOptions{Store: s, Signals: s, Clock: c.clk, Tokens: keys, Node: name, LeaseDuration: 2 * time.Second})
		if err := c.d.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			c.d.Close()
			s.Close()
		})
		return c
	}
	nodes := []*contender{open("a"), open("b")}

	// Workers poll both nodes and answer through either.
	work, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer stop()
	var mu sync.Mutex
	handed := map[string]int{}
	for w := range 6 {
		wg.Go(func() {
			for work.Err() == nil {
				at := nodes[rand.IntN(2)]
				task, err := at.d.PollActivity(work, act, fmt.Sprint("w", w), 0)
				if err != nil || task == nil {
					time.Sleep(5 * time.Millisecond)
					continue
				}
				mu.Lock()
				handed[task.Token]++
				mu.Unlock()
				for work.Err() == nil {
					err := nodes[rand.IntN(2)].d.TaskSucceeded(work, task.ExecutionARN, task.TaskID, `{"done":true}`)
					if err == nil || err == driver.ErrStale || err == driver.ErrExecutionClosed {
						break
					}
					time.Sleep(5 * time.Millisecond) // a node between two owners: again
				}
			}
		})
	}

	var arns []string
	for round := range rounds {
		owner, thief := nodes[round%2], nodes[1-round%2]
		for i := range perRound {
			arn := fmt.Sprintf("arn:aws:states:us-east-1:123456789012:execution:M:r%d-%d", round, i)
			if _, err := owner.d.StartExecution(ctx, driver.StartRequest{ExecutionARN: arn, Name: fmt.Sprintf("r%d-%d", round, i), StateMachineARN: smARN,
				StateMachineName: "M", Definition: def, Region: "us-east-1", Input: `{}`}); err != nil {
				t.Fatal(err)
			}
			arns = append(arns, arn)
		}
		// The owner's timers fall due as the thief's clock passes the
		// owner's lease: both go for them at once.
		ahead := thief.clk.Now().Sub(owner.clk.Now())
		var moves sync.WaitGroup
		moves.Go(func() { owner.clk.Advance(time.Second) })
		moves.Go(func() { thief.clk.Advance(3*time.Second - ahead + time.Second) })
		moves.Wait()
		// Then both clocks go on, a little at a time, until the round's
		// executions have ended.
		deadline := time.Now().Add(60 * time.Second)
		for _, arn := range arns[len(arns)-perRound:] {
			for {
				rec, err := owner.s.GetExecution(ctx, arn)
				if err != nil {
					t.Fatal(err)
				}
				if rec.Status != "RUNNING" {
					if rec.Status != "SUCCEEDED" {
						t.Errorf("%s ended %s: %s %s", arn, rec.Status, rec.Error, rec.Cause)
					}
					break
				}
				if time.Now().After(deadline) {
					evs, _ := owner.s.Events(ctx, arn, 0, 100, false)
					posted, _ := owner.s.Inbox(ctx, arn)
					var last string
					if n := len(evs); n > 0 {
						last = string(evs[n-1].JSON)
					}
					t.Fatalf("round %d: %s still runs (owner %+v, %d events, the last %s; inbox %d; a %+v, b %+v)", round, arn, rec.Owner, len(evs), last, len(posted),
						nodes[0].d.NodeStats(), nodes[1].d.NodeStats())
				}
				owner.clk.Advance(100 * time.Millisecond)
				thief.clk.Advance(100 * time.Millisecond)
				time.Sleep(2 * time.Millisecond)
			}
		}
	}
	stop()
	for tok, n := range handed {
		if n != 1 {
			t.Errorf("task %s handed out %d times", tok, n)
		}
	}
	for _, arn := range arns {
		evs, err := nodes[0].s.Events(ctx, arn, 0, 100, false)
		if err != nil {
			t.Fatal(err)
		}
		count := map[string]int{}
		for _, e := range evs {
			var v struct{ Type string }
			if err := json.Unmarshal(e.JSON, &v); err != nil {
				t.Fatal(err)
			}
			count[v.Type]++
		}
		if count["WaitStateExited"] != 1 || count["ActivityStarted"] != 1 || count["ActivitySucceeded"] != 1 || count["ExecutionSucceeded"] != 1 {
			t.Errorf("%s: %v", arn, count)
		}
	}
	// Each node took executions over from the other: they did contend.
	for i, n := range nodes {
		if st := n.d.NodeStats(); st.TakenOver == 0 {
			t.Errorf("node %d took nothing over: %+v", i, st)
		}
	}
}
