package schedule

import (
	"errors"
	"testing"
	"time"
)

func TestParseErrors(t *testing.T) {
	tests := []struct {
		expr string
		zone string
		want string
	}{
		{"", "", `Invalid Schedule Expression : an expression is rate(value unit), cron(fields) or at(yyyy-mm-ddThh:mm:ss)`},
		{"every 5 minutes", "", `Invalid Schedule Expression every 5 minutes: an expression is rate(value unit), cron(fields) or at(yyyy-mm-ddThh:mm:ss)`},
		{"rate(5 minutes", "", `Invalid Schedule Expression rate(5 minutes: an expression is rate(value unit), cron(fields) or at(yyyy-mm-ddThh:mm:ss)`},
		{"every(5 minutes)", "", `Invalid Schedule Expression every(5 minutes): unknown expression type "every": use rate, cron or at`},
		{"Rate(5 minutes)", "", `Invalid Schedule Expression Rate(5 minutes): unknown expression type "Rate": use rate, cron or at`},
		// rate
		{"rate(5)", "", `Invalid Schedule Expression rate(5): a rate is rate(value unit), e.g. rate(5 minutes)`},
		{"rate(0 minutes)", "", `Invalid Schedule Expression rate(0 minutes): value: "0" is not a positive whole number`},
		{"rate(-5 minutes)", "", `Invalid Schedule Expression rate(-5 minutes): value: "-5" is not a positive whole number`},
		{"rate(+5 minutes)", "", `Invalid Schedule Expression rate(+5 minutes): value: "+5" is not a positive whole number`},
		{"rate(1.5 hours)", "", `Invalid Schedule Expression rate(1.5 hours): value: "1.5" is not a positive whole number`},
		{"rate(99999999999 days)", "", `Invalid Schedule Expression rate(99999999999 days): value: "99999999999" is not a positive whole number`},
		{"rate(5 seconds)", "", `Invalid Schedule Expression rate(5 seconds): unit: "seconds" is not one of minute, minutes, hour, hours, day, days`},
		{"rate(5 Minutes)", "", `Invalid Schedule Expression rate(5 Minutes): unit: "Minutes" is not one of minute, minutes, hour, hours, day, days`},
		{"rate(1 minutes)", "", `Invalid Schedule Expression rate(1 minutes): unit: the value is 1, so the unit must be singular (minute)`},
		{"rate(2 hour)", "", `Invalid Schedule Expression rate(2 hour): unit: the value is greater than 1, so the unit must be plural (hours)`},
		// cron: shape
		{"cron(0 12 * * ?)", "", `Invalid Schedule Expression cron(0 12 * * ?): a cron expression has six fields (minutes hours day-of-month month day-of-week year), not 5`},
		{"cron(0 0 12 * * ? *)", "", `Invalid Schedule Expression cron(0 0 12 * * ? *): a cron expression has six fields (minutes hours day-of-month month day-of-week year), not 7`},
		{"cron(0 12 * * * *)", "", `Invalid Schedule Expression cron(0 12 * * * *): day-of-month: exactly one of day-of-month and day-of-week must be ?`},
		{"cron(0 12 ? * ? *)", "", `Invalid Schedule Expression cron(0 12 ? * ? *): day-of-month: exactly one of day-of-month and day-of-week must be ?`},
		{"cron(0 12 1 * MON *)", "", `Invalid Schedule Expression cron(0 12 1 * MON *): day-of-month: exactly one of day-of-month and day-of-week must be ?`},
		// cron: values
		{"cron(60 12 * * ? *)", "", `Invalid Schedule Expression cron(60 12 * * ? *): minutes: 60 is out of range 0-59`},
		{"cron(0 24 * * ? *)", "", `Invalid Schedule Expression cron(0 24 * * ? *): hours: 24 is out of range 0-23`},
		{"cron(0 0 0 * ? *)", "", `Invalid Schedule Expression cron(0 0 0 * ? *): day-of-month: 0 is out of range 1-31`},
		{"cron(0 0 32 * ? *)", "", `Invalid Schedule Expression cron(0 0 32 * ? *): day-of-month: 32 is out of range 1-31`},
		{"cron(0 0 1 13 ? *)", "", `Invalid Schedule Expression cron(0 0 1 13 ? *): month: 13 is out of range 1-12`},
		{"cron(0 0 1 JANUARY ? *)", "", `Invalid Schedule Expression cron(0 0 1 JANUARY ? *): month: "JANUARY" is not a number or a name (JAN-DEC)`},
		{"cron(0 0 ? * 0 *)", "", `Invalid Schedule Expression cron(0 0 ? * 0 *): day-of-week: 0 is out of range 1-7`},
		{"cron(0 0 ? * 8 *)", "", `Invalid Schedule Expression cron(0 0 ? * 8 *): day-of-week: 8 is out of range 1-7`},
		{"cron(0 0 ? * SUNDAY *)", "", `Invalid Schedule Expression cron(0 0 ? * SUNDAY *): day-of-week: "SUNDAY" is not a number or a name (SUN-SAT)`},
		{"cron(0 0 1 * ? 1969)", "", `Invalid Schedule Expression cron(0 0 1 * ? 1969): year: 1969 is out of range 1970-2199`},
		{"cron(0 0 1 * ? 2200)", "", `Invalid Schedule Expression cron(0 0 1 * ? 2200): year: 2200 is out of range 1970-2199`},
		{"cron(0 0 1 * ? 2030-2025)", "", `Invalid Schedule Expression cron(0 0 1 * ? 2030-2025): year: "2030-2025": the range ends before it starts`},
		{"cron(x 0 1 * ? *)", "", `Invalid Schedule Expression cron(x 0 1 * ? *): minutes: "x" is not a number`},
		{"cron(1- 0 1 * ? *)", "", `Invalid Schedule Expression cron(1- 0 1 * ? *): minutes: "" is not a number`},
		{"cron(1,,2 0 1 * ? *)", "", `Invalid Schedule Expression cron(1,,2 0 1 * ? *): minutes: "" is not a number`},
		{"cron(? 0 1 * ? *)", "", `Invalid Schedule Expression cron(? 0 1 * ? *): minutes: ? is allowed only in day-of-month and day-of-week`},
		// cron: increments
		{"cron(0/0 * * * ? *)", "", `Invalid Schedule Expression cron(0/0 * * * ? *): minutes: "0/0": the increment after / must be a whole number from 1 to 60`},
		{"cron(0/61 * * * ? *)", "", `Invalid Schedule Expression cron(0/61 * * * ? *): minutes: "0/61": the increment after / must be a whole number from 1 to 60`},
		{"cron(0 */x * * ? *)", "", `Invalid Schedule Expression cron(0 */x * * ? *): hours: "*/x": the increment after / must be a whole number from 1 to 24`},
		// cron: L, W, #
		{"cron(0 0 L,15 * ? *)", "", `Invalid Schedule Expression cron(0 0 L,15 * ? *): day-of-month: "L,15": L and W stand alone (L, LW, 15W), not in lists or ranges`},
		{"cron(0 0 1-15W * ? *)", "", `Invalid Schedule Expression cron(0 0 1-15W * ? *): day-of-month: W follows a single day (15W, the weekday nearest the 15th): "1-15" is not a number`},
		{"cron(0 0 32W * ? *)", "", `Invalid Schedule Expression cron(0 0 32W * ? *): day-of-month: W follows a single day (15W, the weekday nearest the 15th): 32 is out of range 1-31`},
		{"cron(0 0 L-3 * ? *)", "", `Invalid Schedule Expression cron(0 0 L-3 * ? *): day-of-month: "L-3": L and W stand alone (L, LW, 15W), not in lists or ranges`},
		{"cron(0 0 ? * 3#1,6#3 *)", "", `Invalid Schedule Expression cron(0 0 ? * 3#1,6#3 *): day-of-week: "3#1,6#3": with #, day-of-week holds one expression only (3#2, not 3#1,6#3)`},
		{"cron(0 0 ? * 3#6 *)", "", `Invalid Schedule Expression cron(0 0 ? * 3#6 *): day-of-week: "3#6": after # comes which one in the month, 1 to 5`},
		{"cron(0 0 ? * 3# *)", "", `Invalid Schedule Expression cron(0 0 ? * 3# *): day-of-week: "3#": after # comes which one in the month, 1 to 5`},
		{"cron(0 0 ? * 8#1 *)", "", `Invalid Schedule Expression cron(0 0 ? * 8#1 *): day-of-week: 8 is out of range 1-7`},
		{"cron(0 0 ? * 2-6L *)", "", `Invalid Schedule Expression cron(0 0 ? * 2-6L *): day-of-week: L follows a single day (5L, the last Thursday): "2-6" is not a number or a name (SUN-SAT)`},
		{"cron(0 0 ? * L,MON *)", "", `Invalid Schedule Expression cron(0 0 ? * L,MON *): day-of-week: "L,MON": L stands alone or after one day (5L), not in lists or ranges`},
		{"cron(0 0 L * ? 2020#1)", "", `Invalid Schedule Expression cron(0 0 L * ? 2020#1): year: "2020#1" is not a number`},
		{"cron(L 0 1 * ? *)", "", `Invalid Schedule Expression cron(L 0 1 * ? *): minutes: "L" is not a number`},
		// at
		{"at(2027-01-01 09:00:00)", "", `Invalid Schedule Expression at(2027-01-01 09:00:00): at: "2027-01-01 09:00:00" is not a date and time in the form yyyy-mm-ddThh:mm:ss`},
		{"at(2027-02-30T09:00:00)", "", `Invalid Schedule Expression at(2027-02-30T09:00:00): at: "2027-02-30T09:00:00" is not a date and time in the form yyyy-mm-ddThh:mm:ss`},
		{"at(2027-01-01T09:00)", "", `Invalid Schedule Expression at(2027-01-01T09:00): at: "2027-01-01T09:00" is not a date and time in the form yyyy-mm-ddThh:mm:ss`},
		{"at(2027-01-01T09:00:00Z)", "", `Invalid Schedule Expression at(2027-01-01T09:00:00Z): at: "2027-01-01T09:00:00Z" is not a date and time in the form yyyy-mm-ddThh:mm:ss`},
		// time zones
		{"rate(1 day)", "Mars/Olympus_Mons", `Invalid ScheduleExpressionTimezone: "Mars/Olympus_Mons" is not a known IANA time zone name`},
		{"rate(1 day)", "Local", `Invalid ScheduleExpressionTimezone: "Local" is not an IANA time zone name`},
		{"rate(1 day)", "../../etc/passwd", `Invalid ScheduleExpressionTimezone: "../../etc/passwd" is not a known IANA time zone name`},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			s, err := Parse(tt.expr, Options{Timezone: tt.zone})
			if err == nil {
				t.Fatalf("Parse(%q) = %v, want error %q", tt.expr, s, tt.want)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse(%q) error %T, want *Error", tt.expr, err)
			}
			if err.Error() != tt.want {
				t.Errorf("Parse(%q)\n got %s\nwant %s", tt.expr, err, tt.want)
			}
		})
	}
}

func TestParseValid(t *testing.T) {
	tests := []struct {
		expr string
		kind Kind
	}{
		{"rate(1 minute)", Rate},
		{"rate(15 minutes)", Rate},
		{"rate(1 hour)", Rate},
		{"rate(2 hours)", Rate},
		{"rate(1 day)", Rate},
		{"rate(7 days)", Rate},
		{"rate( 5   minutes )", Rate},
		{"cron(0 12 * * ? *)", Cron},
		{"cron(15 10 ? * 6L 2019-2022)", Cron},
		{"cron(0/10 * ? * MON-FRI *)", Cron},
		{"cron(0/5 8-17 ? * mon-fri *)", Cron},
		{"cron(0 9 ? * 2#1 *)", Cron},
		{"cron(0 0 LW * ? *)", Cron},
		{"cron(0 0 15W * ? *)", Cron},
		{"cron(0 0 L * ? *)", Cron},
		{"cron(0 0 ? * L *)", Cron},
		{"cron(0 0 ? * SAT#5 *)", Cron},
		{"cron(0 22-2 ? * FRI-MON *)", Cron},
		{"cron(0 0 1 JAN,APR,JUL,OCT ? 2027/2)", Cron},
		{"cron(0 8 1 * ? *)", Cron},
		{"cron(1,2,3 1-5/2 1/7 */3 ? 2030-2040/5)", Cron},
		{"cron(0\t12\t*\t*\t?\t*)", Cron},
		{"at(2027-01-01T09:00:00)", At},
	}
	for _, tt := range tests {
		s, err := Parse(tt.expr, Options{Timezone: "Europe/Berlin"})
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.expr, err)
			continue
		}
		if s.Kind() != tt.kind || s.String() != tt.expr {
			t.Errorf("Parse(%q) = %v %q", tt.expr, s.Kind(), s)
		}
	}
}

func TestParseEndBeforeStart(t *testing.T) {
	at := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	_, err := Parse("rate(1 day)", Options{Start: at, End: at})
	if err == nil || err.Error() != "Invalid Schedule Expression rate(1 day): EndDate must be after StartDate" {
		t.Fatalf("got %v", err)
	}
}
