package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// A state machine's loggingConfiguration is obeyed: an Express execution,
// which keeps no history, is logged to the file baton.yaml names for its
// log group, a Standard one to DATA/logs; baton logs reads them back.
func TestServeExecutionLogs(t *testing.T) {
	t.Parallel()
	dir, data := t.TempDir(), t.TempDir()
	conf := filepath.Join(dir, "baton.yaml")
	if err := os.WriteFile(conf, []byte("logGroups:\n  /aws/vendedlogs/states/orders: orders.log\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startServerAt(t, data, "--config", conf)
	c := s.client()
	ctx := context.Background()
	group := func(name string) *types.LoggingConfiguration {
		return &types.LoggingConfiguration{Level: types.LogLevelAll, IncludeExecutionData: true, Destinations: []types.LogDestination{{
			CloudWatchLogsLogGroup: &types.CloudWatchLogsLogGroup{LogGroupArn: aws.String("arn:aws:logs:us-east-1:123456789012:log-group:" + name + ":*")}}}}
	}
	def := `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":"done","End":true}}}`
	express, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("orders"), Definition: aws.String(def),
		RoleArn: aws.String("arn:aws:iam::123456789012:role/r"), Type: types.StateMachineTypeExpress, LoggingConfiguration: group("/aws/vendedlogs/states/orders")})
	if err != nil {
		t.Fatal(err)
	}
	standard, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("billing"), Definition: aws.String(def),
		RoleArn: aws.String("arn:aws:iam::123456789012:role/r"), LoggingConfiguration: group("billing")})
	if err != nil {
		t.Fatal(err)
	}
	x, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: express.StateMachineArn, Input: aws.String(`{"n":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	st := startAndWait(t, c, aws.ToString(standard.StateMachineArn), `{"n":2}`)

	// The logs are written by the server's own goroutine: wait for them.
	files := map[string]string{aws.ToString(x.ExecutionArn): filepath.Join(dir, "orders.log"), aws.ToString(st.ExecutionArn): filepath.Join(data, "logs", "billing.log")}
	for arn, file := range files {
		poll(t, "the log of "+arn, time.Minute, func() (bool, error) {
			b, err := os.ReadFile(file)
			if os.IsNotExist(err) {
				return false, nil
			}
			return strings.Contains(string(b), `"type":"ExecutionSucceeded"`), err
		})
	}
	r := cli(t, "logs", "--data", data, "--config", conf, "--execution", aws.ToString(x.ExecutionArn))
	if r.code != 0 {
		t.Fatalf("%d %s", r.code, r.stderr)
	}
	var kinds []string
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var rec struct {
			Type, ExecutionArn string
			Details            map[string]any
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		kinds = append(kinds, rec.Type)
	}
	if got := strings.Join(kinds, ","); got != "ExecutionStarted,PassStateEntered,PassStateExited,ExecutionSucceeded" {
		t.Errorf("the Express execution's log: %s", r.stdout)
	}
	if !strings.Contains(r.stdout, `"execution_arn":"`+aws.ToString(x.ExecutionArn)+`"`) || !strings.Contains(r.stdout, `"input":"{\"n\":1}"`) {
		t.Errorf("%s", r.stdout)
	}
	// One group, by name; every group.
	if r := cli(t, "logs", "--data", data, "--log-group", "billing"); r.code != 0 || strings.Count(r.stdout, "\n") != 4 || !strings.Contains(r.stdout, aws.ToString(st.ExecutionArn)) {
		t.Errorf("billing: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := cli(t, "logs", "--data", data, "--config", conf); r.code != 0 || strings.Count(r.stdout, "\n") != 8 {
		t.Errorf("all: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := cli(t, "logs", "--data", data, "--log-group", "nothing"); r.code != 1 {
		t.Errorf("an unknown group: %d %s", r.code, r.stderr)
	}
}
