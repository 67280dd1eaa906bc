package jsonata

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Dates and integers formatted and parsed with XPath picture strings
// ($fromMillis, $toMillis, $formatInteger, $parseInteger), as jsonata-js
// implements the XPath F&O 3.1 rules.

var (
	few         = []string{"Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten", "Eleven", "Twelve", "Thirteen", "Fourteen", "Fifteen", "Sixteen", "Seventeen", "Eighteen", "Nineteen"}
	ordinals    = []string{"Zeroth", "First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth", "Ninth", "Tenth", "Eleventh", "Twelfth", "Thirteenth", "Fourteenth", "Fifteenth", "Sixteenth", "Seventeenth", "Eighteenth", "Nineteenth"}
	decades     = []string{"Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety", "Hundred"}
	magnitudes  = []string{"Thousand", "Million", "Billion", "Trillion"}
	dayNames    = []string{"", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
	monthNames  = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	wordValues  = map[string]float64{}
	wordsRegex  string
	millisInDay = 86400000.0
)

func init() {
	var keys []string
	add := func(k string, v float64) {
		if _, ok := wordValues[k]; !ok {
			keys = append(keys, k)
		}
		wordValues[k] = v
	}
	for i, w := range few {
		add(strings.ToLower(w), float64(i))
	}
	for i, w := range ordinals {
		add(strings.ToLower(w), float64(i))
	}
	for i, w := range decades {
		lw := strings.ToLower(w)
		add(lw, float64((i+2)*10))
		add(lw[:len(lw)-1]+"ieth", float64((i+2)*10))
	}
	add("hundredth", 100)
	for i, w := range magnitudes {
		lw := strings.ToLower(w)
		v := math.Pow(10, float64((i+1)*3))
		add(lw, v)
		add(lw+"th", v)
	}
	wordsRegex = "(?:" + strings.Join(append(keys, "and", `[\-, ]`), "|") + ")+"
}

func numberToWords(value float64, ordinal bool) string {
	var lookup func(num float64, prev, ord bool) string
	lookup = func(num float64, prev, ord bool) string {
		words := ""
		switch {
		case num <= 19:
			if prev {
				words = " and "
			}
			if ord {
				words += ordinals[int(num)]
			} else {
				words += few[int(num)]
			}
		case num < 100:
			tens := math.Floor(num / 10)
			rem := math.Mod(num, 10)
			if prev {
				words = " and "
			}
			words += decades[int(tens)-2]
			if rem > 0 {
				words += "-" + lookup(rem, false, ord)
			} else if ord {
				words = words[:len(words)-1] + "ieth"
			}
		case num < 1000:
			hundreds := math.Floor(num / 100)
			rem := math.Mod(num, 100)
			if prev {
				words = ", "
			}
			words += few[int(hundreds)] + " Hundred"
			if rem > 0 {
				words += lookup(rem, true, ord)
			} else if ord {
				words += "th"
			}
		default:
			mag := int(math.Floor(math.Log10(num) / 3))
			if mag > len(magnitudes) {
				mag = len(magnitudes)
			}
			factor := math.Pow(10, float64(mag*3))
			mant := math.Floor(num / factor)
			rem := num - mant*factor
			if prev {
				words = ", "
			}
			words += lookup(mant, false, false) + " " + magnitudes[mag-1]
			if rem > 0 {
				words += lookup(rem, true, ord)
			} else if ord {
				words += "th"
			}
		}
		return words
	}
	return lookup(value, false, ordinal)
}

var wordSplit = regexp.MustCompile(`,\s|\sand\s|[\s\\-]`)

func wordsToNumber(text string) float64 {
	parts := wordSplit.Split(text, -1)
	segs := []float64{0}
	for _, part := range parts {
		v, ok := wordValues[part]
		if !ok {
			v = math.NaN()
		}
		if v < 100 {
			top := segs[len(segs)-1]
			segs = segs[:len(segs)-1]
			if top >= 1000 {
				segs = append(segs, top)
				top = 0
			}
			segs = append(segs, top+v)
		} else {
			top := segs[len(segs)-1]
			segs[len(segs)-1] = top * v
		}
	}
	total := 0.0
	for _, s := range segs {
		total += s
	}
	return total
}

var romanNumerals = []struct {
	v float64
	s string
}{{1000, "m"}, {900, "cm"}, {500, "d"}, {400, "cd"}, {100, "c"}, {90, "xc"}, {50, "l"}, {40, "xl"}, {10, "x"}, {9, "ix"}, {5, "v"}, {4, "iv"}, {1, "i"}}

var romanValues = map[byte]float64{'M': 1000, 'D': 500, 'C': 100, 'L': 50, 'X': 10, 'V': 5, 'I': 1}

func decimalToRoman(v float64) string {
	var b strings.Builder
	for v > 0 {
		found := false
		for _, n := range romanNumerals {
			if v >= n.v {
				b.WriteString(n.s)
				v -= n.v
				found = true
				break
			}
		}
		if !found {
			break
		}
	}
	return b.String()
}

func romanToDecimal(roman string) float64 {
	decimal, max := 0.0, 1.0
	for i := len(roman) - 1; i >= 0; i-- {
		v, ok := romanValues[roman[i]]
		if !ok {
			v = math.NaN()
		}
		if v < max {
			decimal -= v
		} else {
			max = v
			decimal += v
		}
	}
	return decimal
}

func decimalToLetters(v float64, a rune) string {
	var letters []rune
	for v > 0 {
		letters = append([]rune{rune(math.Mod(v-1, 26)) + a}, letters...)
		v = math.Floor((v - 1) / 26)
	}
	return string(letters)
}

func lettersToDecimal(letters string, a rune) float64 {
	d := 0.0
	for i := 0; i < len(letters); i++ {
		d += float64(rune(letters[len(letters)-i-1])-a+1) * math.Pow(26, float64(i))
	}
	return d
}

type intFormat int

const (
	fmtDecimal intFormat = iota
	fmtLetters
	fmtRoman
	fmtWords
	fmtSequence
)

type letterCase int

const (
	caseLower letterCase = iota
	caseUpper
	caseTitle
)

type separator struct {
	position int
	char     string
}

type integerPicture struct {
	primary         intFormat
	tcase           letterCase
	ordinal         bool
	zeroCode        rune
	mandatoryDigits int
	optionalDigits  int
	regular         bool
	regularSep      separator
	separators      []separator
	token           string
	parseWidth      int
}

var decimalGroups = []rune{0x30, 0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6, 0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10}

func analyseIntegerPicture(picture string) *integerPicture {
	f := &integerPicture{primary: fmtDecimal, tcase: caseLower}
	primary := picture
	if semi := strings.LastIndexByte(picture, ';'); semi >= 0 {
		primary = picture[:semi]
		if mod := picture[semi+1:]; strings.HasPrefix(mod, "o") {
			f.ordinal = true
		}
	}
	switch primary {
	case "A":
		f.tcase = caseUpper
		f.primary = fmtLetters
	case "a":
		f.primary = fmtLetters
	case "I":
		f.tcase = caseUpper
		f.primary = fmtRoman
	case "i":
		f.primary = fmtRoman
	case "W":
		f.tcase = caseUpper
		f.primary = fmtWords
	case "Ww":
		f.tcase = caseTitle
		f.primary = fmtWords
	case "w":
		f.primary = fmtWords
	default:
		zero := rune(-1)
		mandatory, optional, position := 0, 0, 0
		var seps []separator
		runes := []rune(primary)
		for i := len(runes) - 1; i >= 0; i-- {
			cp := runes[i]
			digit := false
			for _, g := range decimalGroups {
				if cp >= g && cp <= g+9 {
					digit = true
					mandatory++
					position++
					if zero < 0 {
						zero = g
					} else if g != zero {
						panic(newError("D3131"))
					}
					break
				}
			}
			if !digit {
				if cp == '#' {
					position++
					optional++
				} else {
					seps = append(seps, separator{position: position, char: string(cp)})
				}
			}
		}
		if mandatory > 0 {
			f.primary = fmtDecimal
			f.zeroCode = zero
			f.mandatoryDigits = mandatory
			f.optionalDigits = optional
			if r := regularRepeat(seps); r > 0 {
				f.regular = true
				f.regularSep = separator{position: r, char: seps[0].char}
			} else {
				f.separators = seps
			}
		} else {
			f.primary = fmtSequence
			f.token = primary
		}
	}
	return f
}

func regularRepeat(seps []separator) int {
	if len(seps) == 0 {
		return 0
	}
	for _, s := range seps[1:] {
		if s.char != seps[0].char {
			return 0
		}
	}
	factor := seps[0].position
	for _, s := range seps[1:] {
		factor = gcd(factor, s.position)
	}
	for i := 1; i <= len(seps); i++ {
		found := false
		for _, s := range seps {
			if s.position == i*factor {
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

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func formatInteger(ev *evaluator, value float64, picture string) string {
	return formatIntegerWith(ev, math.Floor(value), analyseIntegerPicture(picture))
}

func formatIntegerWith(ev *evaluator, value float64, f *integerPicture) string {
	negative := value < 0
	value = math.Abs(value)
	var s string
	switch f.primary {
	case fmtLetters:
		a := 'a'
		if f.tcase == caseUpper {
			a = 'A'
		}
		s = decimalToLetters(value, a)
	case fmtRoman:
		s = decimalToRoman(value)
		if f.tcase == caseUpper {
			s = strings.ToUpper(s)
		}
	case fmtWords:
		s = numberToWords(value, f.ordinal)
		switch f.tcase {
		case caseUpper:
			s = strings.ToUpper(s)
		case caseLower:
			s = strings.ToLower(s)
		}
	case fmtDecimal:
		s = FormatNumber(value)
		if pad := f.mandatoryDigits - len(s); pad > 0 {
			// a width the picture asks for, which may be huge
			ev.alloc(2 * (pad + len(s)))
			s = strings.Repeat("0", pad) + s
		}
		if f.zeroCode != '0' {
			rs := []rune(s)
			for i, r := range rs {
				rs[i] = r + f.zeroCode - '0'
			}
			s = string(rs)
		}
		if f.regular {
			rs := []rune(s)
			n := (len(rs) - 1) / f.regularSep.position
			for ii := n; ii > 0; ii-- {
				pos := len(rs) - ii*f.regularSep.position
				rs = append(rs[:pos:pos], append([]rune(f.regularSep.char), rs[pos:]...)...)
			}
			s = string(rs)
		} else {
			rs := []rune(s)
			for i := len(f.separators) - 1; i >= 0; i-- {
				sep := f.separators[i]
				pos := len(rs) - sep.position
				if pos < 0 {
					pos = 0
				}
				rs = append(rs[:pos:pos], append([]rune(sep.char), rs[pos:]...)...)
			}
			s = string(rs)
		}
		if f.ordinal {
			suffix := map[byte]string{'1': "st", '2': "nd", '3': "rd"}[s[len(s)-1]]
			if suffix == "" || (len(s) > 1 && s[len(s)-2] == '1') {
				suffix = "th"
			}
			s += suffix
		}
	case fmtSequence:
		panic(newError("D3130", f.token))
	}
	if negative {
		s = "-" + s
	}
	return s
}

type datePart struct {
	literal       string
	isLiteral     bool
	component     byte
	presentation1 string
	presentation2 byte
	ordinal       bool
	names         letterCase
	hasNames      bool
	widthMin      int
	widthMax      int // -1: none
	hasWidth      bool
	integer       *integerPicture
	n             int
}

func analyseDateTimePicture(picture string) []*datePart {
	var spec []*datePart
	addLiteral := func(start, end int) {
		if end > start {
			lit := strings.ReplaceAll(picture[start:end], "]]", "]")
			spec = append(spec, &datePart{isLiteral: true, literal: lit})
		}
	}
	start, pos := 0, 0
	for pos < len(picture) {
		if picture[pos] == '[' {
			if pos+1 < len(picture) && picture[pos+1] == '[' {
				addLiteral(start, pos)
				spec = append(spec, &datePart{isLiteral: true, literal: "["})
				pos += 2
				start = pos
				continue
			}
			addLiteral(start, pos)
			start = pos
			end := strings.IndexByte(picture[start:], ']')
			if end < 0 {
				panic(newError("D3135"))
			}
			pos = start + end
			marker := strings.Join(strings.Fields(picture[start+1:pos]), "")
			def := &datePart{widthMin: -1, widthMax: -1}
			if marker != "" {
				def.component = marker[0]
			}
			var pres string
			if comma := strings.LastIndexByte(marker, ','); comma >= 0 {
				widthMod := marker[comma+1:]
				minS, maxS, hasDash := strings.Cut(widthMod, "-")
				def.hasWidth = true
				def.widthMin = parseWidth(minS)
				if hasDash {
					def.widthMax = parseWidth(maxS)
				}
				pres = marker[1:comma]
			} else if marker != "" {
				pres = marker[1:]
			}
			switch {
			case len(pres) == 1:
				def.presentation1 = pres
			case len(pres) > 1:
				last := pres[len(pres)-1]
				if strings.IndexByte("atco", last) >= 0 {
					def.presentation2 = last
					if last == 'o' {
						def.ordinal = true
					}
					def.presentation1 = pres[:len(pres)-1]
				} else {
					def.presentation1 = pres
				}
			default:
				p, ok := defaultPresentation[def.component]
				if !ok {
					panic(newError("D3132", string(def.component)))
				}
				def.presentation1 = p
			}
			switch {
			case strings.HasPrefix(def.presentation1, "n"):
				def.names, def.hasNames = caseLower, true
			case strings.HasPrefix(def.presentation1, "N"):
				if len(def.presentation1) > 1 && def.presentation1[1] == 'n' {
					def.names, def.hasNames = caseTitle, true
				} else {
					def.names, def.hasNames = caseUpper, true
				}
			case strings.IndexByte("YMDdFWwXxHhmsf", def.component) >= 0:
				pattern := def.presentation1
				if def.presentation2 != 0 {
					pattern += ";" + string(def.presentation2)
				}
				def.integer = analyseIntegerPicture(pattern)
				if def.hasWidth && def.widthMin >= 0 && def.integer.mandatoryDigits < def.widthMin {
					def.integer.mandatoryDigits = def.widthMin
				}
				if def.component == 'Y' {
					def.n = -1
					if def.hasWidth && def.widthMax >= 0 {
						def.n = def.widthMax
						def.integer.mandatoryDigits = def.n
					} else if w := def.integer.mandatoryDigits + def.integer.optionalDigits; w >= 2 {
						def.n = w
					}
				}
				if len(spec) > 0 {
					if prev := spec[len(spec)-1]; prev.integer != nil {
						prev.integer.parseWidth = prev.integer.mandatoryDigits
					}
				}
			}
			if def.component == 'Z' || def.component == 'z' {
				def.integer = analyseIntegerPicture(def.presentation1)
			}
			spec = append(spec, def)
			start = pos + 1
		}
		pos++
	}
	addLiteral(start, pos)
	return spec
}

func parseWidth(s string) int {
	if s == "" || s == "*" {
		return -1
	}
	n, ok := parseIntPrefix(s)
	if !ok {
		return -1
	}
	return int(n)
}

var defaultPresentation = map[byte]string{
	'Y': "1", 'M': "1", 'D': "1", 'd': "1", 'F': "n", 'W': "1", 'w': "1", 'X': "1", 'x': "1", 'H': "1", 'h': "1",
	'P': "n", 'm': "01", 's': "01", 'f': "1", 'Z': "01:01", 'z': "01:01", 'C': "n", 'E': "n",
}

// dateUTC is JavaScript's Date.UTC, which maps years 0 to 99 to 1900-1999.
func dateUTC(y, m, d, h, min, s, ms float64) float64 {
	if y >= 0 && y <= 99 {
		y += 1900
	}
	t := time.Date(int(y), time.January, 1, 0, 0, 0, 0, time.UTC)
	t = t.AddDate(0, int(m), int(d)-1)
	ms = float64(t.UnixMilli()) + h*3600000 + min*60000 + s*1000 + ms
	return ms
}

func startOfFirstWeek(year, month int) float64 {
	jan1 := dateUTC(float64(year), float64(month), 1, 0, 0, 0, 0)
	dow := int(time.UnixMilli(int64(jan1)).UTC().Weekday())
	if dow == 0 {
		dow = 7
	}
	if dow > 4 {
		return jan1 + float64(8-dow)*millisInDay
	}
	return jan1 - float64(dow-1)*millisInDay
}

func nextMonth(y, m int) (int, int) {
	if m == 11 {
		return y + 1, 0
	}
	return y, m + 1
}

func prevMonth(y, m int) (int, int) {
	if m == 0 {
		return y - 1, 11
	}
	return y, m - 1
}

// fragment is one component of a date, as getDateTimeFragment gives it.
func fragment(ms float64, component byte) any {
	t := time.UnixMilli(int64(ms)).UTC()
	year, month, day := t.Date()
	deltaWeeks := func(start, end float64) float64 { return (end-start)/(millisInDay*7) + 1 }
	switch component {
	case 'Y':
		return float64(year)
	case 'M':
		return float64(month)
	case 'D':
		return float64(day)
	case 'd':
		today := dateUTC(float64(year), float64(month-1), float64(day), 0, 0, 0, 0)
		first := dateUTC(float64(year), 0, 1, 0, 0, 0, 0)
		return (today-first)/millisInDay + 1
	case 'F':
		d := int(t.Weekday())
		if d == 0 {
			d = 7
		}
		return float64(d)
	case 'W':
		start := startOfFirstWeek(year, 0)
		today := dateUTC(float64(year), float64(month-1), float64(day), 0, 0, 0, 0)
		week := deltaWeeks(start, today)
		if week > 52 {
			if today >= startOfFirstWeek(year+1, 0) {
				week = 1
			}
		} else if week < 1 {
			week = deltaWeeks(startOfFirstWeek(year-1, 0), today)
		}
		return math.Floor(week)
	case 'w':
		m := int(month) - 1
		start := startOfFirstWeek(year, m)
		today := dateUTC(float64(year), float64(m), float64(day), 0, 0, 0, 0)
		week := deltaWeeks(start, today)
		if week > 4 {
			ny, nm := nextMonth(year, m)
			if today >= startOfFirstWeek(ny, nm) {
				week = 1
			}
		} else if week < 1 {
			py, pm := prevMonth(year, m)
			week = deltaWeeks(startOfFirstWeek(py, pm), today)
		}
		return math.Floor(week)
	case 'X':
		if ms < startOfFirstWeek(year, 0) {
			return float64(year - 1)
		} else if ms >= startOfFirstWeek(year+1, 0) {
			return float64(year + 1)
		}
		return float64(year)
	case 'x':
		m := int(month) - 1
		ny, nm := nextMonth(year, m)
		if ms < startOfFirstWeek(year, m) {
			_, pm := prevMonth(year, m)
			return float64(pm + 1)
		} else if ms >= startOfFirstWeek(ny, nm) {
			return float64(nm + 1)
		}
		return float64(m + 1)
	case 'H':
		return float64(t.Hour())
	case 'h':
		h := t.Hour() % 12
		if h == 0 {
			h = 12
		}
		return float64(h)
	case 'P':
		if t.Hour() >= 12 {
			return "pm"
		}
		return "am"
	case 'm':
		return float64(t.Minute())
	case 's':
		return float64(t.Second())
	case 'f':
		return float64(t.Nanosecond() / 1e6)
	case 'C', 'E':
		return "ISO"
	}
	return nil
}

var iso8601Spec = analyseDateTimePicture("[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z01:01t]")

// maxMillis is the range of JavaScript dates (±100,000,000 days).
const maxMillis = 8.64e15

func formatDateTime(ev *evaluator, millis float64, picture string, hasPicture bool, timezone string, hasTZ bool) string {
	offsetHours, offsetMinutes := 0.0, 0.0
	if hasTZ {
		offset, ok := parseIntPrefix(timezone)
		if ok {
			offsetHours = math.Floor(offset / 100)
			offsetMinutes = math.Mod(offset, 100)
		}
	}
	spec := iso8601Spec
	if hasPicture {
		spec = analyseDateTimePicture(picture)
	}
	ms := math.Trunc(millis + (60*offsetHours+offsetMinutes)*60000)
	if math.IsNaN(ms) || math.Abs(ms) > maxMillis {
		panic(newError("D3110", millis))
	}
	var b strings.Builder
	for _, part := range spec {
		if part.isLiteral {
			b.WriteString(part.literal)
			continue
		}
		b.WriteString(formatComponent(ev, ms, part, offsetHours, offsetMinutes))
	}
	return b.String()
}

func formatComponent(ev *evaluator, ms float64, p *datePart, offsetHours, offsetMinutes float64) string {
	value := fragment(ms, p.component)
	switch {
	case strings.IndexByte("YMDdFWwXxHhms", p.component) >= 0:
		v, _ := value.(float64)
		if p.component == 'Y' && p.n != -1 {
			v = math.Mod(v, math.Pow(10, float64(p.n)))
		}
		if p.hasNames {
			var name string
			switch p.component {
			case 'M', 'x':
				name = monthNames[int(v)-1]
			case 'F':
				name = dayNames[int(v)]
			default:
				panic(newError("D3133", string(p.component)))
			}
			switch p.names {
			case caseUpper:
				name = strings.ToUpper(name)
			case caseLower:
				name = strings.ToLower(name)
			}
			if p.hasWidth && p.widthMax >= 0 && len(name) > p.widthMax {
				name = name[:p.widthMax]
			}
			return name
		}
		return formatIntegerWith(ev, v, p.integer)
	case p.component == 'f':
		v, _ := value.(float64)
		return formatIntegerWith(ev, v, p.integer)
	case p.component == 'Z' || p.component == 'z':
		offset := offsetHours*100 + offsetMinutes
		var s string
		if p.integer.regular {
			s = formatIntegerWith(ev, offset, p.integer)
		} else {
			switch n := p.integer.mandatoryDigits; n {
			case 1, 2:
				s = formatIntegerWith(ev, offsetHours, p.integer)
				if offsetMinutes != 0 {
					s += ":" + formatInteger(ev, offsetMinutes, "00")
				}
			case 3, 4:
				s = formatIntegerWith(ev, offset, p.integer)
			default:
				panic(newError("D3134", float64(n)))
			}
		}
		if offset >= 0 {
			s = "+" + s
		}
		if p.component == 'z' {
			s = "GMT" + s
		}
		if offset == 0 && p.presentation2 == 't' {
			s = "Z"
		}
		return s
	case p.component == 'P':
		s, _ := value.(string)
		if p.hasNames && p.names == caseUpper {
			s = strings.ToUpper(s)
		}
		return s
	}
	switch v := value.(type) {
	case string:
		return v
	case float64:
		return FormatNumber(v)
	}
	return "undefined"
}

// parseIntPrefix is JavaScript's parseInt(s, 10).
func parseIntPrefix(s string) (float64, bool) {
	s = strings.TrimLeft(s, " \t\n\r\v\f")
	i := 0
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	j := i
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	if j == i {
		return math.NaN(), false
	}
	f, _ := strconv.ParseFloat(s[i:j], 64)
	if neg {
		f = -f
	}
	return f, true
}

type partMatcher struct {
	regex     string
	component byte
	parse     func(string) float64
}

func integerMatcher(f *integerPicture) partMatcher {
	var m partMatcher
	upper := f.tcase == caseUpper
	switch f.primary {
	case fmtLetters:
		a := 'a'
		m.regex = "[a-z]+"
		if upper {
			a = 'A'
			m.regex = "[A-Z]+"
		}
		m.parse = func(v string) float64 { return lettersToDecimal(v, a) }
	case fmtRoman:
		m.regex = "[mdclxvi]+"
		if upper {
			m.regex = "[MDCLXVI]+"
		}
		m.parse = func(v string) float64 {
			if !upper {
				v = strings.ToUpper(v)
			}
			return romanToDecimal(v)
		}
	case fmtWords:
		m.regex = wordsRegex
		m.parse = func(v string) float64 { return wordsToNumber(strings.ToLower(v)) }
	case fmtDecimal:
		m.regex = "[0-9]+"
		if f.parseWidth > 0 {
			m.regex = "[0-9]{" + strconv.Itoa(f.parseWidth) + "}"
		}
		if f.ordinal {
			m.regex += "(?:th|st|nd|rd)"
		}
		m.parse = func(v string) float64 {
			digits := v
			if f.ordinal {
				digits = v[:len(v)-2]
			}
			if f.regular {
				digits = strings.ReplaceAll(digits, ",", "")
			} else {
				for _, s := range f.separators {
					digits = strings.ReplaceAll(digits, s.char, "")
				}
			}
			if f.zeroCode != '0' {
				rs := []rune(digits)
				for i, r := range rs {
					rs[i] = r - f.zeroCode + '0'
				}
				digits = string(rs)
			}
			n, _ := parseIntPrefix(digits)
			return n
		}
	case fmtSequence:
		panic(newError("D3130", f.token))
	}
	return m
}

func parseInteger(value, picture string) any {
	f := analyseIntegerPicture(picture)
	n := integerMatcher(f).parse(value)
	if math.IsNaN(n) {
		return nil
	}
	return n
}

func dateMatchers(spec []*datePart) []partMatcher {
	var out []partMatcher
	for _, part := range spec {
		var m partMatcher
		switch {
		case part.isLiteral:
			m.regex = regexp.QuoteMeta(part.literal)
		case part.component == 'Z' || part.component == 'z':
			var sep string
			if part.integer.regular {
				sep = part.integer.regularSep.char
			}
			if part.component == 'z' {
				m.regex = "GMT"
			}
			m.regex += "[-+][0-9]+"
			if sep != "" {
				m.regex += regexp.QuoteMeta(sep) + "[0-9]+"
			}
			comp := part.component
			m.parse = func(v string) float64 {
				if comp == 'z' {
					v = v[3:]
				}
				var h, mins float64
				if sep != "" {
					i := strings.Index(v, sep)
					h, _ = parseIntPrefix(v[:i])
					mins, _ = parseIntPrefix(v[i+len(sep):])
				} else if len(v)-1 <= 2 {
					h, _ = parseIntPrefix(v)
				} else {
					h, _ = parseIntPrefix(v[:3])
					mins, _ = parseIntPrefix(v[3:])
				}
				return h*60 + mins
			}
		case part.integer != nil:
			m = integerMatcher(part.integer)
		default:
			m.regex = "[a-zA-Z]+"
			lookup := map[string]float64{}
			switch part.component {
			case 'M', 'x':
				for i, name := range monthNames {
					if part.hasWidth && part.widthMax > 0 && len(name) > part.widthMax {
						name = name[:part.widthMax]
					}
					lookup[name] = float64(i + 1)
				}
			case 'F':
				for i, name := range dayNames[1:] {
					if part.hasWidth && part.widthMax > 0 && len(name) > part.widthMax {
						name = name[:part.widthMax]
					}
					lookup[name] = float64(i + 1)
				}
			case 'P':
				lookup = map[string]float64{"am": 0, "AM": 0, "pm": 1, "PM": 1}
			default:
				panic(newError("D3133", string(part.component)))
			}
			m.parse = func(v string) float64 {
				if n, ok := lookup[v]; ok {
					return n
				}
				return math.NaN()
			}
		}
		m.component = part.component
		out = append(out, m)
	}
	return out
}

// parseDateTime is $toMillis with a picture string.
func parseDateTime(now time.Time, timestamp, picture string) any {
	spec := analyseDateTimePicture(picture)
	matchers := dateMatchers(spec)
	var b strings.Builder
	b.WriteString("(?i)^")
	for _, m := range matchers {
		b.WriteString("(" + m.regex + ")")
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil
	}
	info := re.FindStringSubmatch(timestamp)
	if info == nil {
		return nil
	}
	components := map[byte]float64{}
	for i, m := range matchers {
		if m.parse != nil {
			components[m.component] = m.parse(info[i+1])
		}
	}
	if len(components) == 0 {
		return nil
	}
	has := func(c byte) bool {
		v, ok := components[c]
		return ok && v != 0 && !math.IsNaN(v) // JavaScript truthiness
	}
	mask := 0
	shift := func(bit bool) {
		mask <<= 1
		if bit {
			mask++
		}
	}
	isType := func(t int) bool { return (^t&mask) == 0 && (t&mask) != 0 }
	for _, c := range []byte("YXMxWwdD") {
		shift(has(c))
	}
	dateA := isType(161)
	dateB := !dateA && isType(130)
	dateC := isType(84)
	dateD := !dateC && isType(72)
	mask = 0
	for _, c := range []byte("PHhmsf") {
		shift(has(c))
	}
	timeA := isType(23)
	timeB := !timeA && isType(47)
	dateComps := "YMD"
	switch {
	case dateB:
		dateComps = "YD"
	case dateC:
		dateComps = "XxwF"
	case dateD:
		dateComps = "XWF"
	}
	timeComps := "Hmsf"
	if timeB {
		timeComps = "Phmsf"
	}
	nowMillis := float64(now.UnixMilli())
	startSpecified, endSpecified := false, false
	for _, part := range []byte(dateComps + timeComps) {
		if _, ok := components[part]; !ok {
			if startSpecified {
				if strings.IndexByte("MDd", part) >= 0 {
					components[part] = 1
				} else {
					components[part] = 0
				}
				endSpecified = true
			} else {
				// the am/pm marker of now is a string, never equal to 1
				f, _ := fragment(nowMillis, part).(float64)
				components[part] = f
			}
		} else {
			startSpecified = true
			if endSpecified {
				panic(newError("D3136"))
			}
		}
	}
	if components['M'] > 0 {
		components['M']--
	} else {
		components['M'] = 0
	}
	if dateB {
		first := dateUTC(components['Y'], 0, 1, 0, 0, 0, 0)
		derived := time.UnixMilli(int64(first + (components['d']-1)*millisInDay)).UTC()
		components['M'] = float64(derived.Month() - 1)
		components['D'] = float64(derived.Day())
	}
	if dateC || dateD {
		panic(newError("D3136"))
	}
	if timeB {
		if components['h'] == 12 {
			components['H'] = 0
		} else {
			components['H'] = components['h']
		}
		if components['P'] == 1 {
			components['H'] += 12
		}
	}
	for _, c := range []byte("YMDHmsf") {
		if math.IsNaN(components[c]) {
			return nil
		}
	}
	millis := dateUTC(components['Y'], components['M'], components['D'], components['H'], components['m'], components['s'], components['f'])
	if z := components['Z']; z != 0 && !math.IsNaN(z) {
		millis -= z * 60000
	} else if z := components['z']; z != 0 && !math.IsNaN(z) {
		millis -= z * 60000
	}
	return millis
}

var iso8601Regex = regexp.MustCompile(`^\d{4}(-[01]\d)*(-[0-3]\d)*(T[0-2]\d:[0-5]\d:[0-5]\d)*(\.\d+)?([+-][0-2]\d:?[0-5]\d|Z)?$`)

// isoToMillis is $toMillis without a picture: an ISO 8601 timestamp, read
// as JavaScript's Date.parse does (a time without an offset is taken as
// UTC here, where a browser would use its local zone).
func isoToMillis(s string) any {
	if !iso8601Regex.MatchString(s) {
		panic(newError("D3110", s))
	}
	year, _ := strconv.Atoi(s[:4])
	rest := s[4:]
	month, day := 1, 1
	hour, minute, second, ms := 0, 0, 0, 0.0
	offset := 0
	take := func(n int) (int, bool) {
		if len(rest) < n {
			return 0, false
		}
		v, err := strconv.Atoi(rest[:n])
		if err != nil {
			return 0, false
		}
		rest = rest[n:]
		return v, true
	}
	if strings.HasPrefix(rest, "-") {
		rest = rest[1:]
		month, _ = take(2)
		if strings.HasPrefix(rest, "-") {
			rest = rest[1:]
			day, _ = take(2)
		}
	}
	if strings.HasPrefix(rest, "T") {
		rest = rest[1:]
		hour, _ = take(2)
		rest = rest[1:]
		minute, _ = take(2)
		rest = rest[1:]
		second, _ = take(2)
	}
	if strings.HasPrefix(rest, ".") {
		i := 1
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		frac := rest[1:i]
		if len(frac) > 3 {
			frac = frac[:3]
		}
		for len(frac) < 3 {
			frac += "0"
		}
		f, _ := strconv.Atoi(frac)
		ms = float64(f)
		rest = rest[i:]
	}
	if rest != "" && rest != "Z" {
		sign := 1
		if rest[0] == '-' {
			sign = -1
		}
		digits := strings.ReplaceAll(rest[1:], ":", "")
		h, _ := strconv.Atoi(digits[:2])
		m, _ := strconv.Atoi(digits[2:])
		offset = sign * (h*60 + m)
	}
	if month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 24 || (hour == 24 && (minute > 0 || second > 0 || ms > 0)) {
		return nil // Date.parse gives NaN
	}
	t := time.Date(year, time.Month(month), day, hour, minute, second, 0, time.UTC)
	return float64(t.UnixMilli()) + ms - float64(offset)*60000
}

func daysIn(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
