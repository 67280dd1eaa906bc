package main

import (
	"context"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	collector "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"
)

// otlpReceiver is an OTLP/HTTP trace receiver: it keeps the spans sent.
type otlpReceiver struct {
	mu    sync.Mutex
	spans map[string]spanSeen // by span id
}

type spanSeen struct {
	name, trace, parent string
}

func (r *otlpReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	var msg collector.ExportTraceServiceRequest
	if err != nil || req.URL.Path != "/v1/traces" || proto.Unmarshal(body, &msg) != nil {
		http.Error(w, "not a trace export", http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, rs := range msg.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			for _, s := range ss.Spans {
				r.spans[hex.EncodeToString(s.SpanId)] = spanSeen{s.Name, hex.EncodeToString(s.TraceId), hex.EncodeToString(s.ParentSpanId)}
			}
		}
	}
	out, err := proto.Marshal(&collector.ExportTraceServiceResponse{})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.Write(out) //nolint:errcheck // the exporter went away
}

func (r *otlpReceiver) byName() map[string]spanSeen {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]spanSeen{}
	for id, s := range r.spans {
		out[s.name] = spanSeen{s.name, s.trace, s.parent}
		out["id:"+s.name] = spanSeen{name: id}
	}
	return out
}

// With --tracing all, executions are exported to the OTLP endpoint the
// standard environment variables name, and one started from inside a
// trace (its request's traceparent) joins it.
func TestServeTracing(t *testing.T) {
	rcv := &otlpReceiver{spans: map[string]spanSeen{}}
	otlp := httptest.NewServer(rcv)
	defer otlp.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", otlp.URL)
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "50")
	// A function at an HTTP endpoint, to see what a task's call carries.
	var mu sync.Mutex
	var got string
	fn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = r.Header.Get("traceparent")
		mu.Unlock()
		w.Write([]byte(`{"ok":true}`)) //nolint:errcheck // the caller went away
	}))
	defer fn.Close()
	conf := filepath.Join(t.TempDir(), "baton.yaml")
	if err := os.WriteFile(conf, []byte("functions:\n  echo:\n    url: "+fn.URL+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startServerAt(t, t.TempDir(), "--tracing", "all", "--config", conf)
	c := s.client()
	sm := createMachine(t, c, "traced", `{"StartAt":"One","States":{"One":{"Type":"Pass","Next":"Two"},
		"Two":{"Type":"Task","Resource":"arn:aws:lambda:eu-west-3:123456789012:function:echo","End":true}}}`)
	parent := "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	withParent := func(o *sfn.Options) {
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			return st.Build.Add(middleware.BuildMiddlewareFunc("traceparent", func(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
				if req, ok := in.Request.(*smithyhttp.Request); ok {
					req.Header.Set("traceparent", parent)
				}
				return next.HandleBuild(ctx, in)
			}), middleware.After)
		})
	}
	out, err := c.StartExecution(context.Background(), &sfn.StartExecutionInput{StateMachineArn: aws.String(sm)}, withParent)
	if err != nil {
		t.Fatal(err)
	}
	waitDone(t, c, aws.ToString(out.ExecutionArn))
	poll(t, "the spans", time.Minute, func() (bool, error) {
		seen := rcv.byName()
		return seen["traced"].name != "" && seen["One"].name != "" && seen["Two"].name != "" && seen["Task arn:aws:lambda:eu-west-3:123456789012:function:echo"].name != "", nil
	})
	seen := rcv.byName()
	root := seen["traced"]
	if root.trace != "4bf92f3577b34da6a3ce929d0e0e4736" || root.parent != "00f067aa0ba902b7" {
		t.Errorf("the execution's span is not in its caller's trace: %+v", root)
	}
	for _, state := range []string{"One", "Two"} {
		if s := seen[state]; s.trace != root.trace || s.parent != seen["id:traced"].name {
			t.Errorf("state %s: %+v (root %s)", state, s, seen["id:traced"].name)
		}
	}
	// An Express execution joins its caller's trace too, with its states.
	xsm, err := c.CreateStateMachine(context.Background(), &sfn.CreateStateMachineInput{Name: aws.String("quick"), Type: "EXPRESS",
		RoleArn: aws.String(role), Definition: aws.String(`{"StartAt":"Only","States":{"Only":{"Type":"Pass","End":true}}}`)})
	if err != nil {
		t.Fatal(err)
	}
	xparent := "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
	if _, err := c.StartExecution(context.Background(), &sfn.StartExecutionInput{StateMachineArn: xsm.StateMachineArn, TraceHeader: aws.String(xparent)}); err != nil {
		t.Fatal(err)
	}
	poll(t, "the Express execution's spans", time.Minute, func() (bool, error) {
		seen := rcv.byName()
		return seen["quick"].name != "" && seen["Only"].name != "", nil
	})
	seen = rcv.byName()
	if q := seen["quick"]; q.trace != "5759e988bd862e3fe1be46a994272793" || q.parent != "53995c3f42cd8ad8" || seen["Only"].parent != seen["id:quick"].name {
		t.Errorf("the Express execution's trace: %+v, its state %+v", q, seen["Only"])
	}
	// The function was called inside the task's span.
	task := "Task arn:aws:lambda:eu-west-3:123456789012:function:echo"
	if s := seen[task]; s.parent != seen["id:Two"].name {
		t.Errorf("the task's span %+v is not the state's child", s)
	}
	mu.Lock()
	defer mu.Unlock()
	if want := "00-" + root.trace + "-" + seen["id:"+task].name + "-01"; got != want {
		t.Errorf("the function got traceparent %q, want %q", got, want)
	}
}
