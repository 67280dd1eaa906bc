package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/baton-sh/baton/token"
)

func TestServeStateMachines(t *testing.T) {
	t.Parallel()
	s := startServer(t, "")
	c := s.client()
	ctx := context.Background()
	def := `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":"world","ResultPath":"$.hello","End":true}}}`
	created, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("hello"), Definition: aws.String(def), RoleArn: aws.String(role),
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("core")}}})
	if err != nil {
		t.Fatal(err)
	}
	smARN := aws.ToString(created.StateMachineArn)
	if smARN != "arn:aws:states:eu-west-3:123456789012:stateMachine:hello" {
		t.Errorf("ARN %s: the region comes from the credential scope", smARN)
	}
	if created.CreationDate == nil || time.Since(*created.CreationDate) > time.Minute {
		t.Errorf("creation date %v", created.CreationDate)
	}
	// Idempotent for the same definition; a different one is a conflict.
	if again, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("hello"), Definition: aws.String(def), RoleArn: aws.String(role)}); err != nil || aws.ToString(again.StateMachineArn) != smARN {
		t.Errorf("idempotent create: %v", err)
	}
	_, err = c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("hello"), Definition: aws.String(strings.Replace(def, "world", "x", 1)), RoleArn: aws.String(role)})
	wantCode(t, err, "StateMachineAlreadyExists")
	_, err = c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("bad"), Definition: aws.String(`{"StartAt":"X","States":{}}`), RoleArn: aws.String(role)})
	wantCode(t, err, "InvalidDefinition")
	if err == nil || !strings.Contains(err.Error(), "Invalid State Machine Definition: '") || !strings.Contains(err.Error(), "MISSING_TRANSITION_TARGET: Missing 'StartAt' target: X at /StartAt") {
		t.Errorf("message: %v", err)
	}
	_, err = c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("bad name"), Definition: aws.String(def), RoleArn: aws.String(role)})
	wantCode(t, err, "InvalidName")

	desc, err := c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(smARN)})
	if err != nil || aws.ToString(desc.Definition) != def || desc.Type != types.StateMachineTypeStandard || desc.Status != types.StateMachineStatusActive || aws.ToString(desc.RoleArn) != role {
		t.Errorf("describe: %+v %v", desc, err)
	}
	_, err = c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(smARN + "nope")})
	wantCode(t, err, "StateMachineDoesNotExist")
	_, err = c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String("not-an-arn")})
	wantCode(t, err, "InvalidArn")

	// Versions and aliases.
	upd, err := c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(smARN), Definition: aws.String(strings.Replace(def, "world", "v1", 1)), Publish: true, VersionDescription: aws.String("first")})
	if err != nil || aws.ToString(upd.StateMachineVersionArn) != smARN+":1" {
		t.Fatalf("update+publish: %+v %v", upd, err)
	}
	v2, err := c.PublishStateMachineVersion(ctx, &sfn.PublishStateMachineVersionInput{StateMachineArn: aws.String(smARN)})
	if err != nil || aws.ToString(v2.StateMachineVersionArn) != smARN+":1" {
		t.Errorf("publishing the same revision returns its version: %+v %v", v2, err)
	}
	must(c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(smARN), Definition: aws.String(strings.Replace(def, "world", "v2", 1))}))(t)
	v2, err = c.PublishStateMachineVersion(ctx, &sfn.PublishStateMachineVersionInput{StateMachineArn: aws.String(smARN)})
	if err != nil || aws.ToString(v2.StateMachineVersionArn) != smARN+":2" {
		t.Fatalf("publish: %+v %v", v2, err)
	}
	_, err = c.PublishStateMachineVersion(ctx, &sfn.PublishStateMachineVersionInput{StateMachineArn: aws.String(smARN), RevisionId: aws.String("stale")})
	wantCode(t, err, "ConflictException")
	versions := must(c.ListStateMachineVersions(ctx, &sfn.ListStateMachineVersionsInput{StateMachineArn: aws.String(smARN)}))(t)
	if len(versions.StateMachineVersions) != 2 || aws.ToString(versions.StateMachineVersions[0].StateMachineVersionArn) != smARN+":2" {
		t.Errorf("versions: %+v", versions.StateMachineVersions)
	}
	alias, err := c.CreateStateMachineAlias(ctx, &sfn.CreateStateMachineAliasInput{Name: aws.String("prod"), RoutingConfiguration: []types.RoutingConfigurationListItem{
		{StateMachineVersionArn: aws.String(smARN + ":1"), Weight: 100}}})
	if err != nil || aws.ToString(alias.StateMachineAliasArn) != smARN+":prod" {
		t.Fatalf("alias: %+v %v", alias, err)
	}
	_, err = c.DeleteStateMachineVersion(ctx, &sfn.DeleteStateMachineVersionInput{StateMachineVersionArn: aws.String(smARN + ":1")})
	wantCode(t, err, "ConflictException")
	exec1, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: alias.StateMachineAliasArn, Input: aws.String(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	done := waitDone(t, c, aws.ToString(exec1.ExecutionArn))
	if aws.ToString(done.Output) != `{"hello":"v1"}` || aws.ToString(done.StateMachineVersionArn) != smARN+":1" || aws.ToString(done.StateMachineAliasArn) != smARN+":prod" {
		t.Errorf("execution through the alias: %s %v %v", aws.ToString(done.Output), aws.ToString(done.StateMachineVersionArn), aws.ToString(done.StateMachineAliasArn))
	}
	must(c.UpdateStateMachineAlias(ctx, &sfn.UpdateStateMachineAliasInput{StateMachineAliasArn: alias.StateMachineAliasArn, RoutingConfiguration: []types.RoutingConfigurationListItem{
		{StateMachineVersionArn: aws.String(smARN + ":2"), Weight: 100}}}))(t)
	da := must(c.DescribeStateMachineAlias(ctx, &sfn.DescribeStateMachineAliasInput{StateMachineAliasArn: alias.StateMachineAliasArn}))(t)
	if aws.ToString(da.RoutingConfiguration[0].StateMachineVersionArn) != smARN+":2" {
		t.Errorf("alias after update: %+v", da.RoutingConfiguration)
	}
	aliases := must(c.ListStateMachineAliases(ctx, &sfn.ListStateMachineAliasesInput{StateMachineArn: aws.String(smARN)}))(t)
	if len(aliases.StateMachineAliases) != 1 {
		t.Errorf("aliases: %+v", aliases)
	}
	if _, err := c.DeleteStateMachineAlias(ctx, &sfn.DeleteStateMachineAliasInput{StateMachineAliasArn: alias.StateMachineAliasArn}); err != nil {
		t.Error(err)
	}
	if _, err := c.DeleteStateMachineVersion(ctx, &sfn.DeleteStateMachineVersionInput{StateMachineVersionArn: aws.String(smARN + ":1")}); err != nil {
		t.Error(err)
	}

	// Tags.
	must(c.TagResource(ctx, &sfn.TagResourceInput{ResourceArn: aws.String(smARN), Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("dev")}}}))(t)
	must(c.UntagResource(ctx, &sfn.UntagResourceInput{ResourceArn: aws.String(smARN), TagKeys: []string{"team"}}))(t)
	tags, err := c.ListTagsForResource(ctx, &sfn.ListTagsForResourceInput{ResourceArn: aws.String(smARN)})
	if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "env" {
		t.Errorf("tags: %+v %v", tags, err)
	}
	_, err = c.ListTagsForResource(ctx, &sfn.ListTagsForResourceInput{ResourceArn: aws.String(smARN + "x")})
	wantCode(t, err, "ResourceNotFound")

	// Listing paginates.
	for i := 0; i < 5; i++ {
		if _, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(fmt.Sprintf("m%d", i)), Definition: aws.String(def), RoleArn: aws.String(role)}); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	p := sfn.NewListStateMachinesPaginator(c, &sfn.ListStateMachinesInput{MaxResults: 2})
	pages := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, sm := range page.StateMachines {
			names = append(names, aws.ToString(sm.Name))
		}
	}
	if pages != 3 || strings.Join(names, ",") != "hello,m0,m1,m2,m3,m4" {
		t.Errorf("%d pages: %v", pages, names)
	}
	_, err = c.ListStateMachines(ctx, &sfn.ListStateMachinesInput{NextToken: aws.String("garbage")})
	wantCode(t, err, "InvalidToken")

	valid, err := c.ValidateStateMachineDefinition(ctx, &sfn.ValidateStateMachineDefinitionInput{Definition: aws.String(`{"States":{}}`)})
	if err != nil || valid.Result != types.ValidateStateMachineDefinitionResultCodeFail || aws.ToString(valid.Diagnostics[0].Code) != "SCHEMA_VALIDATION_FAILED" {
		t.Errorf("validate: %+v %v", valid, err)
	}

	if _, err := c.DeleteStateMachine(ctx, &sfn.DeleteStateMachineInput{StateMachineArn: aws.String(smARN)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(smARN)})
	wantCode(t, err, "StateMachineDoesNotExist")
	// An execution outlives its state machine.
	if _, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: exec1.ExecutionArn}); err != nil {
		t.Errorf("execution after the state machine was deleted: %v", err)
	}
	s.stop(t)
}

func TestServeExecutions(t *testing.T) {
	t.Parallel()
	s := startServer(t, "")
	c := s.client()
	ctx := context.Background()
	def := `{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.wait","Next":"C"},
		"C":{"Type":"Choice","Choices":[{"Variable":"$.fail","IsPresent":true,"Next":"F"}],"Default":"P"},
		"P":{"Type":"Pass","Parameters":{"ok.$":"$.wait"},"End":true},"F":{"Type":"Fail","Error":"Told","Cause":"to fail"}}}`
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("flow"), Definition: aws.String(def), RoleArn: aws.String(role)})
	if err != nil {
		t.Fatal(err)
	}
	start := func(name, input string) (*sfn.StartExecutionOutput, error) {
		return c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Name: aws.String(name), Input: aws.String(input)})
	}
	a, err := start("a", `{"wait":1}`)
	if err != nil {
		t.Fatal(err)
	}
	// Idempotent while it runs with the same input; a different input is a conflict.
	again, err := start("a", `{"wait":1}`)
	if err != nil || aws.ToString(again.ExecutionArn) != aws.ToString(a.ExecutionArn) {
		t.Errorf("idempotent start: %v", err)
	}
	_, err = start("a", `{"wait":2}`)
	wantCode(t, err, "ExecutionAlreadyExists")
	_, err = start("bad", `{nope`)
	wantCode(t, err, "InvalidExecutionInput")
	_, err = start("big", `{"s":"`+strings.Repeat("x", 262144)+`"}`)
	wantCode(t, err, "ValidationException")
	_, err = start("bad name!", `{}`)
	wantCode(t, err, "InvalidName")
	_, err = c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(aws.ToString(sm.StateMachineArn) + "x")})
	wantCode(t, err, "StateMachineDoesNotExist")
	f := must(start("f", `{"wait":0,"fail":true}`))(t)
	w := must(start("w", `{"wait":3600}`))(t)

	done := waitDone(t, c, aws.ToString(a.ExecutionArn))
	if done.Status != types.ExecutionStatusSucceeded || aws.ToString(done.Output) != `{"ok":1}` || done.StopDate == nil {
		t.Errorf("a: %+v", done)
	}
	_, err = start("a", `{"wait":1}`)
	wantCode(t, err, "ExecutionAlreadyExists")
	failed := waitDone(t, c, aws.ToString(f.ExecutionArn))
	if failed.Status != types.ExecutionStatusFailed || aws.ToString(failed.Error) != "Told" || aws.ToString(failed.Cause) != "to fail" {
		t.Errorf("f: %+v", failed)
	}
	stop, err := c.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: w.ExecutionArn, Error: aws.String("Manual"), Cause: aws.String("test")})
	if err != nil || stop.StopDate == nil {
		t.Fatalf("stop: %v", err)
	}
	aborted := must(c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: w.ExecutionArn}))(t)
	if aborted.Status != types.ExecutionStatusAborted || aws.ToString(aborted.Error) != "Manual" {
		t.Errorf("w: %+v", aborted)
	}
	_, err = c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(strings.Replace(aws.ToString(a.ExecutionArn), ":a", ":zz", 1))})
	wantCode(t, err, "ExecutionDoesNotExist")

	list, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: sm.StateMachineArn})
	if err != nil || len(list.Executions) != 3 || aws.ToString(list.Executions[0].Name) != "w" {
		t.Errorf("list: %+v %v", list, err)
	}
	succeeded := must(c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: sm.StateMachineArn, StatusFilter: types.ExecutionStatusSucceeded}))(t)
	if len(succeeded.Executions) != 1 || aws.ToString(succeeded.Executions[0].Name) != "a" {
		t.Errorf("status filter: %+v", succeeded.Executions)
	}
	page1 := must(c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: sm.StateMachineArn, MaxResults: 2}))(t)
	page2 := must(c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: sm.StateMachineArn, MaxResults: 2, NextToken: page1.NextToken}))(t)
	if len(page1.Executions) != 2 || page1.NextToken == nil || len(page2.Executions) != 1 || page2.NextToken != nil {
		t.Errorf("pages %d, %d", len(page1.Executions), len(page2.Executions))
	}

	hist, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: a.ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	var types1 []string
	for _, e := range hist.Events {
		types1 = append(types1, string(e.Type))
	}
	want := "ExecutionStarted,WaitStateEntered,WaitStateExited,ChoiceStateEntered,ChoiceStateExited,PassStateEntered,PassStateExited,ExecutionSucceeded"
	if strings.Join(types1, ",") != want {
		t.Errorf("history %v", types1)
	}
	if e := hist.Events[1]; e.Id != 2 || e.PreviousEventId != 1 || aws.ToString(e.StateEnteredEventDetails.Name) != "W" || aws.ToString(e.StateEnteredEventDetails.Input) != `{"wait":1}` {
		t.Errorf("event 2: %+v %+v", e, e.StateEnteredEventDetails)
	}
	if e := hist.Events[0]; aws.ToString(e.ExecutionStartedEventDetails.RoleArn) != role || e.Timestamp == nil {
		t.Errorf("event 1: %+v", e.ExecutionStartedEventDetails)
	}
	rev := must(c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: a.ExecutionArn, ReverseOrder: true, MaxResults: 3, IncludeExecutionData: aws.Bool(false)}))(t)
	if len(rev.Events) != 3 || rev.Events[0].Type != types.HistoryEventTypeExecutionSucceeded || rev.NextToken == nil || rev.Events[0].ExecutionSucceededEventDetails.Output != nil {
		t.Errorf("reverse page: %+v", rev.Events)
	}
	rest := must(c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: a.ExecutionArn, ReverseOrder: true, NextToken: rev.NextToken}))(t)
	if len(rest.Events) != 5 || rest.Events[4].Id != 1 {
		t.Errorf("rest: %d events", len(rest.Events))
	}
	forExec, err := c.DescribeStateMachineForExecution(ctx, &sfn.DescribeStateMachineForExecutionInput{ExecutionArn: a.ExecutionArn})
	if err != nil || aws.ToString(forExec.Definition) != def {
		t.Errorf("describe state machine for execution: %v", err)
	}
}

func TestServeExpress(t *testing.T) {
	t.Parallel()
	s := startServer(t, "")
	c := s.client()
	ctx := context.Background()
	def := `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.ok","BooleanEquals":true,"Next":"P"}],"Default":"F"},
		"P":{"Type":"Pass","Result":{"done":true},"End":true},"F":{"Type":"Fail","Error":"Nope","Cause":"not ok"}}}`
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("fast"), Definition: aws.String(def), RoleArn: aws.String(role), Type: types.StateMachineTypeExpress})
	if err != nil {
		t.Fatal(err)
	}
	// The SDK prefixes the host of StartSyncExecution with "sync-"; turn it
	// off for a local endpoint.
	out, err := c.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(`{"ok":true}`)}, withoutHostPrefix)
	if err != nil {
		t.Fatal(err)
	}
	if out.Status != types.SyncExecutionStatusSucceeded || aws.ToString(out.Output) != `{"done":true}` || !strings.Contains(aws.ToString(out.ExecutionArn), ":express:fast:") {
		t.Errorf("sync: %+v", out)
	}
	bad, err := c.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(`{"ok":false}`)}, withoutHostPrefix)
	if err != nil || bad.Status != types.SyncExecutionStatusFailed || aws.ToString(bad.Error) != "Nope" {
		t.Errorf("a failed sync execution is still a successful call: %+v %v", bad, err)
	}
	async, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn})
	if err != nil || !strings.Contains(aws.ToString(async.ExecutionArn), ":express:") {
		t.Errorf("async express: %v", err)
	}
	_, err = c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: sm.StateMachineArn})
	wantCode(t, err, "StateMachineTypeNotSupported")
	std := must(c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("std"), Definition: aws.String(def), RoleArn: aws.String(role)}))(t)
	_, err = c.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: std.StateMachineArn}, withoutHostPrefix)
	wantCode(t, err, "StateMachineTypeNotSupported")
	_, err = c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("cb"), RoleArn: aws.String(role), Type: types.StateMachineTypeExpress,
		Definition: aws.String(`{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","End":true}}}`)})
	wantCode(t, err, "InvalidDefinition")
}

func TestServeTestState(t *testing.T) {
	t.Parallel()
	s := startServer(t, "")
	c := s.client()
	ctx := context.Background()
	out, err := c.TestState(ctx, &sfn.TestStateInput{
		Definition:      aws.String(`{"Type":"Pass","InputPath":"$.payload","Parameters":{"data":1},"ResultPath":"$.result","OutputPath":"$.result.data","Next":"Another State"}`),
		RoleArn:         aws.String(role),
		Input:           aws.String(`{"payload":{"foo":"bar"}}`),
		InspectionLevel: types.InspectionLevelDebug,
	}, withoutHostPrefix)
	if err != nil {
		t.Fatal(err)
	}
	if out.Status != types.TestExecutionStatusSucceeded || aws.ToString(out.Output) != "1" || aws.ToString(out.NextState) != "Another State" ||
		out.InspectionData == nil || aws.ToString(out.InspectionData.AfterParameters) != `{"data":1}` {
		t.Errorf("pass: %+v", out)
	}
	task := `{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Payload.$":"$"},
		"Retry":[{"ErrorEquals":["Lambda.ServiceException"],"IntervalSeconds":2,"MaxAttempts":3,"BackoffRate":2.0}],
		"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.error","Next":"Handle"}],"Next":"Done"}`
	out, err = c.TestState(ctx, &sfn.TestStateInput{
		Definition: aws.String(task), Input: aws.String(`{"data":"value"}`), InspectionLevel: types.InspectionLevelDebug,
		Mock:               &types.MockInput{ErrorOutput: &types.MockErrorOutput{Error: aws.String("Lambda.ServiceException"), Cause: aws.String("Service error")}},
		StateConfiguration: &types.TestStateConfiguration{RetrierRetryCount: aws.Int32(1)},
	}, withoutHostPrefix)
	if err != nil {
		t.Fatal(err)
	}
	if out.Status != types.TestExecutionStatusRetriable || out.InspectionData.ErrorDetails == nil ||
		aws.ToInt32(out.InspectionData.ErrorDetails.RetryIndex) != 0 || aws.ToInt32(out.InspectionData.ErrorDetails.RetryBackoffIntervalSeconds) != 4 {
		t.Errorf("retriable: %+v %+v", out, out.InspectionData.ErrorDetails)
	}
	out, err = c.TestState(ctx, &sfn.TestStateInput{
		Definition: aws.String(task), Input: aws.String(`{"data":"value"}`),
		Mock: &types.MockInput{Result: aws.String(`{"Payload":{"ok":true},"StatusCode":200}`)},
	}, withoutHostPrefix)
	if err != nil || out.Status != types.TestExecutionStatusSucceeded || aws.ToString(out.NextState) != "Done" || aws.ToString(out.Output) != `{"Payload":{"ok":true},"StatusCode":200}` {
		t.Errorf("mocked result: %+v %v", out, err)
	}
	_, err = c.TestState(ctx, &sfn.TestStateInput{Definition: aws.String(`{"Type":"Pass"}`)}, withoutHostPrefix)
	wantCode(t, err, "InvalidDefinition")
	_, err = c.TestState(ctx, &sfn.TestStateInput{Definition: aws.String(`{"Type":"Pass","End":true}`), Mock: &types.MockInput{Result: aws.String("1")}}, withoutHostPrefix)
	wantCode(t, err, "ValidationException")
}

func TestServeActivities(t *testing.T) {
	t.Parallel()
	s := startServer(t, "")
	c := s.client()
	ctx := context.Background()
	act, err := c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("work")})
	if err != nil {
		t.Fatal(err)
	}
	actARN := aws.ToString(act.ActivityArn)
	if again := must(c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("work")}))(t); aws.ToString(again.ActivityArn) != actARN {
		t.Error("CreateActivity is not idempotent")
	}
	if d, err := c.DescribeActivity(ctx, &sfn.DescribeActivityInput{ActivityArn: act.ActivityArn}); err != nil || aws.ToString(d.Name) != "work" {
		t.Errorf("describe: %v", err)
	}
	if l := must(c.ListActivities(ctx, &sfn.ListActivitiesInput{}))(t); len(l.Activities) != 1 {
		t.Errorf("list: %+v", l)
	}
	def := `{"StartAt":"Do","States":{"Do":{"Type":"Task","Resource":"` + actARN + `","HeartbeatSeconds":5,
		"Retry":[{"ErrorEquals":["Transient"],"IntervalSeconds":1,"MaxAttempts":1}],
		"Catch":[{"ErrorEquals":["States.Timeout"],"Next":"TimedOut"}],"TimeoutSeconds":20,"End":true},
		"TimedOut":{"Type":"Pass","Result":"timed out","End":true}}}`
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("workflow"), Definition: aws.String(def), RoleArn: aws.String(role)})
	if err != nil {
		t.Fatal(err)
	}
	exec1 := must(c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(`{"job":42}`)}))(t)
	task, err := c.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: act.ActivityArn, WorkerName: aws.String("w1")})
	if err != nil || aws.ToString(task.Input) != `{"job":42}` || task.TaskToken == nil {
		t.Fatalf("poll: %+v %v", task, err)
	}
	if _, err := c.SendTaskHeartbeat(ctx, &sfn.SendTaskHeartbeatInput{TaskToken: task.TaskToken}); err != nil {
		t.Error(err)
	}
	if _, err := c.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: task.TaskToken, Error: aws.String("Transient")}); err != nil {
		t.Error(err)
	}
	_, err = c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: aws.String(`{}`)})
	wantCode(t, err, "TaskTimedOut")
	_, err = c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String("garbage"), Output: aws.String(`{}`)})
	wantCode(t, err, "InvalidToken")
	// A token forged for the real execution and task, with a key other than
	// the server's, and a real token altered by one character.
	forged := token.RandomKey().Make(aws.ToString(exec1.ExecutionArn), 1, 7)
	_, err = c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{Output: aws.String(`{}`), TaskToken: aws.String(forged)})
	wantCode(t, err, "InvalidToken")
	real := aws.ToString(task.TaskToken)
	altered := real[:len(real)-1] + "A"
	if strings.HasSuffix(real, "A") {
		altered = real[:len(real)-1] + "B"
	}
	_, err = c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{Output: aws.String(`{}`), TaskToken: aws.String(altered)})
	wantCode(t, err, "InvalidToken")
	task2, err := c.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: act.ActivityArn, WorkerName: aws.String("w2")})
	if err != nil || task2.TaskToken == nil {
		t.Fatalf("second poll: %v", err)
	}
	_, err = c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: task2.TaskToken, Output: aws.String(`{nope`)})
	wantCode(t, err, "InvalidOutput")
	if _, err := c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: task2.TaskToken, Output: aws.String(`{"result":"done"}`)}); err != nil {
		t.Fatal(err)
	}
	done := waitDone(t, c, aws.ToString(exec1.ExecutionArn))
	if aws.ToString(done.Output) != `{"result":"done"}` {
		t.Errorf("output %s", aws.ToString(done.Output))
	}
	hist := must(c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: exec1.ExecutionArn}))(t)
	var names []string
	for _, e := range hist.Events {
		names = append(names, string(e.Type))
		if e.Type == types.HistoryEventTypeActivityStarted && aws.ToString(e.ActivityStartedEventDetails.WorkerName) == "" {
			t.Error("ActivityStarted without the worker's name")
		}
	}
	want := "ExecutionStarted,TaskStateEntered,ActivityScheduled,ActivityStarted,ActivityFailed,ActivityScheduled,ActivityStarted,ActivitySucceeded,TaskStateExited,ExecutionSucceeded"
	if strings.Join(names, ",") != want {
		t.Errorf("history\n got  %s\n want %s", strings.Join(names, ","), want)
	}

	// A worker that stops heartbeating: States.HeartbeatTimeout is not
	// caught by the States.Timeout catcher. The same machine with a
	// heartbeat of one second, so that the test waits one second.
	quiet := createMachine(t, c, "quiet", strings.Replace(def, `"HeartbeatSeconds":5`, `"HeartbeatSeconds":1`, 1))
	exec2 := must(c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(quiet)}))(t)
	if task := must(c.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: act.ActivityArn}))(t); task.TaskToken == nil {
		t.Fatal("no task for the execution that stops heartbeating")
	}
	failed := waitDone(t, c, aws.ToString(exec2.ExecutionArn))
	if failed.Status != types.ExecutionStatusFailed || aws.ToString(failed.Error) != "States.HeartbeatTimeout" {
		t.Errorf("heartbeat timeout: %s %s", failed.Status, aws.ToString(failed.Error))
	}
	_, err = c.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: aws.String(actARN + "x")})
	wantCode(t, err, "ActivityDoesNotExist")
	if _, err := c.DeleteActivity(ctx, &sfn.DeleteActivityInput{ActivityArn: act.ActivityArn}); err != nil {
		t.Error(err)
	}
}

func TestServeRedrive(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := startServer(t, dir)
	c := s.client()
	ctx := context.Background()
	act, err := c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("charge")})
	if err != nil {
		t.Fatal(err)
	}
	def := `{"StartAt":"Prepare","States":{"Prepare":{"Type":"Pass","Result":"ready","ResultPath":"$.state","Next":"Charge"},
		"Charge":{"Type":"Task","Resource":"` + aws.ToString(act.ActivityArn) + `","Parameters":{"order.$":"$.order","attempt.$":"$$.Execution.RedriveCount"},"End":true}}}`
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("orders"), Definition: aws.String(def), RoleArn: aws.String(role)})
	if err != nil {
		t.Fatal(err)
	}
	start, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(`{"order":7}`)})
	if err != nil {
		t.Fatal(err)
	}
	execARN := start.ExecutionArn
	_, err = c.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: execARN})
	wantCode(t, err, "ExecutionNotRedrivable")
	task, err := c.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: act.ActivityArn})
	if err != nil || aws.ToString(task.Input) != `{"order":7,"attempt":0}` {
		t.Fatalf("first task: %+v %v", task, err)
	}
	if _, err := c.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: task.TaskToken, Error: aws.String("CardDeclined"), Cause: aws.String("try later")}); err != nil {
		t.Fatal(err)
	}
	failed := waitDone(t, c, aws.ToString(execARN))
	if failed.Status != types.ExecutionStatusFailed || failed.RedriveStatus != types.ExecutionRedriveStatusRedrivable || failed.RedriveStatusReason != nil {
		t.Fatalf("failed execution: %s %s %v", failed.Status, failed.RedriveStatus, aws.ToString(failed.RedriveStatusReason))
	}

	red, err := c.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: execARN, ClientToken: aws.String("token-1")})
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: execARN, ClientToken: aws.String("token-1")})
	if err != nil || !aws.ToTime(again.RedriveDate).Equal(aws.ToTime(red.RedriveDate)) {
		t.Errorf("the same client token again: %v %v", again, err)
	}
	_, err = c.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: execARN, ClientToken: aws.String("token-2")})
	wantCode(t, err, "ExecutionNotRedrivable")
	running := must(c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: execARN}))(t)
	if running.Status != types.ExecutionStatusRunning || aws.ToInt32(running.RedriveCount) != 1 || running.RedriveDate == nil || running.StopDate != nil || running.Error != nil {
		t.Errorf("redriven execution: %+v", running)
	}

	// The redriven execution survives a restart of the server.
	s.stop(t)
	s = startServer(t, dir)
	c = s.client()
	task, err = c.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: act.ActivityArn})
	if err != nil || aws.ToString(task.Input) != `{"order":7,"attempt":1}` {
		t.Fatalf("task after the redrive: %+v %v", task, err)
	}
	if _, err := c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: aws.String(`{"charged":true}`)}); err != nil {
		t.Fatal(err)
	}
	done := waitDone(t, c, aws.ToString(execARN))
	if done.Status != types.ExecutionStatusSucceeded || aws.ToString(done.Output) != `{"charged":true}` ||
		done.RedriveStatus != types.ExecutionRedriveStatusNotRedrivable || aws.ToString(done.RedriveStatusReason) != "Execution is SUCCEEDED and cannot be redriven." {
		t.Errorf("after the redrive: %+v", done)
	}
	hist := must(c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: execARN}))(t)
	var names []string
	for i, e := range hist.Events {
		names = append(names, string(e.Type))
		if e.Id != int64(i+1) {
			t.Errorf("event %d has id %d", i, e.Id)
		}
		if e.Type == types.HistoryEventTypeExecutionRedriven && aws.ToInt32(e.ExecutionRedrivenEventDetails.RedriveCount) != 1 {
			t.Errorf("ExecutionRedriven details: %+v", e.ExecutionRedrivenEventDetails)
		}
	}
	want := "ExecutionStarted,PassStateEntered,PassStateExited,TaskStateEntered,ActivityScheduled,ActivityStarted,ActivityFailed,ExecutionFailed," +
		"ExecutionRedriven,TaskStateEntered,ActivityScheduled,ActivityStarted,ActivitySucceeded,TaskStateExited,ExecutionSucceeded"
	if strings.Join(names, ",") != want {
		t.Errorf("history\n got  %s\n want %s", strings.Join(names, ","), want)
	}
	if l := must(c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: sm.StateMachineArn, RedriveFilter: types.ExecutionRedriveFilterRedriven}))(t); len(l.Executions) != 1 || aws.ToInt32(l.Executions[0].RedriveCount) != 1 {
		t.Errorf("redriven executions: %+v", l.Executions)
	}
	if l := must(c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: sm.StateMachineArn, RedriveFilter: types.ExecutionRedriveFilterNotRedriven}))(t); len(l.Executions) != 0 {
		t.Errorf("executions never redriven: %+v", l.Executions)
	}
	_, err = c.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: execARN, ClientToken: aws.String("token-3")})
	wantCode(t, err, "ExecutionNotRedrivable")
	_, err = c.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: aws.String(strings.Replace(aws.ToString(execARN), ":orders:", ":nothing:", 1))})
	wantCode(t, err, "ExecutionDoesNotExist")
	_, err = c.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: aws.String("not-an-arn")})
	wantCode(t, err, "InvalidArn")
}
