package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// TestRunFunctionLogs: baton run shows what a function run as a command
// logs (stderr, and stdout before its result) on its own stderr, and
// prints the result alone on stdout.
func TestRunFunctionLogs(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("the function is a shell script")
	}
	dir := t.TempDir()
	fn := filepath.Join(dir, "charge.sh")
	body := "#!/bin/sh\nread -r order\necho \"charging $order\"\necho 'card ok' >&2\necho '{\"charged\":true}'\n"
	if err := os.WriteFile(fn, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "baton.yaml")
	if err := os.WriteFile(cfg, []byte("functions:\n  charge:\n    command: [./charge.sh]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	def := write(t, "def.json", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:charge","End":true}}}`)
	r := cli(t, "run", def, "--config", cfg, "--input", `{"id":7}`)
	if r.code != 0 || r.stdout != `{"charged":true}`+"\n" {
		t.Fatalf("%+v", r)
	}
	// stderr comes as it is written; stdout's log lines once the result is known.
	if want := "[charge] card ok\n[charge] charging {\"id\":7}\n"; r.stderr != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", r.stderr, want)
	}
}

// TestRunOtherFunctions: otherFunctions sends every function baton.yaml
// does not name to one Lambda-API endpoint, by its own name.
func TestRunOtherFunctions(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("reading the invocation: %v", err)
		}
		if r.URL.Path != "/2015-03-31/functions/resize-image/invocations" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		if _, err := fmt.Fprintf(w, `{"resized":%s}`, body); err != nil {
			t.Errorf("answering: %v", err)
		}
	}))
	defer srv.Close()
	cfg := write(t, "baton.yaml", "otherFunctions:\n  lambda: "+srv.URL+"\n")
	def := write(t, "def.json", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"resize-image","Payload.$":"$"},"OutputPath":"$.Payload","End":true}}}`)
	if r := cli(t, "run", def, "--config", cfg, "--input", `{"w":10}`); r.code != 0 || r.stdout != `{"resized":{"w":10}}`+"\n" {
		t.Errorf("%+v", r)
	}
}

// TestServeFunctionLogs: baton serve writes what a function run as a
// command logs into its own log, a record per line naming the function.
func TestServeFunctionLogs(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("the function is a shell script")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "fn.sh"), []byte("#!/bin/sh\ncat >/dev/null\necho 'warming up' >&2\necho 'almost there'\necho '{\"ok\":true}'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "baton.yaml")
	if err := os.WriteFile(cfg, []byte("functions:\n  work: {command: [./fn.sh]}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := startServerAt(t, t.TempDir(), "--config", cfg)
	c := s.client()
	sm := createMachine(t, c, "logs", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:work","End":true}}}`)
	if out := startAndWait(t, c, sm, `{}`); aws.ToString(out.Output) != `{"ok":true}` {
		t.Fatalf("%s %s", out.Status, aws.ToString(out.Cause))
	}
	// The log reaches the test through a pipe: wait for its lines.
	timeout := time.After(time.Minute)
	for _, want := range []string{`msg="function output" function=work`, `stream=stderr line="warming up"`, `stream=stdout line="almost there"`} {
		for !strings.Contains(s.logs.String(), want) {
			select {
			case <-s.logs.wrote:
			case <-timeout:
				t.Fatalf("the server's log has no %q:\n%s", want, s.logs)
			}
		}
	}
}
