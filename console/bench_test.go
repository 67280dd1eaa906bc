package console

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/baton-sh/baton/engine"
	"github.com/baton-sh/baton/store"
	"github.com/baton-sh/baton/store/sqlite"
)

// BenchmarkConsoleAPI fills a store with BATON_BENCH_EXECUTIONS (default
// 100,000) ended executions of ten state machines, four events each, and
// one with a history of 25,000 events, then times the console's answers
// through its handler: the overview, pages of executions (the first, the
// 50th, by status, by name prefix, by text) and the long history:
//
//	go test -run '^$' -bench ConsoleAPI -benchtime 1x ./console/
//
// The filled database is kept in the system's temporary folder and copied
// for the next run (delete baton-console-bench-* there to fill it again).
func BenchmarkConsoleAPI(b *testing.B) {
	total := 100_000
	if v := os.Getenv("BATON_BENCH_EXECUTIONS"); v != "" {
		var err error
		if total, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	ctx := context.Background()
	dir := b.TempDir()
	schema := fnv.New64a()
	for _, m := range sqlite.Migrations() {
		schema.Write([]byte(m.SQL))
	}
	cache := filepath.Join(os.TempDir(), fmt.Sprintf("baton-console-bench-%x-%d", schema.Sum64(), total))
	t0 := time.Now()
	filled := false
	if data, err := os.ReadFile(filepath.Join(cache, sqlite.FileName)); err == nil {
		if err := os.WriteFile(filepath.Join(dir, sqlite.FileName), data, 0o644); err != nil {
			b.Fatal(err)
		}
	} else {
		fillConsoleBench(b, dir, total)
		filled = true
		if err := os.MkdirAll(cache, 0o755); err != nil {
			b.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(dir, sqlite.FileName))
		if err != nil {
			b.Fatal(err)
		}
		// Written whole, then renamed: a run cut short leaves no half file.
		tmp := filepath.Join(cache, sqlite.FileName+".tmp")
		if err := os.WriteFile(tmp, data, 0o644); err != nil {
			b.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(cache, sqlite.FileName)); err != nil {
			b.Fatal(err)
		}
	}
	setup := time.Since(t0)

	st, err := sqlite.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	e, err := engine.New(ctx, engine.Options{Store: st})
	if err != nil {
		b.Fatal(err)
	}
	if err := e.Start(ctx); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		e.Close()
		if err := st.Close(); err != nil {
			b.Error(err)
		}
	})
	h := API(e, Options{})
	serve := func(path string) []byte {
		req := httptest.NewRequest("GET", path, nil)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
		}
		return rec.Body.Bytes()
	}
	// The token of the 50th page of 50.
	token := ""
	for range 49 {
		var out struct{ NextToken string }
		if err := json.Unmarshal(serve("/console/api/executions?limit=50&nextToken="+url.QueryEscape(token)), &out); err != nil {
			b.Fatal(err)
		}
		token = out.NextToken
	}
	rng := rand.New(rand.NewPCG(1, 2))
	statuses := []string{"SUCCEEDED", "FAILED", "ABORTED", "TIMED_OUT"}
	probes := []struct {
		name string
		path func() string
		reps int
	}{
		{"overview", func() string { return "/console/api/overview?since=0" }, 100},
		{"first", func() string { return "/console/api/executions" }, 300},
		{"page50", func() string { return "/console/api/executions?nextToken=" + url.QueryEscape(token) }, 300},
		{"status", func() string { return "/console/api/executions?status=" + statuses[rng.IntN(len(statuses))] }, 300},
		{"machine", func() string {
			return "/console/api/executions?stateMachineArn=" + url.QueryEscape(benchMachine(rng.IntN(10)))
		}, 300},
		// A name and those that go on from it (order-123, order-1230...);
		// then a third of them.
		{"name", func() string { return "/console/api/executions?namePrefix=order-" + strconv.Itoa(3*rng.IntN(total/3)) }, 300},
		{"name-broad", func() string { return "/console/api/executions?namePrefix=order-" }, 30},
		// One input in a hundred holds it; then none does (every one read).
		{"text", func() string { return "/console/api/executions?text=CUSTOMER-" + strconv.Itoa(rng.IntN(100)) + "." }, 100},
		{"text-none", func() string { return "/console/api/executions?text=nobody" }, 10},
		{"history-25000", func() string { return "/console/api/history?executionArn=" + url.QueryEscape(longHistory) }, 30},
	}
	b.ResetTimer()
	b.ReportMetric(setup.Seconds(), "setup-s")
	if filled {
		b.ReportMetric(1, "filled")
	}
	for _, p := range probes {
		var took []time.Duration
		for range p.reps {
			path := p.path()
			req := httptest.NewRequest("GET", path, nil)
			rec := httptest.NewRecorder()
			start := time.Now()
			h.ServeHTTP(rec, req) // the server's time alone: the answer is not decoded
			took = append(took, time.Since(start))
			if rec.Code != http.StatusOK {
				b.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
			}
		}
		slices.Sort(took)
		b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, p.name+"-p50-ms")
		b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, p.name+"-p99-ms")
	}
	// What the probes answered is what was written.
	var out struct{ Events []json.RawMessage }
	if err := json.Unmarshal(serve("/console/api/history?executionArn="+url.QueryEscape(longHistory)), &out); err != nil || len(out.Events) != 25000 {
		b.Fatalf("the long history: %d events, %v", len(out.Events), err)
	}
}

const (
	benchPrefix = "arn:aws:states:us-east-1:123456789012:"
	longHistory = benchPrefix + "execution:bench0:long"
)

func benchMachine(i int) string { return benchPrefix + "stateMachine:bench" + strconv.Itoa(i) }

// fillConsoleBench writes the benchmark's executions as the driver writes
// them, a thousand steps per transaction, by a node of their own, their
// starts a millisecond apart and ending now.
func fillConsoleBench(b *testing.B, dir string, total int) {
	ctx := context.Background()
	st, err := sqlite.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		if err := st.Close(); err != nil {
			b.Fatal(err)
		}
	}()
	for i := range 10 {
		body := `{"definition":"{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Pass\",\"End\":true}}}","roleArn":"arn:aws:iam::123456789012:role/r","type":"STANDARD"}`
		if err := st.PutResource(ctx, &store.Resource{ARN: benchMachine(i), Kind: store.KindStateMachine, Name: "bench" + strconv.Itoa(i),
			Created: time.Now(), Body: []byte(body)}, true); err != nil {
			b.Fatal(err)
		}
	}
	now := time.Now()
	l, err := st.RegisterNode(ctx, "filler", now, now.Add(time.Hour))
	if err != nil {
		b.Fatal(err)
	}
	statuses := []string{"SUCCEEDED", "FAILED", "ABORTED", "TIMED_OUT"}
	names := []string{"order-", "invoice-", "refund-"}
	first := now.Add(-time.Duration(total) * time.Millisecond)
	for done := 0; done < total; {
		var steps []*store.Step
		for ; len(steps) < 1000 && done < total; done++ {
			sm := done % 10
			name := names[done%3] + strconv.Itoa(done)
			arn := benchPrefix + "execution:bench" + strconv.Itoa(sm) + ":" + name
			input := `{"customer":"customer-` + strconv.Itoa(done%100) + `.","items":[1,2,3]}`
			steps = append(steps, benchStep(l, arn, name, benchMachine(sm), statuses[done%len(statuses)], input, first.Add(time.Duration(done)*time.Millisecond), 4))
		}
		for _, err := range st.Commit(ctx, steps) {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	for _, err := range st.Commit(ctx, []*store.Step{benchStep(l, longHistory, "long", benchMachine(0), "SUCCEEDED", "{}", first, 25000)}) {
		if err != nil {
			b.Fatal(err)
		}
	}
	if err := st.ReleaseLease(ctx, l); err != nil {
		b.Fatal(err)
	}
}

// benchStep is the one step that writes an execution that has ended, with
// n history events.
func benchStep(l store.Lease, arn, name, sm, status, input string, at time.Time, n int) *store.Step {
	ts := float64(at.UnixMilli()) / 1000
	events := make([]store.Event, 0, n)
	for id := 1; id <= n; id++ {
		var ev string
		switch {
		case id == 1:
			ev = fmt.Sprintf(`{"timestamp":%v,"type":"ExecutionStarted","id":1,"previousEventId":0,"executionStartedEventDetails":{"input":%q,"inputDetails":{"truncated":false},"roleArn":"arn:aws:iam::123456789012:role/r"}}`, ts, input)
		case id == n:
			ev = fmt.Sprintf(`{"timestamp":%v,"type":"ExecutionSucceeded","id":%d,"previousEventId":%d,"executionSucceededEventDetails":{"output":"{}","outputDetails":{"truncated":false}}}`, ts, id, id-1)
		case id%2 == 0:
			ev = fmt.Sprintf(`{"timestamp":%v,"type":"PassStateEntered","id":%d,"previousEventId":%d,"stateEnteredEventDetails":{"name":"P","input":"{\"customer\":\"someone\"}","inputDetails":{"truncated":false}}}`, ts, id, id-1)
		default:
			ev = fmt.Sprintf(`{"timestamp":%v,"type":"PassStateExited","id":%d,"previousEventId":%d,"stateExitedEventDetails":{"name":"P","output":"{\"customer\":\"someone\"}","outputDetails":{"truncated":false}}}`, ts, id, id-1)
		}
		events = append(events, store.Event{ID: int64(id), JSON: []byte(ev)})
	}
	rec := store.Execution{
		ARN: arn, StateMachineARN: sm, Name: name, Status: status, Input: input, Start: at, Stop: at.Add(time.Millisecond),
		Definition: `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`, RoleARN: "arn:aws:iam::123456789012:role/r",
		Meta: []byte(`{"sm":"` + sm[len(benchPrefix+"stateMachine:"):] + `","region":"us-east-1"}`), LastEvent: int64(n), LastEventType: "ExecutionSucceeded"}
	switch status {
	case "SUCCEEDED":
		rec.Output, rec.HasOutput = `{"ok":true}`, true
	case "FAILED":
		rec.Error, rec.Cause = "States.TaskFailed", "the worker gave up"
	}
	return &store.Step{Create: true, Lease: l, Now: at, Execution: rec,
		Inputs: []store.Input{{Seq: 1, JSON: []byte(`{"k":"start","t":` + strconv.FormatInt(at.UnixNano(), 10) + `,"d":{}}`)}},
		Events: events}
}
