package eventpattern

import (
	"testing"

	"github.com/baton-sh/baton/value"
)

// ec2 is the example event of EventBridge's documentation, with a few
// fields more for the operators that need them.
const ec2 = `{
  "version": "0",
  "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
  "detail-type": "EC2 Instance State-change Notification",
  "source": "aws.ec2",
  "account": "111122223333",
  "time": "2017-12-22T18:43:48Z",
  "region": "us-west-1",
  "resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
  "detail": {
    "instance-id": "i-1234567890abcdef0",
    "state": "terminated",
    "c-count": 5,
    "d-count": 3.0e0,
    "x-limit": 301.8,
    "source-ip": "10.0.0.123",
    "ipv6": "2001:db8::1",
    "FileName": "photo.PNG",
    "FilePath": "/usr/lib/libc.so",
    "eventVersion": "",
    "responseElements": null,
    "flag": true,
    "count-text": "5",
    "big": 111122223333,
    "tags": ["red", "green"],
    "empty": [],
    "nested": {"a": 1},
    "items": [{"kind": "book", "price": 10}, {"kind": "pen", "price": 2}],
    "parts": [{"kind": "book", "colour": "red"}, {"kind": "pen"}],
    "matrix": [[1, 2], [3, "x"]]
  }
}`

func TestMatch(t *testing.T) {
	event := value.MustParse(ec2)
	tests := []struct {
		name    string
		pattern string
		want    bool
	}{
		// Exact values and the structure of patterns.
		{"exact string", `{"source": ["aws.ec2"]}`, true},
		{"exact string, other value", `{"source": ["aws.s3"]}`, false},
		{"exact is case-sensitive", `{"source": ["AWS.EC2"]}`, false},
		{"one of several values", `{"source": ["aws.s3", "aws.ec2"]}`, true},
		{"fields are ANDed", `{"source": ["aws.ec2"], "region": ["us-west-1"]}`, true},
		{"fields are ANDed, one fails", `{"source": ["aws.ec2"], "region": ["us-east-1"]}`, false},
		{"missing field", `{"nope": ["aws.ec2"]}`, false},
		{"nested field", `{"detail": {"state": ["terminated"]}}`, true},
		{"nested field, other value", `{"detail": {"state": ["running"]}}`, false},
		{"nested pattern on a leaf of the event", `{"source": {"x": ["aws.ec2"]}}`, false},
		{"leaf pattern on an object of the event", `{"detail": {"nested": [1]}}`, false},
		{"deeper nesting", `{"detail": {"nested": {"a": [1]}}}`, true},
		{"empty string", `{"detail": {"eventVersion": [""]}}`, true},
		{"empty string is not null", `{"detail": {"responseElements": [""]}}`, false},
		{"null", `{"detail": {"responseElements": [null]}}`, true},
		{"null is not the empty string", `{"detail": {"eventVersion": [null]}}`, false},
		{"null does not match a missing field", `{"detail": {"nope": [null]}}`, false},
		{"boolean", `{"detail": {"flag": [true]}}`, true},
		{"boolean, other value", `{"detail": {"flag": [false]}}`, false},
		{"boolean is not a string", `{"detail": {"flag": ["true"]}}`, false},
		{"number", `{"detail": {"c-count": [5]}}`, true},
		{"number by value: 5.0 matches 5", `{"detail": {"c-count": [5.0]}}`, true},
		{"number by value: 3 matches 3.0e0", `{"detail": {"d-count": [3]}}`, true},
		{"number is not a string", `{"detail": {"count-text": [5]}}`, false},
		{"string is not a number", `{"detail": {"c-count": ["5"]}}`, false},
		{"numbers beyond ±5e9 by their text", `{"account": [111122223333]}`, false},
		{"numbers beyond ±5e9, same text", `{"detail": {"big": [111122223333]}}`, true},
		{"numbers beyond ±5e9, other text", `{"detail": {"big": [1.11122223333e11]}}`, false},
		{"array: any element matches", `{"detail": {"tags": ["green"]}}`, true},
		{"array: no element matches", `{"detail": {"tags": ["blue"]}}`, false},
		{"array of the event against a list", `{"resources": ["x", "arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"]}`, true},
		{"nested arrays are flattened", `{"detail": {"matrix": ["x"]}}`, true},
		{"objects in arrays: one element", `{"detail": {"items": {"kind": ["pen"], "price": [2]}}}`, true},
		{"objects in arrays: fields from two elements do not match", `{"detail": {"items": {"kind": ["pen"], "price": [10]}}}`, false},

		// prefix, suffix, equals-ignore-case.
		{"prefix", `{"time": [{"prefix": "2017-12-22"}]}`, true},
		{"prefix, no", `{"time": [{"prefix": "2018"}]}`, false},
		{"prefix is case-sensitive", `{"source": [{"prefix": "AWS."}]}`, false},
		{"prefix on a number", `{"detail": {"c-count": [{"prefix": "5"}]}}`, false},
		{"prefix ignoring case", `{"source": [{"prefix": {"equals-ignore-case": "AWS.E"}}]}`, true},
		{"prefix ignoring case, no", `{"source": [{"prefix": {"equals-ignore-case": "AWS.S"}}]}`, false},
		{"suffix", `{"detail": {"FileName": [{"suffix": ".PNG"}]}}`, true},
		{"suffix is case-sensitive", `{"detail": {"FileName": [{"suffix": ".png"}]}}`, false},
		{"suffix ignoring case", `{"detail": {"FileName": [{"suffix": {"equals-ignore-case": ".png"}}]}}`, true},
		{"suffix ignoring case, no", `{"detail": {"FileName": [{"suffix": {"equals-ignore-case": ".jpg"}}]}}`, false},
		{"equals-ignore-case", `{"detail-type": [{"equals-ignore-case": "ec2 instance state-change notification"}]}`, true},
		{"equals-ignore-case, no", `{"detail-type": [{"equals-ignore-case": "ec2 instance"}]}`, false},
		{"equals-ignore-case on an array", `{"detail": {"tags": [{"equals-ignore-case": "RED"}]}}`, true},

		// anything-but.
		{"anything-but string", `{"detail": {"state": [{"anything-but": "initializing"}]}}`, true},
		{"anything-but string, excluded", `{"detail": {"state": [{"anything-but": "terminated"}]}}`, false},
		{"anything-but list", `{"detail": {"state": [{"anything-but": ["stopped", "overloaded"]}]}}`, true},
		{"anything-but list, excluded", `{"detail": {"state": [{"anything-but": ["stopped", "terminated"]}]}}`, false},
		{"anything-but number", `{"detail": {"x-limit": [{"anything-but": 100}]}}`, true},
		{"anything-but number, excluded by value", `{"detail": {"c-count": [{"anything-but": 5.0}]}}`, false},
		{"anything-but numbers, excluded", `{"detail": {"c-count": [{"anything-but": [4, 5]}]}}`, false},
		{"anything-but never matches a missing field", `{"detail": {"nope": [{"anything-but": "x"}]}}`, false},
		{"anything-but on an array: one element not excluded", `{"detail": {"tags": [{"anything-but": "red"}]}}`, true},
		{"anything-but on an array: every element excluded", `{"detail": {"tags": [{"anything-but": ["red", "green"]}]}}`, false},
		{"anything-but strings, a number is not named", `{"detail": {"c-count": [{"anything-but": "5"}]}}`, true},
		{"anything-but prefix", `{"region": [{"anything-but": {"prefix": "us-"}}]}`, false},
		{"anything-but prefix, not excluded", `{"region": [{"anything-but": {"prefix": "eu-"}}]}`, true},
		{"anything-but suffix", `{"detail": {"FileName": [{"anything-but": {"suffix": ".PNG"}}]}}`, false},
		{"anything-but suffix, not excluded", `{"detail": {"FileName": [{"anything-but": {"suffix": ".png"}}]}}`, true},
		{"anything-but equals-ignore-case", `{"detail": {"state": [{"anything-but": {"equals-ignore-case": "TERMINATED"}}]}}`, false},
		{"anything-but equals-ignore-case list", `{"detail": {"state": [{"anything-but": {"equals-ignore-case": ["RUNNING", "Stopped"]}}]}}`, true},
		{"anything-but wildcard", `{"detail": {"FilePath": [{"anything-but": {"wildcard": "*/lib/*"}}]}}`, false},
		{"anything-but wildcard list, not excluded", `{"detail": {"FilePath": [{"anything-but": {"wildcard": ["*/bin/*", "*.txt"]}}]}}`, true},

		// numeric.
		{"numeric >", `{"detail": {"c-count": [{"numeric": [">", 0]}]}}`, true},
		{"numeric > at the bound", `{"detail": {"c-count": [{"numeric": [">", 5]}]}}`, false},
		{"numeric >= at the bound", `{"detail": {"c-count": [{"numeric": [">=", 5]}]}}`, true},
		{"numeric <", `{"detail": {"c-count": [{"numeric": ["<", 5]}]}}`, false},
		{"numeric <=", `{"detail": {"c-count": [{"numeric": ["<=", 5]}]}}`, true},
		{"numeric range", `{"detail": {"c-count": [{"numeric": [">", 0, "<=", 5]}]}}`, true},
		{"numeric range, outside", `{"detail": {"x-limit": [{"numeric": [">", 0, "<=", 300]}]}}`, false},
		{"numeric range, inclusive bounds", `{"detail": {"x-limit": [{"numeric": [">=", 301.8, "<=", 301.8000001]}]}}`, true},
		{"numeric range, exclusive upper bound", `{"detail": {"c-count": [{"numeric": [">=", 0, "<", 5]}]}}`, false},
		{"numeric =", `{"detail": {"x-limit": [{"numeric": ["=", 3.018e2]}]}}`, true},
		{"numeric = by value", `{"detail": {"d-count": [{"numeric": ["=", 3]}]}}`, true},
		{"numeric on a string", `{"detail": {"count-text": [{"numeric": ["=", 5]}]}}`, false},
		{"numeric on an array", `{"detail": {"items": {"price": [{"numeric": ["<", 5]}]}}}`, true},
		{"numeric on a missing field", `{"detail": {"nope": [{"numeric": [">", 0]}]}}`, false},

		// exists.
		{"exists true", `{"detail": {"state": [{"exists": true}]}}`, true},
		{"exists true, missing", `{"detail": {"nope": [{"exists": true}]}}`, false},
		{"exists false, missing", `{"detail": {"nope": [{"exists": false}]}}`, true},
		{"exists false, present", `{"detail": {"state": [{"exists": false}]}}`, false},
		{"exists true on null", `{"detail": {"responseElements": [{"exists": true}]}}`, true},
		{"exists true on an object: only leaves exist", `{"detail": {"nested": [{"exists": true}]}}`, false},
		{"exists false on an object", `{"detail": {"nested": [{"exists": false}]}}`, true},
		{"exists true on an array", `{"detail": {"tags": [{"exists": true}]}}`, true},
		{"exists true on an empty array", `{"detail": {"empty": [{"exists": true}]}}`, false},
		{"exists false on an empty array", `{"detail": {"empty": [{"exists": false}]}}`, true},
		{"exists false under a missing object", `{"nope": {"deeper": [{"exists": false}]}}`, true},
		{"exists true under a missing object", `{"nope": {"deeper": [{"exists": true}]}}`, false},
		{"exists false in objects of an array", `{"detail": {"items": {"colour": [{"exists": false}]}}}`, true},
		{"exists false in objects of an array: absent from every one", `{"detail": {"items": {"price": [{"exists": false}]}}}`, false},
		{"exists false in objects of an array: present in one", `{"detail": {"parts": {"colour": [{"exists": false}]}}}`, false},
		{"exists false with a field that picks the element", `{"detail": {"parts": {"kind": ["pen"], "colour": [{"exists": false}]}}}`, true},
		{"exists false with a field that picks the element, present", `{"detail": {"parts": {"kind": ["book"], "colour": [{"exists": false}]}}}`, false},

		// cidr.
		{"cidr", `{"detail": {"source-ip": [{"cidr": "10.0.0.0/24"}]}}`, true},
		{"cidr, outside", `{"detail": {"source-ip": [{"cidr": "10.0.1.0/24"}]}}`, false},
		{"cidr /32", `{"detail": {"source-ip": [{"cidr": "10.0.0.123/32"}]}}`, true},
		{"cidr IPv6", `{"detail": {"ipv6": [{"cidr": "2001:db8::/32"}]}}`, true},
		{"cidr IPv6 against IPv4", `{"detail": {"source-ip": [{"cidr": "2001:db8::/32"}]}}`, false},
		{"an exact IP address however written", `{"detail": {"ipv6": ["2001:DB8:0::1"]}}`, true},
		{"an exact IP address, another", `{"detail": {"ipv6": ["2001:db8::2"]}}`, false},
		{"cidr on text that is no address", `{"detail": {"state": [{"cidr": "10.0.0.0/8"}]}}`, false},

		// wildcard.
		{"wildcard", `{"detail": {"FilePath": [{"wildcard": "/usr/*/libc.so"}]}}`, true},
		{"wildcard, no", `{"detail": {"FilePath": [{"wildcard": "/usr/*/libm.so"}]}}`, false},
		{"wildcard, several stars", `{"detail": {"FilePath": [{"wildcard": "*/lib/*.so"}]}}`, true},
		{"wildcard alone", `{"detail": {"state": [{"wildcard": "*"}]}}`, true},
		{"wildcard without a star is exact", `{"detail": {"state": [{"wildcard": "terminate"}]}}`, false},
		{"wildcard: an escaped star is literal", `{"detail": {"state": [{"wildcard": "term\\*"}]}}`, false},
		{"wildcard on a number", `{"detail": {"c-count": [{"wildcard": "*"}]}}`, false},

		// $or.
		{"$or, first", `{"$or": [{"source": ["aws.ec2"]}, {"region": ["x"]}]}`, true},
		{"$or, second", `{"$or": [{"source": ["x"]}, {"region": ["us-west-1"]}]}`, true},
		{"$or, none", `{"$or": [{"source": ["x"]}, {"region": ["y"]}]}`, false},
		{"$or with other fields", `{"source": ["aws.ec2"], "$or": [{"detail": {"c-count": [{"numeric": [">", 10]}]}}, {"detail": {"state": ["terminated"]}}]}`, true},
		{"$or nested in an object", `{"detail": {"$or": [{"c-count": [{"numeric": [">", 10]}]}, {"d-count": [{"numeric": ["<", 5]}]}]}}`, true},
		{"$or nested in an object, none", `{"detail": {"$or": [{"c-count": [{"numeric": [">", 10]}]}, {"d-count": [{"numeric": [">", 5]}]}]}}`, false},
		{"$or inside $or", `{"$or": [{"source": ["x"]}, {"$or": [{"region": ["y"]}, {"account": ["111122223333"]}]}]}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse([]byte(tt.pattern))
			if err != nil {
				t.Fatalf("Parse(%s): %v", tt.pattern, err)
			}
			if got := p.Match(event); got != tt.want {
				t.Errorf("Match(%s) = %v, want %v", tt.pattern, got, tt.want)
			}
		})
	}
}

func TestMatchNonObjectEvents(t *testing.T) {
	tests := []struct {
		pattern, event string
		want           bool
	}{
		{`{"a": ["x"]}`, `"a"`, false},
		{`{"a": [{"exists": false}]}`, `[1, 2]`, true},
		{`{"a": {"b": [{"exists": false}]}}`, `null`, true},
	}
	for _, tt := range tests {
		got, err := MustParse(tt.pattern).MatchJSON([]byte(tt.event))
		if err != nil {
			t.Fatalf("MatchJSON(%s): %v", tt.event, err)
		}
		if got != tt.want {
			t.Errorf("pattern %s, event %s: got %v, want %v", tt.pattern, tt.event, got, tt.want)
		}
	}
	if _, err := MustParse(`{"a": ["x"]}`).MatchJSON([]byte(`{`)); err == nil {
		t.Error("MatchJSON of malformed JSON: no error")
	}
}

func TestGlob(t *testing.T) {
	tests := []struct {
		glob, text string
		want       bool
	}{
		{"*", "", true},
		{"", "", true},
		{"", "a", false},
		{"a*", "a", true},
		{"*a", "ba", true},
		{"*a", "ab", false},
		{"a*a", "a", false},
		{"a*a", "aa", true},
		{"a*b*c", "abbbc", true},
		{"a*b*c", "acb", false},
		{"*ab*ab*", "abab", true},
		{"*ab*ab*", "aba", false},
		{`a\*`, "a*", true},
		{`a\*`, "ab", false},
		{`a\\*`, `a\bc`, true},
		{`\**`, "*x", true},
	}
	for _, tt := range tests {
		g, err := compileGlob(tt.glob, "")
		if err != nil {
			t.Fatalf("compileGlob(%q): %v", tt.glob, err)
		}
		if got := g.match(tt.text); got != tt.want {
			t.Errorf("glob %q on %q = %v, want %v", tt.glob, tt.text, got, tt.want)
		}
	}
}
