package schedule

import "strconv"

// Error is an invalid schedule expression (or time zone, or flexible time
// window). Its message begins as the ValidationException of EventBridge
// Scheduler's CreateSchedule does ("Invalid Schedule Expression ...") and
// goes on to say which field is wrong and why, which AWS does not.
type Error struct {
	Expression string
	// Field is where the problem is: "minutes", "hours", "day-of-month",
	// "month", "day-of-week", "year", "value", "unit", "at", "timezone",
	// "MaximumWindowInMinutes", ...; "" for the expression as a whole.
	Field  string
	Reason string
}

func (e *Error) Error() string {
	msg := "Invalid Schedule Expression " + e.Expression
	switch e.Field {
	case "timezone":
		return "Invalid ScheduleExpressionTimezone: " + e.Reason
	case "Mode", "MaximumWindowInMinutes":
		return "Invalid FlexibleTimeWindow: " + e.Field + ": " + e.Reason
	case "":
		return msg + ": " + e.Reason
	}
	return msg + ": " + e.Field + ": " + e.Reason
}

func quote(s string) string { return strconv.Quote(s) }
