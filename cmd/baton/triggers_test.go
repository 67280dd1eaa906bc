package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

const triggersYAML = `
http:
  routes:
    - method: POST
      path: /orders/{id}
      stateMachine: orders
      inputTransformer:
        inputPathsMap: {id: $.path.id, order: $.body}
        inputTemplate: '{"id": <id>, "order": <order>}'
    - {method: POST, path: /quote, stateMachine: quote, sync: true}
    - {method: POST, path: /broken, stateMachine: broken, sync: true}
rules:
  - name: big-orders
    pattern:
      source: [shop]
      detail-type: [OrderPlaced]
      detail: {total: [{numeric: [">", 100]}]}
    stateMachine: orders
    inputPath: $.detail
  - name: on-failure
    pattern:
      source: [aws.states]
      detail-type: [Step Functions Execution Status Change]
      detail:
        status: [FAILED]
        stateMachineArn: ["arn:aws:states:us-east-1:123456789012:stateMachine:fails"]
    stateMachine: alert
    inputTransformer:
      inputPathsMap: {arn: $.detail.executionArn, error: $.detail.error}
      inputTemplate: '{"failed": <arn>, "error": <error>}'
`

// baton serve with a baton.yaml that declares HTTP triggers and rules:
// real HTTP requests start executions (and run an Express one to its
// output), EventBridge's SDK puts events that rules match, and a failed
// execution's status-change event starts another machine.
func TestServeTriggers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	conf := filepath.Join(dir, "baton.yaml")
	if err := os.WriteFile(conf, []byte(triggersYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startServerAt(t, t.TempDir(), "--config", conf)
	// Names in triggers resolve in us-east-1.
	c := sfn.New(s.client().Options(), func(o *sfn.Options) { o.Region = "us-east-1" })
	pass := `{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}`
	createMachine(t, c, "orders", pass)
	createMachine(t, c, "alert", pass)
	createMachine(t, c, "fails", `{"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Oops", "Cause": "on purpose"}}}`)
	for name, def := range map[string]string{
		"quote":  `{"StartAt": "Q", "States": {"Q": {"Type": "Pass", "Parameters": {"total.$": "States.MathAdd($.n, 1)"}, "End": true}}}`,
		"broken": `{"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Broken", "Cause": "always"}}}`,
	} {
		_, err := c.CreateStateMachine(context.Background(), &sfn.CreateStateMachineInput{Name: aws.String(name), Definition: aws.String(def),
			RoleArn: aws.String("arn:aws:iam::123456789012:role/baton"), Type: types.StateMachineTypeExpress})
		check(t, err)
	}

	post := func(path, body string) (int, string) {
		t.Helper()
		resp, err := http.Post(s.url+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, string(data)
	}

	t.Run("http", func(t *testing.T) {
		status, body := post("/dev/orders/42", `{"item": "book"}`)
		var started struct {
			ExecutionArn string  `json:"executionArn"`
			StartDate    float64 `json:"startDate"`
		}
		if status != 200 || json.Unmarshal([]byte(body), &started) != nil || started.StartDate == 0 {
			t.Fatalf("POST /dev/orders/42: %d %s", status, body)
		}
		done := waitDone(t, c, started.ExecutionArn)
		if got := aws.ToString(done.Input); got != `{"id": "42", "order": {"item":"book"}}` {
			t.Errorf("input %s", got)
		}
		if status, body := post("/dev/quote", `{"n": 41}`); status != 200 || body != `{"total":42}` {
			t.Errorf("POST /dev/quote: %d %s", status, body)
		}
		if status, body := post("/dev/broken", `{}`); status != 500 || !strings.Contains(body, `"status":"FAILED","error":"Broken","cause":"always"`) {
			t.Errorf("POST /dev/broken: %d %s", status, body)
		}
		if status, body := post("/dev/orders/42", `{"item": `); status != 400 || !strings.Contains(body, "Could not parse request body into json") {
			t.Errorf("bad JSON: %d %s", status, body)
		}
		if status, body := post("/dev/nowhere", `{}`); status != 403 || body != `{"message":"Missing Authentication Token"}` {
			t.Errorf("no route: %d %s", status, body)
		}
		if status, body := post("/dev/orders/42", `"`+strings.Repeat("x", 300_000)+`"`); status != 400 || !strings.Contains(body, "ValidationException") && !strings.Contains(body, "InvalidExecutionInput") {
			t.Errorf("an input over the payload limit: %d %.200s", status, body)
		}
	})

	t.Run("PutEvents", func(t *testing.T) {
		eb := eventbridge.New(eventbridge.Options{
			Region: "us-east-1", BaseEndpoint: aws.String(s.url), Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
			HTTPClient: wholeRequests{awshttp.NewBuildableClient()}, RetryMaxAttempts: 1,
		})
		out, err := eb.PutEvents(context.Background(), &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
			{Source: aws.String("shop"), DetailType: aws.String("OrderPlaced"), Detail: aws.String(`{"total": 150, "id": "big"}`), Time: aws.Time(time.Now())},
			{Source: aws.String("shop"), DetailType: aws.String("OrderPlaced"), Detail: aws.String(`{"total": 5}`)},
			{Source: aws.String("shop"), DetailType: aws.String("OrderPlaced")},
		}})
		check(t, err)
		if out.FailedEntryCount != 1 || len(out.Entries) != 3 || out.Entries[0].EventId == nil || out.Entries[1].EventId == nil ||
			aws.ToString(out.Entries[2].ErrorCode) != "InvalidArgument" {
			t.Fatalf("PutEvents: %+v", out)
		}
		// The rule's execution started before PutEvents answered.
		execs, err := c.ListExecutions(context.Background(), &sfn.ListExecutionsInput{StateMachineArn: aws.String("arn:aws:states:us-east-1:123456789012:stateMachine:orders")})
		check(t, err)
		found := false
		for _, e := range execs.Executions {
			d := waitDone(t, c, aws.ToString(e.ExecutionArn))
			found = found || aws.ToString(d.Input) == `{"total":150,"id":"big"}`
		}
		if !found {
			t.Errorf("no execution of orders has the event's detail as input")
		}
		_, err = eb.PutEvents(context.Background(), &eventbridge.PutEventsInput{Entries: make([]ebtypes.PutEventsRequestEntry, 11)})
		if code := apiCode(err); code != "ValidationException" {
			t.Errorf("11 entries: %v", err)
		}
	})

	t.Run("status change", func(t *testing.T) {
		failed := startAndWait(t, c, "arn:aws:states:us-east-1:123456789012:stateMachine:fails", "{}")
		if failed.Status != types.ExecutionStatusFailed {
			t.Fatalf("fails: %s", failed.Status)
		}
		want := `{"failed": "` + aws.ToString(failed.ExecutionArn) + `", "error": "Oops"}`
		poll(t, "the alert execution", 20*time.Second, func() (bool, error) {
			execs, err := c.ListExecutions(context.Background(), &sfn.ListExecutionsInput{StateMachineArn: aws.String("arn:aws:states:us-east-1:123456789012:stateMachine:alert")})
			if err != nil || len(execs.Executions) == 0 {
				return false, err
			}
			if len(execs.Executions) > 1 {
				t.Errorf("%d alert executions, want 1", len(execs.Executions))
			}
			d := waitDone(t, c, aws.ToString(execs.Executions[0].ExecutionArn))
			if got := aws.ToString(d.Input); got != want {
				t.Errorf("alert's input %s, want %s", got, want)
			}
			return true, nil
		})
	})
	s.stop(t)
}

// A baton.yaml whose triggers are wrong stops baton serve at start, each
// mistake named by its key.
func TestServeTriggersRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	conf := filepath.Join(dir, "baton.yaml")
	yaml := "http:\n  stage: console\n  routes: [{method: GET, path: /x, stateMachine: m}]\nrules: [{name: r, pattern: {source: aws.ec2}, stateMachine: m}]\n"
	if err := os.WriteFile(conf, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	s := launch(t, t.TempDir(), "--config", conf)
	if err := s.exited(t, time.Minute); err == nil {
		t.Fatal("baton serve started")
	}
	for _, want := range []string{`http.stage: "console" would shadow baton serve's own /console/`, `rules[0].pattern: Event pattern is not valid.`} {
		if !strings.Contains(s.logs.String(), want) {
			t.Errorf("the error does not say %q: %s", want, s.logs)
		}
	}
}
