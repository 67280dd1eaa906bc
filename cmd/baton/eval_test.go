package main

import "testing"

func TestEval(t *testing.T) {
	t.Parallel()
	input := write(t, "input.json", `{"Account": {"Order": [{"Product": [{"Price": 34.45, "Quantity": 2}, {"Price": 21.67, "Quantity": 1}]}]}}`)
	tests := []struct {
		args           []string
		stdout, stderr string
		code           int
	}{
		{[]string{"eval", "1 + 2"}, "3\n", "", 0},
		{[]string{"eval", "$sum(Account.Order.Product.(Price * Quantity))", "--input", "@" + input}, "90.57000000000001\n", "", 0}, // JavaScript arithmetic,
		{[]string{"eval", "--input", `{"a": [1, 2]}`, "a"}, "[1,2]\n", "", 0},
		{[]string{"eval", "nothing"}, "", "", 0},
		{[]string{"eval", "$"}, "", "", 0},
		{[]string{"eval", "$", "--input", "null"}, "null\n", "", 0},
		{[]string{"eval", "-1"}, "-1\n", "", 0},
		{[]string{"eval", "$x & $y", "--bindings", `{"x": "a", "y": "b"}`}, "\"ab\"\n", "", 0},
		{[]string{"eval", `1 + "a"`}, "", "T2002: The right side of the \"+\" operator must evaluate to a number\n", 1},
		{[]string{"eval", `(`}, "", "S0203: Expected \")\" before end of expression\n", 1},
		{[]string{"eval", "--json", "{'a': 1}"}, "{\"result\":{\"a\":1}}\n", "", 0},
		{[]string{"eval", "--json", "nothing"}, "{\"undefined\":true}\n", "", 0},
		{[]string{"eval", "--json", `$error("no")`}, "{\"error\":{\"code\":\"D3137\",\"message\":\"no\"}}\n", "", 1},
		{[]string{"eval", "a", "--input", "{"}, "", "", 2},
		{[]string{"eval"}, "", "", 2},
	}
	for _, tt := range tests {
		r := cli(t, tt.args...)
		if r.code != tt.code || r.stdout != tt.stdout || (tt.code != 2 && r.stderr != tt.stderr) {
			t.Errorf("%q: got (%d, %q, %q), want (%d, %q, %q)", tt.args, r.code, r.stdout, r.stderr, tt.code, tt.stdout, tt.stderr)
		}
	}
}
