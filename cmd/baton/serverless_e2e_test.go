package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/baton-sh/baton/clock"
	"github.com/baton-sh/baton/config"
	"github.com/baton-sh/baton/deploy"
	"github.com/baton-sh/baton/engine"
	"github.com/baton-sh/baton/engine/enginetest"
	"github.com/baton-sh/baton/infra"
	"github.com/baton-sh/baton/resource"
	"github.com/baton-sh/baton/resource/lambda"
	"github.com/baton-sh/baton/scheduler"
)

// The README's serverless.yml and its baton.yaml (the function as a local
// command).
var (
	shopDir        = filepath.Join("..", "..", "examples", "serverless-shop")
	shopServerless = filepath.Join(shopDir, "serverless.yml")
	shopConfig     = filepath.Join(shopDir, "baton.yaml")
)

const shopMachine = "arn:aws:states:us-east-1:123456789012:stateMachine:place-order-dev"

// TestServerlessServed: `baton serve --deploy serverless.yml` deploys the
// README's file, and what it declares starts executions: its http event
// (POST /dev/orders, as API Gateway's integration answers) and its
// eventBridge event (PutEvents through EventBridge's SDK client, the
// event's detail as the input).
func TestServerlessServed(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the function is a shell script")
	}
	t.Parallel()
	s := startServerAt(t, t.TempDir(), "--config", shopConfig, "--deploy", shopServerless)
	c := s.client()
	ctx := context.Background()

	resp, err := http.Post(s.url+"/dev/orders", "application/json", strings.NewReader(`{"orderId":"o-1","total":150}`))
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	check(t, err)
	var started struct {
		ExecutionArn string  `json:"executionArn"`
		StartDate    float64 `json:"startDate"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &started) != nil || !strings.HasPrefix(started.ExecutionArn, "arn:aws:states:us-east-1:123456789012:execution:place-order-dev:") {
		t.Fatalf("POST /dev/orders: %d %s", resp.StatusCode, body)
	}
	done := waitDone(t, c, started.ExecutionArn)
	var out map[string]any
	if done.Status != "SUCCEEDED" || json.Unmarshal([]byte(aws.ToString(done.Output)), &out) != nil || out["review"] != true || out["payment"] == nil {
		t.Errorf("the HTTP event's execution: %s %s", done.Status, aws.ToString(done.Output))
	}

	eb := eventbridge.New(eventbridge.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(s.url), Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		HTTPClient: wholeRequests{awshttp.NewBuildableClient()}, RetryMaxAttempts: 1,
	})
	put, err := eb.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
		{Source: aws.String("shop.cart"), DetailType: aws.String("Checkout"), Detail: aws.String(`{"orderId":"o-2","total":5}`)},
		{Source: aws.String("shop.other"), DetailType: aws.String("Checkout"), Detail: aws.String(`{"orderId":"o-3","total":5}`)},
	}})
	if err != nil || put.FailedEntryCount != 0 {
		t.Fatalf("PutEvents: %+v %v", put, err)
	}
	list := must(c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(shopMachine)}))(t)
	var inputs []string
	for _, e := range list.Executions {
		if aws.ToString(e.ExecutionArn) == started.ExecutionArn {
			continue
		}
		d := waitDone(t, c, aws.ToString(e.ExecutionArn))
		if d.Status != "SUCCEEDED" {
			t.Errorf("the event's execution: %s %s", d.Status, aws.ToString(d.Cause))
		}
		inputs = append(inputs, aws.ToString(d.Input))
	}
	if len(inputs) != 1 || inputs[0] != `{"orderId":"o-2","total":5}` {
		t.Errorf("executions started by the events: inputs %q, want the matching event's detail alone", inputs)
	}
	s.stop(t)
}

// TestServerlessSchedule: the README's serverless.yml's schedule, cron(0 6
// * * ? *), fires once at 06:00 (UTC) with its input, on a manual clock:
// the file deployed to an engine as serve --deploy does, its schedules run
// as serve runs them.
func TestServerlessSchedule(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the function is a shell script")
	}
	t.Parallel()
	ctx := context.Background()
	cfg, err := config.Load(shopConfig)
	check(t, err)
	resources := resource.NewRegistry()
	lambda.New(cfg).Register(resources)
	eng, st := enginetest.New(t, engine.Options{Resources: resources})
	f, err := infra.Load(shopServerless, infra.Options{})
	check(t, err)
	if _, err := deploy.Deploy(ctx, deploy.Engine(eng, f.Region), f, deploy.Options{}); err != nil {
		t.Fatal(err)
	}
	if len(f.Triggers.Schedules) != 1 {
		t.Fatalf("schedules: %+v", f.Triggers.Schedules)
	}
	clk := clock.NewManual(time.Date(2027, 3, 1, 5, 0, 0, 0, time.UTC))
	r, err := scheduler.New(f.Triggers.Schedules, scheduler.Options{Store: st, Engine: eng, Clock: clk})
	check(t, err)
	check(t, r.Sync(ctx))
	turn := func(at time.Time) {
		t.Helper()
		clk.Set(at)
		if _, err := r.Turn(ctx); err != nil {
			t.Fatal(err)
		}
	}
	executions := func() []engine.ExecutionListItem {
		t.Helper()
		out, err := eng.ListExecutions(ctx, &engine.ListExecutionsInput{StateMachineArn: shopMachine})
		check(t, err)
		return out.Executions
	}
	turn(time.Date(2027, 3, 1, 5, 59, 59, 0, time.UTC))
	if got := executions(); len(got) != 0 {
		t.Fatalf("started before 06:00: %+v", got)
	}
	turn(time.Date(2027, 3, 1, 6, 0, 0, 0, time.UTC))
	turn(time.Date(2027, 3, 1, 6, 0, 30, 0, time.UTC))
	got := executions()
	if len(got) != 1 || got[0].Name != scheduler.ExecutionName(f.Triggers.Schedules[0].Name, time.Date(2027, 3, 1, 6, 0, 0, 0, time.UTC)) {
		t.Fatalf("at 06:00: %+v", got)
	}
	d, err := eng.DescribeExecution(ctx, &engine.DescribeExecutionInput{ExecutionArn: got[0].ExecutionArn})
	check(t, err)
	if aws.ToString(d.Input) != `{"orderId":"daily-restock","total":0}` {
		t.Errorf("the schedule's input: %s", aws.ToString(d.Input))
	}
}
