package schedule

import "time"

const atLayout = "2006-01-02T15:04:05"

// parseAt reads "yyyy-mm-ddThh:mm:ss", a reading of the schedule's clocks.
func parseAt(body string) (wall, error) {
	t, err := time.Parse(atLayout, body)
	if err != nil || len(body) != len(atLayout) {
		return wall{}, &Error{Field: "at", Reason: quote(body) + " is not a date and time in the form yyyy-mm-ddThh:mm:ss"}
	}
	return wallOf(t), nil
}
