package interpreter_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/baton-sh/baton/clock"
	"github.com/baton-sh/baton/definition"
	"github.com/baton-sh/baton/driver"
	"github.com/baton-sh/baton/interpreter"
	"github.com/baton-sh/baton/machine"
	"github.com/baton-sh/baton/resource"
	"github.com/baton-sh/baton/value"
)

// FuzzRun runs whatever valid definition the fuzzer finds on a fixed input:
// an execution must end (any status) without a panic, and so must its
// redrive when it did not succeed.
func FuzzRun(f *testing.F) {
	for _, pattern := range []string{"testdata/golden/*.asl.json", "testdata/bench/hello.json", "testdata/bench/parallel10.json", "testdata/bench/*-jsonata.json", "../definition/testdata/valid/jsonata.json"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			data, _ := os.ReadFile(file)
			f.Add(data, []byte(`{"items":[1,2,3],"a":{"b":[true,null,"x"]}}`))
		}
	}
	reg := resource.NewRegistry()
	reg.Register("*", resource.Func(func(_ context.Context, req *resource.Request) (any, error) { return req.Input, nil }))
	f.Fuzz(func(t *testing.T, def, input []byte) {
		doc, diags := definition.Load(def, definition.Options{})
		if diags.HasErrors() {
			return
		}
		m, err := machine.Compile(doc)
		if err != nil {
			return
		}
		in, err := value.Parse(input)
		if err != nil {
			in = value.Empty
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		d := &driver.Local{Resources: reg, Clock: clock.NewVirtual(time.Unix(0, 0))}
		ex := d.Run(ctx, m, interpreter.Config{MaxEvents: 2000}, in)
		if !ex.Done() {
			t.Fatalf("the execution did not end")
		}
		if ex.Redrivable() {
			clk := clock.NewVirtual(time.Unix(3600, 0))
			d.Clock = clk
			d.Drive(ctx, ex, ex.Redrive(clk.Now()))
			if !ex.Done() {
				t.Fatalf("the redriven execution did not end")
			}
		}
	})
}
