package scheduler_test

import (
	"fmt"
	"time"

	"github.com/baton-sh/baton/scheduler"
	"github.com/baton-sh/baton/trigger"
)

// The execution a schedule starts for a due time is named after both, the
// same on every node and after every restart.
func ExampleExecutionName() {
	paris, _ := time.LoadLocation("Europe/Paris")
	fmt.Println(scheduler.ExecutionName("nightly-report", time.Date(2027, 1, 1, 2, 0, 0, 0, paris)))
	// Output: nightly-report-20270101T010000Z
}

// NextTimes is what baton schedules shows without a server.
func ExampleNextTimes() {
	s := trigger.Schedule{Name: "weekly", Expression: "cron(0 9 ? * MON *)", Timezone: "Europe/Paris"}
	times, _ := scheduler.NextTimes(s, time.Date(2027, 3, 24, 0, 0, 0, 0, time.UTC), 2)
	for _, t := range times {
		fmt.Println(t.Format(time.RFC3339))
	}
	// Output:
	// 2027-03-29T09:00:00+02:00
	// 2027-04-05T09:00:00+02:00
}
