package jsonata

import "strings"

// A signature such as <s-n?:s> describes a function's parameters. Arguments
// are checked by matching a string of one symbol per argument (s string,
// n number, b boolean, l null, a array, o object, f function, m missing)
// against a pattern built from the signature, as jsonata-js does.

type param struct {
	typ      byte   // s n b l o a f j x, or '(' for a choice
	choice   string // the types of a choice
	subtype  string // a<s>, f<n:n>
	optional bool   // ?
	variadic bool   // +
	context  bool   // - : the context value stands in for a missing argument
}

type signature struct {
	params []param
	src    string
}

// accepts reports whether the argument symbol c can match the parameter.
func (p *param) accepts(c byte) bool {
	switch p.typ {
	case 's', 'n', 'b', 'l', 'o':
		return c == p.typ || c == 'm'
	case 'a', 'x':
		return strings.IndexByte("asnblfom", c) >= 0
	case 'f':
		return c == 'f'
	case 'j':
		return strings.IndexByte("asnblom", c) >= 0
	case '(':
		return c == 'm' || strings.IndexByte(p.choice, c) >= 0
	}
	return false
}

func parseSignature(src string) (*signature, *Error) {
	sig := &signature{src: src}
	var cur param
	var prev *param
	push := func() {
		sig.params = append(sig.params, cur)
		prev = &sig.params[len(sig.params)-1]
		cur = param{}
	}
	// prev points into sig.params, which append may move: refresh it.
	last := func() *param {
		if len(sig.params) == 0 {
			return &cur
		}
		return &sig.params[len(sig.params)-1]
	}
	for pos := 1; pos < len(src); pos++ {
		c := src[pos]
		if c == ':' {
			break
		}
		switch c {
		case 's', 'n', 'b', 'l', 'o', 'a', 'f', 'j', 'x':
			cur.typ = c
			push()
		case '-':
			last().context = true
		case '?':
			last().optional = true
		case '+':
			last().variadic = true
		case '(':
			end := closing(src, pos, '(', ')')
			choice := src[pos+1 : end]
			if strings.IndexByte(choice, '<') >= 0 {
				return nil, &Error{Code: "S0402", Value: choice, hasValue: true, Position: pos}
			}
			cur.typ = '('
			cur.choice = choice
			pos = end
			push()
		case '<':
			if prev != nil && (last().typ == 'a' || last().typ == 'f') {
				end := closing(src, pos, '<', '>')
				last().subtype = src[pos+1 : end]
				pos = end
			} else {
				t := ""
				if prev != nil {
					t = string(last().typ)
				}
				return nil, &Error{Code: "S0401", Value: t, hasValue: true, Position: pos}
			}
		}
	}
	return sig, nil
}

func closing(s string, start int, open, close byte) int {
	depth := 1
	pos := start
	for pos < len(s)-1 {
		pos++
		switch s[pos] {
		case close:
			depth--
			if depth == 0 {
				return pos
			}
		case open:
			depth++
		}
	}
	return pos
}

// symbolOf is the signature symbol of an argument value.
func symbolOf(v any) byte {
	switch v.(type) {
	case nil:
		return 'm'
	case string:
		return 's'
	case bool:
		return 'b'
	case nullType:
		return 'l'
	case *array:
		return 'a'
	case *Lambda, *builtin, *regexFunc:
		return 'f'
	}
	if _, ok := num(v); ok {
		return 'n'
	}
	return 'o'
}

// match assigns the argument symbols to the parameters like the anchored
// regular expression jsonata-js builds: each parameter takes one symbol, or
// none if optional (or context), or one or more if variadic; the first
// assignment found by backtracking, greedy first, wins. It returns how many
// symbols each parameter took, or nil.
func (s *signature) match(syms []byte) []int {
	counts := make([]int, len(s.params))
	var try func(pi, si int) bool
	try = func(pi, si int) bool {
		if pi == len(s.params) {
			return si == len(syms)
		}
		p := &s.params[pi]
		canSkip := p.optional || p.context
		if p.variadic {
			n := 0
			for si+n < len(syms) && p.accepts(syms[si+n]) {
				n++
			}
			min := 1
			if canSkip {
				min = 0
			}
			for ; n >= min; n-- {
				counts[pi] = n
				if try(pi+1, si+n) {
					return true
				}
			}
			return false
		}
		if si < len(syms) && p.accepts(syms[si]) {
			counts[pi] = 1
			if try(pi+1, si+1) {
				return true
			}
		}
		if canSkip {
			counts[pi] = 0
			return try(pi+1, si)
		}
		return false
	}
	if try(0, 0) {
		return counts
	}
	return nil
}

// prefixMatch reports how many symbols the first k parameters can take as
// a prefix of syms (the regular expression unanchored at the end), or -1.
func (s *signature) prefixMatch(k int, syms []byte) int {
	best := -1
	var try func(pi, si int) bool
	try = func(pi, si int) bool {
		if pi == k {
			best = si
			return true
		}
		p := &s.params[pi]
		canSkip := p.optional || p.context
		if p.variadic {
			n := 0
			for si+n < len(syms) && p.accepts(syms[si+n]) {
				n++
			}
			min := 1
			if canSkip {
				min = 0
			}
			for ; n >= min; n-- {
				if try(pi+1, si+n) {
					return true
				}
			}
			return false
		}
		if si < len(syms) && p.accepts(syms[si]) {
			if try(pi+1, si+1) {
				return true
			}
		}
		if canSkip {
			return try(pi+1, si)
		}
		return false
	}
	try(0, 0)
	return best
}

var arraySignatureMapping = map[string]string{
	"a": "arrays", "b": "booleans", "f": "functions", "n": "numbers",
	"o": "objects", "s": "strings",
}

// validate checks the arguments against the signature and returns them as
// the function receives them: the context value in place of a missing
// argument marked '-', and single values wrapped in an array where the
// parameter is an array.
func (s *signature) validate(ev *evaluator, args []any, context any, name string) []any {
	syms := make([]byte, len(args))
	for i, a := range args {
		syms[i] = symbolOf(a)
	}
	counts := s.match(syms)
	if counts == nil {
		s.throwValidation(args, syms, name)
	}
	validated := make([]any, 0, len(s.params))
	argIndex, symPos := 0, 0
	for pi := range s.params {
		p := &s.params[pi]
		var arg any
		if argIndex < len(args) {
			arg = args[argIndex]
		}
		n := counts[pi]
		if n == 0 {
			if p.context {
				if p.accepts(symbolOf(context)) {
					validated = append(validated, context)
				} else {
					panic(newError("T0411", context).withIndex(argIndex + 1).withToken(name))
				}
			} else {
				validated = append(validated, arg)
				argIndex++
			}
			continue
		}
		match := string(syms[symPos : symPos+n])
		symPos += n
		for j := 0; j < n; j++ {
			single := match[j]
			if p.typ == 'a' {
				if single == 'm' {
					arg = nil
				} else {
					arg = nil
					if argIndex < len(args) {
						arg = args[argIndex]
					}
					ok := true
					if p.subtype != "" {
						if single != 'a' && match != p.subtype {
							ok = false
						} else if single == 'a' {
							items := arg.(*array).items
							ev.chargeItems(len(items))
							if len(items) > 0 {
								itemType := symbolOf(items[0])
								if itemType != p.subtype[0] {
									ok = false
								} else {
									for _, it := range items {
										if symbolOf(it) != itemType {
											ok = false
											break
										}
									}
								}
							}
						}
					}
					if !ok {
						e := newError("T0412", arg).withIndex(argIndex + 1).withToken(name)
						e.typ = arraySignatureMapping[p.subtype]
						panic(e)
					}
					if single != 'a' {
						arg = &array{items: []any{arg}}
					}
				}
			}
			validated = append(validated, arg)
			argIndex++
		}
	}
	return validated
}

func (s *signature) throwValidation(args []any, syms []byte, name string) {
	goodTo := 0
	for k := 1; k <= len(s.params); k++ {
		m := s.prefixMatch(k, syms)
		if m < 0 {
			var v any
			if goodTo < len(args) {
				v = args[goodTo]
			}
			panic(newError("T0410", v).withIndex(goodTo + 1).withToken(name))
		}
		goodTo = m
	}
	var v any
	if goodTo < len(args) {
		v = args[goodTo]
	}
	panic(newError("T0410", v).withIndex(goodTo + 1).withToken(name))
}
