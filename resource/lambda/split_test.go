package lambda

import (
	"strings"
	"testing"
)

// TestSplitOutput: a command's result is what it prints last on stdout;
// what it prints before is log output.
func TestSplitOutput(t *testing.T) {
	t.Parallel()
	pretty := "{\n  \"a\": [\n    1,\n    {\"b\": 2}\n  ]\n}"
	tests := []struct {
		name, out, logs, result string
	}{
		{"only a result", `{"ok":true}`, "", `{"ok":true}`},
		{"only a result, indented", pretty + "\n", "", pretty},
		{"only text", "hello\n", "", "hello"},
		{"nothing", "", "", ""},
		{"nothing but blank lines", "\n \n", "", ""},
		{"a log line, then the result", "loading\n{\"ok\":true}\n", "loading\n", `{"ok":true}`},
		{"log lines, then an indented result", "loading\n[INFO] ready\n" + pretty + "\n", "loading\n[INFO] ready\n", pretty},
		{"JSON log lines, then the result", "{\"level\":\"info\",\"msg\":\"go\"}\n{\"level\":\"info\"}\n[1,2]", "{\"level\":\"info\",\"msg\":\"go\"}\n{\"level\":\"info\"}\n", "[1,2]"},
		{"a number after blank lines", "log\n\n42\n\n", "log\n\n", "42"},
		{"a string result", "log\n\"done\"", "log\n", `"done"`},
		{"Windows line ends", "log\r\n{\"a\":1}\r\n", "log\r\n", `{"a":1}`},
		{"an indented array after a log line that starts like one", "[1, 2, oops\n[\n  1,\n  2\n]", "[1, 2, oops\n", "[\n  1,\n  2\n]"},
		{"text lines: the last is the result", "one\ntwo\nthree", "one\ntwo\n", "three"},
		{"an unindented array over lines", "log\n[\n1,\n2\n]", "log\n", "[\n1,\n2\n]"},
		{"an indented result whose lines look like values", "log\n{\n  \"a\": 1,\n  \"b\": [\n    {\"c\": true}\n  ]\n}", "log\n", "{\n  \"a\": 1,\n  \"b\": [\n    {\"c\": true}\n  ]\n}"},
		{"an error document after logs", "charging\n{\"errorType\":\"CardDeclined\",\"errorMessage\":\"no\"}", "charging\n", `{"errorType":"CardDeclined","errorMessage":"no"}`},
	}
	for _, tt := range tests {
		logs, result := splitOutput([]byte(tt.out))
		if string(logs) != tt.logs || string(result) != tt.result {
			t.Errorf("%s: logs %q, result %q; want %q, %q", tt.name, logs, result, tt.logs, tt.result)
		}
	}
}

// TestSplitOutputBounded: output built to make every line a possible
// start of the result is split after a bounded number of tries.
func TestSplitOutputBounded(t *testing.T) {
	t.Parallel()
	out := strings.Repeat("[\n", 1_000_000) + "x"
	logs, result := splitOutput([]byte(out))
	if string(result) != "x" || len(logs) != len(out)-1 {
		t.Errorf("result %q after %d bytes of logs", result, len(logs))
	}
}
