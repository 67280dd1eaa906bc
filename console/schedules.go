package console

import (
	"context"
	"net/http"

	"github.com/baton-sh/baton/scheduler"
)

// ScheduleLister lists a server's schedules: the scheduler's Runner.
type ScheduleLister interface {
	Schedules(ctx context.Context) ([]scheduler.Status, error)
}

// ScheduleItem is a schedule in the console's JSON (baton schedules
// --endpoint reads it too): dates in epoch
// milliseconds, null when there is none.
type ScheduleItem struct {
	Name             string `json:"name"`
	Expression       string `json:"expression"`
	Timezone         string `json:"timezone"`
	StateMachineArn  string `json:"stateMachineArn"`
	Enabled          bool   `json:"enabled"`
	Missed           string `json:"missed"`
	WindowMinutes    int    `json:"windowMinutes"`
	Source           string `json:"source,omitempty"`
	NextDue          *int64 `json:"nextDue"`
	FireAt           *int64 `json:"fireAt"`
	LastDue          *int64 `json:"lastDue"`
	LastFired        *int64 `json:"lastFired"`
	LastExecutionArn string `json:"lastExecutionArn,omitempty"`
	LastError        string `json:"lastError,omitempty"`
	Attempts         int    `json:"attempts"`
}

// listSchedules: GET /console/api/schedules — the server's schedules by
// name, with when each last fired and is next due, as the store holds it
// (the same on every node).
func (a *api) listSchedules(w http.ResponseWriter, r *http.Request) {
	out := struct {
		Schedules []ScheduleItem `json:"schedules"`
	}{Schedules: []ScheduleItem{}}
	if a.schedules != nil {
		list, err := a.schedules.Schedules(r.Context())
		if err != nil {
			a.fail(w, r, err)
			return
		}
		for _, s := range list {
			out.Schedules = append(out.Schedules, ScheduleItem{
				Name: s.Name, Expression: s.Expression, Timezone: s.Timezone, StateMachineArn: s.StateMachine, Enabled: s.Enabled,
				Missed: s.Missed, WindowMinutes: s.WindowMinutes, Source: s.Source,
				NextDue: millisPtr(s.Next), FireAt: millisPtr(s.FireAt), LastDue: millisPtr(s.LastDue), LastFired: millisPtr(s.LastFired),
				LastExecutionArn: s.LastExecution, LastError: s.LastError, Attempts: s.Attempts,
			})
		}
	}
	writeJSON(w, http.StatusOK, out)
}
