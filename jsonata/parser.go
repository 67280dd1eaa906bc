package jsonata

import "strconv"

// The parser is a top-down operator precedence (Pratt) parser, shaped like
// jsonata-js's so that the same expressions fail with the same codes; a
// post-parse pass then turns '.' chains into paths of steps, '[' into
// predicates, '{' into group-bys, and resolves parent (%) references.

// maxParseDepth bounds the nesting of an expression, so that a hostile one
// cannot exhaust the stack.
const maxParseDepth = 1000

// lbp is the left binding power of each symbol; symbols not listed bind 0.
var lbp = map[string]int{
	".": 75, "[": 80, "{": 70, "(": 80, "@": 80, "#": 80, "?": 20,
	"+": 50, "-": 50, "*": 60, "/": 60, "%": 60, "=": 40, "<": 40, ">": 40,
	"^": 40, ":=": 10, "!=": 40, "<=": 40, ">=": 40, "~>": 40, "and": 30,
	"or": 25, "in": 40, "&": 50,
}

// symbols are the operator tokens the grammar knows; '!' and '~' alone are
// not among them.
var symbols = map[string]bool{
	".": true, "[": true, "]": true, "{": true, "}": true, "(": true, ")": true,
	",": true, "@": true, "#": true, ";": true, ":": true, "?": true, "+": true,
	"-": true, "*": true, "/": true, "%": true, "|": true, "=": true, "<": true,
	">": true, "^": true, "**": true, "..": true, ":=": true, "!=": true,
	"<=": true, ">=": true, "~>": true, "and": true, "or": true, "in": true,
	"&": true,
}

type parser struct {
	lex   lexer
	tok   token  // the current token
	id    string // its symbol: an operator, or (name), (literal), (regex), (end)
	depth int

	// post-parse state
	ancestorLabel int
	ancestry      []*node
}

// parse parses an expression and runs the post-parse pass.
func parse(src string) (root *node, err error) {
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(*Error)
			if !ok {
				panic(r)
			}
			e.finish(nil)
			root, err = nil, e
		}
	}()
	p := &parser{lex: lexer{src: src}}
	p.advance("", false)
	expr := p.expression(0)
	if p.id != "(end)" {
		panic(newError("S0201").withToken(p.tokenText()).at(p.tok.pos))
	}
	expr = p.process(expr)
	if expr.kind == kParent || expr.seekingParent != nil {
		panic(newError("S0217").withToken(kindName(expr.kind)).at(expr.pos))
	}
	return expr, nil
}

// tokenText is the token's value as jsonata-js reports it in errors.
func (p *parser) tokenText() string {
	t := p.tok
	switch t.typ {
	case tokEnd:
		return "(end)"
	case tokNumber:
		return FormatNumber(t.num)
	case tokValue:
		switch t.val {
		case true:
			return "true"
		case false:
			return "false"
		}
		return "null"
	case tokRegex:
		return t.re.source
	}
	return t.op
}

func (p *parser) advance(id string, infix bool) {
	if id != "" && p.id != id {
		code := "S0202"
		if p.id == "(end)" {
			code = "S0203"
		}
		e := newError(code, id).withToken(p.tokenText()).at(p.tok.pos)
		panic(e)
	}
	t := p.lex.next(infix)
	p.tok = t
	switch t.typ {
	case tokEnd:
		p.id = "(end)"
	case tokName, tokVariable:
		p.id = "(name)"
	case tokOperator:
		if !symbols[t.op] {
			panic(newError("S0204").withToken(t.op).at(t.pos))
		}
		p.id = t.op
	case tokString, tokNumber, tokValue:
		p.id = "(literal)"
	case tokRegex:
		p.id = "(regex)"
	}
}

func (p *parser) expression(rbp int) *node {
	p.depth++
	if p.depth > maxParseDepth {
		e := newError("U1001").at(p.tok.pos)
		e.Message = "The expression is nested too deeply"
		panic(e)
	}
	t, id := p.tok, p.id
	p.advance("", true)
	left := p.nud(t, id)
	for rbp < lbp[p.id] {
		t, id = p.tok, p.id
		p.advance("", false)
		left = p.led(t, id, left)
	}
	p.depth--
	return left
}

func (p *parser) nud(t token, id string) *node {
	switch id {
	case "(end)":
		return &node{kind: kEnd, pos: t.pos}
	case "(name)":
		if t.typ == tokVariable {
			return &node{kind: kVariable, op: t.op, pos: t.pos}
		}
		return &node{kind: kName, op: t.op, pos: t.pos}
	case "(literal)":
		switch t.typ {
		case tokString:
			return &node{kind: kString, op: t.op, pos: t.pos}
		case tokNumber:
			return &node{kind: kNumber, num: t.num, pos: t.pos}
		}
		return &node{kind: kValue, val: t.val, pos: t.pos}
	case "(regex)":
		return &node{kind: kRegex, re: t.re, pos: t.pos}
	case "and", "or", "in":
		return &node{kind: kOperator, op: id, pos: t.pos}
	case "-":
		return &node{kind: kNegate, pos: t.pos, lhs: p.expression(70)}
	case "*":
		return &node{kind: kWildcard, pos: t.pos}
	case "**":
		return &node{kind: kDescendant, pos: t.pos}
	case "%":
		return &node{kind: kParent, pos: t.pos}
	case "(":
		n := &node{kind: kBlock, pos: t.pos}
		for p.id != ")" {
			n.exprs = append(n.exprs, p.expression(0))
			if p.id != ";" {
				break
			}
			p.advance(";", false)
		}
		p.advance(")", true)
		return n
	case "[":
		n := &node{kind: kArray, pos: t.pos}
		if p.id != "]" {
			for {
				item := p.expression(0)
				if p.id == ".." {
					r := &node{kind: kBinary, op: "..", pos: p.tok.pos, lhs: item}
					p.advance("..", false)
					r.rhs = p.expression(0)
					item = r
				}
				n.exprs = append(n.exprs, item)
				if p.id != "," {
					break
				}
				p.advance(",", false)
			}
		}
		p.advance("]", true)
		return n
	case "{":
		return &node{kind: kObject, pos: t.pos, pairs: p.objectPairs()}
	case "|":
		n := &node{kind: kTransform, pos: t.pos}
		n.pattern = p.expression(0)
		p.advance("|", false)
		n.update = p.expression(0)
		if p.id == "," {
			p.advance(",", false)
			n.del = p.expression(0)
		}
		p.advance("|", false)
		return n
	}
	panic(newError("S0211").withToken(t.op).at(t.pos))
}

func (p *parser) objectPairs() [][2]*node {
	var pairs [][2]*node
	if p.id != "}" {
		for {
			k := p.expression(0)
			p.advance(":", false)
			v := p.expression(0)
			pairs = append(pairs, [2]*node{k, v})
			if p.id != "," {
				break
			}
			p.advance(",", false)
		}
	}
	p.advance("}", true)
	return pairs
}

func (p *parser) led(t token, id string, left *node) *node {
	switch id {
	case ".", "+", "-", "*", "/", "%", "=", "<", ">", "!=", "<=", ">=", "&", "and", "or", "in", "~>":
		n := &node{kind: kBinary, op: id, pos: t.pos, lhs: left}
		n.rhs = p.expression(lbp[id])
		return n
	case "(":
		return p.call(t, left)
	case "[":
		if p.id == "]" {
			// An empty predicate keeps singleton arrays in the result.
			step := left
			for step != nil && step.kind == kBinary && step.op == "[" {
				step = step.lhs
			}
			step.keepArray = true
			p.advance("]", false)
			return left
		}
		n := &node{kind: kBinary, op: "[", pos: t.pos, lhs: left}
		n.rhs = p.expression(0)
		p.advance("]", true)
		return n
	case "^":
		p.advance("(", false)
		n := &node{kind: kBinary, op: "^", pos: t.pos, lhs: left}
		for {
			var term sortTerm
			if p.id == "<" {
				p.advance("<", false)
			} else if p.id == ">" {
				term.descending = true
				p.advance(">", false)
			}
			term.expr = p.expression(0)
			n.terms = append(n.terms, term)
			if p.id != "," {
				break
			}
			p.advance(",", false)
		}
		p.advance(")", false)
		return n
	case "{":
		return &node{kind: kBinary, op: "{", pos: t.pos, lhs: left, pairs: p.objectPairs()}
	case ":=":
		if left.kind != kVariable {
			panic(newError("S0212").withToken(nodeText(left)).at(left.pos))
		}
		n := &node{kind: kBinary, op: ":=", pos: t.pos, lhs: left}
		n.rhs = p.expression(lbp[":="] - 1) // right associative
		return n
	case "@", "#":
		n := &node{kind: kBinary, op: id, pos: t.pos, lhs: left}
		n.rhs = p.expression(lbp[id])
		if n.rhs.kind != kVariable {
			panic(newError("S0214").withToken(id).at(n.rhs.pos))
		}
		return n
	case "?":
		n := &node{kind: kCondition, pos: t.pos, cond: left}
		n.then = p.expression(0)
		if p.id == ":" {
			p.advance(":", false)
			n.els = p.expression(0)
		}
		return n
	}
	panic(newError("S0201").withToken(id).at(t.pos))
}

// call parses the arguments of a function call, a partial application or a
// lambda definition.
func (p *parser) call(t token, left *node) *node {
	n := &node{kind: kFunction, pos: t.pos, proc: left}
	if p.id != ")" {
		for {
			if p.tok.typ == tokOperator && p.id == "?" {
				n.kind = kPartial
				n.args = append(n.args, &node{kind: kPlaceholder, pos: p.tok.pos})
				p.advance("?", false)
			} else {
				n.args = append(n.args, p.expression(0))
			}
			if p.id != "," {
				break
			}
			p.advance(",", false)
		}
	}
	p.advance(")", true)
	if left.kind != kName || (left.op != "function" && left.op != "λ") {
		return n
	}
	for i, a := range n.args {
		if a.kind != kVariable {
			e := newError("S0208", float64(i+1)).withToken(nodeText(a)).at(a.pos)
			panic(e)
		}
	}
	n.kind = kLambda
	for _, a := range n.args {
		n.params = append(n.params, a.op)
	}
	n.args = nil
	if p.id == "<" {
		sigPos := p.tok.pos
		depth := 1
		sig := "<"
		for depth > 0 && p.id != "{" && p.id != "(end)" {
			p.advance("", false)
			if p.id == ">" {
				depth--
			} else if p.id == "<" {
				depth++
			}
			sig += p.tokenText()
		}
		p.advance(">", false)
		s, err := parseSignature(sig)
		if err != nil {
			err.Position = sigPos + err.Position
			panic(err)
		}
		n.sig = s
	}
	p.advance("{", false)
	n.body = p.expression(0)
	p.advance("}", false)
	return n
}

// nodeText is the value jsonata-js reports for a node in an error.
func nodeText(n *node) string {
	switch n.kind {
	case kNumber:
		return FormatNumber(n.num)
	case kValue:
		return jsString(out(n.val))
	}
	return n.op
}

func kindName(k kind) string {
	switch k {
	case kPath:
		return "path"
	case kBinary:
		return "binary"
	case kNegate, kArray, kObject:
		return "unary"
	case kName:
		return "name"
	case kString:
		return "string"
	case kNumber:
		return "number"
	case kValue:
		return "value"
	case kWildcard:
		return "wildcard"
	case kDescendant:
		return "descendant"
	case kParent:
		return "parent"
	case kCondition:
		return "condition"
	case kBlock:
		return "block"
	case kBind:
		return "bind"
	case kRegex:
		return "regex"
	case kFunction:
		return "function"
	case kPartial:
		return "partial"
	case kVariable:
		return "variable"
	case kLambda:
		return "lambda"
	case kApply:
		return "apply"
	case kSort:
		return "sort"
	case kTransform:
		return "transform"
	}
	return "operator"
}

// process is the post-parse pass (jsonata-js's processAST).
func (p *parser) process(expr *node) *node {
	var result *node
	switch expr.kind {
	case kBinary:
		switch expr.op {
		case ".":
			lstep := p.process(expr.lhs)
			if lstep.kind == kPath {
				result = lstep
			} else {
				result = &node{kind: kPath, steps: []*node{lstep}, pos: lstep.pos}
			}
			if lstep.kind == kParent {
				result.seekingParent = []*slot{lstep.slot}
			}
			rest := p.process(expr.rhs)
			if rest.kind == kPath {
				result.steps = append(result.steps, rest.steps...)
			} else {
				if rest.predicate != nil {
					rest.stages = rest.predicate
					rest.predicate = nil
				}
				result.steps = append(result.steps, rest)
			}
			for _, step := range result.steps {
				switch step.kind {
				case kNumber:
					panic(newError("S0213", step.num).at(step.pos))
				case kValue:
					panic(newError("S0213", step.val).at(step.pos))
				case kString:
					step.kind = kName
				}
			}
			for _, step := range result.steps {
				if step.keepArray {
					result.keepSingletonArray = true
					break
				}
			}
			if first := result.steps[0]; first.kind == kArray {
				first.consArray = true
			}
			if last := result.steps[len(result.steps)-1]; last.kind == kArray {
				last.consArray = true
			}
			p.resolveAncestry(result)
		case "[":
			result = p.process(expr.lhs)
			step := result
			stages := false
			if result.kind == kPath {
				step = result.steps[len(result.steps)-1]
				stages = true
			}
			if step.group != nil {
				panic(newError("S0209").at(expr.pos))
			}
			pred := p.process(expr.rhs)
			if pred.seekingParent != nil {
				for _, s := range pred.seekingParent {
					if s.level == 1 {
						p.seekParent(step, s)
					} else {
						s.level--
					}
				}
				pushAncestry(step, pred)
			}
			st := &stage{filter: true, expr: pred, pos: expr.pos}
			if stages {
				step.stages = append(step.stages, st)
			} else {
				step.predicate = append(step.predicate, st)
			}
		case "{":
			result = p.process(expr.lhs)
			if result.group != nil {
				panic(newError("S0210").at(expr.pos))
			}
			g := &groupBy{pos: expr.pos}
			for _, pair := range expr.pairs {
				g.pairs = append(g.pairs, [2]*node{p.process(pair[0]), p.process(pair[1])})
			}
			result.group = g
		case "^":
			result = p.process(expr.lhs)
			if result.kind != kPath {
				result = &node{kind: kPath, steps: []*node{result}, pos: result.pos}
			}
			sortStep := &node{kind: kSort, pos: expr.pos}
			for _, t := range expr.terms {
				e := p.process(t.expr)
				pushAncestry(sortStep, e)
				sortStep.terms = append(sortStep.terms, sortTerm{descending: t.descending, expr: e})
			}
			result.steps = append(result.steps, sortStep)
			p.resolveAncestry(result)
		case ":=":
			result = &node{kind: kBind, pos: expr.pos}
			result.lhs = p.process(expr.lhs)
			result.rhs = p.process(expr.rhs)
			pushAncestry(result, result.rhs)
		case "@":
			result = p.process(expr.lhs)
			step := result
			if result.kind == kPath {
				step = result.steps[len(result.steps)-1]
			}
			if step.stages != nil || step.predicate != nil {
				panic(newError("S0215").at(expr.pos))
			}
			if step.kind == kSort {
				panic(newError("S0216").at(expr.pos))
			}
			if expr.keepArray {
				step.keepArray = true
			}
			step.focus, step.hasFocus = expr.rhs.op, true
			step.tuple = true
		case "#":
			result = p.process(expr.lhs)
			step := result
			if result.kind == kPath {
				step = result.steps[len(result.steps)-1]
			} else {
				result = &node{kind: kPath, steps: []*node{result}, pos: result.pos}
				if step.predicate != nil {
					step.stages = step.predicate
					step.predicate = nil
				}
			}
			if step.stages == nil {
				step.index, step.hasIndex = expr.rhs.op, true
			} else {
				step.stages = append(step.stages, &stage{index: expr.rhs.op, pos: expr.pos})
			}
			step.tuple = true
		case "~>":
			result = &node{kind: kApply, op: "~>", pos: expr.pos}
			result.lhs = p.process(expr.lhs)
			result.rhs = p.process(expr.rhs)
			result.keepArray = result.lhs.keepArray || result.rhs.keepArray
		default:
			result = &node{kind: kBinary, op: expr.op, pos: expr.pos}
			result.lhs = p.process(expr.lhs)
			result.rhs = p.process(expr.rhs)
			pushAncestry(result, result.lhs)
			pushAncestry(result, result.rhs)
		}
	case kArray:
		result = &node{kind: kArray, pos: expr.pos}
		for _, item := range expr.exprs {
			v := p.process(item)
			pushAncestry(result, v)
			result.exprs = append(result.exprs, v)
		}
	case kObject:
		result = &node{kind: kObject, pos: expr.pos}
		for _, pair := range expr.pairs {
			k := p.process(pair[0])
			pushAncestry(result, k)
			v := p.process(pair[1])
			pushAncestry(result, v)
			result.pairs = append(result.pairs, [2]*node{k, v})
		}
	case kNegate:
		result = &node{kind: kNegate, pos: expr.pos}
		result.lhs = p.process(expr.lhs)
		if result.lhs.kind == kNumber {
			result = result.lhs
			result.num = -result.num
		} else {
			pushAncestry(result, result.lhs)
		}
	case kFunction, kPartial:
		result = &node{kind: expr.kind, pos: expr.pos}
		for _, a := range expr.args {
			v := p.process(a)
			pushAncestry(result, v)
			result.args = append(result.args, v)
		}
		result.proc = p.process(expr.proc)
	case kLambda:
		result = &node{kind: kLambda, params: expr.params, sig: expr.sig, pos: expr.pos}
		result.body = tailCallOptimize(p.process(expr.body))
	case kCondition:
		result = &node{kind: kCondition, pos: expr.pos}
		result.cond = p.process(expr.cond)
		pushAncestry(result, result.cond)
		result.then = p.process(expr.then)
		pushAncestry(result, result.then)
		if expr.els != nil {
			result.els = p.process(expr.els)
			pushAncestry(result, result.els)
		}
	case kTransform:
		result = &node{kind: kTransform, pos: expr.pos}
		result.pattern = p.process(expr.pattern)
		result.update = p.process(expr.update)
		if expr.del != nil {
			result.del = p.process(expr.del)
		}
	case kBlock:
		result = &node{kind: kBlock, pos: expr.pos}
		for _, item := range expr.exprs {
			part := p.process(item)
			pushAncestry(result, part)
			if part.consArray || (part.kind == kPath && part.steps[0].consArray) {
				result.consArray = true
			}
			result.exprs = append(result.exprs, part)
		}
	case kName:
		result = &node{kind: kPath, steps: []*node{expr}, pos: expr.pos}
		if expr.keepArray {
			result.keepSingletonArray = true
		}
	case kParent:
		result = &node{kind: kParent, pos: expr.pos, slot: &slot{label: "!" + strconv.Itoa(p.ancestorLabel), level: 1, index: len(p.ancestry)}}
		p.ancestorLabel++
		p.ancestry = append(p.ancestry, result)
	case kString, kNumber, kValue, kWildcard, kDescendant, kVariable, kRegex, kPlaceholder:
		result = expr
	case kOperator:
		// and, or and in used as field names
		expr.kind = kName
		result = p.process(expr)
	case kEnd:
		panic(newError("S0207").at(expr.pos))
	default:
		panic(newError("S0206").withToken(expr.op).at(expr.pos))
	}
	if expr.keepArray {
		result.keepArray = true
	}
	return result
}

// tailCallOptimize marks a function call in tail position as a thunk, which
// the trampoline in apply runs without growing the stack.
func tailCallOptimize(expr *node) *node {
	switch expr.kind {
	case kFunction:
		if expr.predicate == nil {
			return &node{kind: kLambda, thunk: true, body: expr, pos: expr.pos}
		}
	case kCondition:
		expr.then = tailCallOptimize(expr.then)
		if expr.els != nil {
			expr.els = tailCallOptimize(expr.els)
		}
	case kBlock:
		if n := len(expr.exprs); n > 0 {
			expr.exprs[n-1] = tailCallOptimize(expr.exprs[n-1])
		}
	}
	return expr
}

func (p *parser) seekParent(n *node, s *slot) *slot {
	switch n.kind {
	case kName, kWildcard:
		s.level--
		if s.level == 0 {
			if n.ancestor != nil {
				// reuse the existing label
				p.ancestry[s.index].slot.label = n.ancestor.label
			}
			n.ancestor = s
			n.tuple = true
		}
	case kParent:
		s.level++
	case kBlock:
		if len(n.exprs) > 0 {
			n.tuple = true
			s = p.seekParent(n.exprs[len(n.exprs)-1], s)
		}
	case kPath:
		n.tuple = true
		i := len(n.steps) - 1
		s = p.seekParent(n.steps[i], s)
		i--
		for s.level > 0 && i >= 0 {
			s = p.seekParent(n.steps[i], s)
			i--
		}
	default:
		panic(newError("S0217").withToken(kindName(n.kind)).at(n.pos))
	}
	return s
}

func pushAncestry(result, value *node) {
	if value.seekingParent == nil && value.kind != kParent {
		return
	}
	slots := value.seekingParent
	if value.kind == kParent {
		slots = append(slots[:len(slots):len(slots)], value.slot)
	}
	result.seekingParent = append(result.seekingParent, slots...)
}

func (p *parser) resolveAncestry(path *node) {
	last := path.steps[len(path.steps)-1]
	slots := last.seekingParent
	if last.kind == kParent {
		slots = append(slots[:len(slots):len(slots)], last.slot)
	}
	for _, s := range slots {
		i := len(path.steps) - 2
		for s.level > 0 {
			if i < 0 {
				path.seekingParent = append(path.seekingParent, s)
				break
			}
			step := path.steps[i]
			i--
			// contiguous steps that bind the focus are skipped together
			for i >= 0 && step.hasFocus && path.steps[i].hasFocus {
				step = path.steps[i]
				i--
			}
			s = p.seekParent(step, s)
		}
	}
}
