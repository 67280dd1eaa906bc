package infra

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzLoad loads any bytes as each kind of file: it must never panic nor
// run away, whatever references, aliases and variables do.
func FuzzLoad(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.y*ml")
	more, _ := filepath.Glob("testdata/*.json")
	for _, p := range append(files, more...) {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(filepath.Base(p), data)
	}
	f.Add("serverless.yml", []byte("service: s\nstepFunctions: {stateMachines: {a: {definition: ${self:stepFunctions}}}}"))
	f.Add("t.yaml", []byte("Resources: {A: {Type: AWS::StepFunctions::StateMachine, Properties: {StateMachineName: !GetAtt A.Name, Definition: {}}}}"))
	f.Add("t.yaml", []byte("a: &a [*a]"))
	f.Add("t.yaml", []byte("Conditions: {C: !And [!Condition C, !Condition C]}\nResources: {A: {Type: AWS::StepFunctions::StateMachine, Condition: C}}"))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		if len(name) > 64 {
			return
		}
		o := Options{
			ReadFile: func(string) ([]byte, error) { return nil, errors.New("no files while fuzzing") },
			Env:      func(string) (string, bool) { return "", false },
		}
		done := make(chan struct{})
		defer close(done)
		go func() {
			select {
			case <-done:
			case <-time.After(3 * time.Second):
				panic(fmt.Sprintf("Load ran for 3 s on %q", data))
			}
		}()
		file, err := LoadBytes(filepath.Join("fuzz", filepath.Base(name)), data, o)
		if err != nil {
			return
		}
		for _, m := range file.Machines {
			if m.Name == "" {
				t.Errorf("a machine without a name: %+v", m)
			}
		}
	})
}
