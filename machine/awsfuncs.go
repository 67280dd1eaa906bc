package machine

import (
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/baton-sh/baton/intrinsic"
	"github.com/baton-sh/baton/jsonata"
	"github.com/baton-sh/baton/value"
)

// awsFunctions are the functions Step Functions adds to JSONata, with $eval
// taken away (AWS disables it; $parse replaces it).
var awsFunctions = func() *jsonata.Env {
	fn := func(name, sig string, arity int, f func(c *jsonata.Context, args []any) (any, error)) *jsonata.Function {
		x, err := jsonata.NewFunction(name, sig, arity, f)
		if err != nil {
			panic(err)
		}
		return x
	}
	return jsonata.NewEnv(map[string]any{
		"eval":      jsonata.Undefined,
		"partition": fn("partition", "<an:a>", 2, partition),
		"range":     fn("range", "<nnn?:a>", 3, rangeFn),
		"hash":      fn("hash", "<ss?:s>", 2, hashFn),
		"random":    fn("random", "<n?:n>", 1, randomFn),
		"uuid":      fn("uuid", "<:s>", 0, uuidFn),
		"parse":     fn("parse", "<s:j>", 1, parseFn),
	})
}()

// Arguments are rounded toward zero, as AWS does.
func truncated(v any) (float64, bool) {
	var f float64
	switch n := v.(type) {
	case float64:
		f = n
	case jsonata.Number:
		f = n.Float64()
	default:
		return 0, false
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return math.Trunc(f), true
}

// $partition(array, size): the array in chunks of size; nothing for an
// empty array or a size below one.
func partition(_ *jsonata.Context, args []any) (any, error) {
	items, _ := args[0].([]any)
	size, ok := truncated(args[1])
	if !ok || size < 1 || len(items) == 0 {
		return jsonata.Undefined, nil
	}
	n := int(math.Min(size, float64(len(items))))
	var out []any
	for i := 0; i < len(items); i += n {
		end := min(i+n, len(items))
		out = append(out, append([]any(nil), items[i:end]...))
	}
	return out, nil
}

// maxRange is the longest array $range makes; AWS refuses one element more
// as a memory limit.
const maxRange = 360145

var errMemory = &jsonata.Error{Code: "U1001", Message: "Expression evaluation memory limit exceeded: Check for excessive memory usage"}

// $range(start, end, step): start, start+step, ... up to end inclusive;
// nothing without a step or with one that does not lead to end. A single
// number is not wrapped in an array.
func rangeFn(_ *jsonata.Context, args []any) (any, error) {
	start, ok1 := truncated(args[0])
	end, ok2 := truncated(args[1])
	step, ok3 := truncated(args[2])
	if !ok1 || !ok2 || !ok3 || step == 0 || (end-start)*step < 0 {
		return jsonata.Undefined, nil
	}
	count := math.Floor((end-start)/step) + 1
	if count > maxRange {
		return nil, errMemory
	}
	if count == 1 {
		return start, nil
	}
	out := make([]any, int(count))
	for i := range out {
		out[i] = start + float64(i)*step
	}
	return out, nil
}

// $hash(value, algorithm): the hex digest; nothing without an algorithm.
func hashFn(_ *jsonata.Context, args []any) (any, error) {
	s, _ := args[0].(string)
	algo, ok := args[1].(string)
	if !ok {
		return jsonata.Undefined, nil
	}
	sum, ok := intrinsic.Hash(algo, s)
	if !ok {
		return nil, fmt.Errorf("Invalid hashing algorithm: %s. Valid algorithms are: MD5, SHA-1, SHA-256, SHA-384, SHA-512", algo)
	}
	return sum, nil
}

// $random([seed]): a number in [0, 1); the same one for the same seed.
func randomFn(c *jsonata.Context, args []any) (any, error) {
	if seed, ok := truncated(args[0]); ok {
		r := rand.New(rand.NewPCG(uint64(int64(seed)), 0x9e3779b97f4a7c15))
		return r.Float64(), nil
	}
	return c.Random(), nil
}

// $uuid(): a version 4 UUID.
func uuidFn(c *jsonata.Context, _ []any) (any, error) {
	var b [16]byte
	for i := 0; i < 16; i += 4 {
		x := uint32(c.Random() * (1 << 32))
		b[i], b[i+1], b[i+2], b[i+3] = byte(x>>24), byte(x>>16), byte(x>>8), byte(x)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	s := hex.EncodeToString(b[:])
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:], nil
}

// $parse(json): the value a JSON text holds.
func parseFn(_ *jsonata.Context, args []any) (any, error) {
	s, _ := args[0].(string)
	v, err := jsonata.ParseJSON([]byte(s))
	if err != nil {
		return nil, errors.New("Unable to parse JSON: " + err.Error())
	}
	return fromJSONata(v), nil
}

// fromJSONata turns a parsed document into Baton's values, which the
// evaluator passes through to the result untouched.
func fromJSONata(v any) any {
	switch t := v.(type) {
	case float64:
		return valueBuilder{}.Number(t)
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = fromJSONata(x)
		}
		return out
	case *jsonata.Map:
		b := value.NewBuilder(t.Len())
		for k, x := range t.All() {
			b.Set(k, fromJSONata(x))
		}
		return b.Object()
	}
	return v
}
