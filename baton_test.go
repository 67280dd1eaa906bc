package baton_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/baton-sh/baton"
	"github.com/baton-sh/baton/clock"
)

func TestRunLimits(t *testing.T) {
	t.Parallel()
	sm, err := baton.New().Load([]byte(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`))
	if err != nil {
		t.Fatal(err)
	}
	big := json.RawMessage(`{"s":"` + strings.Repeat("x", 300_000) + `"}`)
	if _, err := sm.Run(context.Background(), big); !errors.Is(err, baton.ErrInvalidInput) {
		t.Errorf("input over the payload limit: %v", err)
	}
	if _, err := sm.Run(context.Background(), json.RawMessage(`{`)); !errors.Is(err, baton.ErrInvalidInput) {
		t.Errorf("malformed input: %v", err)
	}
	roomy, err := baton.New(baton.WithPayloadLimit(1 << 20)).Load([]byte(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if res, err := roomy.Run(context.Background(), big); err != nil || res.Status != "SUCCEEDED" {
		t.Errorf("raised payload limit: %v %v", res, err)
	}
}

func TestRunOptions(t *testing.T) {
	t.Parallel()
	def := []byte(`{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":86400,"Next":"P"},"P":{"Type":"Pass","Parameters":{"name.$":"$$.Execution.Name","id.$":"$$.Execution.Id"},"End":true}}}`)
	engine := baton.New(baton.WithClock(clock.NewVirtual(time.Unix(0, 0))), baton.WithRegion("eu-west-1"), baton.WithAccount("111122223333"))
	sm, err := engine.Load(def, baton.Named("Daily"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := sm.Run(context.Background(), nil, baton.ExecutionName("run-1"))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"name":"run-1","id":"arn:aws:states:eu-west-1:111122223333:execution:Daily:run-1"}`
	if res.Status != "SUCCEEDED" || string(res.Output) != want {
		t.Errorf("%s %s, want %s", res.Status, res.Output, want)
	}
	if got := strings.Join(res.EventTypes(), ","); got != "ExecutionStarted,WaitStateEntered,WaitStateExited,PassStateEntered,PassStateExited,ExecutionSucceeded" {
		t.Errorf("events %s", got)
	}
	if !json.Valid(res.HistoryJSON()) {
		t.Error("history is not JSON")
	}
	loop := []byte(`{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","Next":"A"},"C":{"Type":"Succeed"}}}`)
	if _, err := baton.New().Load(loop); err == nil {
		t.Error("a definition with an unreachable state loaded")
	}
	// A run whose context is cancelled ends ABORTED. On a clock that never
	// moves, its day-long Wait cannot end first.
	express, err := baton.New(baton.WithClock(clock.NewManual(time.Unix(0, 0)))).Load(def, baton.Express())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if res, err = express.Run(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if res.Status != "ABORTED" || !strings.Contains(res.ExecutionARN, ":express:") {
		t.Errorf("cancelled express run: %s %s", res.Status, res.ExecutionARN)
	}
}

func TestUnsupported(t *testing.T) {
	t.Parallel()
	_, err := baton.New().Load([]byte(`{"StartAt":"M","States":{"M":{"Type":"Map","ItemReader":{"Resource":"arn:aws:states:::s3:getObject","Parameters":{"Bucket":"b","Key":"k"}},` +
		`"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`))
	if !errors.Is(err, baton.ErrUnsupported) {
		t.Errorf("ItemReader: %v", err)
	}
}

func TestJSONataAndVariables(t *testing.T) {
	t.Parallel()
	sm, err := baton.New().Load([]byte(`{"StartAt":"Total","States":{
		"Total":{"Type":"Pass","QueryLanguage":"JSONata","Assign":{"total":"{% $sum($states.input.items.price) %}"},"Output":{"n":"{% $count($states.input.items) %}"},"Next":"Report"},
		"Report":{"Type":"Pass","Parameters":{"total.$":"$total","n.$":"$.n"},"End":true}}}`))
	if err != nil {
		t.Fatal(err)
	}
	res, err := sm.Run(context.Background(), json.RawMessage(`{"items":[{"price":2.5},{"price":4}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"total":6.5,"n":2}`; res.Status != "SUCCEEDED" || string(res.Output) != want {
		t.Errorf("%s %s %s, want %s", res.Status, res.Output, res.Cause, want)
	}
}

func TestHandlerPanics(t *testing.T) {
	t.Parallel()
	engine := baton.New()
	engine.Register("arn:aws:states:::lambda:*", func(context.Context, *baton.Task) (json.RawMessage, error) {
		panic("oops")
	})
	sm, err := engine.Load([]byte(`{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}}`))
	if err != nil {
		t.Fatal(err)
	}
	res, err := sm.Run(context.Background(), nil)
	if err != nil || res.Status != "FAILED" || res.Error != "States.TaskFailed" || !strings.Contains(res.Cause, "oops") {
		t.Errorf("%+v %v", res, err)
	}
}
