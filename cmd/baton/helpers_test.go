package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Helpers of the tests that run `baton serve` and talk to it with the AWS
// SDK.

// server is a running `baton serve` process.
type server struct {
	cmd  *exec.Cmd
	url  string
	dir  string
	addr string
	logs *syncBuffer   // the server's standard error
	done chan struct{} // closed once the process has exited and been waited for
	err  error         // what Wait returned; read it after done
}

// syncBuffer is a buffer that a process's output is copied into while a
// test reads it.
type syncBuffer struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	wrote chan struct{} // something was written since the last look
}

func newSyncBuffer() *syncBuffer { return &syncBuffer{wrote: make(chan struct{}, 1)} }

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, err := b.buf.Write(p)
	select {
	case b.wrote <- struct{}{}:
	default: // a wake-up is pending already
	}
	return n, err
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// freeAddr is an address nothing listens on, for a process that cannot
// tell which port it took. Another process may take it first: baton serve
// is started on port 0 instead and says where it listens.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// startServer runs the binary on a data folder (a new one when dir is "").
func startServer(t *testing.T, dir string) *server {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	return startServerAt(t, dir)
}

// startServerAt runs `baton serve` on a data folder and a port of its
// choosing, and waits until it listens: it logs its address then. The
// process is killed when the test ends, if it still runs.
func startServerAt(t testing.TB, dir string, extra ...string) *server {
	t.Helper()
	s := launch(t, dir, extra...)
	// A server listens once its data is open (it recovers executions
	// meanwhile); one that fails to start exits at once.
	timeout := time.After(2 * time.Minute)
	for {
		if url, ok := servingURL(s.logs.String()); ok {
			s.url, s.addr = url, strings.TrimPrefix(strings.TrimPrefix(url, "http://"), "https://")
			return s
		}
		select {
		case <-s.logs.wrote:
		case <-s.done:
			t.Fatalf("the server exited before it listened (%v): %s", s.err, s.logs)
		case <-timeout:
			t.Fatalf("the server did not listen within 2 minutes: %s", s.logs)
		}
	}
}

// servingURL reads the server's address from its log line
// `msg="serving the Step Functions API" url=http://127.0.0.1:PORT`.
func servingURL(logs string) (string, bool) {
	_, rest, ok := strings.Cut(logs, `msg="serving the Step Functions API" url=`)
	if !ok {
		// --log-format json: {"msg":"serving the Step Functions API","url":"..."}
		if _, rest, ok = strings.Cut(logs, `"msg":"serving the Step Functions API","url":"`); !ok {
			return "", false
		}
		url, _, ok := strings.Cut(rest, `"`)
		return url, ok
	}
	url, _, ok := strings.Cut(rest, " ")
	return url, ok && (strings.HasPrefix(url, "http://") || strings.HasPrefix(url, "https://"))
}

// launch starts `baton serve` on port 0 without waiting for it to listen.
func launch(t testing.TB, dir string, extra ...string) *server {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"serve", "--addr", "127.0.0.1:0", "--data", dir}, extra...)...)
	s := &server{cmd: cmd, dir: dir, logs: newSyncBuffer(), done: make(chan struct{})}
	cmd.Stderr = s.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		s.err = cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() { s.kill(t) })
	return s
}

// exited waits for the process to end by itself and returns Wait's error.
func (s *server) exited(t testing.TB, within time.Duration) error {
	t.Helper()
	select {
	case <-s.done:
		return s.err
	case <-time.After(within):
		t.Fatalf("the server on %s still runs after %v: %s", s.dir, within, s.logs)
		return nil
	}
}

// stop ends the server with SIGTERM, as a user would, and expects a clean
// exit.
func (s *server) stop(t testing.TB) {
	t.Helper()
	select {
	case <-s.done:
		return // stopped already
	default:
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Fatal(err)
	}
	select {
	case <-s.done:
		if s.err != nil {
			t.Errorf("the server exited with %v after SIGTERM: %s", s.err, s.logs)
		}
	case <-time.After(15 * time.Second):
		t.Errorf("the server did not stop within 15s of SIGTERM: %s", s.logs)
		s.kill(t)
	}
}

// kill ends the server with SIGKILL, as a crash would, and waits until it
// is gone (its sockets closed, its files released).
func (s *server) kill(t testing.TB) {
	t.Helper()
	select {
	case <-s.done:
		return
	default:
	}
	if err := s.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Error(err)
	}
	<-s.done
}

// client is an AWS SDK client of the server. It does not retry: a test
// sees every refusal and every failed call as it happened.
func (s *server) client() *sfn.Client {
	return sfn.New(sfn.Options{
		Region:           "eu-west-3",
		BaseEndpoint:     aws.String(s.url),
		Credentials:      credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		HTTPClient:       wholeRequests{awshttp.NewBuildableClient()},
		RetryMaxAttempts: 1,
	})
}

// wholeRequests hands net/http each request with its body in memory.
//
// The SDK gives net/http a body that it closes as soon as Do returns, and
// net/http, having sent Content-Length bytes of a body it cannot see the
// end of, reads it once more for extra bytes after sending them. A server
// that answers at once (Baton on loopback) races that last read: Do
// returns, the SDK closes the body, the last read fails with io.EOF,
// net/http takes it for a failed write and closes the connection while
// the response's body is being read. Responses larger than the client's
// read buffer (a history) then fail with "use of closed network
// connection" (aws/aws-sdk-go-v2#2737; the SDK's retryer retries this
// error, so only a client that does not retry sees it). A body in memory
// goes out with the headers in one write, before the server can answer.
type wholeRequests struct{ client aws.HTTPClient }

func (w wholeRequests) Do(r *http.Request) (*http.Response, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return w.client.Do(r)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	r = r.Clone(r.Context())
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	r.ContentLength = int64(len(body))
	return w.client.Do(r)
}

const role = "arn:aws:iam::123456789012:role/baton"

func apiCode(err error) string {
	var ae interface{ ErrorCode() string }
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	if err == nil {
		return ""
	}
	return "not an API error: " + err.Error()
}

func wantCode(t testing.TB, err error, code string) {
	t.Helper()
	if got := apiCode(err); got != code {
		t.Errorf("error %v, want %s", err, code)
	}
}

// waitDone waits until an execution is no longer RUNNING, asking the
// server every 20 ms for 20 seconds.
func waitDone(t testing.TB, c *sfn.Client, arn string) *sfn.DescribeExecutionOutput {
	t.Helper()
	var out *sfn.DescribeExecutionOutput
	poll(t, arn+" to end", 20*time.Second, func() (bool, error) {
		var err error
		out, err = c.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
		return err == nil && out.Status != types.ExecutionStatusRunning, err
	})
	return out
}

// withoutHostPrefix stops the SDK from sending StartSyncExecution and
// TestState to "sync-" + host, which a local endpoint does not serve.
func withoutHostPrefix(o *sfn.Options) {
	o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("DisableHostPrefix",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				return next.HandleInitialize(smithyhttp.DisableEndpointHostPrefix(ctx, true), in)
			}), middleware.Before)
	})
}

func createMachine(t testing.TB, c *sfn.Client, name, def string) string {
	t.Helper()
	out, err := c.CreateStateMachine(context.Background(), &sfn.CreateStateMachineInput{Name: aws.String(name), RoleArn: aws.String(role), Definition: aws.String(def)})
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	return aws.ToString(out.StateMachineArn)
}

func startAndWait(t testing.TB, c *sfn.Client, sm, input string) *sfn.DescribeExecutionOutput {
	t.Helper()
	out, err := c.StartExecution(context.Background(), &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(input)})
	if err != nil {
		t.Fatal(err)
	}
	return waitDone(t, c, aws.ToString(out.ExecutionArn))
}

// waitStatus waits until an execution exists and has a status; it
// does not exist yet while its parent starts it.
func waitStatus(t testing.TB, c *sfn.Client, arn string, want types.ExecutionStatus) *sfn.DescribeExecutionOutput {
	t.Helper()
	var out *sfn.DescribeExecutionOutput
	poll(t, fmt.Sprintf("%s to be %s", arn, want), 20*time.Second, func() (bool, error) {
		var err error
		out, err = c.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
		if apiCode(err) == "ExecutionDoesNotExist" {
			return false, nil
		}
		return err == nil && out.Status == want, err
	})
	return out
}

// poll asks cond every 20 ms until it holds, for at most within. It is
// for what happens in the server process, which the test can only ask
// about: an error from cond ends the test at once, and so does the end of
// the time, naming what was waited for.
func poll(t testing.TB, what string, within time.Duration, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		ok, err := cond()
		if err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// must returns a call's result, or ends the test with its error:
//
//	out := must(c.DescribeExecution(ctx, in))(t)
func must[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// check ends the test if err is not nil.
func check(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// historyOf is an execution's whole history, every page of it.
func historyOf(t testing.TB, c *sfn.Client, arn *string) []types.HistoryEvent {
	t.Helper()
	var events []types.HistoryEvent
	p := sfn.NewGetExecutionHistoryPaginator(c, &sfn.GetExecutionHistoryInput{ExecutionArn: arn})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("history of %s: %v", aws.ToString(arn), err)
		}
		events = append(events, page.Events...)
	}
	return events
}

// eventTypes is the types of events, joined with commas.
func eventTypes(events []types.HistoryEvent) string {
	names := make([]string, len(events))
	for i, e := range events {
		names[i] = string(e.Type)
	}
	return strings.Join(names, ",")
}
