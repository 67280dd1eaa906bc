package eventpattern

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/baton-sh/baton/internal/golden"
)

// TestInvalid parses each pattern of testdata/invalid.txt and compares
// the errors, as a user reads them, with testdata/invalid.golden.
func TestInvalid(t *testing.T) {
	in, err := os.ReadFile("testdata/invalid.txt")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(in))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
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
	if err := sc.Err(); err != nil {
		t.Fatal(err)
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
