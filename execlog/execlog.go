// Package execlog writes execution logs as Step Functions writes them to
// CloudWatch Logs: a state machine's loggingConfiguration says which of
// its executions' history events are logged (level ALL, ERROR or FATAL),
// with or without their data (includeExecutionData), and to which log
// groups. Each record is one JSON object on a line, in AWS's shape:
//
//	{"id":"1","type":"ExecutionStarted","details":{...},"previous_event_id":"0",
//	 "event_timestamp":"1796136012500","execution_arn":"...","redrive_count":"0"}
//
// A log group is a file: baton.yaml's logGroups names it (or "-", standard
// output), else it is LOGS_DIR/NAME.log. Express executions are logged the
// same way: on AWS their log is their only history.
package execlog

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/baton-sh/baton/engine"
	"github.com/baton-sh/baton/history"
	"github.com/baton-sh/baton/value"
)

// Record is one logged event, as AWS writes it (its numbers as text).
type Record struct {
	ID              string          `json:"id"`
	Type            string          `json:"type"`
	Details         json.RawMessage `json:"details"`
	PreviousEventID string          `json:"previous_event_id"`
	EventTimestamp  string          `json:"event_timestamp"`
	ExecutionArn    string          `json:"execution_arn"`
	RedriveCount    string          `json:"redrive_count"`
}

// Logs reports whether a level logs an event type. FATAL logs the ends of
// executions that did not succeed; ERROR those and every failure, time-out
// and abort of a state or task, and Fail states entered; ALL everything.
func Logs(level string, t history.Type) bool {
	switch level {
	case "ALL":
		return true
	case "ERROR":
		if t == history.FailStateEntered {
			return true
		}
		name := t.String()
		return strings.HasSuffix(name, "Failed") || strings.HasSuffix(name, "TimedOut") || strings.HasSuffix(name, "Aborted")
	case "FATAL":
		return t == history.ExecutionFailed || t == history.ExecutionTimedOut || t == history.ExecutionAborted
	}
	return false
}

// Options configure a Logger.
type Options struct {
	// Dir holds the files of log groups that Groups does not name.
	Dir string
	// Groups maps a log group's name to a file ("-": Stdout).
	Groups map[string]string
	Stdout io.Writer
	Log    *slog.Logger // the server's own log, for write errors
}

// Logger is the engine observer that writes execution logs.
type Logger struct {
	e *engine.Engine
	o Options

	mu      sync.Mutex
	configs map[string]cached // state machine ARN -> its logging configuration
	files   map[string]*sink  // log group name -> where it goes
	buf     []byte
}

type cached struct {
	l    engine.Logging
	read time.Time
}

type sink struct {
	w      io.Writer
	f      *os.File // nil for standard output
	broken bool
}

// configTTL is how long a state machine's logging configuration is kept:
// an update takes effect within it.
const configTTL = time.Second

// New makes a logger for an engine; subscribe it with e.Subscribe.
func New(e *engine.Engine, o Options) *Logger {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Stdout == nil {
		o.Stdout = os.Stdout
	}
	return &Logger{e: e, o: o, configs: map[string]cached{}, files: map[string]*sink{}}
}

// Observe writes the logged events of a step.
func (l *Logger) Observe(batch []engine.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := range batch {
		ev := &batch[i]
		if ev.History == nil {
			continue
		}
		cfg := l.config(ev.StateMachineARN)
		if !cfg.On() || !Logs(cfg.Level, ev.History.Type) {
			continue
		}
		l.buf = Append(l.buf[:0], ev.History, ev.ExecutionARN, ev.RedriveCount, cfg.IncludeExecutionData)
		l.buf = append(l.buf, '\n')
		for _, group := range cfg.LogGroups {
			l.write(group, l.buf)
		}
	}
}

// Dropped says that steps were lost: the observer fell behind.
func (l *Logger) Dropped(n int) {
	l.o.Log.Warn("execution logs fell behind and lost steps", "batches", n)
}

// Close closes the log files.
func (l *Logger) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	var errs []error
	for _, s := range l.files {
		if s.f != nil {
			errs = append(errs, s.f.Close())
		}
	}
	l.files = map[string]*sink{}
	return errors.Join(errs...)
}

func (l *Logger) config(sm string) engine.Logging {
	now := time.Now()
	if c, ok := l.configs[sm]; ok && now.Sub(c.read) < configTTL {
		return c.l
	}
	cfg, err := l.e.LoggingOf(context.Background(), sm)
	if err != nil {
		cfg = engine.Logging{Level: "OFF"} // deleted meanwhile, or unreadable: nothing to log to
	}
	if len(l.configs) > 10000 {
		clear(l.configs) // a bound on state machines remembered
	}
	l.configs[sm] = cached{cfg, now}
	return cfg
}

// GroupName is a log group's name from its ARN
// (arn:aws:logs:REGION:ACCOUNT:log-group:NAME:*).
func GroupName(groupARN string) string {
	_, rest, ok := strings.Cut(groupARN, ":log-group:")
	if !ok {
		return groupARN
	}
	return strings.TrimSuffix(rest, ":*")
}

// FileOf is where a log group's records go: baton.yaml's name for it, or
// DIR/NAME.log (a name's slashes become dashes).
func FileOf(dir string, groups map[string]string, name string) string {
	if f, ok := groups[name]; ok {
		return f
	}
	return filepath.Join(dir, strings.NewReplacer("/", "-", "\\", "-").Replace(strings.TrimLeft(name, "/"))+".log")
}

func (l *Logger) write(groupARN string, line []byte) {
	name := GroupName(groupARN)
	s, ok := l.files[name]
	if !ok {
		s = &sink{}
		path := FileOf(l.o.Dir, l.o.Groups, name)
		if path == "-" {
			s.w = l.o.Stdout
		} else if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			l.o.Log.Error("execution logs cannot be written", "log_group", name, "error", err)
			s.broken = true
		} else if f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600); err != nil {
			l.o.Log.Error("execution logs cannot be written", "log_group", name, "error", err)
			s.broken = true
		} else {
			s.w, s.f = f, f
		}
		l.files[name] = s
	}
	if s.broken {
		return
	}
	if _, err := s.w.Write(line); err != nil {
		l.o.Log.Error("execution logs cannot be written: the log group's records are dropped", "log_group", name, "error", err)
		s.broken = true
	}
}

// Append appends the record of a history event.
func Append(dst []byte, ev *history.Event, executionARN string, redriveCount int, includeData bool) []byte {
	dst = append(dst, `{"id":"`...)
	dst = strconv.AppendInt(dst, ev.ID, 10)
	dst = append(dst, `","type":"`...)
	dst = append(dst, ev.Type.String()...)
	dst = append(dst, `","details":{`...)
	dst = ev.AppendDetails(dst, includeData)
	dst = append(dst, `},"previous_event_id":"`...)
	dst = strconv.AppendInt(dst, ev.PreviousID, 10)
	dst = append(dst, `","event_timestamp":"`...)
	dst = strconv.AppendInt(dst, ev.Timestamp().UnixMilli(), 10)
	dst = append(dst, `","execution_arn":`...)
	dst = value.AppendString(dst, executionARN)
	dst = append(dst, `,"redrive_count":"`...)
	dst = strconv.AppendInt(dst, int64(redriveCount), 10)
	return append(dst, `"}`...)
}

// Read copies to w the records of r whose execution is executionARN (all
// when it is ""), and says how many it copied. Lines that are not records
// are passed over.
func Read(r io.Reader, executionARN string, w io.Writer) (int, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 8<<20)
	n := 0
	for sc.Scan() {
		line := sc.Bytes()
		var rec struct {
			ExecutionArn string `json:"execution_arn"`
		}
		if json.Unmarshal(line, &rec) != nil || rec.ExecutionArn == "" {
			continue
		}
		if executionARN != "" && rec.ExecutionArn != executionARN {
			continue
		}
		if _, err := fmt.Fprintf(w, "%s\n", line); err != nil {
			return n, err
		}
		n++
	}
	return n, sc.Err()
}
