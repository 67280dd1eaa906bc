package jsonata

// kind is the type of an expression node.
type kind uint8

const (
	kPath kind = iota
	kBinary
	kNegate     // unary minus
	kArray      // array constructor [..]
	kObject     // object constructor {..} (unary form)
	kName       // field name
	kString     // string literal
	kNumber     // number literal
	kValue      // true, false, null
	kWildcard   // *
	kDescendant // **
	kParent     // %
	kCondition  // ? :
	kBlock      // ( ; )
	kBind       // :=
	kRegex
	kFunction // function call
	kPartial  // partial application
	kVariable
	kLambda
	kApply     // ~>
	kSort      // ^( )
	kTransform // | | |
	kPlaceholder
	kOperator // an operator token used where an operand goes (and, or, in as names)
	kEnd      // the end of the expression where an operand was expected
)

type node struct {
	kind kind
	pos  int
	// op: the operator of a binary node; the name of a name, variable or
	// operator node; the text of a string literal.
	op  string
	num float64
	val any // kValue
	re  *regexLiteral

	lhs, rhs *node
	steps    []*node    // kPath
	exprs    []*node    // kArray, kBlock
	pairs    [][2]*node // kObject; group-by before the post-parse pass
	args     []*node    // kFunction, kPartial
	proc     *node      // kFunction, kPartial
	params   []string   // kLambda
	sig      *signature // kLambda
	body     *node      // kLambda
	cond     *node      // kCondition
	then     *node
	els      *node
	pattern  *node // kTransform
	update   *node
	del      *node
	terms    []sortTerm // kSort

	// Annotations from the post-parse pass.
	keepArray          bool // the step ends in [] (keep singleton arrays)
	keepSingletonArray bool // kPath: some step has keepArray
	consArray          bool // array constructor as first or last path step
	tuple              bool // the step binds focus, index or ancestor variables
	thunk              bool // kLambda: a tail call to be run by the trampoline
	focus              string
	hasFocus           bool
	index              string
	hasIndex           bool
	ancestor           *slot   // kName/kWildcard: binds the parent of its result
	slot               *slot   // kParent
	seekingParent      []*slot // parent references not yet resolved
	predicate          []*stage
	stages             []*stage
	group              *groupBy
}

type sortTerm struct {
	descending bool
	expr       *node
}

type stage struct {
	filter bool // a filter; otherwise an index binding
	expr   *node
	index  string
	pos    int
}

type groupBy struct {
	pairs [][2]*node
	pos   int
}

// slot is a parent (%) reference being resolved to the step that binds it.
type slot struct {
	label string
	level int
	index int
}
