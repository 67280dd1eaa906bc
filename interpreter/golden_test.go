package interpreter_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/baton-sh/baton/failure"
	"github.com/baton-sh/baton/history"
	"github.com/baton-sh/baton/interpreter"
	"github.com/baton-sh/baton/value"
)

var update = flag.Bool("update", false, "rewrite the golden history files")

// TestGoldenHistories runs each testdata/golden/NAME.asl.json on
// NAME.input.json and compares the whole history, in GetExecutionHistory's
// shape, with NAME.history.json. The task handler fails with the error names
// listed in the input's "fail" array, one per call, then echoes its input.
func TestGoldenHistories(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/golden/*.asl.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no golden definitions")
	}
	for _, file := range files {
		base := strings.TrimSuffix(file, ".asl.json")
		t.Run(filepath.Base(base), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			inText, err := os.ReadFile(base + ".input.json")
			if err != nil {
				t.Fatal(err)
			}
			in := value.MustParse(string(inText))
			var fails []any
			if o, ok := in.(*value.Object); ok {
				if f, ok := o.Get("fail"); ok {
					fails, _ = f.([]any)
				}
			}
			h := newHarnessOf(t, compile(t, string(data)), interpreter.Config{
				StateMachineName: "Golden", StateMachineARN: "arn:aws:states:us-east-1:123456789012:stateMachine:Golden",
				ExecutionName: "golden", RoleARN: "arn:aws:iam::123456789012:role/baton", Region: "us-east-1",
			}, byResource(t, map[string]handler{"arn:aws:states:::lambda:invoke": func(req *interpreter.TaskRequest) answer {
				if len(fails) > 0 {
					name, _ := fails[0].(string)
					fails = fails[1:]
					return answer{fail: failure.New(name, "failed on purpose")}
				}
				return answer{out: req.Input}
			}}))
			h.startWith(in)
			ex := h.ex
			got := value.AppendIndent(nil, value.MustParse(string(history.AppendJSONArray(nil, ex.Events, true))), "")
			got = append(got, '\n')
			golden := base + ".history.json"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
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
