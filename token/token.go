// Package token makes and checks task tokens: the $$.Task.Token a callback
// or an activity worker hands back to complete a task.
//
// A token names the execution and the task, so that it is routed without a
// lookup table, and carries a MAC under a secret key, so that nobody can
// build one from an execution's ARN and a task id. The MAC is checked before
// anything else is read from the token. Making a token is deterministic (the
// same key, execution, task and nonce give the same token), so an execution
// rebuilt from its journal makes the tokens its first run made.
package token

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"hash"
	"strconv"
	"strings"
	"sync"
)

// KeySize is the length of a key's secret in bytes.
const KeySize = 32

// macSize is the length of the MAC a token carries: 128 bits.
const macSize = 16

// MaxLength bounds a token: AWS's tokens are at most 1,024 characters.
const MaxLength = 1024

// ErrInvalid says that a text is not a token this key made.
var ErrInvalid = errors.New("invalid task token")

// Key makes and checks tokens. It is safe for concurrent use.
type Key struct {
	secret []byte
	macs   sync.Pool // hash.Hash, keyed
}

// NewKey returns a key with the given secret (at least 16 bytes).
func NewKey(secret []byte) (*Key, error) {
	if len(secret) < 16 {
		return nil, errors.New("token: a key needs a secret of at least 16 bytes")
	}
	k := &Key{secret: append([]byte(nil), secret...)}
	k.macs.New = func() any { return hmac.New(sha256.New, k.secret) }
	return k, nil
}

// NewSecret returns a new random secret for a key.
func NewSecret() []byte {
	b := make([]byte, KeySize)
	if _, err := rand.Read(b); err != nil {
		panic("token: no randomness: " + err.Error())
	}
	return b
}

// RandomKey returns a key with a new random secret: tokens made with it are
// valid in this process only.
func RandomKey() *Key {
	k, _ := NewKey(NewSecret())
	return k
}

// Make returns the token of a task: the execution's ARN, the task's id and
// a nonce, and the MAC of all three.
func (k *Key) Make(executionARN string, taskID int64, nonce uint64) string {
	var b strings.Builder
	b.Grow(len("v2.") + base64.RawURLEncoding.EncodedLen(len(executionARN)) + 48 + base64.RawURLEncoding.EncodedLen(macSize))
	b.WriteString("v2.")
	b.WriteString(base64.RawURLEncoding.EncodeToString([]byte(executionARN)))
	b.WriteByte('.')
	b.WriteString(strconv.FormatInt(taskID, 10))
	b.WriteByte('.')
	b.WriteString(strconv.FormatUint(nonce, 36))
	body := b.String()
	var sum [sha256.Size]byte
	k.sum(sum[:0], body)
	return body + "." + base64.RawURLEncoding.EncodeToString(sum[:macSize])
}

func (k *Key) sum(dst []byte, body string) []byte {
	h := k.macs.Get().(hash.Hash)
	h.Reset()
	h.Write([]byte(body))
	dst = h.Sum(dst)
	k.macs.Put(h)
	return dst
}

// Parse checks a token's MAC and then reads the execution's ARN and the
// task's id from it. Anything this key did not make is ErrInvalid.
func (k *Key) Parse(tok string) (executionARN string, taskID int64, err error) {
	if len(tok) > MaxLength {
		return "", 0, ErrInvalid
	}
	dot := strings.LastIndexByte(tok, '.')
	if dot < 0 || !strings.HasPrefix(tok, "v2.") {
		return "", 0, ErrInvalid
	}
	body := tok[:dot]
	mac, err := base64.RawURLEncoding.Strict().DecodeString(tok[dot+1:])
	if err != nil || len(mac) != macSize {
		return "", 0, ErrInvalid
	}
	var sum [sha256.Size]byte
	if !hmac.Equal(mac, k.sum(sum[:0], body)[:macSize]) {
		return "", 0, ErrInvalid
	}
	parts := strings.Split(body, ".")
	if len(parts) != 4 {
		return "", 0, ErrInvalid
	}
	arn, err := base64.RawURLEncoding.Strict().DecodeString(parts[1])
	if err != nil || len(arn) == 0 {
		return "", 0, ErrInvalid
	}
	id, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil || id <= 0 {
		return "", 0, ErrInvalid
	}
	return string(arn), id, nil
}
