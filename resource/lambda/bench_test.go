package lambda_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"testing"

	"github.com/baton-sh/baton/config"
	"github.com/baton-sh/baton/definition"
	"github.com/baton-sh/baton/driver"
	"github.com/baton-sh/baton/interpreter"
	"github.com/baton-sh/baton/machine"
	"github.com/baton-sh/baton/resource"
	"github.com/baton-sh/baton/resource/lambda"
	"github.com/baton-sh/baton/value"
)

// The overhead of a function call through Baton: each benchmark calls the
// same target directly, then as the only Task of an execution
// (lambda:invoke), and the difference is what Baton adds per invocation.
//
//	go test -run '^$' -bench . ./resource/lambda/

var payload = []byte(`{"order":42,"lines":[{"sku":"BOOK-1","quantity":2}]}`)

func viaBaton(b *testing.B, fn *config.Function) {
	doc, diags := definition.Load([]byte(task(lambda.InvokeARN, `,"Parameters":{"FunctionName":"f","Payload.$":"$"}`)), definition.Options{})
	if diags.HasErrors() {
		b.Fatal(diags.Message())
	}
	m, err := machine.Compile(doc)
	if err != nil {
		b.Fatal(err)
	}
	reg := resource.NewRegistry()
	lambda.New(&config.Config{Functions: map[string]*config.Function{"f": fn}}).Register(reg)
	d := driver.Local{Resources: reg}
	in := value.MustParse(string(payload))
	cfg := interpreter.Config{StateMachineARN: "arn:aws:states:us-east-1:123456789012:stateMachine:m", ExecutionName: "e", NoHistory: true}
	b.ResetTimer()
	for b.Loop() {
		ex := d.Run(context.Background(), m, cfg, in)
		if ex.Status != interpreter.Succeeded {
			b.Fatalf("%v %v", ex.Status, ex.Failure)
		}
		ex.Release()
	}
}

func BenchmarkCommand(b *testing.B) {
	b.Run("direct", func(b *testing.B) {
		for b.Loop() {
			cmd := exec.Command(exe)
			cmd.Env = append(os.Environ(), "BATON_TEST_FUNCTION=echo")
			cmd.Stdin = bytes.NewReader(payload)
			if _, err := cmd.Output(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("baton", func(b *testing.B) { viaBaton(b, commandFunc("echo", 0)) })
}

func echoServer(b *testing.B) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reply(b, w, string(readBody(b, r)))
	}))
}

// drain reads a response to its end and closes it.
func drain(b *testing.B, resp *http.Response) {
	_, err := io.Copy(io.Discard, resp.Body)
	if cerr := resp.Body.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		b.Fatal(err)
	}
}

func BenchmarkHTTPEndpoint(b *testing.B) {
	srv := echoServer(b)
	defer srv.Close()
	client := &http.Client{}
	b.Run("direct", func(b *testing.B) {
		for b.Loop() {
			resp, err := client.Post(srv.URL, "application/json", bytes.NewReader(payload))
			if err != nil {
				b.Fatal(err)
			}
			drain(b, resp)
		}
	})
	b.Run("baton", func(b *testing.B) { viaBaton(b, &config.Function{URL: srv.URL}) })
}

func BenchmarkLambdaInvokeAPI(b *testing.B) {
	srv := echoServer(b)
	defer srv.Close()
	client := &http.Client{}
	url := srv.URL + "/2015-03-31/functions/f/invocations"
	b.Run("direct", func(b *testing.B) {
		for b.Loop() {
			req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(payload))
			if err != nil {
				b.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			drain(b, resp)
		}
	})
	b.Run("baton", func(b *testing.B) { viaBaton(b, &config.Function{Lambda: srv.URL, Name: "f"}) })
}
