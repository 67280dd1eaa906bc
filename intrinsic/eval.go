package intrinsic

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"math"
	"math/rand/v2"
	"strings"
	"unicode/utf8"

	"github.com/baton-sh/baton/failure"
	"github.com/baton-sh/baton/jsonpath"
	"github.com/baton-sh/baton/value"
)

// Env is what an evaluation reads from the outside world.
type Env interface {
	// Resolve returns the node a path argument selects, or an error (usually
	// a *failure.Failure made into an error) when it selects nothing.
	Resolve(p *jsonpath.Path) (any, error)
	// Random returns a source of random numbers; States.UUID and
	// States.MathRandom without a seed draw from it.
	Random() rand.Source
	// Budget bounds the values the evaluation makes (nil: no bound). A
	// call whose result would exceed it fails with States.IntrinsicFailure
	// before it makes the result: a template can name a 256 KiB input many
	// times in one call (States.Format, States.JsonToString of an array of
	// it), and nothing else stops it.
	Budget() *value.Budget
}

// Limits AWS puts on the encoding functions' inputs.
const (
	maxEncodeInput = 10000
	maxRangeItems  = 1000
)

type function struct {
	name             string
	minArgs, maxArgs int
	eval             func(c *Call, args []any, env Env) (any, error)
}

var functions map[string]*function

func init() {
	functions = map[string]*function{
		"States.Format":         {"", 1, -1, evalFormat},
		"States.StringToJson":   {"", 1, 1, evalStringToJSON},
		"States.JsonToString":   {"", 1, 1, evalJSONToString},
		"States.Array":          {"", 0, -1, evalArray},
		"States.ArrayPartition": {"", 2, 2, evalArrayPartition},
		"States.ArrayContains":  {"", 2, 2, evalArrayContains},
		"States.ArrayRange":     {"", 3, 3, evalArrayRange},
		"States.ArrayGetItem":   {"", 2, 2, evalArrayGetItem},
		"States.ArrayLength":    {"", 1, 1, evalArrayLength},
		"States.ArrayUnique":    {"", 1, 1, evalArrayUnique},
		"States.Base64Encode":   {"", 1, 1, evalBase64Encode},
		"States.Base64Decode":   {"", 1, 1, evalBase64Decode},
		"States.Hash":           {"", 2, 2, evalHash},
		"States.JsonMerge":      {"", 3, 3, evalJSONMerge},
		"States.MathRandom":     {"", 2, 3, evalMathRandom},
		"States.MathAdd":        {"", 2, 2, evalMathAdd},
		"States.StringSplit":    {"", 2, 2, evalStringSplit},
		"States.UUID":           {"", 0, 0, evalUUID},
	}
	for name, fn := range functions {
		fn.name = name
	}
}

// Eval evaluates the call.
func (c *Call) Eval(env Env) (any, error) {
	if n := len(c.Args); n < c.fn.minArgs || (c.fn.maxArgs >= 0 && n > c.fn.maxArgs) {
		return nil, c.failf("%s", arityText(c.fn, n))
	}
	args := make([]any, len(c.Args))
	for i, a := range c.Args {
		switch {
		case a.Path != nil:
			v, err := env.Resolve(a.Path)
			if err != nil {
				return nil, err
			}
			args[i] = v
		case a.Call != nil:
			v, err := a.Call.Eval(env)
			if err != nil {
				return nil, err
			}
			args[i] = v
		default:
			args[i] = a.Literal
		}
	}
	b := env.Budget()
	if !b.Spend(c.fn.cost(args, b.Left())) {
		return nil, c.tooLarge()
	}
	return c.fn.eval(c, args, env)
}

// cost returns the bytes a call's result may take at most, from its
// arguments, in the sizes a value.Budget counts, or a number above limit
// once it passes it: the text of a value that holds another many times
// over is not walked past the limit.
func (fn *function) cost(args []any, limit int) int {
	if len(args) == 0 {
		return value.SizeArray
	}
	switch fn.name {
	case "States.Format":
		// An object or array is written with ", " between its items where
		// JSON has ",", and no quotes: at most twice its JSON text.
		n := value.SizeString
		for _, a := range args {
			if _, ok := a.(string); ok {
				n += textSize(a, limit-n)
				continue
			}
			n += 2 * textSize(a, (limit-n)/2+1)
		}
		return n
	case "States.JsonToString":
		return value.SizeString + textSize(args[0], limit)
	case "States.StringToJson", "States.StringSplit", "States.Base64Encode", "States.Base64Decode":
		// Parsing makes at most an array or a member per two bytes of
		// text; splitting, an item per two bytes; encoding, 4 bytes per 3.
		s, _ := args[0].(string)
		return value.SizeArray + len(s)*value.SizeItem
	case "States.Array", "States.ArrayUnique", "States.ArrayPartition", "States.ArrayRange":
		n := value.SizeArray + len(args)*value.SizeItem
		if a, ok := args[0].([]any); ok && fn.name != "States.Array" {
			n += 2 * len(a) * (value.SizeItem + value.SizeArray)
		}
		return n
	case "States.JsonMerge":
		n := value.SizeObject
		for _, a := range args {
			if o, ok := a.(*value.Object); ok {
				n += o.Len() * value.SizeMember
			}
		}
		return n
	}
	return value.SizeString + 128 // a number, a boolean, a hash, a UUID
}

// textSize is the length of a value written as text, or a number above
// limit once it passes it.
func textSize(v any, limit int) int {
	if s, ok := v.(string); ok {
		return len(s)
	}
	n, _ := value.SizeAtMost(v, max(limit, 0))
	return n
}

// tooLarge is the failure of a call whose result would exceed its
// evaluation's budget.
func (c *Call) tooLarge() error {
	return c.failf("the result would exceed the memory an evaluation may use")
}

func arityText(fn *function, n int) string {
	switch {
	case fn.maxArgs < 0:
		return fmt.Sprintf("expected at least %d arguments but got %d", fn.minArgs, n)
	case fn.minArgs == fn.maxArgs:
		return fmt.Sprintf("expected %d arguments but got %d", fn.minArgs, n)
	}
	return fmt.Sprintf("expected %d to %d arguments but got %d", fn.minArgs, fn.maxArgs, n)
}

// failf returns a States.IntrinsicFailure naming the function.
func (c *Call) failf(format string, args ...any) error {
	return failure.Newf(failure.IntrinsicFailure, "Invalid arguments in %s: %s", c.Name, fmt.Sprintf(format, args...)).AsError()
}

func typeErr(c *Call, i int, want string, got any) error {
	return c.failf("argument %d must be %s, but was %s %s", i+1, want, value.TypeName(got), value.String(got))
}

func str(c *Call, args []any, i int) (string, error) {
	s, ok := args[i].(string)
	if !ok {
		return "", typeErr(c, i, "a string", args[i])
	}
	return s, nil
}

func arr(c *Call, args []any, i int) ([]any, error) {
	a, ok := args[i].([]any)
	if !ok {
		return nil, typeErr(c, i, "an array", args[i])
	}
	return a, nil
}

// integer returns an integer argument. AWS rounds non-integral numbers half
// up, the way Java's Math.round does.
func integer(c *Call, args []any, i int) (int64, error) {
	n, ok := args[i].(value.Number)
	if !ok {
		return 0, typeErr(c, i, "a number", args[i])
	}
	if v, ok := n.Int64(); ok {
		return v, nil
	}
	f := n.Float64()
	if math.IsInf(f, 0) || math.IsNaN(f) || math.Abs(f) > 9e18 {
		return 0, c.failf("argument %d is out of range: %s", i+1, n)
	}
	return int64(math.Floor(f + 0.5)), nil
}

func evalFormat(c *Call, args []any, _ Env) (any, error) {
	tmpl, err := str(c, args, 0)
	if err != nil {
		return nil, err
	}
	// A literal template keeps its escapes (\{ is a brace, not a
	// placeholder); a template read from a path is taken as it is.
	if c.Args[0].Path == nil && c.Args[0].Call == nil {
		tmpl = c.Args[0].Raw
	}
	rest := args[1:]
	var b strings.Builder
	next := 0
	for i := 0; i < len(tmpl); i++ {
		ch := tmpl[i]
		if ch == '\\' && i+1 < len(tmpl) && strings.IndexByte(`{}\'`, tmpl[i+1]) >= 0 {
			b.WriteByte(tmpl[i+1])
			i++
			continue
		}
		if ch == '{' && i+1 < len(tmpl) && tmpl[i+1] == '}' {
			if next >= len(rest) {
				return nil, c.failf("the format string has more placeholders than the %d arguments given", len(rest))
			}
			appendFormatted(&b, rest[next])
			next++
			i++
			continue
		}
		b.WriteByte(ch)
	}
	if next != len(rest) {
		return nil, c.failf("the format string has %d placeholders but %d arguments were given", next, len(rest))
	}
	return b.String(), nil
}

// appendFormatted writes an argument of States.Format the way AWS does,
// which is how Java writes the value it parsed the JSON into: a string as
// it is, a number as its literal, an object as {key=value, key=value} and
// an array as [item, item], strings inside them unquoted too (AWS
// formats {"Arg1": 1, "Arg2": []} as {Arg1=1, Arg2=[]}).
func appendFormatted(b *strings.Builder, v any) {
	switch t := v.(type) {
	case string:
		b.WriteString(t)
	case []any:
		b.WriteByte('[')
		for i, x := range t {
			if i > 0 {
				b.WriteString(", ")
			}
			appendFormatted(b, x)
		}
		b.WriteByte(']')
	case *value.Object:
		b.WriteByte('{')
		for i, m := range t.Members() {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(m.Key)
			b.WriteByte('=')
			appendFormatted(b, m.Value)
		}
		b.WriteByte('}')
	default: // numbers, booleans and null
		b.Write(value.Marshal(t))
	}
}

func evalStringToJSON(c *Call, args []any, _ Env) (any, error) {
	s, err := str(c, args, 0)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	v, perr := value.ParseString(s)
	if perr != nil {
		return nil, c.failf("the string is not valid JSON: %v", perr)
	}
	return v, nil
}

func evalJSONToString(_ *Call, args []any, _ Env) (any, error) {
	return value.String(args[0]), nil
}

func evalArray(_ *Call, args []any, _ Env) (any, error) {
	return args, nil
}

func evalArrayPartition(c *Call, args []any, _ Env) (any, error) {
	a, err := arr(c, args, 0)
	if err != nil {
		return nil, err
	}
	size, err := integer(c, args, 1)
	if err != nil {
		return nil, err
	}
	if size <= 0 {
		return nil, c.failf("the chunk size must be a positive integer, but was %d", size)
	}
	out := make([]any, 0, (int64(len(a))+size-1)/size)
	for i := int64(0); i < int64(len(a)); i += size {
		end := min(i+size, int64(len(a)))
		chunk := make([]any, end-i)
		copy(chunk, a[i:end])
		out = append(out, chunk)
	}
	return out, nil
}

func evalArrayContains(c *Call, args []any, _ Env) (any, error) {
	a, err := arr(c, args, 0)
	if err != nil {
		return nil, err
	}
	for _, x := range a {
		if value.Equal(x, args[1]) {
			return true, nil
		}
	}
	return false, nil
}

func evalArrayRange(c *Call, args []any, _ Env) (any, error) {
	var n [3]int64
	for i := range n {
		v, err := integer(c, args, i)
		if err != nil {
			return nil, err
		}
		n[i] = v
	}
	start, end, step := n[0], n[1], n[2]
	if step == 0 {
		return nil, c.failf("the step must not be 0")
	}
	count := int64(0)
	if (step > 0 && end >= start) || (step < 0 && end <= start) {
		count = (end-start)/step + 1
	}
	if count > maxRangeItems {
		return nil, c.failf("the range would hold %d items, more than the limit of %d", count, maxRangeItems)
	}
	out := make([]any, count)
	for i := range out {
		out[i] = value.Int(start + int64(i)*step)
	}
	return out, nil
}

func evalArrayGetItem(c *Call, args []any, _ Env) (any, error) {
	a, err := arr(c, args, 0)
	if err != nil {
		return nil, err
	}
	idx, err := integer(c, args, 1)
	if err != nil {
		return nil, err
	}
	if idx < 0 || idx >= int64(len(a)) {
		return nil, c.failf("index %d is out of bounds for an array of length %d", idx, len(a))
	}
	return a[idx], nil
}

func evalArrayLength(c *Call, args []any, _ Env) (any, error) {
	a, err := arr(c, args, 0)
	if err != nil {
		return nil, err
	}
	return value.Int(int64(len(a))), nil
}

func evalArrayUnique(c *Call, args []any, _ Env) (any, error) {
	a, err := arr(c, args, 0)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(a))
	seen := make(map[uint64][]any, len(a))
	for _, x := range a {
		h := value.Hash(x)
		dup := false
		for _, y := range seen[h] {
			if value.Equal(x, y) {
				dup = true
				break
			}
		}
		if !dup {
			seen[h] = append(seen[h], x)
			out = append(out, x)
		}
	}
	return out, nil
}

func evalBase64Encode(c *Call, args []any, _ Env) (any, error) {
	s, err := str(c, args, 0)
	if err != nil {
		return nil, err
	}
	if n := utf8.RuneCountInString(s); n > maxEncodeInput {
		return nil, c.failf("the input is %d characters long; the limit is %d", n, maxEncodeInput)
	}
	return base64.StdEncoding.EncodeToString([]byte(s)), nil
}

func evalBase64Decode(c *Call, args []any, _ Env) (any, error) {
	s, err := str(c, args, 0)
	if err != nil {
		return nil, err
	}
	if n := utf8.RuneCountInString(s); n > maxEncodeInput {
		return nil, c.failf("the input is %d characters long; the limit is %d", n, maxEncodeInput)
	}
	b, derr := base64.StdEncoding.DecodeString(s)
	if derr != nil {
		return nil, c.failf("the input is not valid base64")
	}
	return strings.ToValidUTF8(string(b), "\uFFFD"), nil
}

func evalHash(c *Call, args []any, _ Env) (any, error) {
	data, err := str(c, args, 0)
	if err != nil {
		return nil, err
	}
	alg, err := str(c, args, 1)
	if err != nil {
		return nil, err
	}
	if n := utf8.RuneCountInString(data); n > maxEncodeInput {
		return nil, c.failf("the input is %d characters long; the limit is %d", n, maxEncodeInput)
	}
	sum, ok := Hash(alg, data)
	if !ok {
		return nil, c.failf("the algorithm must be one of MD5, SHA-1, SHA-256, SHA-384, SHA-512, but was %q", alg)
	}
	return sum, nil
}

// Hash returns the hex digest of data with one of the algorithms Step
// Functions offers (MD5, SHA-1, SHA-256, SHA-384, SHA-512), and false for
// any other.
func Hash(alg, data string) (string, bool) {
	var h hash.Hash
	switch alg {
	case "MD5":
		h = md5.New()
	case "SHA-1":
		h = sha1.New()
	case "SHA-256":
		h = sha256.New()
	case "SHA-384":
		h = sha512.New384()
	case "SHA-512":
		h = sha512.New()
	default:
		return "", false
	}
	h.Write([]byte(data))
	return hex.EncodeToString(h.Sum(nil)), true
}

func evalJSONMerge(c *Call, args []any, _ Env) (any, error) {
	a, ok := args[0].(*value.Object)
	if !ok {
		return nil, typeErr(c, 0, "an object", args[0])
	}
	b, ok := args[1].(*value.Object)
	if !ok {
		return nil, typeErr(c, 1, "an object", args[1])
	}
	deep, ok := args[2].(bool)
	if !ok {
		return nil, typeErr(c, 2, "a boolean", args[2])
	}
	if deep {
		return nil, c.failf("deep merging is not supported; the third argument must be false")
	}
	out := value.NewBuilder(a.Len() + b.Len())
	for _, m := range a.Members() {
		out.Set(m.Key, m.Value)
	}
	for _, m := range b.Members() {
		out.Set(m.Key, m.Value)
	}
	return out.Object(), nil
}

func evalMathRandom(c *Call, args []any, env Env) (any, error) {
	start, err := integer(c, args, 0)
	if err != nil {
		return nil, err
	}
	end, err := integer(c, args, 1)
	if err != nil {
		return nil, err
	}
	if end <= start {
		return nil, c.failf("the end (%d) must be greater than the start (%d)", end, start)
	}
	var r *rand.Rand
	if len(args) == 3 {
		seed, err := integer(c, args, 2)
		if err != nil {
			return nil, err
		}
		r = rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))
	} else {
		r = rand.New(env.Random())
	}
	return value.Int(start + r.Int64N(end-start)), nil
}

func evalMathAdd(c *Call, args []any, _ Env) (any, error) {
	a, err := integer(c, args, 0)
	if err != nil {
		return nil, err
	}
	b, err := integer(c, args, 1)
	if err != nil {
		return nil, err
	}
	return value.Int(a + b), nil
}

// evalStringSplit splits on any of the delimiter's characters and drops
// empty pieces, as AWS does.
func evalStringSplit(c *Call, args []any, _ Env) (any, error) {
	s, err := str(c, args, 0)
	if err != nil {
		return nil, err
	}
	sep, err := str(c, args, 1)
	if err != nil {
		return nil, err
	}
	var parts []string
	if sep == "" {
		parts = []string{s}
	} else {
		parts = strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(sep, r) })
	}
	out := make([]any, 0, len(parts))
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return out, nil
}

func evalUUID(_ *Call, _ []any, env Env) (any, error) {
	return UUID(env.Random()), nil
}

// UUID returns a version 4 UUID drawn from src.
func UUID(src rand.Source) string {
	var b [16]byte
	hi, lo := src.Uint64(), src.Uint64()
	for i := 0; i < 8; i++ {
		b[i] = byte(hi >> (8 * i))
		b[8+i] = byte(lo >> (8 * i))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}
