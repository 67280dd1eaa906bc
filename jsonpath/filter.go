package jsonpath

import (
	"errors"
	"regexp"
	"strconv"
	"strings"

	"github.com/baton-sh/baton/value"
)

// expr is a filter expression inside [?( ... )].
type expr interface {
	eval(w *walker, cur any) bool
}

// operand is one side of a comparison.
type operand interface {
	get(w *walker, cur any) (any, bool)
}

type literal struct{ v any }

func (l literal) get(*walker, any) (any, bool) { return l.v, true }

type relPath struct {
	fromRoot bool
	segs     []segment
	definite bool
}

func (r relPath) get(w *walker, cur any) (any, bool) {
	start := cur
	if r.fromRoot {
		start = w.root
	}
	if r.definite {
		return getDefinite(start, r.segs)
	}
	return w.sub().collect(start, r.segs), true
}

type regexOperand struct{ re *regexp.Regexp }

func (regexOperand) get(*walker, any) (any, bool) { return nil, false }

type exists struct{ o operand }

func (e exists) eval(w *walker, cur any) bool {
	_, ok := e.o.get(w, cur)
	return ok
}

type not struct{ e expr }

func (n not) eval(w *walker, cur any) bool { return !n.e.eval(w, cur) }

type and struct{ a, b expr }

func (x and) eval(w *walker, cur any) bool { return x.a.eval(w, cur) && x.b.eval(w, cur) }

type or struct{ a, b expr }

func (x or) eval(w *walker, cur any) bool { return x.a.eval(w, cur) || x.b.eval(w, cur) }

type compare struct {
	op   string
	l, r operand
}

func (c compare) eval(w *walker, cur any) bool {
	lv, lok := c.l.get(w, cur)
	if c.op == "=~" {
		re, ok := c.r.(regexOperand)
		s, isStr := lv.(string)
		return ok && lok && isStr && re.re.MatchString(s)
	}
	rv, rok := c.r.get(w, cur)
	if !lok || !rok {
		// A missing side only satisfies "!=" (Jayway compares with its
		// undefined value).
		return c.op == "!=" && lok != rok
	}
	switch c.op {
	case "==":
		return jaywayEqual(lv, rv)
	case "!=":
		return !jaywayEqual(lv, rv)
	case "<", "<=", ">", ">=":
		cmp, ok := order(lv, rv)
		if !ok {
			return false
		}
		switch c.op {
		case "<":
			return cmp < 0
		case "<=":
			return cmp <= 0
		case ">":
			return cmp > 0
		default:
			return cmp >= 0
		}
	case "in", "nin":
		arr, ok := rv.([]any)
		if !ok {
			return false
		}
		found := false
		for _, x := range arr {
			if jaywayEqual(lv, x) {
				found = true
				break
			}
		}
		return found == (c.op == "in")
	case "subsetof", "anyof", "noneof":
		la, ok1 := lv.([]any)
		ra, ok2 := rv.([]any)
		if !ok1 || !ok2 {
			return false
		}
		contains := func(arr []any, v any) bool {
			for _, x := range arr {
				if value.Equal(x, v) {
					return true
				}
			}
			return false
		}
		switch c.op {
		case "subsetof":
			for _, x := range la {
				if !contains(ra, x) {
					return false
				}
			}
			return true
		case "anyof":
			for _, x := range la {
				if contains(ra, x) {
					return true
				}
			}
			return false
		default:
			for _, x := range la {
				if contains(ra, x) {
					return false
				}
			}
			return true
		}
	case "size":
		n, ok := rv.(value.Number)
		if !ok {
			return false
		}
		want, ok := n.Int64()
		if !ok {
			return false
		}
		switch t := lv.(type) {
		case []any:
			return int64(len(t)) == want
		case string:
			return int64(len([]rune(t))) == want
		}
		return false
	case "empty":
		b, ok := rv.(bool)
		if !ok {
			return false
		}
		isEmpty := false
		switch t := lv.(type) {
		case []any:
			isEmpty = len(t) == 0
		case string:
			isEmpty = t == ""
		default:
			return false
		}
		return isEmpty == b
	}
	return false
}

// jaywayEqual is equality in a filter. Values of one type are equal as
// value.Equal says; a number and a string compare as Jayway's value nodes
// do, by the side the string is on: a string on the left equals a number
// whose Java decimal form it spells ("10" == 10, "1E+3" == 1e3), a number
// on the left equals a string that reads as the same number (10 == '10.0').
// So a bare number in a filter matches ids kept as strings, as it did when
// Jayway read bare words as text.
func jaywayEqual(l, r any) bool {
	switch x := l.(type) {
	case string:
		if n, ok := r.(value.Number); ok {
			return x == javaDecimal(string(n))
		}
	case value.Number:
		if s, ok := r.(string); ok {
			f, ok := javaNumber(s)
			return ok && f == x.Float64()
		}
	}
	return value.Equal(l, r)
}

// javaDecimal prints a JSON number as Java's BigDecimal.toString prints it:
// the digits as written, without a leading zero or a minus on zero, in
// scientific notation when the exponent is positive or the number small.
func javaDecimal(text string) string {
	neg := strings.HasPrefix(text, "-")
	mant, exp := strings.TrimPrefix(text, "-"), 0
	if i := strings.IndexAny(mant, "eE"); i >= 0 {
		e, err := strconv.Atoi(mant[i+1:])
		if err != nil || e > 1e9 || e < -1e9 {
			return text // beyond what a filter can mean; leave it as written
		}
		mant, exp = mant[:i], e
	}
	whole, frac, _ := strings.Cut(mant, ".")
	coeff := strings.TrimLeft(whole+frac, "0")
	if coeff == "" {
		coeff, neg = "0", false
	}
	scale := len(frac) - exp
	adjusted := len(coeff) - 1 - scale
	var out string
	switch {
	case scale < 0 || adjusted < -6:
		out = coeff[:1]
		if len(coeff) > 1 {
			out += "." + coeff[1:]
		}
		out += "E"
		if adjusted >= 0 {
			out += "+"
		}
		out += strconv.Itoa(adjusted)
	case scale == 0:
		out = coeff
	case len(coeff) > scale:
		out = coeff[:len(coeff)-scale] + "." + coeff[len(coeff)-scale:]
	default:
		out = "0." + strings.Repeat("0", scale-len(coeff)) + coeff
	}
	if neg {
		out = "-" + out
	}
	return out
}

// javaNumber reads a string as Java's BigDecimal(String) does: a sign,
// digits with at most one point, an exponent; nothing else.
func javaNumber(s string) (float64, bool) {
	if !javaNumberSyntax.MatchString(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	return f, true
}

var javaNumberSyntax = regexp.MustCompile(`^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$`)

// order compares two numbers or two strings.
func order(a, b any) (int, bool) {
	switch x := a.(type) {
	case value.Number:
		y, ok := b.(value.Number)
		if !ok {
			return 0, false
		}
		fx, fy := x.Float64(), y.Float64()
		switch {
		case fx < fy:
			return -1, true
		case fx > fy:
			return 1, true
		}
		return 0, true
	case string:
		y, ok := b.(string)
		if !ok {
			return 0, false
		}
		return strings.Compare(x, y), true
	}
	return 0, false
}

// maxFilterDepth bounds the nesting of parentheses and negations in a filter.
const maxFilterDepth = 64

// ---- parsing ---------------------------------------------------------------

func (p *pathParser) filterExpr() (expr, error) {
	return p.orExpr()
}

func (p *pathParser) orExpr() (expr, error) {
	left, err := p.andExpr()
	if err != nil {
		return nil, err
	}
	for {
		p.skipSpace()
		if !strings.HasPrefix(p.s[p.i:], "||") {
			return left, nil
		}
		p.i += 2
		right, err := p.andExpr()
		if err != nil {
			return nil, err
		}
		left = or{left, right}
	}
}

func (p *pathParser) andExpr() (expr, error) {
	left, err := p.unaryExpr()
	if err != nil {
		return nil, err
	}
	for {
		p.skipSpace()
		if !strings.HasPrefix(p.s[p.i:], "&&") {
			return left, nil
		}
		p.i += 2
		right, err := p.unaryExpr()
		if err != nil {
			return nil, err
		}
		left = and{left, right}
	}
}

func (p *pathParser) unaryExpr() (expr, error) {
	p.skipSpace()
	if p.i >= len(p.s) {
		return nil, p.errorf("unterminated filter")
	}
	if p.depth++; p.depth > maxFilterDepth {
		return nil, p.errorf("filter nested too deeply")
	}
	defer func() { p.depth-- }()
	if p.s[p.i] == '!' && !strings.HasPrefix(p.s[p.i:], "!=") {
		p.i++
		e, err := p.unaryExpr()
		if err != nil {
			return nil, err
		}
		return not{e}, nil
	}
	if p.s[p.i] == '(' {
		p.i++
		e, err := p.orExpr()
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if err := p.expect(')'); err != nil {
			return nil, err
		}
		return e, nil
	}
	left, err := p.operand(false)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	op := p.operator()
	if op == "" {
		if _, isPath := left.(relPath); !isPath {
			return nil, p.errorf("expected a comparison operator")
		}
		return exists{left}, nil
	}
	p.skipSpace()
	var right operand
	if op == "=~" {
		right, err = p.regex()
	} else {
		right, err = p.operand(true)
	}
	if err != nil {
		return nil, err
	}
	return compare{op: op, l: left, r: right}, nil
}

var operators = []string{"==", "!=", "<=", ">=", "=~", "<", ">", "subsetof", "anyof", "noneof", "nin", "in", "size", "empty"}

func (p *pathParser) operator() string {
	rest := p.s[p.i:]
	for _, op := range operators {
		if strings.HasPrefix(rest, op) {
			if op[0] >= 'a' && op[0] <= 'z' {
				// a word operator must stand alone
				after := rest[len(op):]
				if after != "" && after[0] != ' ' && after[0] != '\t' {
					continue
				}
			}
			p.i += len(op)
			return op
		}
	}
	return ""
}

// operand reads one side of a comparison; right says it is the right side,
// where a bare word is a string.
func (p *pathParser) operand(right bool) (operand, error) {
	p.skipSpace()
	if p.i >= len(p.s) {
		return nil, p.errorf("expected an operand")
	}
	c := p.s[p.i]
	if right && c != '@' && c != '$' && c != '\'' && c != '"' && c != '[' && c != '{' {
		return p.bareWord()
	}
	switch {
	case c == '@' || c == '$':
		fromRoot := c == '$'
		p.i++
		segs, err := p.segments(true)
		if err != nil {
			return nil, err
		}
		definite := true
		for _, s := range segs {
			if s.deep || (s.kind != segName && s.kind != segIndex) {
				definite = false
			}
		}
		return relPath{fromRoot: fromRoot, segs: segs, definite: definite}, nil
	case c == '\'' || c == '"':
		s, err := p.quoted()
		if err != nil {
			return nil, err
		}
		return literal{s}, nil
	case c == '[' || c == '{':
		// a JSON literal: find its end by bracket matching
		depth, start := 0, p.i
		inStr := byte(0)
		for p.i < len(p.s) {
			ch := p.s[p.i]
			if inStr != 0 {
				if ch == '\\' {
					p.i++
				} else if ch == inStr {
					inStr = 0
				}
			} else if ch == '"' || ch == '\'' {
				inStr = ch
			} else if ch == '[' || ch == '{' {
				depth++
			} else if ch == ']' || ch == '}' {
				depth--
				if depth == 0 {
					p.i++
					break
				}
			}
			p.i++
		}
		if p.i > len(p.s) || depth != 0 {
			p.i = len(p.s)
			return nil, p.errorf("unterminated JSON literal in a filter")
		}
		text := strings.ReplaceAll(p.s[start:p.i], "'", "\"")
		v, err := value.ParseString(text)
		if err != nil {
			return nil, p.errorf("invalid JSON literal in a filter")
		}
		return literal{v}, nil
	case c == '-' || (c >= '0' && c <= '9'):
		start := p.i
		p.i++
		for p.i < len(p.s) && strings.IndexByte("0123456789.eE+-", p.s[p.i]) >= 0 {
			p.i++
		}
		text := p.s[start:p.i]
		if !value.ValidNumber(text) {
			return nil, p.errorf("invalid number %q", text)
		}
		return literal{value.Number(text)}, nil
	case strings.HasPrefix(p.s[p.i:], "true"):
		p.i += 4
		return literal{true}, nil
	case strings.HasPrefix(p.s[p.i:], "false"):
		p.i += 5
		return literal{false}, nil
	case strings.HasPrefix(p.s[p.i:], "null"):
		p.i += 4
		return literal{nil}, nil
	}
	return nil, p.errorf("unexpected %q in a filter", p.rune())
}

// bareWord reads an unquoted value on the right of a comparison: a number,
// true, false or null when it is one, else the string it spells
// ([?(@.type==book)] is [?(@.type=='book')]), as Jayway's first filter
// compiler read one and AWS still runs definitions that rely on it. The
// word ends before the ')' that closes the filter or a logical operator;
// blanks around it are not part of it.
func (p *pathParser) bareWord() (operand, error) {
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == ')' || c == ']' || strings.HasPrefix(p.s[p.i:], "&&") || strings.HasPrefix(p.s[p.i:], "||") {
			break
		}
		p.i++
	}
	word := strings.TrimRight(p.s[start:p.i], " \t")
	p.i = start + len(word)
	switch {
	case word == "":
		return nil, p.errorf("expected an operand")
	case word == "true":
		return literal{true}, nil
	case word == "false":
		return literal{false}, nil
	case word == "null":
		return literal{nil}, nil
	case value.ValidNumber(word):
		return literal{value.Number(word)}, nil
	}
	return literal{word}, nil
}

func (p *pathParser) regex() (operand, error) {
	if p.i >= len(p.s) || p.s[p.i] != '/' {
		return nil, p.errorf("expected a /regular expression/")
	}
	p.i++
	var b strings.Builder
	for p.i < len(p.s) && p.s[p.i] != '/' {
		if p.s[p.i] == '\\' && p.i+1 < len(p.s) && p.s[p.i+1] == '/' {
			b.WriteByte('/')
			p.i += 2
			continue
		}
		b.WriteByte(p.s[p.i])
		p.i++
	}
	if err := p.expect('/'); err != nil {
		return nil, err
	}
	flags := ""
	for p.i < len(p.s) && strings.IndexByte("imsx", p.s[p.i]) >= 0 {
		if p.s[p.i] != 'x' {
			flags += string(p.s[p.i])
		}
		p.i++
	}
	// Jayway matches the whole string, as Java's Matcher.matches does.
	src := "^(?:" + b.String() + ")$"
	if flags != "" {
		src = "(?" + flags + ")" + src
	}
	re, err := regexp.Compile(src)
	if err != nil {
		return nil, p.errorf("invalid regular expression: %v", err)
	}
	return regexOperand{re}, nil
}
