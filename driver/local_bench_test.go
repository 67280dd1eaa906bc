package driver_test

import (
	"context"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"

	"github.com/baton-sh/baton/definition"
	"github.com/baton-sh/baton/driver"
	"github.com/baton-sh/baton/interpreter"
	"github.com/baton-sh/baton/machine"
	"github.com/baton-sh/baton/resource"
	"github.com/baton-sh/baton/value"
)

func BenchmarkLocalHello(b *testing.B) {
	data, err := os.ReadFile("../interpreter/testdata/bench/hello.json")
	if err != nil {
		b.Fatal(err)
	}
	def, _ := definition.Load(data, definition.Options{})
	m, _ := machine.Compile(def)
	in := value.MustParse(`{"name":"hello"}`)
	d := &driver.Local{Resources: resource.NewRegistry()}
	src := rand.NewPCG(1, 2)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		name := strconv.Itoa(i)
		ex := d.Run(context.Background(), m, interpreter.Config{StateMachineARN: "arn:aws:states:us-east-1:123456789012:stateMachine:bench", ExecutionName: name, Random: src}, in)
		if ex.Status != interpreter.Succeeded {
			b.Fatal(ex.Failure)
		}
		ex.Release()
	}
}
