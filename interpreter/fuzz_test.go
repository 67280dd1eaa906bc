package interpreter_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/baton-sh/baton/definition"
	"github.com/baton-sh/baton/interpreter"
	"github.com/baton-sh/baton/machine"
	"github.com/baton-sh/baton/value"
)

// fuzzSeeds are the definitions the fuzz targets start from.
var fuzzSeeds = []string{"testdata/golden/*.asl.json", "testdata/bench/hello.json", "testdata/bench/parallel10.json", "testdata/bench/*-jsonata.json", "../definition/testdata/valid/jsonata.json"}

// seedFiles reads the files of the fuzz seeds.
func seedFiles(f *testing.F) [][]byte {
	var out [][]byte
	for _, pattern := range fuzzSeeds {
		files, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			out = append(out, data)
		}
	}
	return out
}

// fuzzMachine compiles what the fuzzer made, or reports that it is not a
// valid definition.
func fuzzMachine(def []byte) (*machine.Machine, bool) {
	doc, diags := definition.Load(def, definition.Options{})
	if diags.HasErrors() {
		return nil, false
	}
	m, err := machine.Compile(doc)
	if err != nil {
		return nil, false
	}
	return m, true
}

// FuzzRun runs whatever valid definition the fuzzer finds on a fixed input:
// an execution must end (any status) without a panic, and so must its
// redrive when it did not succeed.
func FuzzRun(f *testing.F) {
	for _, data := range seedFiles(f) {
		f.Add(data, []byte(`{"items":[1,2,3],"a":{"b":[true,null,"x"]}}`))
	}
	f.Fuzz(func(t *testing.T, def, input []byte) {
		m, ok := fuzzMachine(def)
		if !ok {
			return
		}
		in, err := value.Parse(input)
		if err != nil {
			in = value.Empty
		}
		h := newHarnessOf(t, m, interpreter.Config{MaxEvents: 2000}, echo)
		h.now = time.Unix(0, 0)
		h.startWith(in)
		if !h.ex.Done() {
			t.Fatalf("the execution did not end")
		}
		if h.ex.Redrivable() {
			h.now = time.Unix(3600, 0)
			h.redrive()
			if !h.ex.Done() {
				t.Fatalf("the redriven execution did not end")
			}
		}
	})
}
