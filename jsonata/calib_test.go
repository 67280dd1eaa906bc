package jsonata

import (
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// calibration are heavy evaluations of each kind of work the budget
// charges. TestCalibrate (BATON_CALIBRATE=1) runs them without a limit and
// reports the time each step took: the costs in budget.go are set so that
// these times are alike, and DefaultMaxSteps so that the slowest kind of
// work stops after about 5 seconds.
var calibration = []struct{ name, src string }{
	{"recursion", `($f := function($n){ $n = 0 ? 0 : $f($n - 1) }; $f(3000000))`},
	{"endless", `($f := function($n){ $n > 3000000 ? $n : $f($n + 1) }; $f(0))`},
	{"path", `$sum([1..5000000].($ * 2 + 1))`},
	{"map", `$count($map([1..3000000], function($x){ $x + 1 }))`},
	{"filter", `$count([1..5000000][$ % 3 = 0])`},
	{"range", `$sum($map([1..300], function($i){ $count([1..1000000]) }))`},
	{"range 1e7", `$count([1..10000000])`},
	{"string numbers", `$length($string([1..3000000]))`},
	{"string 1e7", `$length($string([1..10000000]))`},
	{"string objects", `$length($string([1..500000].{"a": $, "b": "text", "c": [true, null]}))`},
	{"join", `$length($join([1..1000000].$string(), ","))`},
	{"concat", `$length($reduce([1..40000], function($a, $x){ $a & "x" }, ""))`},
	{"append", `$count($reduce([1..30000], function($a, $x){ $append($a, $x) }, []))`},
	{"distinct", `$count($distinct([1..20000]))`},
	{"sort numbers", `$count($sort([1..1000000].(($ * 7919) % 100003)))`},
	{"sort strings", `$count($sort([1..300000].$string(($ * 7919) % 100003)))`},
	{"sort lambda", `$count($sort([1..200000].(($ * 7919) % 100003), function($a, $b){ $a > $b }))`},
	{"order by", `$count(([1..300000].{"k": ($ * 7919) % 100003})^(k))`},
	{"group", `$count($keys([1..1000000]{$string($ % 1000): $}))`},
	{"equal", `$count($map([1..100], function($i){ [1..1000000] = [1..1000000] }))`},
	{"keys/merge", `$count($keys($merge([1..300000].{$string($): $})))`},
	{"spread", `$count($spread($merge([1..300000].{$string($): $})))`},
	{"wildcard", `$count([1..300].{"a": [1..1000], "b": {"c": [1..1000]}}.**)`},
	{"uppercase", `$sum($map([1..2000], function($i){ $length($uppercase($s)) }))`},
	{"substring", `$sum($map([1..2000], function($i){ $length($substring($s, 10, 100000)) }))`},
	{"split", `$sum($map([1..200], function($i){ $count($split($s, " ")) }))`},
	{"replace", `$sum($map([1..300], function($i){ $length($replace($s, "ab", "xyz")) }))`},
	{"regex scan", `$sum($map([1..300], function($i){ $count($match($s, /x\d+y/)) }))`},
	{"regex match", `$count($match($s, /[a-z]+/))`},
	{"regex replace", `$length($replace($s, /(\w+) (\w+)/, "$2 $1"))`},
	{"regex split", `$count($split($s, /\s+/))`},
	{"regex catastrophic", `$match("aaaaaaaaaaaaaaaaaaaaaaaaa!", /(a+)+$/)`},
	{"regex nested", `$match($substring($s, 0, 20000), /(?:(\w)+\s?)+$/)`},
	{"eval", `$sum($map([1..30000], function($i){ $eval("1 + 2 * 3 - $i", {"i": $i}) }))`},
	{"result", `[1..3000000].{"a": $}`},
}

func calibrationInput() any {
	words := []string{"alpha", "beta", "gamma", "delta", "ab", "x12y", "epsilon", "zeta"}
	var b strings.Builder
	for i := 0; b.Len() < 1<<20; i++ {
		b.WriteString(words[i%len(words)])
		b.WriteByte(' ')
	}
	return map[string]any{"s": b.String()}
}
func TestCalibrate(t *testing.T) {
	if os.Getenv("BATON_CALIBRATE") == "" {
		t.Skip("set BATON_CALIBRATE=1 to measure the costs of work")
	}
	s := calibrationInput().(map[string]any)
	for _, c := range calibration {
		if only := os.Getenv("BATON_CALIBRATE"); only != "1" && !strings.Contains(c.name, only) {
			continue
		}
		e := MustCompile(c.src)
		runtime.GC()
		var u usage
		cpu0 := cpuTime()
		start := time.Now()
		_, err := e.evaluate(Undefined, &Options{MaxSteps: -1, MaxMemory: -1, Bindings: s}, &u)
		used := u.steps
		d := time.Since(start)
		cpu := cpuTime() - cpu0
		t.Logf("%-20s %7.2f ns/step (%7.2f CPU) %12d steps %7.0f ms (%7.0f CPU)  %v", c.name,
			float64(d.Nanoseconds())/float64(used), float64(cpu.Nanoseconds())/float64(used), used,
			d.Seconds()*1000, cpu.Seconds()*1000, err)
	}
}

// cpuTime is the time the process has run on a processor.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
