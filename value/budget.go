package value

import "errors"

// A Budget bounds the values one evaluation makes (a payload template, the
// intrinsic functions and paths it evaluates), in bytes counted from their
// sizes as they are made: about 16 bytes an array item, 32 an object
// member, and the bytes of a string. It depends on the evaluation alone,
// never on the memory statistics of the process, so that an evaluation
// repeated (a replay) stops at the same point. A nil *Budget is no bound.
type Budget struct {
	left int
}

// NewBudget returns a budget of n bytes.
func NewBudget(n int) *Budget { return &Budget{left: n} }

// Spend takes n bytes from the budget and reports whether it held them.
// Once spent, a budget stays spent.
func (b *Budget) Spend(n int) bool {
	if b == nil {
		return true
	}
	b.left -= n
	return b.left >= 0
}

// Left returns what remains of the budget (negative once spent).
func (b *Budget) Left() int {
	if b == nil {
		return int(^uint(0) >> 2)
	}
	return b.left
}

// ErrTooLarge is the error of an evaluation that spent its Budget.
var ErrTooLarge = errors.New("the values made exceed the memory bound of the evaluation")

// The sizes a Budget counts, in bytes.
const (
	SizeItem   = 16 // an array item
	SizeArray  = 48 // an array, without its items
	SizeObject = 64 // an object, without its members
	SizeMember = 32 // an object member
	SizeString = 16 // a string, without its bytes
)
