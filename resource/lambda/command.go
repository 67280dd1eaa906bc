package lambda

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/baton-sh/baton/config"
)

// command runs a function as a local process: the payload on its stdin,
// its result on its stdout. A process that exits with a status other than
// zero has failed: if it printed a Lambda error document
// ({"errorType": ..., "errorMessage": ...}) that is its error, otherwise
// Runtime.ExitError, as Lambda reports a runtime that exits.
type command struct {
	cfg *config.Function
	log *slog.Logger // nil: standard error is kept for the failure's message only
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
	stdout := &limitedBuffer{limit: MaxResponse + 1}
	stderr := &limitedBuffer{limit: 64 << 10, keepTail: true}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if c.log != nil {
		lines := &lineLog{log: c.log, attrs: []any{"function", in.name, "request_id", in.requestID}}
		defer lines.flush()
		cmd.Stderr = io.MultiWriter(stderr, lines)
	}
	killGroup(cmd)
	cmd.WaitDelay = 2 * time.Second
	err := cmd.Run()
	switch {
	case ctx.Err() != nil:
		return nil, ctx.Err() // the task ended (timeout, stop): not the function's doing
	case runCtx.Err() != nil:
		return &response{functionError: "Unhandled", payload: errorDocument("Sandbox.Timedout",
			fmt.Sprintf("RequestId: %s Error: Task timed out after %.2f seconds", in.requestID, timeout.Seconds()))}, nil
	}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		if stdout.overflow {
			return &response{payload: stdout.Bytes()}, nil // call() reports the size
		}
		return &response{payload: bytes.TrimSpace(stdout.Bytes())}, nil
	case errors.As(err, &exitErr):
		out := bytes.TrimSpace(stdout.Bytes())
		if bytes.Contains(out, []byte(`"errorType"`)) && isErrorDocument(out) {
			return &response{functionError: "Unhandled", payload: out}, nil
		}
		msg := fmt.Sprintf("RequestId: %s Error: Runtime exited with error: %s", in.requestID, exitErr.ProcessState.String())
		if tail := lastLine(stderr.String()); tail != "" {
			msg += "\n" + tail
		}
		return &response{functionError: "Unhandled", payload: errorDocument("Runtime.ExitError", msg)}, nil
	default:
		// The command could not be started: a wrong path or permission.
		return &response{functionError: "Unhandled", payload: errorDocument("Runtime.InvalidEntrypoint",
			fmt.Sprintf("RequestId: %s Error: %v", in.requestID, err))}, nil
	}
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

// lineLog logs what a function writes, a line at a time as each line is
// complete; a line longer than 16 KiB is logged in pieces.
type lineLog struct {
	log     *slog.Logger
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
	l.log.Info("function output", append(l.attrs, "line", string(bytes.TrimRight(line, "\r")))...)
}

// flush logs a last line the function did not end.
func (l *lineLog) flush() {
	if len(l.partial) > 0 {
		l.emit(l.partial)
		l.partial = nil
	}
}

// limitedBuffer keeps at most limit bytes: the first ones, or with
// keepTail the last ones.
type limitedBuffer struct {
	bytes.Buffer
	limit    int
	keepTail bool
	overflow bool
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	n := len(p)
	if b.keepTail {
		b.Buffer.Write(p)
		if over := b.Len() - b.limit; over > 0 {
			b.Next(over)
		}
		return n, nil
	}
	if room := b.limit - b.Len(); room < len(p) {
		p = p[:max(room, 0)]
		b.overflow = true
	}
	b.Buffer.Write(p)
	return n, nil
}
