package engine

import (
	"context"
	"log/slog"
)

// ExecutionLog is an observer that writes executions to the server's own
// log: at info level each execution that fails or times out, with its
// error and cause; at debug level each start and end too.
func ExecutionLog(log *slog.Logger) Observer { return executionLog{log} }

type executionLog struct{ log *slog.Logger }

func (l executionLog) Observe(batch []Event) {
	debug := l.log.Enabled(context.Background(), slog.LevelDebug)
	for i := range batch {
		ev := &batch[i]
		switch {
		case ev.Kind == ExecutionStarted && debug:
			l.log.Debug("execution started", "execution", ev.ExecutionARN)
		case ev.Kind != ExecutionFinished:
		case ev.Status == "FAILED" || ev.Status == "TIMED_OUT":
			attrs := []any{"execution", ev.ExecutionARN, "status", ev.Status}
			if ev.History != nil && ev.History.Failure != nil {
				attrs = append(attrs, "error", ev.History.Failure.Error, "cause", ev.History.Failure.Cause)
			}
			l.log.Info("execution failed", attrs...)
		case debug:
			l.log.Debug("execution ended", "execution", ev.ExecutionARN, "status", ev.Status)
		}
	}
}

func (l executionLog) Dropped(n int) {
	l.log.Warn("the log of executions fell behind and lost steps", "batches", n)
}
