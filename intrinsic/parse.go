// Package intrinsic parses and evaluates the intrinsic functions of the
// Amazon States Language (States.Format, States.Array, States.MathAdd, ...).
//
// A call is parsed once, when a definition is compiled, into a Call that is
// evaluated at every step. Evaluation reads documents and randomness only
// through the Env it is given, so it stays pure.
package intrinsic

import (
	"fmt"
	"slices"
	"strings"

	"github.com/baton-sh/baton/jsonpath"
	"github.com/baton-sh/baton/value"
)

// Call is a parsed intrinsic function call.
type Call struct {
	Name string // e.g. "States.Format"
	Args []Arg
	fn   *function
}

// Arg is one argument: a literal, a path or a nested call.
type Arg struct {
	Literal any // when Path and Call are nil: a string, Number, bool or nil
	Raw     string
	Path    *jsonpath.Path
	Call    *Call
}

// Error is a syntax error in a call.
type Error struct {
	Text   string
	Offset int
	Msg    string
}

func (e *Error) Error() string {
	return fmt.Sprintf("invalid intrinsic function %q at offset %d: %s", e.Text, e.Offset, e.Msg)
}

// MaxNesting is how deeply calls may nest, as AWS allows.
const MaxNesting = 10

// IsCall reports whether s looks like an intrinsic call rather than a path.
func IsCall(s string) bool { return strings.HasPrefix(s, "States.") }

// Names are the names of the intrinsic functions, sorted.
func Names() []string {
	names := make([]string, 0, len(functions))
	for name := range functions {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// Parse parses one call such as "States.Format('{}', $.name)".
func Parse(text string) (*Call, error) {
	p := &parser{s: text}
	c, err := p.call(0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i != len(p.s) {
		return nil, p.errorf("unexpected text after the call")
	}
	return c, nil
}

// Paths calls f for every path the call reads, nested calls included.
func (c *Call) Paths(f func(*jsonpath.Path)) {
	for _, a := range c.Args {
		switch {
		case a.Path != nil:
			f(a.Path)
		case a.Call != nil:
			a.Call.Paths(f)
		}
	}
}

type parser struct {
	s string
	i int
}

func (p *parser) errorf(format string, args ...any) error {
	return &Error{Text: p.s, Offset: p.i, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

func (p *parser) call(depth int) (*Call, error) {
	if depth >= MaxNesting {
		return nil, p.errorf("intrinsic functions nest more than %d deep", MaxNesting)
	}
	start := p.i
	for p.i < len(p.s) && (isWord(p.s[p.i]) || p.s[p.i] == '.') {
		p.i++
	}
	name := p.s[start:p.i]
	fn, ok := functions[name]
	if !ok {
		p.i = start
		if name == "" {
			return nil, p.errorf("expected a function name")
		}
		return nil, p.errorf("unknown function %q", name)
	}
	p.space()
	if p.i >= len(p.s) || p.s[p.i] != '(' {
		return nil, p.errorf("expected '(' after %s", name)
	}
	p.i++
	c := &Call{Name: name, fn: fn}
	p.space()
	if p.i < len(p.s) && p.s[p.i] == ')' {
		p.i++
		return c, nil
	}
	for {
		p.space()
		a, err := p.arg(depth)
		if err != nil {
			return nil, err
		}
		c.Args = append(c.Args, a)
		p.space()
		if p.i >= len(p.s) {
			return nil, p.errorf("expected ')' to close %s", name)
		}
		if p.s[p.i] == ',' {
			p.i++
			continue
		}
		if p.s[p.i] == ')' {
			p.i++
			return c, nil
		}
		return nil, p.errorf("expected ',' or ')' in the arguments of %s", name)
	}
}

func isWord(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

func (p *parser) arg(depth int) (Arg, error) {
	if p.i >= len(p.s) {
		return Arg{}, p.errorf("expected an argument")
	}
	c := p.s[p.i]
	switch {
	case c == '\'':
		raw, s, err := p.stringLiteral()
		if err != nil {
			return Arg{}, err
		}
		return Arg{Literal: s, Raw: raw}, nil
	case c == '$':
		start := p.i
		end, err := p.pathEnd()
		if err != nil {
			return Arg{}, err
		}
		text := strings.TrimRight(p.s[start:end], " \t")
		path, perr := jsonpath.Parse(text)
		if perr != nil {
			p.i = start
			return Arg{}, p.errorf("invalid path %q: %v", text, perr)
		}
		p.i = end
		return Arg{Path: path}, nil
	case c == '-' || (c >= '0' && c <= '9'):
		start := p.i
		p.i++
		for p.i < len(p.s) && strings.IndexByte("0123456789.eE+-", p.s[p.i]) >= 0 {
			p.i++
		}
		text := p.s[start:p.i]
		if !value.ValidNumber(text) {
			p.i = start
			return Arg{}, p.errorf("invalid number %q", text)
		}
		return Arg{Literal: value.Number(text)}, nil
	case strings.HasPrefix(p.s[p.i:], "States."):
		call, err := p.call(depth + 1)
		if err != nil {
			return Arg{}, err
		}
		return Arg{Call: call}, nil
	}
	for _, lit := range []struct {
		word string
		v    any
	}{{"true", true}, {"false", false}, {"null", nil}} {
		if strings.HasPrefix(p.s[p.i:], lit.word) && (p.i+len(lit.word) == len(p.s) || !isWord(p.s[p.i+len(lit.word)])) {
			p.i += len(lit.word)
			return Arg{Literal: lit.v, Raw: lit.word}, nil
		}
	}
	return Arg{}, p.errorf("unexpected %q in the arguments", c)
}

// stringLiteral reads '...'. The escapes \' \{ \} and \\ are the only ones
// AWS accepts. It returns the raw text between the quotes and the unescaped
// string.
func (p *parser) stringLiteral() (raw, s string, err error) {
	p.i++ // opening quote
	start := p.i
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch c {
		case '\\':
			if p.i+1 >= len(p.s) {
				return "", "", p.errorf("unterminated string")
			}
			e := p.s[p.i+1]
			if e != '\'' && e != '{' && e != '}' && e != '\\' {
				return "", "", p.errorf("invalid escape '\\%c' in a string", e)
			}
			b.WriteByte(e)
			p.i += 2
		case '\'':
			raw = p.s[start:p.i]
			p.i++
			return raw, b.String(), nil
		default:
			b.WriteByte(c)
			p.i++
		}
	}
	return "", "", p.errorf("unterminated string")
}

// pathEnd finds where a path argument ends: at the first ',' or ')' outside
// brackets, parentheses and quotes.
func (p *parser) pathEnd() (int, error) {
	depth := 0
	var quote byte
	for i := p.i; i < len(p.s); i++ {
		c := p.s[i]
		if quote != 0 {
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
			continue
		}
		switch c {
		case '\'', '"':
			quote = c
		case '[', '(':
			depth++
		case ']':
			depth--
		case ')':
			if depth == 0 {
				return i, nil
			}
			depth--
		case ',':
			if depth == 0 {
				return i, nil
			}
		}
	}
	return len(p.s), nil
}

// String prints the call back in its source form.
func (c *Call) String() string {
	var b strings.Builder
	b.WriteString(c.Name)
	b.WriteByte('(')
	for i, a := range c.Args {
		if i > 0 {
			b.WriteString(", ")
		}
		switch {
		case a.Path != nil:
			b.WriteString(a.Path.String())
		case a.Call != nil:
			b.WriteString(a.Call.String())
		default:
			if _, ok := a.Literal.(string); ok {
				b.WriteString("'" + a.Raw + "'")
			} else {
				b.WriteString(string(value.Marshal(a.Literal)))
			}
		}
	}
	b.WriteByte(')')
	return b.String()
}
