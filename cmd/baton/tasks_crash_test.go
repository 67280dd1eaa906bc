package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
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
	var fnCalls, httpCalls atomic.Int32
	var mu sync.Mutex
	var token string
	release := make(chan struct{}) // closed once the server is dead: hung calls end then
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/function":
			if fnCalls.Add(1) == 1 {
				<-release // the first call never answers in time
				return
			}
			fmt.Fprintf(w, `{"fn":%s}`, body)
		case "/api":
			if httpCalls.Add(1) == 1 {
				<-release
				return
			}
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"api":"ok"}`)
		case "/ask":
			var p struct{ Token string }
			json.Unmarshal(body, &p)
			mu.Lock()
			token = p.Token
			mu.Unlock()
			io.WriteString(w, `{"asked":true}`)
		}
	}))
	defer target.Close()
	defer close(release)

	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "baton.yaml")
	os.WriteFile(cfgFile, []byte("functions:\n  work: {url: "+target.URL+"/function}\n  ask: {url: "+target.URL+"/ask}\n"), 0o644)
	data := filepath.Join(dir, "data")
	s := startServerAt(t, data, freeAddr(t), "--config", cfgFile)
	c := s.client()
	ctx := context.Background()
	def := `{"StartAt":"Fn","States":{
		"Fn":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"work","Payload":{"n":1}},"OutputPath":"$.Payload","Next":"Api"},
		"Api":{"Type":"Task","Resource":"arn:aws:states:::http:invoke","Parameters":{"ApiEndpoint":"` + target.URL + `/api","Method":"GET"},"ResultSelector":{"api.$":"$.ResponseBody.api"},"ResultPath":"$.http","Next":"Ask"},
		"Ask":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken","Parameters":{"FunctionName":"ask","Payload":{"Token.$":"$$.Task.Token"}},"HeartbeatSeconds":60,"ResultPath":"$.answer","End":true}}}`
	sm := createMachine(t, c, "tasks", def)
	a, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm)})
	if err != nil {
		t.Fatal(err)
	}
	execARN := a.ExecutionArn
	kill := func() {
		s.cmd.Process.Kill()
		s.cmd.Wait()
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}

	// 1. Killed while the function's call hangs.
	waitFor("the function's first call", func() bool { return fnCalls.Load() == 1 })
	kill()
	s = startServerAt(t, data, freeAddr(t), "--config", cfgFile)
	// 2. The function is called again and answers; the HTTP Task hangs.
	waitFor("the HTTP Task's first call", func() bool { return httpCalls.Load() == 1 })
	kill()
	s = startServerAt(t, data, freeAddr(t), "--config", cfgFile)
	// 3. The HTTP Task is called again; the callback hands out its token.
	c = s.client()
	waitFor("the callback's submission", func() bool {
		h, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: execARN, ReverseOrder: true, MaxResults: 1})
		return err == nil && len(h.Events) == 1 && h.Events[0].Type == types.HistoryEventTypeTaskSubmitted
	})
	kill()
	s = startServerAt(t, data, freeAddr(t), "--config", cfgFile)
	c = s.client()
	mu.Lock()
	tok := token
	mu.Unlock()
	if _, err := c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(tok), Output: aws.String(`{"approved":true}`)}); err != nil {
		t.Fatal(err)
	}
	done := waitDone(t, c, aws.ToString(execARN))
	if done.Status != types.ExecutionStatusSucceeded || aws.ToString(done.Output) != `{"fn":{"n":1},"http":{"api":"ok"},"answer":{"approved":true}}` {
		t.Fatalf("%s %s %s", done.Status, aws.ToString(done.Output), aws.ToString(done.Cause))
	}
	if fnCalls.Load() != 2 || httpCalls.Load() != 2 {
		t.Errorf("calls: function %d, HTTP %d; want 2 each (the unanswered one again)", fnCalls.Load(), httpCalls.Load())
	}
	h, _ := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: execARN})
	entered := map[string]int{}
	var names []string
	for _, e := range h.Events {
		names = append(names, string(e.Type))
		if e.StateEnteredEventDetails != nil {
			entered[aws.ToString(e.StateEnteredEventDetails.Name)]++
		}
	}
	for state, n := range entered {
		if n != 1 {
			t.Errorf("%s entered %d times", state, n)
		}
	}
	if got := strings.Join(names, ","); strings.Count(got, "TaskSucceeded") != 3 {
		t.Errorf("history %s", got)
	}
}
