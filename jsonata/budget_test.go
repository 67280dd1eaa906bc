package jsonata

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// run evaluates src with a budget, returning the result as JSON or the
// error, and the steps taken.
func runBudget(t *testing.T, src string, bindings map[string]any, steps int) (string, int) {
	t.Helper()
	e, err := Compile(src)
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	var u usage
	v, err := e.evaluate(Undefined, &Options{MaxSteps: steps, Bindings: bindings, Now: time.Unix(0, 0), Random: func() float64 { return 0.5 }}, &u)
	if err != nil {
		return "error " + err.Error(), u.steps
	}
	return string(MarshalJSON(v)), u.steps
}

func isBudgetError(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == "U1001" && e.Text() == errTimeout
}

func bigBindings() map[string]any {
	nums := make([]any, 200_000)
	objs := make([]any, 60_000)
	zeros := make([]any, 200_000)
	for i := range nums {
		nums[i] = float64(i % 977)
		zeros[i] = 0.0
	}
	for i := range objs {
		m := NewMap(2)
		m.Set(fmt.Sprintf("k%d", i), float64(i))
		m.Set("v", "x")
		objs[i] = m
	}
	big := NewMap(len(objs))
	for i := range objs {
		big.Set(fmt.Sprintf("k%d", i), float64(i))
	}
	return map[string]any{
		"nums": nums, "objs": objs, "big": big, "zeros": zeros,
		"text": strings.Repeat("lorem ipsum dolor sit amet, ", 40_000),
	}
}

// TestBudgetCharges checks that each kind of work is charged: every
// expression does at least 60,000 items' worth of work over large bound
// values (binding them costs nothing), and must fail within a budget of
// 50,000 steps.
func TestBudgetCharges(t *testing.T) {
	b := bigBindings()
	for _, src := range []string{
		`$nums`, `$objs`, `$string($nums)`, `$string($objs)`, `$sum($nums)`, `$max($nums)`, `$average($nums)`,
		`$sort($nums)`, `$reverse($nums)`, `$shuffle($nums)`, `$distinct($nums)`, `$append($nums, $nums) ~> $count()`,
		`$count($map($nums, $string))`, `$count($filter($nums, function($v){ $v > 5 }))`, `$reduce($nums, function($a, $v){ $a + $v })`,
		`$count($zip($nums, $nums))`, `$count($keys($objs))`, `$count($keys($big))`, `$count($spread($big))`, `$count($merge($objs))`,
		`$count($each($big, function($v){ $v }))`, `$count($sift($big, function($v){ $v > 3 }))`, `$count($lookup($objs, "v"))`,
		`$count($objs.v)`, `$count($objs.*)`, `$count($objs.**)`, `$count($nums[$ > 100])`, `$nums = $nums`, `5000 in $nums`,
		`$count([$nums, $nums])`, `$count($nums^($))`, `$count($keys($nums{$string($): $}))`, `$count($clone($objs))`,
		`$boolean($zeros)`, `$replace($substring($text, 0, 100000), /\w+/, function($m){ "x" })`, `$count($nums.$)`, `$join($objs.v)`, `$count([1..1000000])`,
		`$length($uppercase($text))`, `$length($lowercase($text))`, `$length($text & $text)`, `$length($trim($text))`,
		`$length($substring($text, 5))`, `$length($text)`, `$contains($text, "zzz")`, `$substringAfter($text, "zzz")`,
		`$count($split($text, " "))`, `$length($replace($text, "o", "0"))`, `$length($pad("x", 1000000))`,
		`$length($base64encode($text))`, `$length($encodeUrlComponent($text))`, `$count($match($text, /\w+/))`,
		`$contains($text, /zzz/)`, `$count($split($text, /\s+/))`, `$length($replace($text, /(\w+)/, "<$1>"))`,
		`$text < $text & "x"`, `$eval($string($nums))`, `$nums + 1`, `$count($nums.{"a": $})`,
		`$count($nums ~> $map(function($v, $i, $a){ $a[0] }))`,
	} {
		got, used := runBudget(t, src, b, 50_000)
		if !strings.HasPrefix(got, "error U1001: "+errTimeout) {
			t.Errorf("%s: %.80s (%d steps), want the budget error", src, got, used)
		}
	}
}

// TestBudgetDeterministic checks that the same evaluation takes the same
// steps, and fails or succeeds at the same budget, every time.
func TestBudgetDeterministic(t *testing.T) {
	b := bigBindings()
	for _, src := range []string{
		`$sum($map([1..2000], function($x){ $x * $x }))`,
		`$count($sort($filter($nums, function($v, $i){ $i < 20000 }))[[0..10]])`,
		`($f := function($n){ $n = 0 ? "done" : $f($n - 1) }; $f(10000))`,
		`$count($match($substring($text, 0, 20000), /(?<w>\w+)\s+\k<w>|dolor/i))`,
		`$string($objs[[0..50]]{v: $count($)})`,
		`$replace($substring($text, 0, 500), /(\w)(\w*)/, function($m){ $uppercase($m.groups[0]) & $m.groups[1] })`,
	} {
		got, used := runBudget(t, src, b, -1)
		if strings.HasPrefix(got, "error") {
			t.Fatalf("%s: %s", src, got)
		}
		for range 2 {
			again, usedAgain := runBudget(t, src, b, -1)
			if again != got || usedAgain != used {
				t.Errorf("%s: %d steps then %d", src, used, usedAgain)
			}
		}
		// exactly enough, and one step short
		if enough, _ := runBudget(t, src, b, used); enough != got {
			t.Errorf("%s with %d steps: %.80s", src, used, enough)
		}
		if short, _ := runBudget(t, src, b, used-1); !strings.HasPrefix(short, "error U1001: ") {
			t.Errorf("%s with %d steps: %.80s, want the budget error", src, used-1, short)
		}
	}
}

// TestBudgetHuge checks that huge work stops at the default budget (with no
// memory bound: TestMemoryHuge has them with it), and soon (in seconds for the huge range, $string and $sort, which run once:
// they used to run for minutes), the same way twice for the regular
// expressions.
func TestBudgetHuge(t *testing.T) {
	exprs := []string{
		`$match("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", /(a+)+$/)`,
		`$contains("` + strings.Repeat("a", 5000) + `", /(a|aa)*b/)`,
	}
	if !testing.Short() && !raceEnabled {
		exprs = append(exprs,
			`$count([1..10000000].[1..10000000])`,
			`$string([1..10000000].[$, $])`,
			`$count($sort([1..10000000].($ % 1000)))`,
		)
	}
	for _, src := range exprs {
		e := MustCompile(src)
		var errs [2]error
		var took [2]time.Duration
		for i := range errs {
			if i > 0 && !strings.Contains(src, "/") {
				errs[i], took[i] = errs[0], took[0]
				break
			}
			start := time.Now()
			_, errs[i] = e.Evaluate(Undefined, &Options{MaxMemory: -1}) // the work budget alone
			took[i] = time.Since(start)
		}
		if !isBudgetError(errs[0]) || !isBudgetError(errs[1]) {
			t.Errorf("%.60s: %v, then %v, want the budget error", src, errs[0], errs[1])
		}
		t.Logf("%.60s: %v, %v", src, took[0], took[1])
		limit := 15 * time.Second // generous: the machine may be busy
		if strings.Contains(src, "/") {
			limit = time.Second
		}
		if raceEnabled {
			limit *= 20
		}
		if took[0] > limit {
			t.Errorf("%.60s: stopped after %v", src, took[0])
		}
	}
}

// TestBudgetErrorValues checks that an error's values are converted within
// the budget: a value shared many times over is no way around it.
func TestBudgetErrorValues(t *testing.T) {
	src := `($f := function($x, $n){ $n = 0 ? $x : $f({"a": $x, "b": $x}, $n - 1) }; $f(1, 60) + 1)`
	start := time.Now()
	_, err := MustCompile(src).Evaluate(Undefined, &Options{MaxSteps: 10_000_000})
	if !isBudgetError(err) {
		t.Errorf("got %v, want the budget error", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v", d)
	}
	// and so is a result
	_, err = MustCompile(`($f := function($x, $n){ $n = 0 ? $x : $f([$x, $x], $n - 1) }; $f([1], 60))`).Evaluate(Undefined, &Options{MaxSteps: 1_000_000})
	if !isBudgetError(err) {
		t.Errorf("got %v, want the budget error", err)
	}
}

// TestMemory checks that what an evaluation makes is bounded: expressions
// that would build gigabytes stop at the memory bound, at the same point
// every time (the count depends on the expression alone), after making
// about what they counted; those within it are not stopped.
func TestMemory(t *testing.T) {
	const bound = 64 << 20
	tests := []struct {
		src   string
		fails bool
	}{
		{`($f := function($s, $n){ $n = 0 ? $s : $f($s & $s, $n - 1) }; $f("x", 34))`, true},
		{`[1..10000000].[1..10000000]`, true},
		{`$string([1..10000000])`, true},
		{`($s := $pad("", 1000000, "x"); $string([1..1000].($s)))`, true},
		{`$count([1..1000000].{"a": $})`, true},
		{`$count($map([1..1000000], function($v){ function(){ $v } }))`, true},
		{`$count($split($join([1..3000000].("a"), ","), ","))`, true},
		{`$fromMillis(0, "[Y,999999999]")`, true},
		{`$length($string([1..100000]))`, false},
		{`$reduce([1..100000], function($a, $v){ $a & "abcdefghij" }, "") ~> $length()`, false},
		{`$count(([1..200000].{"k": "a", "v": $}){k: v}.a)`, false},
	}
	for _, tt := range tests {
		e := MustCompile(tt.src)
		var uses [2]usage
		var errs [2]error
		var made uint64
		for i := range uses {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, errs[i] = e.evaluate(Undefined, &Options{MaxMemory: bound}, &uses[i])
			runtime.ReadMemStats(&after)
			made = after.TotalAlloc - before.TotalAlloc
		}
		var je *Error
		isMemory := errors.As(errs[0], &je) && je.Code == "U1001" && je.Message == errMemory
		switch {
		case tt.fails && !isMemory:
			t.Errorf("%.60s: %v, want the memory error", tt.src, errs[0])
		case !tt.fails && errs[0] != nil:
			t.Errorf("%.60s: %v", tt.src, errs[0])
		}
		if uses[0] != uses[1] || fmt.Sprint(errs[0]) != fmt.Sprint(errs[1]) {
			t.Errorf("%.60s: %+v %v, then %+v %v", tt.src, uses[0], errs[0], uses[1], errs[1])
		}
		// What the process allocated stays near what was counted.
		if made > 4*bound {
			t.Errorf("%.60s: allocated %d MB counting %d MB", tt.src, made>>20, uses[1].bytes>>20)
		}
	}
}
