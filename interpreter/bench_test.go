package interpreter_test

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/baton-sh/baton/definition"
	"github.com/baton-sh/baton/interpreter"
	"github.com/baton-sh/baton/machine"
	"github.com/baton-sh/baton/value"
)

// The workloads of the peer benchmark (../shared/bench), kept here so that
// the interpreter's speed and correctness on them are checked by go test.
var workloads = []string{"hello", "chain100", "loop1000", "parallel10", "map1000", "payload", "chain100-jsonata", "map1000-jsonata"}

func loadWorkload(tb testing.TB, name string) (*machine.Machine, any, any) {
	tb.Helper()
	read := func(suffix string) []byte {
		data, err := os.ReadFile(filepath.Join("testdata", "bench", name+suffix))
		if err != nil {
			tb.Fatal(err)
		}
		return data
	}
	def, diags := definition.Load(read(".json"), definition.Options{})
	if diags.HasErrors() {
		tb.Fatal(diags)
	}
	m, err := machine.Compile(def)
	if err != nil {
		tb.Fatal(err)
	}
	return m, value.MustParse(string(read(".input.json"))), value.MustParse(string(read(".output.json")))
}

func benchConfig(src rand.Source, noHistory bool) interpreter.Config {
	return interpreter.Config{
		StateMachineName: "bench", StateMachineARN: "arn:aws:states:us-east-1:123456789012:stateMachine:bench",
		ExecutionName: "e", Region: "us-east-1", Random: src, NoHistory: noHistory,
	}
}

func TestWorkloads(t *testing.T) {
	t.Parallel()
	for _, name := range workloads {
		m, in, want := loadWorkload(t, name)
		ex := interpreter.New(m, benchConfig(rand.NewPCG(1, 1), false))
		if cmds := ex.Start(in, time.Unix(0, 0)); len(cmds) != 0 || !ex.Done() {
			t.Fatalf("%s: did not finish in one step", name)
		}
		if ex.Status != interpreter.Succeeded || !value.Equal(ex.Output, want) {
			t.Errorf("%s: %v %v", name, ex.Status, ex.Failure)
		}
	}
}

// BenchmarkWorkload measures the interpreter alone (no driver) on each
// workload, reporting state transitions per second of one core.
func BenchmarkWorkload(b *testing.B) {
	for _, name := range workloads {
		for _, hist := range []bool{true, false} {
			label := name
			if !hist {
				label += "/no-history"
			}
			b.Run(label, func(b *testing.B) {
				m, in, _ := loadWorkload(b, name)
				src := rand.NewPCG(1, 1)
				now := time.Unix(1700000000, 0)
				b.ReportAllocs()
				var states int64
				for b.Loop() {
					ex := interpreter.New(m, benchConfig(src, !hist))
					ex.Start(in, now)
					if ex.Status != interpreter.Succeeded {
						b.Fatal(ex.Failure)
					}
					states += int64(ex.StatesEntered)
				}
				b.ReportMetric(float64(states)/b.Elapsed().Seconds(), "transitions/s")
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(states), "ns/transition")
			})
		}
	}
}
