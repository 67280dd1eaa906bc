package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// TestServeTasksSurviveKill kills the server with SIGKILL while a function,
// an HTTP Task and a callback are in flight, and starts it again: the calls
// that had no answer are made again (at least once), the callback's token
// still completes its task, and no state is entered twice.
func TestServeTasksSurviveKill(t *testing.T) {
	t.Parallel()
	var fnCalls, httpCalls atomic.Int32
	called := make(chan struct{}, 1) // a call came or ended: look again
	notify := func() {
		select {
		case called <- struct{}{}:
		default: // one wake-up is pending already
		}
	}
	tokens := make(chan string, 8) // the callback's tokens, as handed out
	release := make(chan struct{}) // closed once the test ends: hung calls end then
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("%s: reading the request: %v", r.URL.Path, err)
			return
		}
		defer notify()
		switch r.URL.Path {
		case "/function":
			if fnCalls.Add(1) == 1 {
				notify()
				<-release // the first call never answers in time
				return
			}
			reply(t, w, `{"fn":`+string(body)+`}`)
		case "/api":
			if httpCalls.Add(1) == 1 {
				notify()
				<-release
				return
			}
			w.Header().Set("Content-Type", "application/json")
			reply(t, w, `{"api":"ok"}`)
		case "/ask":
			var p struct{ Token string }
			if err := json.Unmarshal(body, &p); err != nil || p.Token == "" {
				t.Errorf("/ask: payload %s: %v", body, err)
			}
			select {
			case tokens <- p.Token:
			default:
				t.Errorf("/ask called more than %d times", cap(tokens))
			}
			reply(t, w, `{"asked":true}`)
		default:
			t.Errorf("unexpected call of %s", r.URL.Path)
		}
	}))
	defer target.Close()
	defer close(release)

	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "baton.yaml")
	check(t, os.WriteFile(cfgFile, []byte("functions:\n  work: {url: "+target.URL+"/function}\n  ask: {url: "+target.URL+"/ask}\n"), 0o644))
	data := filepath.Join(dir, "data")
	s := startServerAt(t, data, "--config", cfgFile)
	c := s.client()
	ctx := context.Background()
	def := `{"StartAt":"Fn","States":{
		"Fn":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"work","Payload":{"n":1}},"OutputPath":"$.Payload","Next":"Api"},
		"Api":{"Type":"Task","Resource":"arn:aws:states:::http:invoke","Parameters":{"ApiEndpoint":"` + target.URL + `/api","Method":"GET"},"ResultSelector":{"api.$":"$.ResponseBody.api"},"ResultPath":"$.http","Next":"Ask"},
		"Ask":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken","Parameters":{"FunctionName":"ask","Payload":{"Token.$":"$$.Task.Token"}},"HeartbeatSeconds":60,"ResultPath":"$.answer","End":true}}}`
	sm := createMachine(t, c, "tasks", def)
	a := must(c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm)}))(t)
	execARN := a.ExecutionArn
	// waitCall waits for the target to be called, as the process under
	// test calls it.
	waitCall := func(what string, cond func() bool) {
		t.Helper()
		timeout := time.After(20 * time.Second)
		for !cond() {
			select {
			case <-called:
			case <-timeout:
				t.Fatalf("waited 20s for %s: %s", what, s.logs)
			}
		}
	}

	// 1. Killed while the function's call hangs.
	waitCall("the function's first call", func() bool { return fnCalls.Load() == 1 })
	s.kill(t)
	s = startServerAt(t, data, "--config", cfgFile)
	// 2. The function is called again and answers; the HTTP Task hangs.
	waitCall("the HTTP Task's first call", func() bool { return httpCalls.Load() == 1 })
	s.kill(t)
	s = startServerAt(t, data, "--config", cfgFile)
	// 3. The HTTP Task is called again; the callback hands out its token.
	// TaskSubmitted is recorded after the call's answer: only the server
	// can tell when it is durable.
	c = s.client()
	poll(t, "the callback's TaskSubmitted", 20*time.Second, func() (bool, error) {
		h, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: execARN, ReverseOrder: true, MaxResults: 1})
		return err == nil && len(h.Events) == 1 && h.Events[0].Type == types.HistoryEventTypeTaskSubmitted, err
	})
	s.kill(t)
	s = startServerAt(t, data, "--config", cfgFile)
	c = s.client()
	var tok string
	select {
	case tok = <-tokens:
	default:
		t.Fatal("TaskSubmitted without a call of the callback's function")
	}
	must(c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(tok), Output: aws.String(`{"approved":true}`)}))(t)
	done := waitDone(t, c, aws.ToString(execARN))
	if done.Status != types.ExecutionStatusSucceeded || aws.ToString(done.Output) != `{"fn":{"n":1},"http":{"api":"ok"},"answer":{"approved":true}}` {
		t.Fatalf("%s %s %s", done.Status, aws.ToString(done.Output), aws.ToString(done.Cause))
	}
	if fnCalls.Load() != 2 || httpCalls.Load() != 2 || len(tokens) != 0 {
		t.Errorf("calls: function %d, HTTP %d, callback %d more; want 2, 2 (the unanswered one again) and 0", fnCalls.Load(), httpCalls.Load(), len(tokens))
	}
	events := historyOf(t, c, execARN)
	entered := map[string]int{}
	for _, e := range events {
		if e.StateEnteredEventDetails != nil {
			entered[aws.ToString(e.StateEnteredEventDetails.Name)]++
		}
	}
	for state, n := range entered {
		if n != 1 {
			t.Errorf("%s entered %d times", state, n)
		}
	}
	if got := eventTypes(events); strings.Count(got, "TaskSucceeded") != 3 {
		t.Errorf("history %s", got)
	}
}

// reply writes a handler's answer; the process under test reads it.
func reply(t testing.TB, w http.ResponseWriter, body string) {
	if _, err := io.WriteString(w, body); err != nil {
		t.Errorf("answering %q: %v", body, err)
	}
}
