package config_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/baton-sh/baton/config"
	"github.com/baton-sh/baton/trigger"
)

var update = flag.Bool("update", false, "rewrite the golden .errors files under testdata/")

func TestSchedules(t *testing.T) {
	c, err := config.Parse([]byte(`
schedules:
  nightly:
    expression: cron(0 2 * * ? *)
    timezone: Europe/Paris
    stateMachine: report
    input: {kind: nightly, at: "<aws.scheduler.scheduled-time>"}
    window: 15m
    start: 2027-01-01T00:00:00
    end: 2027-12-31T23:59:59Z
    missed: skip
  hourly:
    expression: rate(1 hour)
    stateMachine: arn:aws:states:eu-west-3:123456789012:stateMachine:report:live
    input: '{"n": <aws.scheduler.attempt-number>}'
    enabled: false
  plain: {expression: at(2027-01-01T09:00:00), stateMachine: report}
`), "/srv")
	if err != nil {
		t.Fatal(err)
	}
	set := c.Triggers("baton.yaml")
	if len(set.Schedules) != 3 {
		t.Fatalf("%d schedules", len(set.Schedules))
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	hourly, nightly, plain := set.Schedules[0], set.Schedules[1], set.Schedules[2]
	if nightly.Name != "nightly" || nightly.Expression != "cron(0 2 * * ? *)" || nightly.Timezone != "Europe/Paris" || nightly.StateMachine != "report" ||
		nightly.Input != `{"at":"<aws.scheduler.scheduled-time>","kind":"nightly"}` || nightly.WindowMinutes != 15 ||
		!nightly.Start.Equal(time.Date(2027, 1, 1, 0, 0, 0, 0, paris)) || !nightly.End.Equal(time.Date(2027, 12, 31, 23, 59, 59, 0, time.UTC)) ||
		nightly.Missed != trigger.Skip || nightly.Disabled || nightly.Source != "baton.yaml: schedules.nightly" {
		t.Errorf("nightly: %+v", nightly)
	}
	if !hourly.Disabled || hourly.Input != `{"n": <aws.scheduler.attempt-number>}` || hourly.Missed != trigger.FireOnce {
		t.Errorf("hourly: %+v", hourly)
	}
	if plain.Input != "" || plain.WindowMinutes != 0 || !plain.Start.IsZero() {
		t.Errorf("plain: %+v", plain)
	}
}

// The errors of invalid schedules, each naming its key, as golden files.
func TestScheduleErrors(t *testing.T) {
	for _, name := range []string{"schedules-invalid", "schedules-shape"} {
		t.Run(name, func(t *testing.T) {
			_, err := config.Load(filepath.Join("testdata", name+".yaml"))
			if err == nil {
				t.Fatal("no error")
			}
			got := strings.ReplaceAll(err.Error(), "; ", "\n") + "\n"
			golden := filepath.Join("testdata", name+".errors")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}
