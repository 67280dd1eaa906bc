package storetest

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/baton-sh/baton/store"
)

// The console's questions: searches, counts, activity queues.

// testSearch checks SearchExecutions against a model: every filter, alone
// and together, read whole in small pages.
func testSearch(t *testing.T, db Database) {
	s := db(t)
	l := lease(t, s, "n1")
	machines := []string{"arn:sm:a", "arn:sm:b", "arn:sm:c"}
	statuses := []string{"RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}
	names := []string{"order-", "ord_", "invoice-", "Order-", "ordé-"}
	texts := []string{`{"note":"a NEEDLE here"}`, `{"pct":"50%"}`, `{"pct":"50x"}`, `{"k":"a_b"}`, `{"k":"axb"}`, `{}`}
	var all []store.Execution
	for i := range 90 {
		// Every third start is shared by two executions: the key orders them.
		e := execution(fmt.Sprintf("arn:x:%d", i), machines[i%3], t0.Add(time.Duration(i/2)*time.Second))
		e.Name = names[i%len(names)] + fmt.Sprint(i)
		e.Status = statuses[i%len(statuses)]
		e.Input = texts[i%len(texts)]
		switch i % 4 {
		case 1:
			e.VersionARN = e.StateMachineARN + ":1"
		case 2:
			e.VersionARN, e.AliasARN = e.StateMachineARN+":2", e.StateMachineARN+":live"
		}
		if e.Status != "RUNNING" {
			e.Stop = e.Start.Add(time.Minute)
		}
		if e.Status == "FAILED" {
			e.Error, e.Cause = "States.TaskFailed", fmt.Sprintf("cause %d", i)
			if i%7 == 0 {
				e.Cause = "the needle was lost"
			}
		}
		if e.Status == "SUCCEEDED" {
			e.Output, e.HasOutput = `{"out":"Needle"}`, true
		}
		e.RedriveCount = i % 2
		commit(t, s, &store.Step{Create: true, Lease: l, Now: t0, Execution: e, Inputs: input(1)})
		all = append(all, e)
	}
	keys := map[string]int64{}
	for _, e := range all {
		got, err := s.GetExecution(ctx, e.ARN)
		must(t, err)
		keys[e.ARN] = got.Key
	}
	contains := func(s, sub string) bool { return strings.Contains(strings.ToLower(s), strings.ToLower(sub)) }
	model := func(f store.ExecutionSearch) []string {
		var out []store.Execution
		for _, e := range all {
			col := map[store.ListBy]string{store.ByStateMachine: e.StateMachineARN, store.ByVersion: e.VersionARN, store.ByAlias: e.AliasARN}[f.ListBy]
			switch {
			case f.StateMachineARN != "" && col != f.StateMachineARN,
				f.Status != "" && e.Status != f.Status,
				!f.StartedAfter.IsZero() && e.Start.Before(f.StartedAfter),
				!f.StartedBefore.IsZero() && !e.Start.Before(f.StartedBefore),
				!strings.HasPrefix(e.Name, f.NamePrefix),
				f.Text != "" && !contains(e.Input, f.Text) && !contains(e.Output, f.Text) && !contains(e.Error, f.Text) && !contains(e.Cause, f.Text):
				continue
			}
			out = append(out, e)
		}
		slices.SortFunc(out, func(a, b store.Execution) int {
			return cmp.Or(b.Start.Compare(a.Start), cmp.Compare(keys[b.ARN], keys[a.ARN]))
		})
		var arns []string
		for _, e := range out {
			arns = append(arns, e.ARN)
		}
		return arns
	}
	mid := t0.Add(10 * time.Second)
	searches := []store.ExecutionSearch{
		{},
		{StateMachineARN: "arn:sm:a"},
		{StateMachineARN: "arn:sm:b", Status: "FAILED"},
		{StateMachineARN: "arn:sm:a:1", ListBy: store.ByVersion},
		{StateMachineARN: "arn:sm:c:live", ListBy: store.ByAlias, Status: "ABORTED"},
		{StateMachineARN: "arn:sm:none"},
		{Status: "RUNNING"},
		{Status: "PENDING_REDRIVE"},
		{StartedAfter: mid},
		{StartedBefore: mid},
		{StartedAfter: mid, StartedBefore: mid.Add(15 * time.Second), Status: "SUCCEEDED"},
		{NamePrefix: "order-"},
		{NamePrefix: "ord"},
		{NamePrefix: "ord_"},
		{NamePrefix: "ordé"},
		{NamePrefix: "Order-", Status: "TIMED_OUT"},
		{NamePrefix: "invoice-", StateMachineARN: "arn:sm:b"},
		{NamePrefix: "nothing"},
		{Text: "needle"},
		{Text: "NEEDLE", StateMachineARN: "arn:sm:a"},
		{Text: "50%"},
		{Text: "a_b"},
		{Text: "cause 1", Status: "FAILED"},
		{Text: "needle", NamePrefix: "o", StartedAfter: mid},
		{Text: "absent"},
	}
	for _, f := range searches {
		want := model(f)
		for _, size := range []int{1, 4, 100} {
			var got []string
			after := ""
			for pages := 0; ; pages++ {
				page, err := s.SearchExecutions(ctx, f, store.Page{Limit: size, After: after})
				must(t, err)
				if len(page) > size {
					t.Fatalf("%+v: a page of %d holds %d", f, size, len(page))
				}
				for _, e := range page {
					got = append(got, e.ARN)
				}
				if len(page) < size || pages > 100 {
					break
				}
				after = store.ExecutionCursor(page[len(page)-1])
			}
			if !slices.Equal(got, want) {
				t.Errorf("%+v in pages of %d:\n got %v\nwant %v", f, size, got, want)
			}
		}
	}

	// The records are summaries.
	page, err := s.SearchExecutions(ctx, store.ExecutionSearch{Status: "FAILED", StateMachineARN: "arn:sm:c"}, store.Page{Limit: 1})
	must(t, err)
	if len(page) != 1 {
		t.Fatalf("failed executions of c: %d", len(page))
	}
	var e store.Execution
	for _, x := range all {
		if x.ARN == page[0].ARN {
			e = x
		}
	}
	got := page[0]
	if got.Name != e.Name || got.StateMachineARN != e.StateMachineARN || got.VersionARN != e.VersionARN || got.AliasARN != e.AliasARN ||
		got.Status != "FAILED" || got.Error != e.Error || got.Cause != e.Cause || !got.Start.Equal(e.Start) || !got.Stop.Equal(e.Stop) ||
		got.RedriveCount != e.RedriveCount || got.Key != keys[e.ARN] {
		t.Errorf("summary %+v, want %+v", got, e)
	}
	if _, err := s.SearchExecutions(ctx, store.ExecutionSearch{}, store.Page{After: "not a cursor"}); err == nil {
		t.Error("a bad cursor was taken")
	}
}

// testCount: CountExecutions counts by state machine (not version or
// alias) and status, from a start time on, that time included.
func testCount(t *testing.T, db Database) {
	s := db(t)
	l := lease(t, s, "n1")
	if got, err := s.CountExecutions(ctx, t0); err != nil || len(got) != 0 {
		t.Errorf("an empty store: %v %v", got, err)
	}
	add := func(arn, sm, version, status string, at time.Time) {
		e := execution(arn, sm, at)
		e.Status, e.VersionARN = status, version
		commit(t, s, &store.Step{Create: true, Lease: l, Now: at, Execution: e, Inputs: input(1)})
	}
	add("arn:c:old", "arn:sm:a", "", "FAILED", t0.Add(-time.Nanosecond))
	add("arn:c:1", "arn:sm:a", "", "RUNNING", t0)
	add("arn:c:2", "arn:sm:a", "arn:sm:a:1", "RUNNING", t0.Add(time.Second))
	add("arn:c:3", "arn:sm:a", "", "SUCCEEDED", t0.Add(time.Hour))
	add("arn:c:4", "arn:sm:b", "", "TIMED_OUT", t0.Add(time.Minute))
	add("arn:c:5", "arn:sm:c", "", "ABORTED", t0.Add(-time.Hour))
	got, err := s.CountExecutions(ctx, t0)
	must(t, err)
	want := map[string]map[string]int{"arn:sm:a": {"RUNNING": 2, "SUCCEEDED": 1}, "arn:sm:b": {"TIMED_OUT": 1}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("counts %v, want %v", got, want)
	}
	got, err = s.CountExecutions(ctx, t0.Add(-2*time.Hour))
	must(t, err)
	if got["arn:sm:a"]["FAILED"] != 1 || got["arn:sm:c"]["ABORTED"] != 1 || len(got) != 3 {
		t.Errorf("counts since earlier: %v", got)
	}
	// A status changes its count.
	done := execution("arn:c:1", "arn:sm:a", t0)
	done.Status = "SUCCEEDED"
	commit(t, s, &store.Step{Execution: done, Lease: l, ExpectSeq: 1, Inputs: input(2)})
	got, err = s.CountExecutions(ctx, t0)
	must(t, err)
	if got["arn:sm:a"]["RUNNING"] != 1 || got["arn:sm:a"]["SUCCEEDED"] != 2 {
		t.Errorf("counts after an end: %v", got)
	}
}

// testTaskCounts: ActivityTaskCounts tells waiting tasks from claimed
// ones, per activity.
func testTaskCounts(t *testing.T, db Database) {
	s := db(t)
	l := lease(t, s, "n1")
	if got, err := s.ActivityTaskCounts(ctx); err != nil || len(got) != 0 {
		t.Errorf("no tasks: %v %v", got, err)
	}
	e := execution("arn:e:q", "arn:sm", t0)
	var tasks []store.ActivityTask
	for i := range 5 {
		act := "arn:act:a"
		if i >= 3 {
			act = "arn:act:b"
		}
		tasks = append(tasks, store.ActivityTask{Token: fmt.Sprint("tok", i), ActivityARN: act, ExecutionARN: e.ARN, TaskID: int64(i), Input: `{}`, Created: t0})
	}
	commit(t, s, &store.Step{Create: true, Lease: l, Execution: e, Inputs: input(1), AddTasks: tasks})
	if _, err := s.ClaimActivityTask(ctx, "arn:act:a", "w", t0); err != nil {
		t.Fatal(err)
	}
	commit(t, s, &store.Step{Execution: e, Lease: l, ExpectSeq: 1, Inputs: input(2), ClaimTasks: []store.TaskClaim{{Token: "tok3", Worker: "w", At: t0}}})
	got, err := s.ActivityTaskCounts(ctx)
	must(t, err)
	want := map[string]store.TaskCounts{"arn:act:a": {Waiting: 2, InFlight: 1}, "arn:act:b": {Waiting: 1, InFlight: 1}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("counts %v, want %v", got, want)
	}
}
