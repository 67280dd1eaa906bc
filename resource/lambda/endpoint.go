package lambda

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/baton-sh/baton/config"
	"github.com/baton-sh/baton/sigv4"
)

// endpoint runs a function behind a plain HTTP endpoint: a POST of the
// payload, whose 2xx answer is the result. Another status fails the
// function: with the error document the answer holds, if it is one, or as
// the Lambda service fails (404 ResourceNotFound, 429 TooManyRequests,
// other ServiceException).
type endpoint struct {
	cfg    *config.Function
	client *http.Client
}

func (e *endpoint) invoke(parent context.Context, in *invocation) (*response, error) {
	ctx, cancel := withTimeout(parent, e.cfg)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.cfg.URL, bytes.NewReader(in.payload))
	if err != nil {
		return nil, clientError(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Amz-Request-Id", in.requestID)
	req.Header.Set("Lambda-Runtime-Aws-Request-Id", in.requestID)
	if in.trace != "" {
		req.Header.Set("traceparent", in.trace)
	}
	for k, v := range e.cfg.Headers {
		req.Header.Set(k, v)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return failed(parent, ctx, in, e.cfg, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponse+1))
	if err != nil {
		return failed(parent, ctx, in, e.cfg, err)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return &response{payload: bytes.TrimSpace(body)}, nil
	}
	if isErrorDocument(body) {
		return &response{functionError: "Unhandled", payload: bytes.TrimSpace(body)}, nil
	}
	code := "ServiceException"
	switch resp.StatusCode {
	case http.StatusNotFound:
		code = "ResourceNotFoundException"
	case http.StatusTooManyRequests:
		code = "TooManyRequestsException"
	}
	return nil, serviceError(code, resp.StatusCode, in.requestID, fmt.Sprintf("The function's endpoint answered %s: %s", resp.Status, snippet(body)))
}

// invokeAPI runs a function behind an endpoint that speaks Lambda's Invoke
// API (POST /2015-03-31/functions/NAME/invocations), as sam local
// start-lambda and LocalStack serve it. Requests are signed with SigV4 so
// that endpoints that check for a signature accept them.
type invokeAPI struct {
	cfg    *config.Function
	client *http.Client
}

func (l *invokeAPI) invoke(parent context.Context, in *invocation) (*response, error) {
	ctx, cancel := withTimeout(parent, l.cfg)
	defer cancel()
	name := l.cfg.Name
	if name == "" { // otherFunctions: each function by its own name
		name = in.name
	}
	u := strings.TrimRight(l.cfg.Lambda, "/") + "/2015-03-31/functions/" + url.PathEscape(name) + "/invocations"
	if in.qualifier != "" {
		u += "?Qualifier=" + url.QueryEscape(in.qualifier)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(in.payload))
	if err != nil {
		return nil, clientError(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Amz-Invocation-Type", "RequestResponse")
	req.Header.Set("X-Amz-Log-Type", "None")
	if in.trace != "" {
		req.Header.Set("traceparent", in.trace)
	}
	id, secret, token := credentials()
	sigv4.Sign(req, in.payload, in.region, "lambda", id, secret, token, time.Now())
	resp, err := l.client.Do(req)
	if err != nil {
		return failed(parent, ctx, in, l.cfg, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponse+1))
	if err != nil {
		return failed(parent, ctx, in, l.cfg, err)
	}
	if resp.StatusCode >= 300 {
		// Lambda's own errors name their type in a header or the body.
		code := resp.Header.Get("X-Amzn-ErrorType")
		var doc struct {
			Type     string `json:"__type"`
			Message  string `json:"message"`
			Message2 string `json:"Message"`
		}
		json.Unmarshal(body, &doc)
		if code == "" {
			code = doc.Type
		}
		// "com.amazonaws.lambda#ResourceNotFoundException" or
		// "ResourceNotFoundException:http://internal.amazon.com/...".
		if i := strings.LastIndexByte(code, '#'); i >= 0 {
			code = code[i+1:]
		}
		if j := strings.IndexByte(code, ':'); j >= 0 {
			code = code[:j]
		}
		if code == "" {
			code = "ServiceException"
		}
		msg := doc.Message
		if msg == "" {
			msg = doc.Message2
		}
		if msg == "" {
			msg = snippet(body)
		}
		return nil, serviceError(code, resp.StatusCode, in.requestID, msg)
	}
	out := &response{payload: bytes.TrimSpace(body), statusCode: resp.StatusCode, executedVersion: resp.Header.Get("X-Amz-Executed-Version")}
	if fe := resp.Header.Get("X-Amz-Function-Error"); fe != "" {
		out.functionError = fe
	}
	return out, nil
}

func withTimeout(ctx context.Context, cfg *config.Function) (context.Context, context.CancelFunc) {
	if cfg.Timeout > 0 {
		return context.WithTimeout(ctx, time.Duration(cfg.Timeout))
	}
	return context.WithCancel(ctx)
}

// failed explains a call that did not get an answer: the task ended
// (passed on as is), the function ran past its own timeout (Lambda's
// Sandbox.Timedout), or the endpoint could not be reached.
func failed(parent, ctx context.Context, in *invocation, cfg *config.Function, err error) (*response, error) {
	switch {
	case parent.Err() != nil:
		return nil, parent.Err()
	case ctx.Err() != nil:
		return &response{functionError: "Unhandled", payload: errorDocument("Sandbox.Timedout",
			fmt.Sprintf("RequestId: %s Error: Task timed out after %.2f seconds", in.requestID, time.Duration(cfg.Timeout).Seconds()))}, nil
	}
	return nil, clientError(err)
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 500 {
		s = s[:500] + "..."
	}
	return s
}

// credentials are the AWS credentials in the environment, or placeholders:
// local Lambda endpoints check that a request is signed, not by whom.
func credentials() (string, string, string) {
	id, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if id == "" || secret == "" {
		return "test", "test", ""
	}
	return id, secret, os.Getenv("AWS_SESSION_TOKEN")
}
