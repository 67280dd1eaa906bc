package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/baton-sh/baton/config"
	"github.com/baton-sh/baton/store/postgres/pgtest"
)

// TestServePostgres runs `baton serve --store postgres://...` and drives
// it with the AWS SDK: executions with an activity, a Map, a Parallel and
// a Wait finish; a second server on the same database (and another data
// folder, named by baton.yaml's store:) has their histories and finishes
// what the first left running; /readyz answers from the database.
func TestServePostgres(t *testing.T) {
	dbURL := pgtest.Schema(t)
	t.Parallel()
	ctx := context.Background()
	first := startServerAt(t, t.TempDir(), "--store", dbURL)
	c := first.client()
	act := must(c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("pg-work")}))(t)
	def := `{"StartAt":"Both","States":{
		"Both":{"Type":"Parallel","Next":"Nap","Branches":[
			{"StartAt":"Work","States":{"Work":{"Type":"Task","Resource":"` + aws.ToString(act.ActivityArn) + `","End":true}}},
			{"StartAt":"Each","States":{"Each":{"Type":"Map","ItemsPath":"$.items","End":true,
				"ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"Wrap","States":{"Wrap":{"Type":"Pass","Parameters":{"v.$":"$"},"End":true}}}}}}]},
		"Nap":{"Type":"Wait","Seconds":1,"End":true}}}`
	sm := createMachine(t, c, "pg-flow", def)
	const runs = 3
	var arns []string
	for n := range runs {
		out := must(c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Name: aws.String(fmt.Sprint("run-", n)),
			Input: aws.String(fmt.Sprintf(`{"n":%d,"items":[%d,%d]}`, n, n, n+1))}))(t)
		arns = append(arns, aws.ToString(out.ExecutionArn))
	}
	// A worker answers each task with the n it was given.
	for range runs {
		task := must(c.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: act.ActivityArn, WorkerName: aws.String("w")}))(t)
		if task.TaskToken == nil {
			t.Fatal("no task within a poll")
		}
		var in struct{ N int }
		check(t, json.Unmarshal([]byte(aws.ToString(task.Input)), &in))
		must(c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: aws.String(fmt.Sprintf(`{"worked":%d}`, in.N))}))(t)
	}
	want := func(n int) string { return fmt.Sprintf(`[{"worked":%d},[{"v":%d},{"v":%d}]]`, n, n, n+1) }
	for n, arn := range arns {
		d := waitDone(t, c, arn)
		if d.Status != types.ExecutionStatusSucceeded || !sameJSON(t, aws.ToString(d.Output), want(n)) {
			t.Errorf("%s: %s %s, want SUCCEEDED %s", arn, d.Status, aws.ToString(d.Output), want(n))
		}
	}
	// One more waits when the first server stops: the second finishes it.
	waitSM := createMachine(t, c, "pg-wait", `{"StartAt":"Nap","States":{"Nap":{"Type":"Wait","Seconds":2,"End":true}}}`)
	late := must(c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(waitSM), Input: aws.String(`{"late":true}`)}))(t)
	first.stop(t)

	dir := t.TempDir()
	cfg := filepath.Join(dir, "baton.yaml")
	check(t, os.WriteFile(cfg, []byte("store: "+dbURL+"\n"), 0o600))
	second := startServerAt(t, filepath.Join(dir, "data"), "--config", cfg)
	c = second.client()
	if d := waitDone(t, c, aws.ToString(late.ExecutionArn)); d.Status != types.ExecutionStatusSucceeded || aws.ToString(d.Output) != `{"late":true}` {
		t.Errorf("the execution left waiting: %s %s", d.Status, aws.ToString(d.Output))
	}
	for n, arn := range arns {
		d := must(c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)}))(t)
		if d.Status != types.ExecutionStatusSucceeded || !sameJSON(t, aws.ToString(d.Output), want(n)) {
			t.Errorf("%s on the second server: %s %s", arn, d.Status, aws.ToString(d.Output))
		}
		if types := eventTypes(historyOf(t, c, aws.String(arn))); !strings.HasSuffix(types, "WaitStateExited,ExecutionSucceeded") ||
			strings.Count(types, "ActivitySucceeded") != 1 || strings.Count(types, "MapIterationSucceeded") != 2 {
			t.Errorf("%s: history %s", arn, types)
		}
	}
	list := must(c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm)}))(t)
	if len(list.Executions) != runs {
		t.Errorf("%d executions listed, want %d", len(list.Executions), runs)
	}

	// /readyz asks the database: a table gone makes the server unready,
	// and its return ready again.
	ready := func() (int, string) {
		code, _, body := get(t, second, "/readyz")
		return code, strings.TrimSpace(body)
	}
	if code, body := ready(); code != http.StatusOK || body != "ready" {
		t.Errorf("GET /readyz: %d %q", code, body)
	}
	pgtest.Exec(t, dbURL, `ALTER TABLE resources RENAME TO resources_away`)
	if code, body := ready(); code != http.StatusServiceUnavailable || !strings.HasPrefix(body, "not ready:") {
		t.Errorf("GET /readyz without the table: %d %q", code, body)
	}
	pgtest.Exec(t, dbURL, `ALTER TABLE resources_away RENAME TO resources`)
	if code, body := ready(); code != http.StatusOK {
		t.Errorf("GET /readyz once the table is back: %d %q", code, body)
	}
	second.stop(t)
}

// sameJSON reports whether two JSON texts hold the same value.
func sameJSON(t *testing.T, a, b string) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal([]byte(a), &x); err != nil {
		return false
	}
	check(t, json.Unmarshal([]byte(b), &y))
	return reflect.DeepEqual(x, y)
}

// TestMigrateCommand: baton migrate applies the migrations and says which;
// a second run applies none.
func TestMigrateCommand(t *testing.T) {
	dbURL := pgtest.Schema(t)
	t.Parallel()
	r := cli(t, "migrate", "--store", dbURL)
	if r.code != 0 || !strings.HasPrefix(r.stdout, "applied 0001 init\n") || !strings.HasSuffix(r.stdout, "schema version 3, up to date\n") {
		t.Fatalf("first migrate: %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = cli(t, "migrate", "--store", dbURL)
	if r.code != 0 || strings.Contains(r.stdout, "applied") || !strings.HasSuffix(r.stdout, "up to date\n") {
		t.Errorf("second migrate: %d %q %q", r.code, r.stdout, r.stderr)
	}
}

// TestStoreRefused: a store that is not a PostgreSQL URL, or a database
// that does not answer, is a clear error, not a hang; migrate needs a
// database.
func TestStoreRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"serve, not a URL", []string{"serve", "--store", "mysql://db/x"}, 2, "--store must be a PostgreSQL URL"},
		{"migrate, no database", []string{"migrate"}, 2, "migrate: no database"},
		{"migrate, not a URL", []string{"migrate", "--store", "baton.db"}, 2, "--store must be a PostgreSQL URL"},
		{"migrate, nobody listens", []string{"migrate", "--store", "postgres://baton:s3cret@127.0.0.1:1/x"}, 1, "migrate: postgres: cannot connect"},
		{"serve, nobody listens", []string{"serve", "--addr", "127.0.0.1:0", "--store", "postgres://baton:s3cret@127.0.0.1:1/x"}, 1, "serve: postgres: cannot connect"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			if args[0] == "serve" {
				args = append(args, "--data", t.TempDir())
			}
			start := time.Now()
			r := cli(t, args...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.msg) || strings.Contains(r.stderr, "s3cret") {
				t.Errorf("%v: exit %d %q, want %d and %q", tc.args, r.code, r.stderr, tc.code, tc.msg)
			}
			if d := time.Since(start); d > openTimeout {
				t.Errorf("took %v", d)
			}
		})
	}
}

// TestStoreURL: --store comes first, then BATON_STORE, then baton.yaml's
// store:; none of them is SQLite in the data folder.
func TestStoreURL(t *testing.T) {
	const flagURL, envURL, fileURL = "postgres://flag/db", "postgres://env/db", "postgresql://file/db"
	file := &config.Config{Store: fileURL}
	tests := []struct {
		name, flag, env string
		cfg             *config.Config
		want            string
	}{
		{"all", flagURL, envURL, file, flagURL},
		{"env and file", "", envURL, file, envURL},
		{"file", "", "", file, fileURL},
		{"none", "", "", nil, ""},
		{"empty file", "", "", &config.Config{}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(storeEnv, tc.env)
			got, err := storeURL(tc.flag, tc.cfg)
			if err != nil || got != tc.want {
				t.Errorf("storeURL: %q %v, want %q", got, err, tc.want)
			}
		})
	}
}

// TestServeCrashPostgres is the crash test (SIGKILL with hundreds of
// executions in Wait states and activity tasks, then a restart) on
// PostgreSQL: every acknowledged execution finishes, no state twice.
func TestServeCrashPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("the crash test takes a few seconds")
	}
	dbURL := pgtest.Schema(t)
	t.Parallel()
	serveCrash(t, "--store", dbURL)
}
