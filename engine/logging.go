package engine

import (
	"context"
	"encoding/json"
)

// Logging is a state machine's loggingConfiguration: which of its
// executions' history events are logged (Level: ALL, ERROR, FATAL or OFF),
// with their data or without, and to which log groups.
type Logging struct {
	Level                string
	IncludeExecutionData bool
	LogGroups            []string // the destinations' log group ARNs
}

// On says whether anything is logged.
func (l Logging) On() bool { return l.Level != "" && l.Level != "OFF" && len(l.LogGroups) > 0 }

func parseLogging(raw json.RawMessage) Logging {
	var c struct {
		Level                string `json:"level"`
		IncludeExecutionData bool   `json:"includeExecutionData"`
		Destinations         []struct {
			Group struct {
				ARN string `json:"logGroupArn"`
			} `json:"cloudWatchLogsLogGroup"`
		} `json:"destinations"`
	}
	if len(raw) == 0 || json.Unmarshal(raw, &c) != nil {
		return Logging{Level: "OFF"}
	}
	l := Logging{Level: c.Level, IncludeExecutionData: c.IncludeExecutionData}
	for _, d := range c.Destinations {
		if d.Group.ARN != "" {
			l.LogGroups = append(l.LogGroups, d.Group.ARN)
		}
	}
	return l
}

// LoggingOf reads the logging configuration of a state machine (its own:
// executions started through a version or alias log as their state
// machine says). Reads go through the engine's resource cache.
func (e *Engine) LoggingOf(ctx context.Context, stateMachineARN string) (Logging, error) {
	b, err := e.store.stateMachine(ctx, stateMachineARN)
	if err != nil {
		return Logging{}, err
	}
	return b.logging(), nil
}
