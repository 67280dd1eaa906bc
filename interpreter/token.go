package interpreter

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
)

// TaskToken makes the token of a task: $$.Task.Token, and what an activity
// worker receives. It names the execution and the task's TaskScheduled
// event, with a random part so that it cannot be guessed.
func TaskToken(executionARN string, taskID int64, nonce uint64) string {
	return "v1." + base64.RawURLEncoding.EncodeToString([]byte(executionARN)) + "." +
		strconv.FormatInt(taskID, 10) + "." + strconv.FormatUint(nonce, 36)
}

// ErrBadToken marks text that is not a task token.
var ErrBadToken = errors.New("invalid task token")

// ParseTaskToken reads the execution ARN and task id out of a token.
func ParseTaskToken(token string) (executionARN string, taskID int64, err error) {
	parts := strings.Split(token, ".")
	if len(parts) != 4 || parts[0] != "v1" || parts[3] == "" {
		return "", 0, ErrBadToken
	}
	arn, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil || len(arn) == 0 {
		return "", 0, ErrBadToken
	}
	id, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil || id <= 0 {
		return "", 0, ErrBadToken
	}
	return string(arn), id, nil
}
