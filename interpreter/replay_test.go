package interpreter_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/baton-sh/baton/failure"
	"github.com/baton-sh/baton/history"
	"github.com/baton-sh/baton/interpreter"
	"github.com/baton-sh/baton/machine"
	"github.com/baton-sh/baton/value"
)

// Determinism is what makes an execution durable: a driver rebuilds an
// execution by handing a fresh one the inputs the first one was handed (its
// journal), and must get the same history and the same commands. Nothing
// the interpreter decides may depend on map order, the wall clock or state
// shared between executions.

// replaySeeds exercise what could make a replay differ: Parallel branches
// and Map iterations scheduled together, retries with jitter (randomness),
// Wait states, task timeouts and heartbeats, callbacks, variables, UUIDs
// and JSONata's $random, $uuid and $now.
var replaySeeds = []string{
	`{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[
		{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":2,"BackoffRate":2.5,"MaxAttempts":4,"JitterStrategy":"FULL","MaxDelaySeconds":30}],"End":true}}},
		{"StartAt":"B","States":{"B":{"Type":"Wait","Seconds":5,"Next":"C"},"C":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage","TimeoutSeconds":20,"HeartbeatSeconds":5,"End":true}}}],
		"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.err","Next":"F"}],"ResultPath":"$.p","Next":"M"},
	"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":2,"ItemSelector":{"i.$":"$$.Map.Item.Index","v.$":"$$.Map.Item.Value","u.$":"States.UUID()"},
		"ItemProcessor":{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Retry":[{"ErrorEquals":["Flaky"],"MaxAttempts":2,"JitterStrategy":"FULL"}],"End":true}}},"ResultPath":"$.r","Next":"D"},
	"D":{"Type":"Succeed"},"F":{"Type":"Fail","Error":"Caught"}}}`,

	`{"StartAt":"Init","States":{
	"Init":{"Type":"Pass","Assign":{"n":0,"id.$":"States.UUID()"},"Next":"Loop"},
	"Loop":{"Type":"Choice","Choices":[{"Variable":"$n","NumericGreaterThanEquals":3,"Next":"Done"}],"Default":"Work"},
	"Work":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"n.$":"$n","id.$":"$id","r.$":"States.MathRandom(0, 1000)"},"TimeoutSeconds":30,
		"Assign":{"n.$":"States.MathAdd($n, 1)"},"Retry":[{"ErrorEquals":["States.Timeout"],"MaxAttempts":1}],"Catch":[{"ErrorEquals":["States.ALL"],"Next":"Pause"}],"Next":"Pause"},
	"Pause":{"Type":"Wait","Seconds":10,"Next":"Loop"},
	"Done":{"Type":"Succeed"}}}`,

	`{"QueryLanguage":"JSONata","StartAt":"A","States":{
	"A":{"Type":"Pass","Assign":{"r":"{% $random() %}","u":"{% $uuid() %}","t":"{% $now() %}"},"Next":"M"},
	"M":{"Type":"Map","Items":"{% [1,2,3,4] %}","MaxConcurrency":2,"ToleratedFailurePercentage":50,
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"T","States":{
			"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Arguments":{"x":"{% $states.input %}","r":"{% $random() %}"},"End":true}}},
		"Output":{"res":"{% $states.result %}","r":"{% $r %}"},"Next":"W"},
	"W":{"Type":"Wait","Seconds":"{% $floor($r * 100) %}","Next":"T2"},
	"T2":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Arguments":{"t":"{% $now() %}","u":"{% $u %}"},"HeartbeatSeconds":3,"TimeoutSeconds":20,
		"Retry":[{"ErrorEquals":["States.ALL"],"JitterStrategy":"FULL","IntervalSeconds":3,"MaxAttempts":3}],"End":true}}}`,

	`{"StartAt":"Act","States":{
	"Act":{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:activity:work","TimeoutSeconds":40,"HeartbeatSeconds":10,"Next":"Cb"},
	"Cb":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","Parameters":{"token.$":"$$.Task.Token"},"HeartbeatSeconds":8,
		"Retry":[{"ErrorEquals":["States.HeartbeatTimeout"],"MaxAttempts":2,"IntervalSeconds":1,"BackoffRate":3}],"Next":"Fn"},
	"Fn":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","ResultSelector":{"v.$":"$"},"OutputPath":"$.v","End":true}}}`,

	`{"TimeoutSeconds":15,"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[
		{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":10,"Next":"T"},"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}},
		{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":1,"ItemProcessor":{"StartAt":"X","States":{"X":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","TimeoutSeconds":4,"End":true}}},"End":true}}}],"End":true}}}`,
}

// replayScripts answer tasks in various ways (see scripted).
var replayScripts = [][]byte{
	nil,
	{0, 0, 0},
	{0, 4, 0, 0, 0, 7, 20, 5, 0},
	{0, 6, 0, 8, 30, 3, 9},
	{12, 7, 3, 4, 1, 8, 50, 0, 0},
	{3, 10, 0, 11, 5, 9, 0},
}

// scripted answers the tasks of a run as a script says. Its first byte,
// when not zero, stops the execution at that many times 3 seconds; then
// each task takes the next two bytes (round the script again at its end).
// The first picks the answer, the second its value, delay or heartbeat.
func scripted(script []byte) handler {
	if len(script) < 3 {
		return echo
	}
	pairs := script[1:]
	n := 0
	return func(req *interpreter.TaskRequest) answer {
		i := 2 * (n % (len(pairs) / 2))
		n++
		op, arg := pairs[i], pairs[i+1]
		switch op % 12 {
		case 3:
			return answer{out: value.MustParse(fmt.Sprintf(`{"n":%d}`, arg))}
		case 4:
			return answer{fail: failure.New("Flaky", "")}
		case 5:
			return answer{fail: failure.New(failure.TaskFailed, "boom")}
		case 6:
			return answer{wait: true}
		case 7:
			return answer{out: req.Input, after: time.Duration(arg%64) * time.Second}
		case 8:
			return answer{out: req.Input, after: time.Duration(arg%64) * time.Second, heartbeat: time.Duration(arg%7+1) * time.Second}
		case 9:
			return answer{fail: failure.New(failure.Runtime, "unserved"), unstarted: true}
		case 10:
			return answer{submit: true, receipt: value.MustParse(`{"accepted":true}`), out: req.Input, after: time.Duration(arg%32) * time.Second}
		case 11:
			return answer{submit: true, receipt: value.Empty, wait: true}
		}
		return answer{out: req.Input}
	}
}

func replayConfig(seed uint64, insp interpreter.Inspector) interpreter.Config {
	cfg := defaultConfig()
	// Small limits keep each run short: a loop that nests its data in
	// itself costs the square of its length.
	cfg.MaxEvents = 2000
	cfg.PayloadLimit = 8 << 10
	cfg.Random = rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)
	cfg.Inspector = insp
	return cfg
}

// recording is what a run did, in text, so that it outlives the execution.
type recording struct {
	journal []input
	cmds    []string // per input
	nEvents []int    // the history's length after each input
	events  []string
	end     string // status, output, failure...
}

func eventText(e *history.Event) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d<-%d %s t=%d name=%q aux=%d", e.ID, e.PreviousID, e.Type, e.Time, e.Name, e.Aux)
	if e.HasData || e.Data != nil {
		fmt.Fprintf(&b, " data(%v)=%s", e.HasData, value.String(e.Data))
	}
	if e.Failure != nil {
		fmt.Fprintf(&b, " failure=%+v", *e.Failure)
	}
	if d := e.Detail; d != nil {
		plain := *d
		plain.Assigned = nil
		fmt.Fprintf(&b, " detail=%+v", plain)
		for _, a := range d.Assigned {
			fmt.Fprintf(&b, " %s:=%s", a.Name, value.String(a.Value))
		}
	}
	return b.String()
}

func commandsText(cmds []interpreter.Command) string {
	var b strings.Builder
	for _, c := range cmds {
		fmt.Fprintf(&b, "[%d #%d at=%d", c.Kind, c.ID, c.At.UnixNano())
		if t := c.Task; t != nil {
			fmt.Fprintf(&b, " task #%d %s %s in=%s timeout=%v hb=%v token=%s ctx=%s inv=%d sub=%v receipt=%s",
				t.ID, t.StateName, t.Resource.ARN, value.String(t.Input), t.Timeout, t.Heartbeat, t.Token,
				value.String(t.Context), t.Invocation, t.Submitted, value.String(t.Receipt))
		}
		b.WriteString("]")
	}
	return b.String()
}

func endText(ex *interpreter.Execution) string {
	var pending []string
	for _, t := range ex.PendingTasks() {
		pending = append(pending, fmt.Sprint(t.ID))
	}
	return fmt.Sprintf("status=%v output=%s failure=%+v start=%v stop=%v last=%d entered=%d redrivable=%v redrives=%d pending=%v",
		ex.Status, value.String(ex.Output), ex.Failure, ex.StartTime.UnixNano(), ex.StopTime.UnixNano(), ex.LastEventID(),
		ex.StatesEntered, ex.Redrivable(), ex.Config().RedriveCount, pending)
}

func historyText(ex *interpreter.Execution) []string {
	out := make([]string, len(ex.Events))
	for i := range ex.Events {
		out[i] = eventText(&ex.Events[i])
	}
	return out
}

// runScripted runs m on in, its tasks answered by the script: stopped when
// the script says, or when it waits for nothing but tasks that never
// answer; redriven (twice at most) when it did not succeed.
func runScripted(tb testing.TB, m *machine.Machine, in any, script []byte, seed uint64) *recording {
	rec := &recording{}
	h := newHarnessOf(tb, m, replayConfig(seed, nil), scripted(script))
	h.record = func(_ input, cmds []interpreter.Command) {
		rec.cmds = append(rec.cmds, commandsText(cmds))
		rec.nEvents = append(rec.nEvents, len(h.ex.Events))
	}
	if len(script) > 0 && script[0] != 0 {
		h.stopAt = h.now.Add(time.Duration(script[0]) * 3 * time.Second)
	}
	h.startWith(in)
	for round := 0; ; round++ {
		if !h.ex.Done() {
			h.stop(failure.New("Stopped", "nothing answers"))
		}
		if round == 2 || !h.ex.Redrivable() {
			break
		}
		h.advance(time.Hour)
		h.redrive()
	}
	rec.journal = h.journal
	rec.events = historyText(h.ex)
	rec.end = endText(h.ex)
	// A pooled execution must not carry anything into the next: the
	// replay is likely to get this one back.
	h.ex.Release()
	return rec
}

// replay hands a fresh execution the recorded journal and requires what
// the recording holds: the same commands after each input, the same
// history, the same end.
func replay(t *testing.T, m *machine.Machine, rec *recording, seed uint64, insp interpreter.Inspector) {
	t.Helper()
	ex := interpreter.New(m, replayConfig(seed, insp))
	defer ex.Release()
	for i, in := range rec.journal {
		cmds := commandsText(apply(ex, in))
		if cmds != rec.cmds[i] || len(ex.Events) != rec.nEvents[i] {
			t.Fatalf("input %d (%v #%d at %v): the replay gave\n  %s (%d events)\nthe run gave\n  %s (%d events)",
				i, in.kind, in.id, in.at, cmds, len(ex.Events), rec.cmds[i], rec.nEvents[i])
		}
	}
	got := historyText(ex)
	for i := range max(len(got), len(rec.events)) {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(rec.events) {
			w = rec.events[i]
		}
		if g != w {
			t.Fatalf("event %d differs:\n replay %s\n run    %s", i, g, w)
		}
	}
	if end := endText(ex); end != rec.end {
		t.Fatalf("the replay ends\n  %s\nthe run\n  %s", end, rec.end)
	}
}

// inspectLog is an Inspector that writes down what it is told.
type inspectLog struct{ b strings.Builder }

func (l *inspectLog) Data(st *machine.State, step interpreter.Step, v any) {
	fmt.Fprintf(&l.b, "%s %v %s\n", st.Name, step, value.String(v))
}

func (l *inspectLog) Exited(st *machine.State, output any, next *machine.State) {
	n := ""
	if next != nil {
		n = next.Name
	}
	fmt.Fprintf(&l.b, "%s exited %s -> %q\n", st.Name, value.String(output), n)
}

func (l *inspectLog) Failed(st *machine.State, fl *failure.Failure) {
	fmt.Fprintf(&l.b, "%s failed %+v\n", st.Name, *fl)
}

func (l *inspectLog) Retrying(st *machine.State, i int, fl *failure.Failure, backoff float64) {
	fmt.Fprintf(&l.b, "%s retrying %d %+v %v\n", st.Name, i, *fl, backoff)
}

func (l *inspectLog) Caught(st *machine.State, i int, fl *failure.Failure) {
	fmt.Fprintf(&l.b, "%s caught %d %+v\n", st.Name, i, *fl)
}

// FuzzReplay runs each valid definition the fuzzer makes, its tasks
// answered as the script says, with randomness from seed; then replays
// the run's journal on a fresh execution and requires the same commands,
// history and end. It replays it again with an Inspector, which must
// change nothing, and once more to check that what the Inspector is told
// is deterministic too.
func FuzzReplay(f *testing.F) {
	inputs := []string{`{"items":[1,2,3],"a":{"b":[true,null,"x"]}}`, `[1,2,3]`}
	for _, data := range seedFiles(f) {
		for i, script := range replayScripts {
			f.Add(data, []byte(inputs[i%2]), script, uint64(i))
		}
	}
	for _, def := range replaySeeds {
		compile(f, def) // the seeds must be valid
		for i, script := range replayScripts {
			f.Add([]byte(def), []byte(inputs[i%2]), script, uint64(i+7))
		}
	}
	f.Fuzz(func(t *testing.T, def, input, script []byte, seed uint64) {
		m, ok := fuzzMachine(def)
		if !ok {
			return
		}
		in, err := value.Parse(input)
		if err != nil {
			in = value.Empty
		}
		rec := runScripted(t, m, in, script, seed)
		replay(t, m, rec, seed, nil)
		var first, second inspectLog
		replay(t, m, rec, seed, &first)
		replay(t, m, rec, seed, &second)
		if first.b.String() != second.b.String() {
			t.Fatalf("the inspector was told\n%s\nthen\n%s", first.b.String(), second.b.String())
		}
	})
}
