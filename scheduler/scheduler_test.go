package scheduler

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baton-sh/baton/arn"
	"github.com/baton-sh/baton/clock"
	"github.com/baton-sh/baton/engine"
	"github.com/baton-sh/baton/engine/enginetest"
	"github.com/baton-sh/baton/schedule"
	"github.com/baton-sh/baton/store"
	"github.com/baton-sh/baton/trigger"
)

var ctx = context.Background()

// t0 is when the tests' first server starts: half past ten.
var t0 = time.Date(2026, 6, 1, 10, 30, 0, 0, time.UTC)

const passDef = `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`

// recorder is the engine seen by a runner: it counts the starts asked of
// it by execution name.
type recorder struct {
	Starter
	mu     sync.Mutex
	calls  map[string]int
	inputs map[string]string
}

func (r *recorder) StartExecution(ctx context.Context, in *engine.StartExecutionInput) (*engine.StartExecutionOutput, error) {
	r.mu.Lock()
	r.calls[in.Name]++
	r.inputs[in.Name] = in.Input
	r.mu.Unlock()
	return r.Starter.StartExecution(ctx, in)
}

// harness is a real engine on SQLite, the runner's store, and a manual
// clock that only the test moves. The engine keeps real time: only when
// the runner fires is under test.
type harness struct {
	t   *testing.T
	eng *engine.Engine
	st  store.Store
	clk *clock.Manual
	rec *recorder
}

func newHarness(t *testing.T) *harness {
	e, st := enginetest.New(t, engine.Options{})
	h := &harness{t: t, eng: e, st: st, clk: clock.NewManual(t0), rec: &recorder{Starter: e, calls: map[string]int{}, inputs: map[string]string{}}}
	h.machine("job")
	return h
}

func (h *harness) machine(name string) string {
	out, err := h.eng.CreateStateMachine(ctx, &engine.CreateStateMachineInput{Name: name, Definition: passDef, RoleArn: "arn:aws:iam::123456789012:role/r"})
	if err != nil {
		h.t.Fatal(err)
	}
	return out.StateMachineArn
}

// runner makes a runner over the harness (a server starting) and syncs it.
func (h *harness) runner(decls ...trigger.Schedule) *Runner {
	h.t.Helper()
	r, err := New(decls, Options{Store: h.st, Engine: h.rec, Clock: h.clk})
	if err != nil {
		h.t.Fatal(err)
	}
	if err := r.Sync(ctx); err != nil {
		h.t.Fatal(err)
	}
	return r
}

// at moves the clock to t and has r take a turn.
func (h *harness) at(r *Runner, t time.Time) {
	h.t.Helper()
	h.clk.Set(t)
	if _, err := r.Turn(ctx); err != nil {
		h.t.Fatal(err)
	}
}

// executions lists the names of the executions of job, oldest first.
func (h *harness) executions() []string {
	h.t.Helper()
	out, err := h.eng.ListExecutions(ctx, &engine.ListExecutionsInput{StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:job", MaxResults: 1000})
	if err != nil {
		h.t.Fatal(err)
	}
	var names []string
	for _, e := range out.Executions {
		names = append(names, e.Name)
	}
	slices.Sort(names)
	return names
}

func job(name, expr string) trigger.Schedule {
	return trigger.Schedule{Name: name, Expression: expr, Target: trigger.Target{StateMachine: "job"}}
}

func names(name string, dues ...time.Time) []string {
	var out []string
	for _, d := range dues {
		out = append(out, ExecutionName(name, d))
	}
	return out
}

func hour(h, m int) time.Time { return time.Date(2026, 6, 1, h, m, 0, 0, time.UTC) }

// step moves the clock (restart: a new runner, as a server that starts
// again) and says which executions must exist after it.
type step struct {
	at      time.Time
	restart []trigger.Schedule // non-nil: a new runner with these schedules
	want    []string
}

func TestRunner(t *testing.T) {
	hourly := job("hourly", "cron(0 * * * ? *)")
	skip := hourly
	skip.Missed = trigger.Skip
	rate := job("every5", "rate(5 minutes)")
	bounded := job("bounded", "rate(1 hour)")
	bounded.Start, bounded.End = hour(11, 0), hour(13, 0)
	once := job("once", "at(2026-06-01T12:15:00)")
	disabled := hourly
	disabled.Disabled = true
	halfPast := job("hourly", "cron(30 * * * ? *)")
	windowed := hourly
	windowed.WindowMinutes = 10
	pick := Window(10).Pick(hour(11, 0), schedule.Seed("hourly"))

	tests := []struct {
		name  string
		decls []trigger.Schedule
		steps []step
	}{
		{"due times fire once each", []trigger.Schedule{hourly}, []step{
			{at: hour(10, 59)},
			{at: hour(11, 0), want: names("hourly", hour(11, 0))},
			{at: hour(11, 0).Add(30 * time.Second), want: names("hourly", hour(11, 0))},
			{at: hour(12, 0), want: names("hourly", hour(11, 0), hour(12, 0))},
		}},
		{"a rate without a start fires at once, then every period", []trigger.Schedule{rate}, []step{
			{at: t0, want: names("every5", t0)},
			{at: t0.Add(4 * time.Minute), want: names("every5", t0)},
			{at: t0.Add(5 * time.Minute), want: names("every5", t0, t0.Add(5*time.Minute))},
		}},
		{"a restart keeps a rate's origin", []trigger.Schedule{rate}, []step{
			{at: t0, want: names("every5", t0)},
			{at: t0.Add(7 * time.Minute), restart: []trigger.Schedule{rate}, want: names("every5", t0, t0.Add(5*time.Minute))},
			{at: t0.Add(10 * time.Minute), want: names("every5", t0, t0.Add(5*time.Minute), t0.Add(10*time.Minute))},
		}},
		{"a flexible window fires at its pick", []trigger.Schedule{windowed}, []step{
			{at: pick.Add(-time.Second)},
			{at: pick, want: names("hourly", hour(11, 0))},
		}},
		{"missed due times fire once, for the latest", []trigger.Schedule{hourly}, []step{
			{at: hour(15, 10), restart: []trigger.Schedule{hourly}, want: names("hourly", hour(15, 0))},
			{at: hour(16, 0), want: names("hourly", hour(15, 0), hour(16, 0))},
		}},
		{"a due time a short restart passed over still fires", []trigger.Schedule{hourly}, []step{
			{at: hour(11, 0).Add(40 * time.Second), restart: []trigger.Schedule{hourly}, want: names("hourly", hour(11, 0))},
		}},
		{"missed due times are skipped", []trigger.Schedule{skip}, []step{
			{at: hour(15, 10), restart: []trigger.Schedule{skip}},
			{at: hour(16, 0), want: names("hourly", hour(16, 0))},
		}},
		{"a changed schedule starts afresh", []trigger.Schedule{hourly}, []step{
			{at: hour(10, 40), restart: []trigger.Schedule{halfPast}},
			{at: hour(11, 0)},
			{at: hour(11, 30), want: names("hourly", hour(11, 30))},
		}},
		{"a removed schedule stops", []trigger.Schedule{hourly}, []step{
			{at: hour(10, 40), restart: []trigger.Schedule{}},
			{at: hour(12, 0)},
		}},
		{"nothing after the end", []trigger.Schedule{bounded}, []step{
			{at: hour(11, 0), want: names("bounded", hour(11, 0))},
			{at: hour(12, 0), want: names("bounded", hour(11, 0), hour(12, 0))},
			{at: hour(13, 0), want: names("bounded", hour(11, 0), hour(12, 0), hour(13, 0))},
			{at: hour(18, 0), want: names("bounded", hour(11, 0), hour(12, 0), hour(13, 0))},
		}},
		{"at() fires once, restarts or not", []trigger.Schedule{once}, []step{
			{at: hour(12, 14)},
			{at: hour(12, 15), want: names("once", hour(12, 15))},
			{at: hour(12, 16), restart: []trigger.Schedule{once}, want: names("once", hour(12, 15))},
			{at: hour(20, 0), want: names("once", hour(12, 15))},
		}},
		{"a disabled schedule never fires", []trigger.Schedule{disabled}, []step{
			{at: hour(11, 0)},
			{at: hour(15, 10), restart: []trigger.Schedule{disabled}},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			r := h.runner(tc.decls...)
			for i, s := range tc.steps {
				if s.restart != nil {
					h.clk.Set(s.at)
					r = h.runner(s.restart...)
				}
				h.at(r, s.at)
				if got := h.executions(); !slices.Equal(got, s.want) {
					t.Fatalf("step %d (%s): executions %v, want %v", i, s.at.Format("15:04:05"), got, s.want)
				}
			}
			for name, n := range h.rec.calls {
				if n != 1 {
					t.Errorf("%s started %d times", name, n)
				}
			}
		})
	}
}

// failOnce is a store whose first UpdateSchedule fails: the server died
// after starting a due time's execution and before recording it.
type failOnce struct {
	store.Store
	failed bool
}

func (f *failOnce) UpdateSchedule(ctx context.Context, node string, due time.Time, rec *store.ScheduleRecord) error {
	if !f.failed {
		f.failed = true
		return errors.New("the process died")
	}
	return f.Store.UpdateSchedule(ctx, node, due, rec)
}

// A start that was not recorded is made again once the claim runs out;
// the execution's name makes it the same execution.
func TestStartedNotRecorded(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	st := &failOnce{Store: h.st}
	r, err := New([]trigger.Schedule{job("hourly", "cron(0 * * * ? *)")}, Options{Store: st, Engine: h.rec, Clock: h.clk})
	if err != nil {
		t.Fatal(err)
	}
	must(t, r.Sync(ctx))
	h.at(r, hour(11, 0))
	h.at(r, hour(11, 0).Add(30*time.Second)) // claimed still
	if h.rec.calls[ExecutionName("hourly", hour(11, 0))] != 1 {
		t.Fatalf("starts: %v", h.rec.calls)
	}
	h.at(r, hour(11, 1)) // the claim ran out: started again, recorded
	want := names("hourly", hour(11, 0))
	if got := h.executions(); !slices.Equal(got, want) {
		t.Fatalf("executions %v, want %v", got, want)
	}
	if h.rec.calls[want[0]] != 2 {
		t.Errorf("starts: %v (want the second start of the same name)", h.rec.calls)
	}
	h.at(r, hour(11, 30))
	h.at(r, hour(12, 0))
	if got := h.executions(); len(got) != 2 {
		t.Errorf("executions after 12:00: %v", got)
	}
	status, err := r.Schedules(ctx)
	must(t, err)
	if len(status) != 1 || !status[0].Next.Equal(hour(13, 0)) || !status[0].LastDue.Equal(hour(12, 0)) ||
		!strings.HasSuffix(status[0].LastExecution, ":"+ExecutionName("hourly", hour(12, 0))) {
		t.Errorf("status %+v", status)
	}
}

// A start that fails for a reason that may pass is retried with back-off,
// within its due time, and the failure is shown meanwhile.
func TestRetry(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	d := job("hourly", "cron(0 * * * ? *)")
	d.StateMachine = "later"
	r := h.runner(d)
	h.at(r, hour(11, 0))
	status, err := r.Schedules(ctx)
	must(t, err)
	if status[0].Attempts != 1 || !strings.Contains(status[0].LastError, "StateMachineDoesNotExist") {
		t.Fatalf("after a failed start: %+v", status[0])
	}
	h.at(r, hour(11, 0).Add(500*time.Millisecond)) // before the back-off
	h.machine("later")
	h.at(r, hour(11, 0).Add(time.Second))
	status, err = r.Schedules(ctx)
	must(t, err)
	if status[0].Attempts != 0 || status[0].LastError != "" || !status[0].LastDue.Equal(hour(11, 0)) || status[0].LastExecution == "" {
		t.Fatalf("after the retry: %+v", status[0])
	}
	if n := h.rec.calls[ExecutionName("hourly", hour(11, 0))]; n != 2 {
		t.Errorf("%d starts, want 2", n)
	}
}

// A start refused for good (the input is not JSON once its context
// attributes are in) is given up at once and the next due time comes.
func TestContextAttributes(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	d := job("hourly", "cron(0 * * * ? *)")
	d.Input = `{"at":"<aws.scheduler.scheduled-time>","id":"<aws.scheduler.execution-id>","n":<aws.scheduler.attempt-number>,"arn":"<aws.scheduler.schedule-arn>"}`
	r := h.runner(d)
	h.at(r, hour(11, 0))
	name := ExecutionName("hourly", hour(11, 0))
	want := `{"at":"2026-06-01T11:00:00Z","id":"` + executionID("hourly", hour(11, 0)) + `","n":1,"arn":"arn:aws:scheduler:us-east-1:123456789012:schedule/default/hourly"}`
	if got := h.rec.inputs[name]; got != want {
		t.Errorf("input\n%s\nwant\n%s", got, want)
	}
	if len(executionID("hourly", hour(11, 0))) != 16 {
		t.Error("an execution id is 16 hex digits")
	}
}

func TestNewRefuses(t *testing.T) {
	bad := func(mod func(*trigger.Schedule)) trigger.Schedule {
		d := job("s", "rate(1 hour)")
		d.Source = "baton.yaml: schedules.s"
		mod(&d)
		return d
	}
	tests := []struct {
		decl trigger.Schedule
		want string
	}{
		{bad(func(d *trigger.Schedule) { d.Expression = "rate(1 hours)" }), "baton.yaml: schedules.s: Invalid Schedule Expression rate(1 hours)"},
		{bad(func(d *trigger.Schedule) { d.Timezone = "Mars/Olympus" }), `"Mars/Olympus" is not a known IANA time zone name`},
		{bad(func(d *trigger.Schedule) { d.WindowMinutes = 1441 }), "1441 is not between 1 and 1440"},
		{bad(func(d *trigger.Schedule) { d.StateMachine = "" }), "needs a state machine"},
		{bad(func(d *trigger.Schedule) { d.StateMachine = "arn:aws:states:us-east-1:1:activity:a" }), "is not the ARN of a state machine"},
		{bad(func(d *trigger.Schedule) { d.StateMachine = "a b" }), `"a b" is not a state machine's name`},
		{bad(func(d *trigger.Schedule) { d.Input = `{"a":` }), "the input is not JSON"},
		{bad(func(d *trigger.Schedule) { d.Name = "" }), "needs a name"},
	}
	for _, tc := range tests {
		_, err := New([]trigger.Schedule{tc.decl}, Options{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.decl, err, tc.want)
		}
	}
	if _, err := New([]trigger.Schedule{job("a", "rate(1 hour)"), job("a", "rate(2 hours)")}, Options{}); err == nil || !strings.Contains(err.Error(), "declared twice") {
		t.Errorf("twice: %v", err)
	}
}

func TestExecutionName(t *testing.T) {
	due := time.Date(2027, 1, 1, 9, 0, 0, 0, time.FixedZone("x", 3600))
	long := strings.Repeat("n", 70)
	tests := []struct{ schedule, want string }{
		{"nightly", "nightly-20270101T080000Z"},
		{"a.b_c-d", "a.b_c-d-20270101T080000Z"},
		{strings.Repeat("n", 63), strings.Repeat("n", 63) + "-20270101T080000Z"},
		{long, strings.Repeat("n", 54) + "-20270101T080000Z-" + hash8(long)},
		{"orders: nightly", "orders--nightly-20270101T080000Z-" + hash8("orders: nightly")},
		{"café", "café-20270101T080000Z"},
	}
	for _, tc := range tests {
		got := ExecutionName(tc.schedule, due)
		if got != tc.want {
			t.Errorf("%q: %q, want %q", tc.schedule, got, tc.want)
		}
		if n := len([]rune(got)); n > 80 {
			t.Errorf("%q: %d characters", got, n)
		}
	}
	if ExecutionName("a b", due) == ExecutionName("a/b", due) {
		t.Error("two names that differ only in refused characters meet")
	}
}

func hash8(s string) string {
	return ExecutionName(s, time.Time{})[len(ExecutionName(s, time.Time{}))-8:]
}

// latest agrees with walking every due time.
func TestLatest(t *testing.T) {
	from := hour(11, 0)
	for _, expr := range []string{"rate(1 minute)", "rate(7 minutes)", "cron(0 * * * ? *)", "cron(*/5 9-10 ? * MON-FRI *)", "cron(0 12 L * ? *)", "at(2026-06-03T00:00:00)"} {
		s := schedule.MustParse(expr)
		first, ok := s.Next(from.Add(-time.Nanosecond))
		if !ok {
			t.Fatal(expr)
		}
		for _, limit := range []time.Time{first, first.Add(59 * time.Second), first.Add(3 * time.Hour), first.Add(9 * 24 * time.Hour), first.Add(400 * 24 * time.Hour)} {
			want := first
			for {
				n, ok := s.Next(want)
				if !ok || n.After(limit) {
					break
				}
				want = n
			}
			if got := latest(s, first, limit); !got.Equal(want) {
				t.Errorf("%s up to %v: %v, want %v", expr, limit, got, want)
			}
		}
	}
}

func TestNextTimes(t *testing.T) {
	d := job("s", "cron(0 9 ? * MON *)")
	d.Timezone = "Europe/Paris"
	got, err := NextTimes(d, t0, 3)
	must(t, err)
	if fmt.Sprint(got) != "[2026-06-08 09:00:00 +0200 CEST 2026-06-15 09:00:00 +0200 CEST 2026-06-22 09:00:00 +0200 CEST]" {
		t.Errorf("cron: %v", got)
	}
	got, err = NextTimes(job("r", "rate(2 hours)"), t0, 2)
	must(t, err)
	if !got[0].Equal(t0) || !got[1].Equal(t0.Add(2*time.Hour)) {
		t.Errorf("rate from now: %v", got)
	}
	got, err = NextTimes(job("a", "at(2020-01-01T00:00:00)"), t0, 2)
	if err != nil || len(got) != 0 {
		t.Errorf("past at: %v %v", got, err)
	}
}

// Run fires on its own under a virtual clock that jumps to each due time,
// and stops at Close.
func TestRun(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	vc := clock.NewVirtual(t0)
	r, err := New([]trigger.Schedule{job("every5", "rate(5 minutes)")}, Options{Store: h.st, Engine: h.rec, Clock: vc})
	if err != nil {
		t.Fatal(err)
	}
	r.Start()
	deadline := time.Now().Add(time.Minute)
	for len(h.executions()) < 4 {
		if time.Now().After(deadline) {
			t.Fatalf("executions after a minute: %v", h.executions())
		}
		time.Sleep(10 * time.Millisecond) // real time: the runner's goroutine works
	}
	r.Close()
	got := h.executions()[:4]
	if want := names("every5", t0, t0.Add(5*time.Minute), t0.Add(10*time.Minute), t0.Add(15*time.Minute)); !slices.Equal(got, want) {
		t.Errorf("executions %v, want %v", got, want)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// A node started again takes back at once the claims its previous process
// died holding, instead of waiting for them to run out.
func TestRestartTakesBackClaims(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	hourly := job("hourly", "cron(0 * * * ? *)")
	r, err := New([]trigger.Schedule{hourly}, Options{Store: &failOnce{Store: h.st}, Engine: h.rec, Clock: h.clk})
	if err != nil {
		t.Fatal(err)
	}
	must(t, r.Sync(ctx))
	h.at(r, hour(11, 0)) // started, not recorded: the process died
	h.clk.Set(hour(11, 0).Add(10 * time.Second))
	r = h.runner(hourly)
	h.at(r, hour(11, 0).Add(10*time.Second))
	status, err := r.Schedules(ctx)
	must(t, err)
	if !status[0].LastDue.Equal(hour(11, 0)) || !status[0].Next.Equal(hour(12, 0)) {
		t.Errorf("after the restart: %+v", status[0])
	}
	if got, want := h.executions(), names("hourly", hour(11, 0)); !slices.Equal(got, want) {
		t.Errorf("executions %v, want %v", got, want)
	}
}

// Any schedule name gives a valid execution name, which names the due
// time and differs from other schedules' at the same due time.
func FuzzExecutionName(f *testing.F) {
	for _, s := range []string{"nightly", "a b", "a-b", strings.Repeat("x", 90), "é/ü", "\x00", "orders: nightly"} {
		f.Add(s, "x"+s)
	}
	f.Add("\xff", "\uFFFD")
	due := time.Date(2027, 1, 1, 9, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, a, b string) {
		na := ExecutionName(a, due)
		if !arn.ValidName(na) {
			t.Fatalf("%q gives %q, not a valid name", a, na)
		}
		if !strings.Contains(na, "-20270101T090000Z") {
			t.Fatalf("%q gives %q, without its due time", a, na)
		}
		if a != b && na == ExecutionName(b, due) {
			t.Fatalf("%q and %q both give %q", a, b, na)
		}
	})
}
