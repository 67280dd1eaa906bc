package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

// The tests of a server exposed to others: the names it answers to,
// signed requests, slow clients, TLS, its files, and its stop.

// getAs makes a GET of a URL with a Host header of one's choice.
func getAs(t *testing.T, url, host string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// TestServeHosts: a page that rebinds its own name to the server's address
// cannot drive it; a name the operator allows can.
func TestServeHosts(t *testing.T) {
	t.Parallel()
	s := startServerAt(t, t.TempDir(), "--allow-host", "baton.internal")
	defer s.stop(t)
	for _, tt := range []struct {
		host string
		want int
	}{
		{"", 200}, {"localhost:8083", 200}, {"baton.internal:8083", 200}, {"sync-localhost:8083", 200},
		{"evil.example", 403}, {"evil.example:8083", 403}, {"127.0.0.2", 403},
	} {
		code, body := getAs(t, s.url+"/", tt.host)
		if code != tt.want {
			t.Errorf("Host %q: %d %s, want %d", tt.host, code, body, tt.want)
		}
		if code == 403 && !strings.Contains(body, "AccessDeniedException") {
			t.Errorf("Host %q: %s", tt.host, body)
		}
	}
	if code, _ := getAs(t, s.url+"/healthz", "evil.example"); code != 200 {
		t.Errorf("health answers any host: %d", code)
	}
}

// TestServeSignatures: a server that requires signed requests takes those
// the AWS SDK signs with a key it knows, and refuses the others.
func TestServeSignatures(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "baton.yaml")
	check(t, os.WriteFile(cfgFile, []byte("accessKeys:\n  AKIDBATON: the-secret\n"), 0o600))
	s := startServerAt(t, filepath.Join(dir, "data"), "--auth", "sigv4", "--config", cfgFile)
	defer s.stop(t)
	client := func(id, secret string) *sfn.Client {
		return sfn.New(sfn.Options{Region: "eu-west-3", BaseEndpoint: aws.String(s.url), RetryMaxAttempts: 1,
			Credentials: credentials.NewStaticCredentialsProvider(id, secret, ""), HTTPClient: wholeRequests{http.DefaultClient}})
	}
	ctx := context.Background()
	if _, err := client("AKIDBATON", "the-secret").ListStateMachines(ctx, &sfn.ListStateMachinesInput{}); err != nil {
		t.Fatalf("signed with the key: %v", err)
	}
	_, err := client("AKIDBATON", "not-the-secret").ListStateMachines(ctx, &sfn.ListStateMachinesInput{})
	wantCode(t, err, "InvalidSignatureException")
	_, err = client("AKIDOTHER", "the-secret").ListStateMachines(ctx, &sfn.ListStateMachinesInput{})
	wantCode(t, err, "UnrecognizedClientException")
	// An unsigned request.
	resp, err := http.Post(s.url+"/", "application/x-amz-json-1.0", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	check(t, resp.Body.Close())
	if resp.StatusCode != 403 || resp.Header.Get("X-Amzn-ErrorType") != "MissingAuthenticationTokenException" {
		t.Errorf("unsigned: %d %s", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"))
	}

	// Listening on the network without keys is refused, with the way out.
	cmd := cli(t, "serve", "--addr", "0.0.0.0:0", "--data", filepath.Join(dir, "other"))
	if cmd.code != 2 || !strings.Contains(cmd.stderr, "accessKeys") || !strings.Contains(cmd.stderr, "--auth none") {
		t.Errorf("a network server without keys: %d %s", cmd.code, cmd.stderr)
	}
}

// TestServeSlowClients: a request whose body stalls is cut off after the
// read timeout, and while such requests hang, the server answers others.
func TestServeSlowClients(t *testing.T) {
	t.Parallel()
	s := startServerAt(t, t.TempDir(), "--read-timeout", "1s", "--max-connections", "64")
	defer s.stop(t)
	var stalled []net.Conn
	for range 40 {
		c, err := net.Dial("tcp", s.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		// Headers that announce a body, and no body.
		_, err = io.WriteString(c, "POST / HTTP/1.1\r\nHost: localhost\r\nX-Amz-Target: AWSStepFunctions.ListStateMachines\r\nContent-Length: 100\r\n\r\n{")
		check(t, err)
		stalled = append(stalled, c)
	}
	if code, _ := getAs(t, s.url+"/healthz", ""); code != 200 {
		t.Fatalf("health while 40 requests stall: %d", code)
	}
	for i, c := range stalled {
		check(t, c.SetReadDeadline(time.Now().Add(10*time.Second)))
		_, err := bufio.NewReader(c).ReadString('\n')
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatalf("stalled request %d was not cut off", i)
		}
	}
}

// TestServeTLS serves HTTPS with a certificate from flags.
func TestServeTLS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	certFile, keyFile, pool := selfSigned(t, dir)
	s := startServerAt(t, filepath.Join(dir, "data"), "--tls-cert", certFile, "--tls-key", keyFile)
	defer s.stop(t)
	if !strings.HasPrefix(s.url, "https://") {
		t.Fatalf("serving %s", s.url)
	}
	c := sfn.New(sfn.Options{Region: "eu-west-3", BaseEndpoint: aws.String(s.url), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("a", "b", ""),
		HTTPClient:  wholeRequests{&http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}}})
	if _, err := c.ListStateMachines(context.Background(), &sfn.ListStateMachinesInput{}); err != nil {
		t.Fatal(err)
	}
}

func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	check(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	check(t, err)
	keyDER, err := x509.MarshalECPrivateKey(key)
	check(t, err)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	check(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	check(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600))
	cert, err := x509.ParseCertificate(der)
	check(t, err)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// TestServeFilesAndStop: the data folder is its owner's alone, and a
// server stopped while workers long-poll answers them and exits at once.
func TestServeFilesAndStop(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := startServerAt(t, dir)
	for _, f := range []string{dir, filepath.Join(dir, "baton.db")} {
		info, err := os.Stat(f)
		check(t, err)
		if perm := info.Mode().Perm(); perm&0o077 != 0 {
			t.Errorf("%s: mode %v", f, perm)
		}
	}
	c := s.client()
	ctx := context.Background()
	act, err := c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("idle")})
	check(t, err)
	polls := make(chan error, 3)
	for range 3 {
		go func() {
			_, err := c.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: act.ActivityArn})
			polls <- err
		}()
	}
	// The stop is measured whether the polls reached the server or not
	// (engine.TestDrain shows that a waiting poll is answered at once).
	start := time.Now()
	check(t, s.cmd.Process.Signal(os.Interrupt))
	for range 3 {
		// A poll that had not reached the server finds it gone.
		var ae interface{ ErrorCode() string }
		if err := <-polls; errors.As(err, &ae) {
			t.Errorf("a poll at shutdown: %v", err)
		}
	}
	check(t, s.exited(t, 5*time.Second))
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the server took %v to stop", d)
	}
}
