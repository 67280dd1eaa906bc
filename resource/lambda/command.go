package lambda

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/baton-sh/baton/config"
)

// command runs a function as a local process: the payload on its stdin,
// its result on its stdout, after whatever it logs there (splitOutput). A
// process that exits with a status other than zero has failed: if its
// result is a Lambda error document ({"errorType": ..., "errorMessage":
// ...}) that is its error, otherwise Runtime.ExitError, as Lambda reports
// a runtime that exits.
type command struct {
	cfg *config.Function
	out *sink // nil: log output is dropped (standard error is kept for a failure's message)
}

func (c *command) invoke(ctx context.Context, in *invocation) (*response, error) {
	timeout := time.Duration(c.cfg.Timeout)
	runCtx := ctx
	if timeout > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	cmd := exec.CommandContext(runCtx, c.cfg.Command[0], c.cfg.Command[1:]...)
	cmd.Dir = c.cfg.Dir
	cmd.Env = append(os.Environ(),
		"AWS_LAMBDA_FUNCTION_NAME="+in.name,
		"AWS_LAMBDA_FUNCTION_VERSION="+versionOf(in.qualifier),
		"AWS_REGION="+in.region,
		"AWS_DEFAULT_REGION="+in.region,
		"BATON_REQUEST_ID="+in.requestID,
	)
	for k, v := range c.cfg.Env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdin = bytes.NewReader(in.payload)
	// The result comes last: keep the end of a long output.
	stdout := &tailBuffer{limit: MaxResponse + 1}
	stderr := &tailBuffer{limit: 64 << 10}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	var errLines *lineLog
	if c.out != nil {
		errLines = c.out.lines(in, "stderr")
		cmd.Stderr = io.MultiWriter(stderr, errLines)
	}
	killGroup(cmd)
	cmd.WaitDelay = 2 * time.Second
	err := cmd.Run()
	if errLines != nil {
		errLines.flush()
	}
	switch {
	case ctx.Err() != nil:
		c.forward(in, stdout, stdout.Bytes())
		return nil, ctx.Err() // the task ended (timeout, stop): not the function's doing
	case runCtx.Err() != nil:
		c.forward(in, stdout, stdout.Bytes())
		return &response{functionError: "Unhandled", payload: errorDocument("Sandbox.Timedout",
			fmt.Sprintf("RequestId: %s Error: Task timed out after %.2f seconds", in.requestID, timeout.Seconds()))}, nil
	}
	logs, result := splitOutput(stdout.Bytes())
	c.forward(in, stdout, logs)
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		if stdout.dropped > 0 && len(logs) == 0 {
			// The result itself did not fit: call() reports its size.
			return &response{payload: stdout.Bytes()}, nil
		}
		return &response{payload: result}, nil
	case errors.As(err, &exitErr):
		if bytes.Contains(result, []byte(`"errorType"`)) && isErrorDocument(result) {
			return &response{functionError: "Unhandled", payload: result}, nil
		}
		msg := fmt.Sprintf("RequestId: %s Error: Runtime exited with error: %s", in.requestID, exitErr.ProcessState.String())
		if tail := lastLine(string(stderr.Bytes())); tail != "" {
			msg += "\n" + tail
		}
		return &response{functionError: "Unhandled", payload: errorDocument("Runtime.ExitError", msg)}, nil
	default:
		// The command could not be started: a wrong path or permission.
		return &response{functionError: "Unhandled", payload: errorDocument("Runtime.InvalidEntrypoint",
			fmt.Sprintf("RequestId: %s Error: %v", in.requestID, err))}, nil
	}
}

// forward passes on the log output a command printed on its standard
// output (logs, the start of what stdout kept), once the command is done:
// only then is it known where its result begins.
func (c *command) forward(in *invocation, stdout *tailBuffer, logs []byte) {
	if c.out == nil || (len(logs) == 0 && stdout.dropped == 0) {
		return
	}
	lines := c.out.lines(in, "stdout")
	if stdout.dropped > 0 {
		lines.emit(fmt.Appendf(nil, "(%d bytes of earlier output not kept)", stdout.dropped))
	}
	lines.Write(logs)
	lines.flush()
}

// maxResultStarts bounds the lines splitOutput tries as the start of a
// result printed over several lines (each try reads at most to the end of
// the value it starts): only a line that opens an object or an array
// without indentation is one, so only output made up to defeat it gets
// near the bound.
const maxResultStarts = 1024

// splitOutput parts what a command printed on its standard output into
// log output and its result. The result is what it printed last: the last
// line, when it is JSON; or the last lines from one that opens an object
// or an array (unindented, as JSON printed indented starts) that make one
// JSON value; or else the last line, as text. Everything before it is log
// output. Output that is one JSON value as a whole is all result, as it
// always was.
func splitOutput(b []byte) (logs, result []byte) {
	b = bytes.TrimRight(b, " \t\r\n")
	if len(b) == 0 || json.Valid(b) {
		return nil, bytes.TrimSpace(b)
	}
	last := bytes.LastIndexByte(b, '\n') + 1
	if json.Valid(b[last:]) {
		return b[:last], bytes.TrimSpace(b[last:])
	}
	tries := 0
	for end := last - 1; end > 0 && tries < maxResultStarts; {
		start := bytes.LastIndexByte(b[:end], '\n') + 1
		if b[start] == '{' || b[start] == '[' {
			tries++
			if json.Valid(b[start:]) {
				return b[:start], bytes.TrimSpace(b[start:])
			}
		}
		end = start - 1
	}
	return b[:last], bytes.TrimSpace(b[last:])
}

func versionOf(qualifier string) string {
	if allDigits(qualifier) {
		return qualifier
	}
	return "$LATEST"
}

func isErrorDocument(b []byte) bool {
	v := parsePayload(b)
	o, ok := v.(interface{ Has(string) bool })
	return ok && o.Has("errorType")
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	if len(s) > 1000 {
		s = s[len(s)-1000:]
	}
	return s
}

// sink is where the log output of functions run as commands goes: the
// server's log, a writer (baton run's standard error), or both.
type sink struct {
	log *slog.Logger
	out io.Writer // whole lines, one Write each
}

// lines is a writer of one invocation's stream ("stdout" or "stderr") to
// the sink.
func (s *sink) lines(in *invocation, stream string) *lineLog {
	return &lineLog{sink: s, name: in.name, attrs: []any{"function", in.name, "request_id", in.requestID, "stream", stream}}
}

// lineLog passes on what a function writes, a line at a time as each line
// is complete; a line longer than 16 KiB goes in pieces.
type lineLog struct {
	sink    *sink
	name    string
	attrs   []any
	partial []byte
}

const maxLogLine = 16 << 10

func (l *lineLog) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			l.partial = append(l.partial, p...)
			for len(l.partial) >= maxLogLine {
				l.emit(l.partial[:maxLogLine])
				l.partial = append(l.partial[:0], l.partial[maxLogLine:]...)
			}
			break
		}
		l.partial = append(l.partial, p[:i]...)
		l.emit(l.partial)
		l.partial = l.partial[:0]
		p = p[i+1:]
	}
	return n, nil
}

func (l *lineLog) emit(line []byte) {
	text := bytes.TrimRight(line, "\r")
	if l.sink.log != nil {
		l.sink.log.Info("function output", append(l.attrs[:len(l.attrs):len(l.attrs)], "line", string(text))...)
	}
	if l.sink.out != nil {
		// A log line that cannot be shown is no reason to fail the function.
		l.sink.out.Write(fmt.Appendf(nil, "[%s] %s\n", l.name, text)) //nolint:errcheck
	}
}

// flush passes on a last line the function did not end.
func (l *lineLog) flush() {
	if len(l.partial) > 0 {
		l.emit(l.partial)
		l.partial = nil
	}
}

// lockedWriter writes for several functions at once, a line at a time.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}

// tailBuffer keeps the last limit bytes written to it; dropped counts the
// others. It has no ReadFrom (a bytes.Buffer inside it is not embedded):
// io.Copy, which feeds a command's output to it, would read everything
// past Write.
type tailBuffer struct {
	buf     bytes.Buffer
	limit   int
	dropped int64
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.buf.Write(p)
	if over := b.buf.Len() - b.limit; over > 0 {
		b.buf.Next(over)
		b.dropped += int64(over)
	}
	return len(p), nil
}

// Bytes returns what the buffer kept.
func (b *tailBuffer) Bytes() []byte { return b.buf.Bytes() }
