package scheduler

import (
	"strconv"
	"strings"
	"time"
)

// input is the execution's input for a due time: the schedule's constant
// input, or "{}", with Scheduler's context attributes replaced as
// Scheduler replaces them: as text, wherever they appear (inside a JSON
// string, as its documentation shows them).
func (e *entry) input(due time.Time, attempt int) string {
	in := e.decl.Input
	if in == "" {
		return "{}"
	}
	if !strings.Contains(in, "<aws.scheduler.") {
		return in
	}
	return strings.NewReplacer(
		"<aws.scheduler.schedule-arn>", e.arn,
		"<aws.scheduler.scheduled-time>", due.UTC().Format(time.RFC3339),
		"<aws.scheduler.execution-id>", executionID(e.decl.Name, due),
		"<aws.scheduler.attempt-number>", strconv.Itoa(attempt),
	).Replace(in)
}
