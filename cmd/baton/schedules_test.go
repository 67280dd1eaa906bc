package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// baton schedules prints every schedule of a baton.yaml with its next due
// times (golden file); --json gives the same as data.
func TestSchedulesCommand(t *testing.T) {
	t.Parallel()
	file := filepath.Join("testdata", "schedules", "baton.yaml")
	r := cli(t, "schedules", "--config", file, "--after", "2027-02-27T12:00:00Z")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	golden(t, filepath.Join("schedules", "list.golden"), r.stdout)

	r = cli(t, "schedules", "--config", file, "--after", "2027-02-27T12:00:00Z", "--count", "1", "--json")
	if r.code != 0 {
		t.Fatalf("--json: exit %d: %s", r.code, r.stderr)
	}
	var list []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 6 || list[0]["name"] != "every-six-hours" || list[0]["next"].([]any)[0] != "2027-02-27T12:00:00Z" {
		t.Errorf("--json: %s", r.stdout)
	}

	for _, tc := range []struct{ args, want string }{
		{"--config " + filepath.Join(t.TempDir(), "none.yaml"), "no such file"},
		{"--config " + write(t, "bad.yaml", "schedules: {x: {expression: rate(1 hours), stateMachine: s}}"), "schedules.x.expression: Invalid Schedule Expression"},
		{"--config " + file + " --count -1", "--count is from 0 to 1000"},
		{"--config " + file + " --after soon", `--after "soon" is not a time`},
		{"--config " + file + " extra.yml", "extra.yml"},
	} {
		r := cli(t, append([]string{"schedules"}, strings.Fields(tc.args)...)...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%s: exit %d, %s; want %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
}

// baton schedules lists an infrastructure file's schedules too: those
// serve --deploy would fire.
func TestSchedulesOfInfrastructureFile(t *testing.T) {
	t.Parallel()
	shop := filepath.Join("..", "..", "examples", "serverless-shop", "serverless.yml")
	r := cli(t, "schedules", "--after", "2027-03-01T00:00:00Z", "--count", "2", shop)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"cron(0 6 * * ? *) -> place-order-dev", "serverless.yml:26: stepFunctions.stateMachines.placeOrder.events[1].schedule",
		"next: 2027-03-01T06:00:00Z", "2027-03-02T06:00:00Z"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("no %q in:\n%s", want, r.stdout)
		}
	}
}
