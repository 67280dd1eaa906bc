package scheduler

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/baton-sh/baton/store/postgres"
	"github.com/baton-sh/baton/store/postgres/pgtest"
	"github.com/baton-sh/baton/trigger"
)

// TestTwoRunnersPostgres: two nodes' runners over one PostgreSQL schema
// take their turns at the same instants; every due time of every schedule
// is started exactly once between them (counted at the engine's door, so
// the execution names' idempotence does not hide a double claim).
func TestTwoRunnersPostgres(t *testing.T) {
	url := pgtest.Schema(t)
	h := newHarness(t)
	const schedules, minutes = 40, 10
	var decls []trigger.Schedule
	for i := range schedules {
		d := job(fmt.Sprintf("s%02d", i), "rate(1 minute)")
		d.Start = t0
		decls = append(decls, d)
	}
	var runners []*Runner
	for node := range 2 {
		st, err := postgres.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		r, err := New(decls, Options{Store: st, Engine: h.rec, Clock: h.clk, Node: fmt.Sprintf("node%d", node)})
		if err != nil {
			t.Fatal(err)
		}
		runners = append(runners, r)
	}
	var wg sync.WaitGroup
	for _, r := range runners {
		wg.Go(func() { must(t, r.Sync(ctx)) })
	}
	wg.Wait()
	for m := 0; m <= minutes; m++ {
		h.clk.Set(t0.Add(time.Duration(m) * time.Minute))
		for _, r := range runners {
			wg.Go(func() {
				if _, err := r.Turn(ctx); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	for _, d := range decls {
		for m := 0; m <= minutes; m++ {
			name := ExecutionName(d.Name, t0.Add(time.Duration(m)*time.Minute))
			if n := h.rec.calls[name]; n != 1 {
				t.Errorf("%s started %d times", name, n)
			}
		}
	}
	if len(h.rec.calls) != schedules*(minutes+1) {
		t.Errorf("%d executions started, want %d", len(h.rec.calls), schedules*(minutes+1))
	}
}
