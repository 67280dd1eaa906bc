package httptask_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/baton-sh/baton/definition"
	"github.com/baton-sh/baton/driver"
	"github.com/baton-sh/baton/interpreter"
	"github.com/baton-sh/baton/machine"
	"github.com/baton-sh/baton/resource"
	"github.com/baton-sh/baton/resource/httptask"
	"github.com/baton-sh/baton/value"
)

// The overhead of an HTTP Task: the same GET made directly, then as the
// only Task of an execution.
//
//	go test -run '^$' -bench . ./resource/httptask/
func BenchmarkHTTPTask(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		reply(b, w, `{"id":7,"status":"shipped"}`)
	}))
	defer srv.Close()
	b.Run("direct", func(b *testing.B) {
		client := &http.Client{}
		for b.Loop() {
			resp, err := client.Get(srv.URL + "/orders/7?expand=lines")
			if err != nil {
				b.Fatal(err)
			}
			_, err = io.Copy(io.Discard, resp.Body)
			if cerr := resp.Body.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("baton", func(b *testing.B) {
		def := `{"StartAt":"Call","States":{"Call":{"Type":"Task","Resource":"arn:aws:states:::http:invoke",
			"Parameters":{"ApiEndpoint":"` + srv.URL + `/orders/7","Method":"GET","QueryParameters":{"expand":"lines"}},"End":true}}}`
		doc, diags := definition.Load([]byte(def), definition.Options{})
		if diags.HasErrors() {
			b.Fatal(diags.Message())
		}
		m, err := machine.Compile(doc)
		if err != nil {
			b.Fatal(err)
		}
		reg := resource.NewRegistry()
		httptask.New(nil).Register(reg)
		d := driver.Local{Resources: reg}
		cfg := interpreter.Config{StateMachineARN: "arn:aws:states:us-east-1:123456789012:stateMachine:m", ExecutionName: "e", NoHistory: true}
		in := value.MustParse(`{}`)
		b.ResetTimer()
		for b.Loop() {
			ex := d.Run(context.Background(), m, cfg, in)
			if ex.Status != interpreter.Succeeded {
				b.Fatalf("%v %v", ex.Status, ex.Failure)
			}
			ex.Release()
		}
	})
}
