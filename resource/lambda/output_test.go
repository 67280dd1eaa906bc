package lambda_test

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/baton-sh/baton/config"
	"github.com/baton-sh/baton/driver"
	"github.com/baton-sh/baton/interpreter"
	"github.com/baton-sh/baton/resource/lambda"
	"github.com/baton-sh/baton/value"
)

// script writes a shell script the test runs as a function.
func script(t *testing.T, body string) *config.Function {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the functions are shell scripts")
	}
	path := filepath.Join(t.TempDir(), "fn.sh")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return &config.Function{Command: []string{path}}
}

// lockedBuffer collects what functions log while they run.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestCommandOutput: what a command prints on stdout before its result is
// log output, passed on with its stderr, never the result; a command that
// prints only its result works as it always did.
func TestCommandOutput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body       string
		status, output   string // output: the task's result, or the error name
		shown            string // what WithOutput shows, in order
		loggedFromStdout []string
	}{
		{name: "only the result", body: `cat >/dev/null; echo '{"ok":true}'`,
			status: "SUCCEEDED", output: `{"ok":true}`},
		{name: "only the result, indented", body: `cat >/dev/null; printf '{\n  "ok": [\n    1\n  ]\n}\n'`,
			status: "SUCCEEDED", output: `{"ok":[1]}`},
		{name: "logs on stdout, then the result", body: `echo "reading the order"; read -r order; echo "got $order"; echo '{"charged":true}'`,
			status: "SUCCEEDED", output: `{"charged":true}`,
			shown: "[Fn] reading the order\n[Fn] got {\"id\":7}\n", loggedFromStdout: []string{"reading the order", `got {"id":7}`}},
		{name: "logs on both, then an indented result", body: `cat >/dev/null; echo "to stderr" >&2; echo "to stdout"; printf '[\n  "a",\n  "b"\n]\n'`,
			status: "SUCCEEDED", output: `["a","b"]`,
			shown: "[Fn] to stderr\n[Fn] to stdout\n", loggedFromStdout: []string{"to stdout"}},
		{name: "logs, then an error document", body: `cat >/dev/null; echo "charging"; echo '{"errorType":"CardDeclined","errorMessage":"no"}'; exit 1`,
			status: "FAILED", output: "CardDeclined",
			shown: "[Fn] charging\n", loggedFromStdout: []string{"charging"}},
		{name: "text only: the last line is the result", body: `cat >/dev/null; echo "step 1"; echo "done"`,
			status: "SUCCEEDED", output: `"done"`,
			shown: "[Fn] step 1\n", loggedFromStdout: []string{"step 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := &config.Config{Functions: map[string]*config.Function{"Fn": script(t, tt.body)}}
			shown := &lockedBuffer{}
			logged := make(records, 64)
			r := runWith(t, cfg, task("arn:aws:lambda:eu-west-1:111122223333:function:Fn", ""), `{"id":7}`, driver.Local{},
				lambda.WithOutput(shown), lambda.WithLogger(slog.New(logged)))
			if got := r.ex.Status.String(); got != tt.status {
				t.Fatalf("status %s (%+v), want %s", got, r.ex.Failure, tt.status)
			}
			got := value.String(r.ex.Output)
			if r.ex.Failure != nil {
				got = r.ex.Failure.Error
			}
			if got != tt.output {
				t.Errorf("result %s, want %s", got, tt.output)
			}
			if shown.String() != tt.shown {
				t.Errorf("shown:\n%s\nwant:\n%s", shown, tt.shown)
			}
			close(logged)
			var fromStdout []string
			for rec := range logged {
				attrs := map[string]string{}
				rec.Attrs(func(a slog.Attr) bool {
					attrs[a.Key] = a.Value.String()
					return true
				})
				if attrs["function"] != "Fn" || attrs["request_id"] == "" {
					t.Errorf("a log record without its function or request: %v", attrs)
				}
				if attrs["stream"] == "stdout" {
					fromStdout = append(fromStdout, attrs["line"])
				}
			}
			if strings.Join(fromStdout, "|") != strings.Join(tt.loggedFromStdout, "|") {
				t.Errorf("logged from stdout %q, want %q", fromStdout, tt.loggedFromStdout)
			}
		})
	}
}

// TestCommandOutputShownAsItComes: WithOutput shows a line of stderr while
// the function still runs.
func TestCommandOutputShownAsItComes(t *testing.T) {
	t.Parallel()
	fn := commandFunc("talk", 0)
	proceed := filepath.Join(t.TempDir(), "go")
	fn.Env["BATON_TEST_GO"] = proceed
	cfg := &config.Config{Functions: map[string]*config.Function{"Talk": fn}}
	lines := make(chanWriter, 16)
	done := make(chan result, 1)
	go func() {
		done <- runWith(t, cfg, task("arn:aws:lambda:eu-west-1:111122223333:function:Talk", ""), `{}`, driver.Local{}, lambda.WithOutput(lines))
	}()
	// The function waits for the file: the line came while it ran.
	if first := <-lines; first != "[Talk] first line\n" {
		t.Fatalf("first %q", first)
	}
	if err := os.WriteFile(proceed, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if last := <-lines; last != "[Talk] last words\n" {
		t.Errorf("the unended last line: %q", last)
	}
	if r := <-done; r.ex.Status != interpreter.Succeeded {
		t.Errorf("%v %v", r.ex.Status, r.ex.Failure)
	}
}

// chanWriter hands each write to the test.
type chanWriter chan string

func (w chanWriter) Write(p []byte) (int, error) {
	w <- string(p)
	return len(p), nil
}

// TestCommandOutputLarge: stdout keeps its last 6 MiB, where the result
// is: a long log before a result loses its start, a result longer than
// Lambda's limit fails as Lambda fails it.
func TestCommandOutputLarge(t *testing.T) {
	t.Parallel()
	// 7 MiB of log lines (64 Ki lines of 111 bytes and a newline), then the result.
	chatty := script(t, `cat >/dev/null; yes 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' | head -n 65536; echo '{"ok":true}'`)
	// A 7 MiB string as the result.
	huge := script(t, `cat >/dev/null; printf '"'; head -c 7340032 /dev/zero | tr '\0' x; printf '"\n'`)
	cfg := &config.Config{Functions: map[string]*config.Function{"Chatty": chatty, "Huge": huge}}
	shown := &lockedBuffer{}
	r := runWith(t, cfg, task("arn:aws:lambda:eu-west-1:111122223333:function:Chatty", ""), `{}`, driver.Local{}, lambda.WithOutput(shown))
	if got := value.String(r.ex.Output); r.ex.Status != interpreter.Succeeded || got != `{"ok":true}` {
		t.Errorf("chatty: %v %+v %.100s", r.ex.Status, r.ex.Failure, got)
	}
	first, _, _ := strings.Cut(shown.String(), "\n")
	if want := "[Chatty] (" + strconv.Itoa(65536*112+12-lambda.MaxResponse-1) + " bytes of earlier output not kept)"; first != want {
		t.Errorf("chatty: the first line shown is %q, want %q", first, want)
	}
	r = run(t, cfg, task("arn:aws:lambda:eu-west-1:111122223333:function:Huge", ""), `{}`, nil)
	if r.ex.Failure == nil || r.ex.Failure.Error != "Lambda.ServiceException" || !strings.Contains(r.ex.Failure.Cause, "exceeded maximum allowed payload size (6291456 bytes)") {
		t.Errorf("huge: %v %+v", r.ex.Status, r.ex.Failure)
	}
}
