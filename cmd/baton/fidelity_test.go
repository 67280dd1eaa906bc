package main

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// TestServeClientDetails: what the SDK shows its users is AWS's: every
// answer, error or not, has a request id; a name over 80 characters is a
// ValidationException (the request's length constraint), not InvalidName.
func TestServeClientDetails(t *testing.T) {
	t.Parallel()
	s := startServer(t, "")
	c := s.client()
	ctx := context.Background()
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

	out, err := c.ListStateMachines(ctx, &sfn.ListStateMachinesInput{})
	if err != nil {
		t.Fatal(err)
	}
	id, ok := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
	if !ok || !uuid.MatchString(id) {
		t.Errorf("the request id of an answer: %q", id)
	}
	_, err = c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String(strings.Repeat("a", 81))})
	wantCode(t, err, "ValidationException")
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || !uuid.MatchString(re.ServiceRequestID()) {
		t.Errorf("the request id of an error: %v", err)
	}
	_, err = c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("bad name")})
	wantCode(t, err, "InvalidName")
	if _, err := c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String(strings.Repeat("a", 80))}); err != nil {
		t.Errorf("a name of 80 characters: %v", err)
	}
}

// --max-events bounds a Standard execution's history.
func TestServeMaxEvents(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := startServerAt(t, dir, "--max-events", "12")
	c := s.client()
	loop := `{"StartAt":"Count","States":{
		"Count":{"Type":"Pass","Parameters":{"n.$":"States.MathAdd($.n, 1)"},"Next":"More"},
		"More":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericLessThan":3,"Next":"Count"}],"Default":"Done"},
		"Done":{"Type":"Succeed"}}}`
	sm := createMachine(t, c, "loop", loop)
	// Three rounds: 1 + 3*4 + 2 + 1 = 16 events, more than 12.
	out := startAndWait(t, c, sm, `{"n":0}`)
	if out.Status != types.ExecutionStatusFailed || aws.ToString(out.Error) != "States.Runtime" ||
		!strings.Contains(aws.ToString(out.Cause), "maximum number of events in its history (12)") {
		t.Fatalf("%s %s %s", out.Status, aws.ToString(out.Error), aws.ToString(out.Cause))
	}
	// Two rounds fit: 1 + 2*4 + 2 + 1 = 12.
	if out := startAndWait(t, c, sm, `{"n":1}`); out.Status != types.ExecutionStatusSucceeded {
		t.Fatalf("%s %s", out.Status, aws.ToString(out.Cause))
	}
}
