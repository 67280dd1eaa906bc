package sigv4

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

var now = time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)

func keys(id string) (string, bool) {
	if id == "AKIDEXAMPLE" {
		return "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", true
	}
	return "", false
}

// sdkSigned is a request signed by the AWS SDK for Go's own signer, as a
// client of the server signs it, and received by a server.
func sdkSigned(t *testing.T, body []byte, id, secret string, at time.Time) *http.Request {
	t.Helper()
	req, err := http.NewRequest("POST", "http://127.0.0.1:8083/", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "AWSStepFunctions.ListStateMachines")
	sum := sha256.Sum256(body)
	err = v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: id, SecretAccessKey: secret}, req,
		hex.EncodeToString(sum[:]), "states", "eu-west-3", at)
	if err != nil {
		t.Fatal(err)
	}
	// As the server sees it.
	in := httptest.NewRequest(req.Method, req.URL.String(), bytes.NewReader(body))
	in.Header = req.Header.Clone()
	in.Host = req.URL.Host
	return in
}

func TestVerifySDKSignature(t *testing.T) {
	body := []byte(`{"maxResults":1}`)
	req := sdkSigned(t, body, "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", now)
	region, err := Verify(req, body, "states", keys, now.Add(time.Minute))
	if err != nil || region != "eu-west-3" {
		t.Fatalf("%q %v", region, err)
	}
	cases := []struct {
		name string
		req  *http.Request
		body []byte
		at   time.Time
		want error
	}{
		{"wrong secret", sdkSigned(t, body, "AKIDEXAMPLE", "not-the-secret", now), body, now, ErrMismatch},
		{"unknown key", sdkSigned(t, body, "AKIDOTHER", "x", now), body, now, ErrUnknownKey},
		{"altered body", req, []byte(`{"maxResults":2}`), now, ErrMismatch},
		{"old", sdkSigned(t, body, "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", now), body, now.Add(16 * time.Minute), ErrExpired},
		{"unsigned", httptest.NewRequest("POST", "/", bytes.NewReader(body)), body, now, ErrMissing},
	}
	for _, c := range cases {
		if _, err := Verify(c.req, c.body, "states", keys, c.at); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	other := sdkSigned(t, body, "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", now)
	other.Header.Set("X-Amz-Target", "AWSStepFunctions.DeleteStateMachine")
	if _, err := Verify(other, body, "states", keys, now); !errors.Is(err, ErrMismatch) {
		t.Errorf("a signed header changed: %v", err)
	}
	if _, err := Verify(req, body, "lambda", keys, now); !errors.Is(err, ErrIncomplete) {
		t.Errorf("another service: %v", err)
	}
}

// TestSignVerify: what Sign signs, Verify accepts, and the SDK's signer
// signs the same.
func TestSignVerify(t *testing.T) {
	body := []byte(`{"a":1}`)
	req := httptest.NewRequest("POST", "http://localhost:3001/2015-03-31/functions/f/invocations?q=1", bytes.NewReader(body))
	req.Host = ""
	Sign(req, body, "us-east-1", "lambda", "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "", now)
	if _, err := Verify(req, body, "lambda", keys, now); err != nil {
		t.Fatal(err)
	}
}

func FuzzVerify(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240601/us-east-1/states/aws4_request, SignedHeaders=host;x-amz-date, Signature=00", "20240601T120000Z")
	f.Add("AWS4-HMAC-SHA256 Credential=/, SignedHeaders=, Signature=", "")
	f.Fuzz(func(t *testing.T, auth, date string) {
		req := httptest.NewRequest("POST", "/", nil)
		req.Header.Set("Authorization", auth)
		req.Header.Set("X-Amz-Date", date)
		if _, err := Verify(req, nil, "states", keys, now); err == nil {
			t.Fatalf("accepted %q %q", auth, date)
		}
	})
}
