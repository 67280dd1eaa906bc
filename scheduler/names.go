package scheduler

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/baton-sh/baton/arn"
)

// dueLayout writes a due time in an execution's name: compact, UTC, and
// made only of characters AWS allows in names.
const dueLayout = "20060102T150405Z"

// ExecutionName is the name of the execution a schedule starts for a due
// time: the schedule's name, then the due time ("nightly-20270101T090000Z").
// It is the same on every node and after every restart, so starting it
// twice is refused (ExecutionAlreadyExists) or answered with the execution
// already running: that is what makes a due time fire once.
//
// Names are at most 80 characters of AWS's allowed set. A schedule name
// that has other characters, or is too long to fit, is cut and its
// characters replaced, and an 8-digit hash of the whole name is added so
// that two such names cannot meet ("my-very-lon...-20270101T090000Z-1f2e3d4c").
// Such a name never ends in Z, so it cannot be mistaken for a plain one.
func ExecutionName(schedule string, due time.Time) string {
	when := due.UTC().Format(dueLayout)
	const room = 80 - 1 - len(dueLayout) // for the schedule's own name
	clean := utf8.ValidString(schedule)  // invalid bytes read as U+FFFD, which one could also write
	var b strings.Builder
	for _, r := range schedule {
		if arn.ValidName(string(r)) {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
			clean = false
		}
	}
	if clean && schedule != "" && utf8.RuneCountInString(schedule) <= room {
		return schedule + "-" + when
	}
	prefix := []rune(b.String())
	if max := room - 1 - 8; len(prefix) > max {
		prefix = prefix[:max]
	}
	sum := sha256.Sum256([]byte(schedule))
	return string(prefix) + "-" + when + "-" + hex.EncodeToString(sum[:4])
}

// executionID is <aws.scheduler.execution-id>: 16 hex digits, as
// Scheduler's ("d32c5kddcf5bb8c3"), derived from the schedule and the due
// time so that a start made again after a crash has the same input.
func executionID(schedule string, due time.Time) string {
	sum := sha256.Sum256([]byte(schedule + "\x00" + strconv.FormatInt(due.UnixNano(), 10)))
	return hex.EncodeToString(sum[:8])
}

// scheduleARN is <aws.scheduler.schedule-arn>: schedules declared in files
// belong to Scheduler's default group.
func scheduleARN(partition, region, account, name string) string {
	return "arn:" + partition + ":scheduler:" + region + ":" + account + ":schedule/default/" + name
}
