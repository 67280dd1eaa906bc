package jsonata

import (
	"encoding/base64"
	"math"
	"math/big"
	"strconv"
	"strings"
)

func parseFloat(s string) (float64, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && isRangeErr(err) {
		return f, nil
	}
	return f, err
}

// toFixed is JavaScript's Number.prototype.toFixed: the exact value of x
// rounded half up to dp decimal places.
func toFixed(x float64, dp int) string {
	if math.IsNaN(x) {
		return "NaN"
	}
	if math.Abs(x) >= 1e21 || math.IsInf(x, 0) {
		return FormatNumber(x)
	}
	neg := x < 0
	exact := strconv.FormatFloat(math.Abs(x), 'f', 1100, 64)
	intPart, frac, _ := strings.Cut(exact, ".")
	digits := []byte(intPart + frac[:dp])
	roundUp := frac[dp] >= '5'
	if roundUp {
		i := len(digits) - 1
		for ; i >= 0; i-- {
			if digits[i] == '9' {
				digits[i] = '0'
				continue
			}
			digits[i]++
			break
		}
		if i < 0 {
			digits = append([]byte{'1'}, digits...)
		}
	}
	n := len(digits) - dp
	s := string(digits[:n])
	if dp > 0 {
		s += "." + string(digits[n:])
	}
	if neg && strings.Trim(s, "0.") != "" {
		s = "-" + s
	}
	return s
}

type numberPicture struct {
	prefix, suffix              []rune
	activePart, mantissaPart    []rune
	exponentPart                []rune
	hasExponent                 bool
	integerPart, fractionalPart []rune
	subpicture                  []rune
	integerGroupingPositions    []int
	regularGrouping             int
	minimumIntegerPartSize      int
	scalingFactor               int
	fractionalGroupingPositions []int
	minimumFactionalPartSize    int
	maximumFactionalPartSize    int
	minimumExponentSize         int
}

func runeIndex(s []rune, r rune, from int) int {
	for i := max(from, 0); i < len(s); i++ {
		if s[i] == r {
			return i
		}
	}
	return -1
}

func runeLastIndex(s []rune, r rune) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == r {
			return i
		}
	}
	return -1
}

func runeSub(s []rune, from, to int) []rune {
	from = clampInt(from, 0, len(s))
	to = clampInt(to, 0, len(s))
	if from > to {
		from, to = to, from
	}
	return s[from:to]
}

// formatNumber is $formatNumber: XPath F&O 3.1 fn:format-number, with
// jsonata-js's reading of the picture.
func formatNumber(ev *evaluator, value float64, picture string, options Object) string {
	props := map[string]string{
		"decimal-separator": ".", "grouping-separator": ",", "exponent-separator": "e",
		"infinity": "Infinity", "minus-sign": "-", "NaN": "NaN", "percent": "%",
		"per-mille": "\u2030", "zero-digit": "0", "digit": "#", "pattern-separator": ";",
	}
	if options != nil {
		ev.each(options, func(k string, v any) bool {
			if s, ok := v.(string); ok {
				props[k] = s
			}
			return true
		})
	}
	ch := func(name string) rune {
		r := []rune(props[name])
		if len(r) == 0 {
			return -1
		}
		return r[0]
	}
	decimalSep, groupSep, expSep := ch("decimal-separator"), ch("grouping-separator"), ch("exponent-separator")
	percent, permille, zeroDigit, digit, patternSep := ch("percent"), ch("per-mille"), ch("zero-digit"), ch("digit"), ch("pattern-separator")
	isDigit := func(r rune) bool { return r >= zeroDigit && r < zeroDigit+10 }
	isActive := func(r rune) bool {
		return isDigit(r) || r == decimalSep || r == expSep || r == groupSep || r == digit || r == patternSep
	}

	pic := []rune(picture)
	var subPictures [][]rune
	if i := runeIndex(pic, patternSep, 0); i >= 0 {
		subPictures = append(subPictures, pic[:i])
		rest := pic[i+1:]
		for {
			j := runeIndex(rest, patternSep, 0)
			if j < 0 {
				subPictures = append(subPictures, rest)
				break
			}
			subPictures = append(subPictures, rest[:j])
			rest = rest[j+1:]
		}
	} else {
		subPictures = [][]rune{pic}
	}
	if len(subPictures) > 2 {
		panic(newError("D3080"))
	}

	split := func(sub []rune) *numberPicture {
		p := &numberPicture{subpicture: sub}
		prefixEnd := -1
		for i, r := range sub {
			if isActive(r) && r != expSep {
				prefixEnd = i
				break
			}
		}
		if prefixEnd < 0 {
			prefixEnd = len(sub)
		}
		p.prefix = sub[:prefixEnd]
		suffixStart := len(sub)
		for i := len(sub) - 1; i >= 0; i-- {
			if isActive(sub[i]) && sub[i] != expSep {
				suffixStart = i + 1
				break
			}
		}
		if suffixStart < len(p.prefix) {
			suffixStart = len(p.prefix)
		}
		p.suffix = sub[suffixStart:]
		p.activePart = runeSub(sub, len(p.prefix), len(sub)-len(p.suffix))
		expPos := runeIndex(sub, expSep, len(p.prefix))
		if expPos == -1 || expPos > len(sub)-len(p.suffix) {
			p.mantissaPart = p.activePart
		} else {
			p.mantissaPart = runeSub(p.activePart, 0, expPos)
			p.exponentPart = runeSub(p.activePart, expPos+1, len(p.activePart))
			p.hasExponent = true
		}
		if dp := runeIndex(p.mantissaPart, decimalSep, 0); dp == -1 {
			p.integerPart = p.mantissaPart
			p.fractionalPart = p.suffix
		} else {
			p.integerPart = p.mantissaPart[:dp]
			p.fractionalPart = p.mantissaPart[dp+1:]
		}
		return p
	}
	count := func(s []rune, f func(rune) bool) int {
		n := 0
		for _, r := range s {
			if f(r) {
				n++
			}
		}
		return n
	}
	contains := func(s []rune, r rune) bool { return runeIndex(s, r, 0) >= 0 }
	validate := func(p *numberPicture) {
		code := ""
		sub := p.subpicture
		decimalPos := runeIndex(sub, decimalSep, 0)
		if decimalPos != runeLastIndex(sub, decimalSep) {
			code = "D3081"
		}
		if runeIndex(sub, percent, 0) != runeLastIndex(sub, percent) {
			code = "D3082"
		}
		if runeIndex(sub, permille, 0) != runeLastIndex(sub, permille) {
			code = "D3083"
		}
		if contains(sub, percent) && contains(sub, permille) {
			code = "D3084"
		}
		if count(p.mantissaPart, func(r rune) bool { return isDigit(r) || r == digit }) == 0 {
			code = "D3085"
		}
		if count(p.activePart, func(r rune) bool { return !isActive(r) }) > 0 {
			code = "D3086"
		}
		if decimalPos != -1 {
			if (decimalPos > 0 && sub[decimalPos-1] == groupSep) || (decimalPos+1 < len(sub) && sub[decimalPos+1] == groupSep) {
				code = "D3087"
			}
		} else if len(p.integerPart) > 0 && p.integerPart[len(p.integerPart)-1] == groupSep {
			code = "D3088"
		}
		for i := 0; i+1 < len(sub); i++ {
			if sub[i] == groupSep && sub[i+1] == groupSep {
				code = "D3089"
			}
		}
		if od := runeIndex(p.integerPart, digit, 0); od != -1 && count(p.integerPart[:od], isDigit) > 0 {
			code = "D3090"
		}
		if od := runeLastIndex(p.fractionalPart, digit); od != -1 && count(p.fractionalPart[od:], isDigit) > 0 {
			code = "D3091"
		}
		if p.hasExponent && len(p.exponentPart) > 0 && (contains(sub, percent) || contains(sub, permille)) {
			code = "D3092"
		}
		if p.hasExponent && (len(p.exponentPart) == 0 || count(p.exponentPart, func(r rune) bool { return !isDigit(r) }) > 0) {
			code = "D3093"
		}
		if code != "" {
			panic(newError(code))
		}
	}
	analyse := func(p *numberPicture) {
		groupingPositions := func(part []rune, toLeft bool) []int {
			var positions []int
			pos := runeIndex(part, groupSep, 0)
			for pos != -1 {
				var side []rune
				if toLeft {
					side = runeSub(part, 0, pos)
				} else {
					side = runeSub(part, pos, len(part))
				}
				positions = append(positions, count(side, func(r rune) bool { return isDigit(r) || r == digit }))
				// jsonata-js looks for the next separator in the integer part
				pos = runeIndex(p.integerPart, groupSep, pos+1)
			}
			return positions
		}
		p.integerGroupingPositions = groupingPositions(p.integerPart, false)
		p.regularGrouping = regularPositions(p.integerGroupingPositions)
		p.fractionalGroupingPositions = groupingPositions(p.fractionalPart, true)
		p.minimumIntegerPartSize = count(p.integerPart, isDigit)
		p.scalingFactor = p.minimumIntegerPartSize
		p.minimumFactionalPartSize = count(p.fractionalPart, isDigit)
		p.maximumFactionalPartSize = count(p.fractionalPart, func(r rune) bool { return isDigit(r) || r == digit })
		if p.minimumIntegerPartSize == 0 && p.maximumFactionalPartSize == 0 {
			if p.hasExponent {
				p.minimumFactionalPartSize = 1
				p.maximumFactionalPartSize = 1
			} else {
				p.minimumIntegerPartSize = 1
			}
		}
		if p.hasExponent && p.minimumIntegerPartSize == 0 && contains(p.integerPart, digit) {
			p.minimumIntegerPartSize = 1
		}
		if p.minimumIntegerPartSize == 0 && p.minimumFactionalPartSize == 0 {
			p.minimumFactionalPartSize = 1
		}
		if p.hasExponent {
			p.minimumExponentSize = count(p.exponentPart, isDigit)
		}
	}

	var parts []*numberPicture
	for _, sp := range subPictures {
		parts = append(parts, split(sp))
	}
	for _, p := range parts {
		validate(p)
	}
	for _, p := range parts {
		analyse(p)
	}
	minus := []rune(props["minus-sign"])
	if len(parts) == 1 {
		neg := *parts[0]
		neg.prefix = append(append([]rune(nil), minus...), parts[0].prefix...)
		parts = append(parts, &neg)
	}
	p := parts[0]
	if !(value >= 0) {
		p = parts[1]
	}
	adjusted := value
	if contains(p.subpicture, percent) {
		adjusted = value * 100
	} else if contains(p.subpicture, permille) {
		adjusted = value * 1000
	}
	mantissa := adjusted
	exponent := 0
	hasExp := p.minimumExponentSize != 0
	if hasExp {
		maxMantissa := math.Pow(10, float64(p.scalingFactor))
		minMantissa := math.Pow(10, float64(p.scalingFactor-1))
		// (jsonata-js loops forever on zero and on negative numbers here)
		if mantissa != 0 && !math.IsInf(mantissa, 0) && !math.IsNaN(mantissa) {
			sign := 1.0
			if mantissa < 0 {
				sign, mantissa = -1, -mantissa
			}
			for mantissa < minMantissa {
				mantissa *= 10
				exponent--
			}
			for mantissa > maxMantissa {
				mantissa /= 10
				exponent++
			}
			mantissa *= sign
		}
	}
	rounded := roundHalfEven(mantissa, float64(p.maximumFactionalPartSize))
	digits := func(s string) []rune {
		rs := []rune(s)
		if zeroDigit != '0' {
			for i, r := range rs {
				if r >= '0' && r <= '9' {
					rs[i] = r - '0' + zeroDigit
				}
			}
		}
		return rs
	}
	sv := digits(toFixed(math.Abs(rounded), p.maximumFactionalPartSize))
	if dp := runeIndex(sv, '.', 0); dp == -1 {
		sv = append(sv, decimalSep)
	} else {
		sv[dp] = decimalSep
	}
	for len(sv) > 0 && sv[0] == zeroDigit {
		sv = sv[1:]
	}
	for len(sv) > 0 && sv[len(sv)-1] == zeroDigit {
		sv = sv[:len(sv)-1]
	}
	decimalPos := runeIndex(sv, decimalSep, 0)
	padLeft := p.minimumIntegerPartSize - decimalPos
	padRight := p.minimumFactionalPartSize - (len(sv) - decimalPos - 1)
	if padLeft > 0 {
		sv = append([]rune(strings.Repeat(string(zeroDigit), padLeft)), sv...)
	}
	if padRight > 0 {
		sv = append(sv, []rune(strings.Repeat(string(zeroDigit), padRight))...)
	}
	insert := func(s []rune, at int, r rune) []rune {
		at = clampInt(at, 0, len(s))
		out := make([]rune, 0, len(s)+1)
		out = append(out, s[:at]...)
		out = append(out, r)
		return append(out, s[at:]...)
	}
	decimalPos = runeIndex(sv, decimalSep, 0)
	if p.regularGrouping > 0 {
		groups := (decimalPos - 1) / p.regularGrouping
		for g := 1; g <= groups; g++ {
			sv = insert(sv, decimalPos-g*p.regularGrouping, groupSep)
		}
	} else {
		for _, pos := range p.integerGroupingPositions {
			sv = insert(sv, decimalPos-pos, groupSep)
			decimalPos++
		}
	}
	decimalPos = runeIndex(sv, decimalSep, 0)
	for _, pos := range p.fractionalGroupingPositions {
		sv = insert(sv, pos+decimalPos+1, groupSep)
	}
	decimalPos = runeIndex(sv, decimalSep, 0)
	if !contains(p.subpicture, decimalSep) || decimalPos == len(sv)-1 {
		sv = sv[:len(sv)-1]
	}
	if hasExp {
		se := digits(toFixed(math.Abs(float64(exponent)), 0))
		if pad := p.minimumExponentSize - len(se); pad > 0 {
			se = append([]rune(strings.Repeat(string(zeroDigit), pad)), se...)
		}
		sv = append(sv, []rune(props["exponent-separator"])...)
		if exponent < 0 {
			sv = append(sv, minus...)
		}
		sv = append(sv, se...)
	}
	return string(p.prefix) + string(sv) + string(p.suffix)
}

func regularPositions(indexes []int) int {
	if len(indexes) == 0 {
		return 0
	}
	factor := indexes[0]
	for _, x := range indexes[1:] {
		factor = gcd(factor, x)
	}
	for i := 1; i <= len(indexes); i++ {
		found := false
		for _, x := range indexes {
			if x == i*factor {
				found = true
				break
			}
		}
		if !found {
			return 0
		}
	}
	return factor
}

// formatBase is $formatBase: the integer (rounded half to even) in radix 2
// to 36.
func formatBase(value float64, radixArg any) string {
	value = roundHalfEven(value, 0)
	radix := 10.0
	if r, ok := num(radixArg); ok {
		radix = roundHalfEven(r, 0)
	}
	if radix < 2 || radix > 36 {
		panic(newError("D3100", radix))
	}
	if math.Abs(value) < 1<<53 {
		return strconv.FormatInt(int64(value), int(radix))
	}
	bf := new(big.Float).SetFloat64(value)
	bi, _ := bf.Int(nil)
	return bi.Text(int(radix))
}

// decodeBase64Lenient decodes base64 the way Node's Buffer does: it skips
// characters outside the alphabet, accepts the URL-safe alphabet and stops
// at padding.
func decodeBase64Lenient(s string) []byte {
	clean := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '=':
			i = len(s)
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '+', c == '/':
			clean = append(clean, c)
		case c == '-':
			clean = append(clean, '+')
		case c == '_':
			clean = append(clean, '/')
		}
	}
	if len(clean)%4 == 1 {
		clean = clean[:len(clean)-1]
	}
	b, _ := base64.RawStdEncoding.DecodeString(string(clean))
	return b
}
