package main

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// The audit trail records every call that changes something, in
// CloudTrail's shape, without payloads; the server's JSON log has a line
// per request (at debug level) and per execution that fails.
func TestServeAuditAndLog(t *testing.T) {
	t.Parallel()
	trail := filepath.Join(t.TempDir(), "audit.jsonl")
	s := startServerAt(t, t.TempDir(), "--audit-log", trail, "--log-format", "json", "--verbose")
	c := s.client()
	ctx := context.Background()
	sm := createMachine(t, c, "audited", `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Nope","Cause":"it will not"}}}`)
	out := startAndWait(t, c, sm, `{"secret":"s3cr3t"}`)
	if out.Status != types.ExecutionStatusFailed {
		t.Fatalf("%s", out.Status)
	}
	_, err := c.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: aws.String(sm + "x")})
	wantCode(t, err, "InvalidArn")
	s.stop(t)

	b, err := os.ReadFile(trail)
	if err != nil {
		t.Fatal(err)
	}
	var records []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		records = append(records, r)
	}
	// Reads (DescribeExecution, which startAndWait polls) are not recorded.
	var names []string
	for _, r := range records {
		names = append(names, r["eventName"].(string))
	}
	if got := strings.Join(names, ","); got != "CreateStateMachine,StartExecution,StopExecution" {
		t.Fatalf("recorded %s", got)
	}
	create, start, stop := records[0], records[1], records[2]
	params := create["requestParameters"].(map[string]any)
	if params["definition"] != "HIDDEN_DUE_TO_SECURITY_REASONS" || params["name"] != "audited" {
		t.Errorf("CreateStateMachine's parameters: %v", params)
	}
	if create["responseElements"].(map[string]any)["stateMachineArn"] != sm {
		t.Errorf("CreateStateMachine's response: %v", create["responseElements"])
	}
	if strings.Contains(string(b), "s3cr3t") {
		t.Errorf("an execution's input is in the trail: %s", b)
	}
	for k, want := range map[string]any{"eventSource": "states.amazonaws.com", "awsRegion": "eu-west-3", "eventType": "AwsApiCall",
		"sourceIPAddress": "127.0.0.1", "readOnly": false, "recipientAccountId": "123456789012"} {
		if start[k] != want {
			t.Errorf("StartExecution's %s: %v, want %v", k, start[k], want)
		}
	}
	if id := start["userIdentity"].(map[string]any); id["accessKeyId"] != "AKID" || id["type"] != "IAMUser" {
		t.Errorf("who: %v", id)
	}
	if start["requestID"] == "" || start["eventID"] == start["requestID"] || !strings.HasPrefix(start["userAgent"].(string), "aws-sdk-go-v2") {
		t.Errorf("ids and agent: %v", start)
	}
	if stop["errorCode"] != "InvalidArn" || stop["errorMessage"] == "" || stop["responseElements"] != nil {
		t.Errorf("a refused call: %v", stop)
	}

	// The server's own log, one JSON object per line.
	var failed, requests int
	sc := bufio.NewScanner(strings.NewReader(s.logs.String()))
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("not JSON: %q", sc.Text())
		}
		switch line["msg"] {
		case "execution failed":
			failed++
			if line["error"] != "Nope" || line["cause"] != "it will not" || line["status"] != "FAILED" || line["level"] != "INFO" {
				t.Errorf("%v", line)
			}
		case "request":
			requests++
			if line["request_id"] == nil || line["action"] == nil || line["status"] == nil {
				t.Errorf("%v", line)
			}
		}
	}
	if failed != 1 || requests < 3 {
		t.Errorf("%d failures and %d requests logged:\n%s", failed, requests, s.logs)
	}
}
