package main

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/baton-sh/baton/value"
)

// checkInput refuses an execution input that is not JSON, saying where it
// goes wrong and, when the text looks like what a shell leaves of JSON
// written without quotes around it ({name: x} for {"name": "x"}), how to
// quote it. flag is --input as given, in.
func checkInput(flag string, in []byte) error {
	_, err := value.Parse(in)
	if err == nil {
		return nil
	}
	where, fromFile := "the input", false
	if name, ok := strings.CutPrefix(flag, "@"); ok {
		where, fromFile = name, true
	} else if string(in) != flag { // readInput took a plain path for a file
		where, fromFile = flag, true
	}
	var se *value.SyntaxError
	if !errors.As(err, &se) {
		return usageError("run: %s is not valid JSON: %v", where, err)
	}
	line, col := value.LineColumn(in, se.Offset)
	msg := fmt.Sprintf("run: %s is not valid JSON: line %d, column %d: %s\n%s", where, line, col, se.Msg, caret(in, se.Offset))
	switch {
	case fromFile:
	case quotesEaten(in):
		msg += "\nhint: the shell may have removed the quotes. Put the whole input in single quotes: --input '{\"name\": \"x\"}', or read it from a file: --input @input.json"
	case looksLikePath(flag):
		msg += "\nhint: to read the input from a file, write --input @" + flag
	}
	return usageError("%s", msg)
}

// caret shows the line of text where offset is, with a '^' under it.
func caret(text []byte, offset int) string {
	offset = min(max(offset, 0), len(text))
	start := strings.LastIndexByte(string(text[:offset]), '\n') + 1
	end := len(text)
	if i := strings.IndexByte(string(text[offset:]), '\n'); i >= 0 {
		end = offset + i
	}
	lineText := string(text[start:end])
	_, col := value.LineColumn(text, offset)
	if len(lineText) > 200 { // a long one-line document: the part around the problem
		from := max(0, col-100)
		r := []rune(lineText)
		lineText = string(r[from:min(len(r), from+200)])
		col -= from
	}
	return "  " + lineText + "\n  " + strings.Repeat(" ", col-1) + "^"
}

// bareWord is a member name or value left without its quotes.
var bareWord = regexp.MustCompile(`[{,\[]\s*[A-Za-z_][\w-]*\s*[:,\]}]`)

// quotesEaten reports whether text looks like JSON whose double quotes a
// shell removed: an object or array with bare words and no quotes at all.
func quotesEaten(text []byte) bool {
	s := strings.TrimSpace(string(text))
	if s == "" || (s[0] != '{' && s[0] != '[') || strings.ContainsRune(s, '"') {
		return false
	}
	for _, m := range bareWord.FindAllString(s, -1) {
		word := strings.Trim(m, "{,[]}: \t\n")
		if word != "true" && word != "false" && word != "null" {
			return true
		}
	}
	return false
}

// looksLikePath reports whether --input's text is more likely a file's
// name (that does not exist) than JSON.
func looksLikePath(s string) bool {
	s = strings.TrimSpace(s)
	return s != "" && !strings.ContainsAny(s[:1], "{[\"-0123456789") && !strings.ContainsAny(s, " \t\n{}") &&
		(strings.Contains(s, "/") || strings.HasSuffix(s, ".json"))
}
