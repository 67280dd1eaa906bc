package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/baton-sh/baton/engine"
	"github.com/baton-sh/baton/engine/enginetest"
	"github.com/baton-sh/baton/server"
	"github.com/baton-sh/baton/store"
)

// BenchmarkPagesAtScale fills a store with BATON_BENCH_EXECUTIONS (default
// 1,000,000) ended executions of ten state machines, four events each, and
// a hundred with 5,000 events, then times pages of ListExecutions (first
// pages, a status filter, pages deep into the list) and
// GetExecutionHistory (first, middle and last pages) through the API
// handler, on the real SQLite store:
//
//	go test -run '^$' -bench PagesAtScale -benchtime 1x -timeout 30m ./api/
func BenchmarkPagesAtScale(b *testing.B) {
	total := 1_000_000
	if v := os.Getenv("BATON_BENCH_EXECUTIONS"); v != "" {
		var err error
		if total, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	ctx := context.Background()
	e, st := enginetest.New(b, engine.Options{})
	s := server.Handler(e, server.Options{Hosts: []string{"*"}})
	const machines = 10
	var sms []string
	for i := range machines {
		out := mustCall(b, s, "CreateStateMachine", `{"name":"m`+strconv.Itoa(i)+`","roleArn":"arn:aws:iam::123456789012:role/r","definition":"{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Pass\",\"End\":true}}}"}`)
		sms = append(sms, out["stateMachineArn"].(string))
	}

	// The executions are written as the driver writes them, a thousand
	// steps per transaction, by a node of their own.
	start := time.Now().Add(time.Second)
	l, err := st.RegisterNode(ctx, "filler", start, start.Add(time.Hour))
	if err != nil {
		b.Fatal(err)
	}
	statuses := []string{"SUCCEEDED", "FAILED", "ABORTED", "TIMED_OUT"}
	var long []string // executions with long histories
	t0 := time.Now()
	for done := 0; done < total; {
		var steps []*store.Step
		for ; len(steps) < 1000 && done < total; done++ {
			sm := sms[done%machines]
			arn := "arn:aws:states:us-east-1:123456789012:execution:" + sm[len("arn:aws:states:us-east-1:123456789012:stateMachine:"):] + ":e" + strconv.Itoa(done)
			at := start.Add(time.Duration(done) * time.Millisecond)
			n := 4
			if done%(total/100+1) == 0 {
				n = 5000
				long = append(long, arn)
			}
			steps = append(steps, endedStep(l, arn, "e"+strconv.Itoa(done), sm, statuses[done%len(statuses)], at, n))
		}
		for _, err := range st.Commit(ctx, steps) {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	fill := time.Since(t0)

	rng := rand.New(rand.NewPCG(1, 2))
	type probe struct {
		name string
		call func() (string, string)
	}
	// A token deep into a list: the 50th page's.
	deep := map[string]string{}
	for _, sm := range sms {
		token := ""
		for range 50 {
			out := mustCall(b, s, "ListExecutions", `{"stateMachineArn":"`+sm+`","maxResults":100`+tokenField(token)+`}`)
			token, _ = out["nextToken"].(string)
		}
		deep[sm] = token
	}
	deepHistory := historyToken(b, s, long[0])
	probes := []probe{
		{"list-first", func() (string, string) {
			return "ListExecutions", `{"stateMachineArn":"` + sms[rng.IntN(machines)] + `","maxResults":100}`
		}},
		{"list-status", func() (string, string) {
			return "ListExecutions", `{"stateMachineArn":"` + sms[rng.IntN(machines)] + `","maxResults":100,"statusFilter":"` + statuses[rng.IntN(len(statuses))] + `"}`
		}},
		{"list-deep", func() (string, string) {
			sm := sms[rng.IntN(machines)]
			return "ListExecutions", `{"stateMachineArn":"` + sm + `","maxResults":100` + tokenField(deep[sm]) + `}`
		}},
		{"history-short", func() (string, string) {
			i := rng.IntN(total)
			sm := sms[i%machines]
			return "GetExecutionHistory", `{"executionArn":"arn:aws:states:us-east-1:123456789012:execution:` + sm[len("arn:aws:states:us-east-1:123456789012:stateMachine:"):] + `:e` + strconv.Itoa(i) + `"}`
		}},
		{"history-long-first", func() (string, string) {
			return "GetExecutionHistory", `{"executionArn":"` + long[rng.IntN(len(long))] + `"}`
		}},
		{"history-long-deep", func() (string, string) {
			return "GetExecutionHistory", `{"executionArn":"` + long[0] + `"` + tokenField(deepHistory) + `}`
		}},
		{"history-long-1000", func() (string, string) {
			return "GetExecutionHistory", `{"executionArn":"` + long[rng.IntN(len(long))] + `","maxResults":1000}`
		}},
		{"history-long-reverse", func() (string, string) {
			return "GetExecutionHistory", `{"executionArn":"` + long[rng.IntN(len(long))] + `","reverseOrder":true}`
		}},
	}
	b.ResetTimer()
	b.ReportMetric(fill.Seconds(), "fill-s")
	for _, p := range probes {
		var took []time.Duration
		for range 500 {
			action, body := p.call()
			req := httptest.NewRequest("POST", "/", strings.NewReader(body))
			req.Header.Set("X-Amz-Target", "AWSStepFunctions."+action)
			req.Header.Set("Content-Type", "application/x-amz-json-1.0")
			rec := httptest.NewRecorder()
			t := time.Now()
			s.ServeHTTP(rec, req) // the server's time alone: the answer is not decoded
			took = append(took, time.Since(t))
			if rec.Code != http.StatusOK {
				b.Fatalf("%s %s: %d %s", action, body, rec.Code, rec.Body)
			}
		}
		slices.Sort(took)
		b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, p.name+"-p50-ms")
		b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, p.name+"-p99-ms")
	}
}

// historyToken is the token of the 25th page of an execution's history.
func historyToken(b *testing.B, s http.Handler, arn string) string {
	token := ""
	for range 25 {
		out := mustCall(b, s, "GetExecutionHistory", `{"executionArn":"`+arn+`"`+tokenField(token)+`}`)
		token, _ = out["nextToken"].(string)
	}
	return token
}

func tokenField(token string) string {
	if token == "" {
		return ""
	}
	return `,"nextToken":` + strconv.Quote(token)
}

// endedStep is the one step that writes an execution that has ended, with
// n history events.
func endedStep(l store.Lease, arn, name, sm, status string, at time.Time, n int) *store.Step {
	ts := float64(at.UnixMilli()) / 1000
	events := make([]store.Event, 0, n)
	for id := 1; id <= n; id++ {
		var ev string
		switch {
		case id == 1:
			ev = fmt.Sprintf(`{"timestamp":%v,"type":"ExecutionStarted","id":1,"previousEventId":0,"executionStartedEventDetails":{"input":"{}","inputDetails":{"truncated":false},"roleArn":"arn:aws:iam::123456789012:role/r"}}`, ts)
		case id == n:
			ev = fmt.Sprintf(`{"timestamp":%v,"type":"ExecutionSucceeded","id":%d,"previousEventId":%d,"executionSucceededEventDetails":{"output":"{}","outputDetails":{"truncated":false}}}`, ts, id, id-1)
		case id%2 == 0:
			ev = fmt.Sprintf(`{"timestamp":%v,"type":"PassStateEntered","id":%d,"previousEventId":%d,"stateEnteredEventDetails":{"name":"P","input":"{}","inputDetails":{"truncated":false}}}`, ts, id, id-1)
		default:
			ev = fmt.Sprintf(`{"timestamp":%v,"type":"PassStateExited","id":%d,"previousEventId":%d,"stateExitedEventDetails":{"name":"P","output":"{}","outputDetails":{"truncated":false}}}`, ts, id, id-1)
		}
		events = append(events, store.Event{ID: int64(id), JSON: []byte(ev)})
	}
	meta, _ := json.Marshal(map[string]any{"sm": sm[len("arn:aws:states:us-east-1:123456789012:stateMachine:"):], "region": "us-east-1"})
	return &store.Step{Create: true, Lease: l, Now: at, Execution: store.Execution{
		ARN: arn, StateMachineARN: sm, Name: name, Status: status, Input: "{}", Output: "{}", HasOutput: status == "SUCCEEDED",
		Start: at, Stop: at, Definition: `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`, RoleARN: "arn:aws:iam::123456789012:role/r",
		Meta: meta, LastEvent: int64(n), LastEventType: "ExecutionSucceeded"},
		Inputs: []store.Input{{Seq: 1, JSON: []byte(`{"k":"start","t":` + strconv.FormatInt(at.UnixNano(), 10) + `,"d":{}}`)}},
		Events: events}
}
