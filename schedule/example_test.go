package schedule_test

import (
	"fmt"
	"time"

	"github.com/baton-sh/baton/schedule"
)

func Example() {
	s, err := schedule.Parse("cron(30 1 * * ? *)", schedule.Options{Timezone: "America/New_York"})
	if err != nil {
		panic(err)
	}
	// 1 November 2026: the clocks show 01:30 twice; it is due once.
	t := time.Date(2026, 10, 31, 12, 0, 0, 0, time.UTC)
	for range 2 {
		t, _ = s.Next(t)
		fmt.Println(t)
	}
	_, err = schedule.Parse("cron(0 12 * * * *)", schedule.Options{})
	fmt.Println(err)
	// Output:
	// 2026-11-01 01:30:00 -0400 EDT
	// 2026-11-02 01:30:00 -0500 EST
	// Invalid Schedule Expression cron(0 12 * * * *): day-of-month: exactly one of day-of-month and day-of-week must be ?
}
