package execlog_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baton-sh/baton/clock"
	"github.com/baton-sh/baton/engine"
	"github.com/baton-sh/baton/engine/enginetest"
	"github.com/baton-sh/baton/execlog"
	"github.com/baton-sh/baton/history"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// signal is a writer that tells the test when a line holds a text.
type signal struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	want  string
	found chan struct{}
}

func (s *signal) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf.Write(p)
	if s.found != nil && strings.Contains(s.buf.String(), s.want) {
		close(s.found)
		s.found = nil
	}
	return len(p), nil
}

func logging(level string, data bool, group string) string {
	return `{"level":"` + level + `","includeExecutionData":` + map[bool]string{true: "true", false: "false"}[data] +
		`,"destinations":[{"cloudWatchLogsLogGroup":{"logGroupArn":"arn:aws:logs:us-east-1:123456789012:log-group:` + group + `:*"}}]}`
}

const (
	fails    = `{"StartAt":"Prepare","States":{"Prepare":{"Type":"Pass","Result":{"card":"4111"},"Next":"Refuse"},"Refuse":{"Type":"Fail","Error":"Declined","Cause":"no funds"}}}`
	succeeds = `{"StartAt":"Prepare","States":{"Prepare":{"Type":"Pass","Result":{"card":"4111"},"End":true}}}`
	caught   = `{"StartAt":"Both","States":{"Both":{"Type":"Parallel","Branches":[
		{"StartAt":"Fine","States":{"Fine":{"Type":"Pass","End":true}}},
		{"StartAt":"Broken","States":{"Broken":{"Type":"Fail","Error":"Broken"}}}],
		"Catch":[{"ErrorEquals":["States.ALL"],"Next":"Recover"}],"End":true},"Recover":{"Type":"Pass","End":true}}}`
)

// Each level logs what AWS's does, in AWS's record shape (golden files in
// testdata, one per log group).
func TestLevels(t *testing.T) {
	clk := clock.NewManual(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))
	e, _ := enginetest.New(t, engine.Options{Clock: clk})
	dir := t.TempDir()
	found := make(chan struct{})
	sentinel := &signal{want: `"type":"ExecutionSucceeded"`, found: found}
	l := execlog.New(e, execlog.Options{Dir: dir, Groups: map[string]string{"sentinel": "-"}, Stdout: sentinel})
	defer e.Subscribe(l)()
	defer l.Close()
	machines := []struct{ name, def, logging string }{
		{"all", fails, logging("ALL", true, "all")},
		{"nodata", succeeds, logging("ALL", false, "nodata")},
		{"errors", caught, logging("ERROR", true, "errors")},
		{"fatal", fails, logging("FATAL", true, "fatal")},
		{"fatalok", succeeds, logging("FATAL", true, "fatal")},
		{"off", fails, `{"level":"OFF"}`},
		{"sentinel", succeeds, logging("ALL", false, "sentinel")},
	}
	ctx := context.Background()
	for _, m := range machines {
		sm, err := e.CreateStateMachine(ctx, &engine.CreateStateMachineInput{Name: m.name, Definition: m.def,
			RoleArn: "arn:aws:iam::123456789012:role/r", LoggingConfiguration: []byte(m.logging)})
		if err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
		clk.Advance(time.Millisecond)
		if _, err := e.StartExecution(ctx, &engine.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Name: "e1", Input: `{"order":42}`}); err != nil {
			t.Fatal(err)
		}
	}
	// The observer takes batches in order: once the sentinel's end is
	// written, every execution before it is.
	select {
	case <-found:
	case <-time.After(time.Minute):
		t.Fatal("the sentinel's records never came")
	}
	for _, group := range []string{"all", "nodata", "errors", "fatal"} {
		got, err := os.ReadFile(filepath.Join(dir, group+".log"))
		if err != nil {
			t.Fatal(err)
		}
		golden := filepath.Join("testdata", group+".log")
		if *update {
			if err := os.WriteFile(golden, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("log group %s:\n%s\nwant:\n%s", group, got, want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "off.log")); !os.IsNotExist(err) {
		t.Errorf("level OFF wrote a log: %v", err)
	}
}

func TestLogs(t *testing.T) {
	tests := []struct {
		level string
		t     history.Type
		want  bool
	}{
		{"ALL", history.PassStateEntered, true},
		{"ERROR", history.PassStateEntered, false},
		{"ERROR", history.FailStateEntered, true},
		{"ERROR", history.TaskFailed, true},
		{"ERROR", history.ActivityTimedOut, true},
		{"ERROR", history.MapIterationAborted, true},
		{"ERROR", history.ExecutionSucceeded, false},
		{"FATAL", history.TaskFailed, false},
		{"FATAL", history.ExecutionFailed, true},
		{"FATAL", history.ExecutionAborted, true},
		{"OFF", history.ExecutionFailed, false},
	}
	for _, tt := range tests {
		if got := execlog.Logs(tt.level, tt.t); got != tt.want {
			t.Errorf("%s %s: %v", tt.level, tt.t, got)
		}
	}
}

func TestRead(t *testing.T) {
	in := strings.Join([]string{
		`{"id":"1","type":"ExecutionStarted","details":{},"previous_event_id":"0","event_timestamp":"1","execution_arn":"a","redrive_count":"0"}`,
		`not a record`,
		`{"id":"1","type":"ExecutionStarted","details":{},"previous_event_id":"0","event_timestamp":"1","execution_arn":"b","redrive_count":"0"}`,
		`{"id":"2","type":"ExecutionSucceeded","details":{},"previous_event_id":"1","event_timestamp":"2","execution_arn":"a","redrive_count":"0"}`,
	}, "\n")
	var out bytes.Buffer
	n, err := execlog.Read(strings.NewReader(in), "a", &out)
	if err != nil || n != 2 || strings.Contains(out.String(), `"b"`) {
		t.Errorf("%d %v %s", n, err, out.String())
	}
}
