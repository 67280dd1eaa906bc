package interpreter_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/baton-sh/baton/clock"
	"github.com/baton-sh/baton/definition"
	"github.com/baton-sh/baton/driver"
	"github.com/baton-sh/baton/history"
	"github.com/baton-sh/baton/interpreter"
	"github.com/baton-sh/baton/machine"
	"github.com/baton-sh/baton/resource"
	"github.com/baton-sh/baton/value"
)

var update = flag.Bool("update", false, "rewrite the golden history files")

// TestGoldenHistories runs each testdata/golden/NAME.asl.json on
// NAME.input.json and compares the whole history, in GetExecutionHistory's
// shape, with NAME.history.json. The task handler fails with the error names
// listed in the input's "fail" array, one per call, then echoes its input.
func TestGoldenHistories(t *testing.T) {
	files, _ := filepath.Glob("testdata/golden/*.asl.json")
	if len(files) == 0 {
		t.Fatal("no golden definitions")
	}
	for _, file := range files {
		base := strings.TrimSuffix(file, ".asl.json")
		t.Run(filepath.Base(base), func(t *testing.T) {
			data, _ := os.ReadFile(file)
			doc, diags := definition.Load(data, definition.Options{})
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			m, err := machine.Compile(doc)
			if err != nil {
				t.Fatal(err)
			}
			inText, _ := os.ReadFile(base + ".input.json")
			in := value.MustParse(string(inText))
			var fails []any
			if o, ok := in.(*value.Object); ok {
				if f, ok := o.Get("fail"); ok {
					fails, _ = f.([]any)
				}
			}
			reg := resource.NewRegistry()
			reg.Register("arn:aws:states:::lambda:invoke", resource.Func(func(_ context.Context, req *resource.Request) (any, error) {
				if len(fails) > 0 {
					name, _ := fails[0].(string)
					fails = fails[1:]
					return nil, &resource.Error{Name: name, Cause: "failed on purpose"}
				}
				return req.Input, nil
			}))
			d := &driver.Local{Resources: reg, Clock: clock.NewVirtual(epoch)}
			ex := d.Run(context.Background(), m, interpreter.Config{
				StateMachineName: "Golden", StateMachineARN: "arn:aws:states:us-east-1:123456789012:stateMachine:Golden",
				ExecutionName: "golden", RoleARN: "arn:aws:iam::123456789012:role/baton", Region: "us-east-1",
			}, in)
			got := value.AppendIndent(nil, value.MustParse(string(history.AppendJSONArray(nil, ex.Events, true))), "")
			got = append(got, '\n')
			golden := base + ".history.json"
			if *update {
				os.WriteFile(golden, got, 0o644)
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if string(got) != string(want) {
				t.Errorf("history differs from %s:\n%s", golden, got)
			}
		})
	}
}
