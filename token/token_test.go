package token

import (
	"errors"
	"strings"
	"testing"
)

func TestMakeParse(t *testing.T) {
	k := RandomKey()
	const arn = "arn:aws:states:us-east-1:123456789012:execution:machine:run-1"
	tok := k.Make(arn, 42, 123456789)
	if tok != k.Make(arn, 42, 123456789) {
		t.Fatal("making a token is not deterministic")
	}
	gotARN, id, err := k.Parse(tok)
	if err != nil || gotARN != arn || id != 42 {
		t.Fatalf("Parse = %q %d %v", gotARN, id, err)
	}
	if len(tok) > MaxLength {
		t.Errorf("token of %d characters", len(tok))
	}
}

func TestForgedTokens(t *testing.T) {
	k, other := RandomKey(), RandomKey()
	const arn = "arn:aws:states:us-east-1:123456789012:execution:machine:run-1"
	tok := k.Make(arn, 1, 7)
	body := tok[:strings.LastIndexByte(tok, '.')]
	cases := map[string]string{
		"another key":         other.Make(arn, 1, 7),
		"empty":               "",
		"garbage":             "garbage",
		"no MAC":              body,
		"empty MAC":           body + ".",
		"another task":        strings.Replace(tok, ".1.", ".2.", 1),
		"truncated MAC":       tok[:len(tok)-2],
		"appended":            tok + "A",
		"old format":          "v1.YXJu.1.7",
		"too long":            tok + strings.Repeat("A", MaxLength),
		"MAC of another task": body + forgedMAC(k.Make(arn, 2, 7)),
	}
	for name, forged := range cases {
		if _, _, err := k.Parse(forged); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
	// Every single-character change of a real token is refused.
	for i := range tok {
		for _, c := range []byte{'A', 'z', '.', '0'} {
			if tok[i] == c {
				continue
			}
			altered := tok[:i] + string(c) + tok[i+1:]
			if _, _, err := k.Parse(altered); err == nil {
				t.Fatalf("altered at %d to %q: accepted", i, c)
			}
		}
	}
}

func TestNewKeyNeedsASecret(t *testing.T) {
	if _, err := NewKey([]byte("short")); err == nil {
		t.Error("a 5-byte secret was accepted")
	}
}

func FuzzParse(f *testing.F) {
	k := RandomKey()
	f.Add(k.Make("arn:aws:states:us-east-1:123456789012:execution:m:e", 3, 9))
	f.Add("v2.YQ.1.1.AAAAAAAAAAAAAAAAAAAAAA")
	f.Fuzz(func(t *testing.T, s string) {
		arn, id, err := k.Parse(s)
		if err == nil && k.Make(arn, id, 0) == "" {
			t.Fatal("unreachable")
		}
	})
}

func forgedMAC(tok string) string { return tok[strings.LastIndexByte(tok, '.'):] }
