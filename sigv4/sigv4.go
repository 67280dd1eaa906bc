// Package sigv4 signs and verifies requests with AWS Signature Version 4:
// Baton signs its calls to Lambda-API endpoints, and a server that requires
// it checks that each request was signed with a key it knows.
package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

const algorithm = "AWS4-HMAC-SHA256"

// Sign signs a request (whose body is body) for a region and service, with
// an access key; token, when set, is the session token.
func Sign(req *http.Request, body []byte, region, service, id, secret, token string, now time.Time) {
	now = now.UTC()
	amzDate := now.Format("20060102T150405Z")
	day := now.Format("20060102")
	payloadHash := sha256Hex(body)
	req.Header.Set("X-Amz-Date", amzDate)
	req.Header.Set("X-Amz-Content-Sha256", payloadHash)
	if token != "" {
		req.Header.Set("X-Amz-Security-Token", token)
	}
	names := []string{"host"}
	for k := range req.Header {
		lk := strings.ToLower(k)
		if lk == "user-agent" || lk == "authorization" {
			continue
		}
		names = append(names, lk)
	}
	sort.Strings(names)
	scope := day + "/" + region + "/" + service + "/aws4_request"
	sig := signature(secret, day, region, service, stringToSign(amzDate, scope, canonicalRequest(req, names, payloadHash)))
	req.Header.Set("Authorization", algorithm+" Credential="+id+"/"+scope+", SignedHeaders="+strings.Join(names, ";")+", Signature="+sig)
}

// Errors of Verify, as AWS names them.
var (
	// ErrMissing: the request is not signed.
	ErrMissing = errors.New("MissingAuthenticationTokenException: Missing Authentication Token")
	// ErrIncomplete: the signature is not whole.
	ErrIncomplete = errors.New("IncompleteSignatureException: the Authorization header is not a complete AWS Signature Version 4")
	// ErrUnknownKey: the access key is not one the server knows.
	ErrUnknownKey = errors.New("UnrecognizedClientException: The security token included in the request is invalid.")
	// ErrMismatch: the signature is not the key's.
	ErrMismatch = errors.New("InvalidSignatureException: The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.")
	// ErrExpired: the request's date is too far from now.
	ErrExpired = errors.New("InvalidSignatureException: Signature expired: the request's date is more than 15 minutes from the server's time.")
)

// MaxSkew is how far a request's date may be from the server's time.
const MaxSkew = 15 * time.Minute

// Verify checks a request's signature (its body is body) against the
// secret of its access key, which secrets looks up, for a service. It
// returns the region the request was signed for.
func Verify(req *http.Request, body []byte, service string, secrets func(id string) (string, bool), now time.Time) (region string, err error) {
	auth := req.Header.Get("Authorization")
	if auth == "" {
		return "", ErrMissing
	}
	rest, ok := strings.CutPrefix(auth, algorithm+" ")
	if !ok {
		return "", ErrIncomplete
	}
	var credential, signedHeaders, given string
	for _, part := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Credential":
			credential = v
		case "SignedHeaders":
			signedHeaders = v
		case "Signature":
			given = v
		}
	}
	scope := strings.Split(credential, "/")
	if len(scope) != 5 || scope[4] != "aws4_request" || signedHeaders == "" || given == "" {
		return "", ErrIncomplete
	}
	id, day, region, svc := scope[0], scope[1], scope[2], scope[3]
	secret, ok := secrets(id)
	if !ok {
		return "", ErrUnknownKey
	}
	amzDate := req.Header.Get("X-Amz-Date")
	signedAt, err := time.Parse("20060102T150405Z", amzDate)
	if err != nil || !strings.HasPrefix(amzDate, day) || svc != service {
		return "", ErrIncomplete
	}
	if d := now.Sub(signedAt); d > MaxSkew || d < -MaxSkew {
		return "", ErrExpired
	}
	names := strings.Split(signedHeaders, ";")
	if !sort.StringsAreSorted(names) || !contains(names, "host") {
		return "", ErrIncomplete
	}
	payloadHash := sha256Hex(body)
	if h := req.Header.Get("X-Amz-Content-Sha256"); h != "" && h != "UNSIGNED-PAYLOAD" && h != payloadHash {
		return "", ErrMismatch
	}
	want := signature(secret, day, region, svc, stringToSign(amzDate, strings.Join(scope[1:], "/"), canonicalRequest(req, names, payloadHash)))
	if !hmac.Equal([]byte(want), []byte(given)) {
		return "", ErrMismatch
	}
	return region, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// canonicalRequest is SigV4's canonical form of a request.
func canonicalRequest(req *http.Request, names []string, payloadHash string) string {
	var headers strings.Builder
	for _, n := range names {
		headers.WriteString(n)
		headers.WriteByte(':')
		headers.WriteString(headerValue(req, n))
		headers.WriteByte('\n')
	}
	path := req.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	return strings.Join([]string{req.Method, path, canonicalQuery(req), headers.String(), strings.Join(names, ";"), payloadHash}, "\n")
}

// headerValue is a header's value as SigV4 reads it: values joined by
// commas, spaces trimmed and runs of spaces made one.
func headerValue(req *http.Request, name string) string {
	switch name {
	case "host":
		if req.Host != "" {
			return req.Host
		}
		return req.URL.Host
	case "content-length":
		if req.Header.Get("Content-Length") == "" && req.ContentLength >= 0 {
			return strconv.FormatInt(req.ContentLength, 10)
		}
	}
	vs := req.Header.Values(name)
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = strings.Join(strings.Fields(v), " ")
	}
	return strings.Join(out, ",")
}

func stringToSign(amzDate, scope, canonical string) string {
	return algorithm + "\n" + amzDate + "\n" + scope + "\n" + sha256Hex([]byte(canonical))
}

func signature(secret, day, region, service, toSign string) string {
	key := hmacSHA256([]byte("AWS4"+secret), day)
	key = hmacSHA256(key, region)
	key = hmacSHA256(key, service)
	key = hmacSHA256(key, "aws4_request")
	return hex.EncodeToString(hmacSHA256(key, toSign))
}

func canonicalQuery(req *http.Request) string {
	q := req.URL.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		vs := q[k]
		sort.Strings(vs)
		for _, v := range vs {
			parts = append(parts, escape(k)+"="+escape(v))
		}
	}
	return strings.Join(parts, "&")
}

// escape percent-encodes as SigV4 wants: everything but unreserved
// characters.
func escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteString("%" + strings.ToUpper(hex.EncodeToString([]byte{c})))
	}
	return b.String()
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}
