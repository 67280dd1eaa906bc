package eventpattern

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/baton-sh/baton/internal/golden"
)

// TestInvalid parses each pattern of testdata/invalid.txt and compares
// the errors, as a user reads them, with testdata/invalid.golden.
func TestInvalid(t *testing.T) {
	var out bytes.Buffer
	for _, line := range golden.Cases(t, "testdata/invalid.txt") {
		_, err := Parse([]byte(line))
		var pe *Error
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%s) = %v, want an *Error", line, err)
			continue
		}
		if pe.Code() != "InvalidEventPatternException" {
			t.Errorf("Parse(%s): code %s", line, pe.Code())
		}
		out.WriteString(line + "\n  " + err.Error() + "\n")
	}
	golden.Check(t, "testdata/invalid.golden", out.Bytes())
}

func TestTooLong(t *testing.T) {
	long := `{"a": ["` + strings.Repeat("x", MaxPatternLength) + `"]}`
	_, err := Parse([]byte(long))
	var pe *Error
	if !errors.As(err, &pe) || !strings.Contains(pe.Reason, "limit is 4096") {
		t.Errorf("Parse of %d characters = %v, want the length refused", len(long), err)
	}
}
