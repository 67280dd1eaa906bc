// Command waiting fills a PostgreSQL schema with Standard executions that
// wait (a Wait state of a day), through the engine in-process with group
// commit, as fast as the database takes them: the starting point of issue
// 12's memory and takeover measurements, which then start `baton serve` on
// the schema.
//
//	waiting -store 'postgres://...?search_path=s' -n 1000000 [-concurrency 256] [-wait 86400]
//
// The schema must exist (the migrations are applied). The executions
// belong to the state machine "waiting" (created if missing) and are named
// w1..wN; a name already there is skipped, so a run cut short may be run
// again. The loader is node "loader" and hands its lease back when it ends,
// so the next server on the schema takes them over at once.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/baton-sh/baton/engine"
	"github.com/baton-sh/baton/store/postgres"
)

func main() {
	url := flag.String("store", "", "PostgreSQL URL (with search_path for a schema of its own)")
	n := flag.Int("n", 100000, "executions to start")
	first := flag.Int("first", 1, "number of the first execution's name")
	conc := flag.Int("concurrency", 256, "starts in flight")
	wait := flag.Int("wait", 86400, "the Wait state's seconds")
	node := flag.String("node", "loader", "the loader's node name")
	flag.Parse()
	if err := run(*url, *n, *first, *conc, *wait, *node); err != nil {
		fmt.Fprintln(os.Stderr, "waiting:", err)
		os.Exit(1)
	}
}

func run(url string, n, first, conc, wait int, node string) error {
	ctx := context.Background()
	st, err := postgres.Open(ctx, url)
	if err != nil {
		return err
	}
	defer st.Close()
	e, err := engine.New(ctx, engine.Options{Store: st, Node: node, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	if err := e.Start(ctx); err != nil {
		return err
	}
	defer e.Close()
	def := fmt.Sprintf(`{"StartAt":"Prepare","States":{"Prepare":{"Type":"Pass","Result":{"order":42},"ResultPath":"$.prepared","Next":"Wait"},`+
		`"Wait":{"Type":"Wait","Seconds":%d,"Next":"Done"},"Done":{"Type":"Succeed"}}}`, wait)
	sm, err := e.CreateStateMachine(ctx, &engine.CreateStateMachineInput{Name: "waiting", Definition: def, RoleArn: "arn:aws:iam::123456789012:role/r"})
	var ee *engine.Error
	arn := "arn:aws:states:us-east-1:123456789012:stateMachine:waiting"
	switch {
	case err == nil:
		arn = sm.StateMachineArn
	case errors.As(err, &ee) && ee.Code == "StateMachineAlreadyExists":
	default:
		return err
	}
	var next, done, skipped atomic.Int64
	next.Store(int64(first) - 1)
	last := int64(first + n - 1)
	t0 := time.Now()
	stop := make(chan struct{})
	go func() {
		tick := time.NewTicker(10 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				d := done.Load()
				fmt.Fprintf(os.Stderr, "%d started (%.0f/s)\n", d, float64(d)/time.Since(t0).Seconds())
			}
		}
	}()
	var wg sync.WaitGroup
	var failed atomic.Value
	for range conc {
		wg.Go(func() {
			for i := next.Add(1); i <= last && failed.Load() == nil; i = next.Add(1) {
				name := "w" + strconv.FormatInt(i, 10)
				_, err := e.StartExecution(ctx, &engine.StartExecutionInput{StateMachineArn: arn, Name: name, Input: `{"customer":"c-` + name + `"}`})
				if errors.As(err, &ee) && ee.Code == "ExecutionAlreadyExists" {
					skipped.Add(1)
					continue
				}
				if err != nil {
					failed.Store(err)
					return
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	close(stop)
	took := time.Since(t0)
	fmt.Printf(`{"started":%d,"skipped":%d,"seconds":%.1f,"per_s":%.0f}`+"\n", done.Load(), skipped.Load(), took.Seconds(), float64(done.Load())/took.Seconds())
	if err, _ := failed.Load().(error); err != nil {
		return err
	}
	return nil
}
