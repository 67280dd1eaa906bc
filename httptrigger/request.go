package httptrigger

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"mime"
	"net"
	"net/http"
	"net/url"
	"sort"
	"time"
	"unicode/utf8"

	"github.com/baton-sh/baton/eventpattern"
	"github.com/baton-sh/baton/trigger"
	"github.com/baton-sh/baton/value"
)

// request is a request on its way to become an execution's input.
type request struct {
	r      *http.Request
	route  *route
	stage  string
	path   string // without the stage: /orders/42
	params map[string]string
	body   []byte
	id     string
	now    time.Time
}

// input is the execution's input: a constant, the body, the request in
// Lambda proxy shape, or a mapping of the request.
func (q *request) input() (string, error) {
	switch {
	case q.route.Input != "":
		return q.route.Input, nil
	case q.route.Template == "lambda_proxy":
		return string(q.proxyEvent()), nil
	case q.route.mapping != nil:
		doc, err := q.document()
		if err != nil {
			return "", err
		}
		return string(q.route.mapping.Apply(doc, eventpattern.Meta{})), nil
	}
	v, err := q.bodyValue()
	if err != nil {
		return "", err
	}
	if v == nil && len(bytes.TrimSpace(q.body)) == 0 {
		return "{}", nil
	}
	return string(value.Marshal(v)), nil
}

// bodyValue reads the body as the route's default templates do: JSON (an
// empty body is null), or a form (application/x-www-form-urlencoded) as
// an object of its fields. A form body that is JSON is read as JSON:
// curl -d sends JSON as a form.
func (q *request) bodyValue() (any, error) {
	text := bytes.TrimSpace(q.body)
	if len(text) == 0 {
		return nil, nil
	}
	v, err := value.Parse(text)
	if err == nil {
		return v, nil
	}
	if mt, _, _ := mime.ParseMediaType(q.r.Header.Get("Content-Type")); mt == "application/x-www-form-urlencoded" {
		if form, ferr := url.ParseQuery(string(text)); ferr == nil {
			obj := map[string]string{}
			for _, k := range sortedKeys(form) {
				obj[k] = form[k][0]
			}
			data, _ := json.Marshal(obj)
			return value.Parse(data)
		}
	}
	// API Gateway's words when a template reads a body that is not JSON.
	return nil, errors.New("Could not parse request body into json: " + err.Error())
}

// document is what a mapping reads: the body (parsed), the path's
// parameters, the query string's and headers' first values, and the
// request's context.
func (q *request) document() (any, error) {
	body, err := q.bodyValue()
	if err != nil {
		return nil, err
	}
	query, _ := singleAndMulti(q.r.URL.Query())
	headers, _ := singleAndMulti(url.Values(q.r.Header))
	doc := struct {
		Body        json.RawMessage   `json:"body"`
		Path        map[string]string `json:"path"`
		QueryString map[string]string `json:"querystring"`
		Header      map[string]string `json:"header"`
		Context     requestContext    `json:"context"`
	}{value.Marshal(body), orEmpty(q.params), orEmpty(query), orEmpty(headers), q.context()}
	data, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	return value.Parse(data)
}

type identity struct {
	SourceIP  string `json:"sourceIp"`
	UserAgent string `json:"userAgent"`
}

type requestContext struct {
	ResourcePath     string   `json:"resourcePath"`
	HTTPMethod       string   `json:"httpMethod"`
	Path             string   `json:"path"`
	Stage            string   `json:"stage"`
	RequestID        string   `json:"requestId"`
	RequestTimeEpoch int64    `json:"requestTimeEpoch"`
	Identity         identity `json:"identity"`
}

func (q *request) context() requestContext {
	ip := q.r.RemoteAddr
	if h, _, err := net.SplitHostPort(ip); err == nil {
		ip = h
	}
	return requestContext{
		ResourcePath: resourcePath(q.route.Path), HTTPMethod: q.r.Method, Path: "/" + q.stage + q.path, Stage: q.stage,
		RequestID: q.id, RequestTimeEpoch: q.now.UnixMilli(), Identity: identity{SourceIP: ip, UserAgent: q.r.UserAgent()},
	}
}

// proxyEvent is the request in the shape of API Gateway's Lambda proxy
// integration event (format 1.0), as serverless-step-functions'
// lambda_proxy template gives it: the body as text (base64 when it is not
// UTF-8), absent maps as null.
func (q *request) proxyEvent() []byte {
	query, multiQuery := singleAndMulti(q.r.URL.Query())
	headers, multiHeaders := singleAndMulti(url.Values(q.r.Header))
	var body *string
	b64 := false
	if len(q.body) > 0 {
		s := string(q.body)
		if !utf8.Valid(q.body) {
			s, b64 = base64.StdEncoding.EncodeToString(q.body), true
		}
		body = &s
	}
	ev := struct {
		Resource                        string              `json:"resource"`
		Path                            string              `json:"path"`
		HTTPMethod                      string              `json:"httpMethod"`
		Headers                         map[string]string   `json:"headers"`
		MultiValueHeaders               map[string][]string `json:"multiValueHeaders"`
		QueryStringParameters           map[string]string   `json:"queryStringParameters"`
		MultiValueQueryStringParameters map[string][]string `json:"multiValueQueryStringParameters"`
		PathParameters                  map[string]string   `json:"pathParameters"`
		StageVariables                  map[string]string   `json:"stageVariables"`
		RequestContext                  requestContext      `json:"requestContext"`
		Body                            *string             `json:"body"`
		IsBase64Encoded                 bool                `json:"isBase64Encoded"`
	}{resourcePath(q.route.Path), q.path, q.r.Method, headers, multiHeaders, query, multiQuery, orNil(q.params), nil, q.context(), body, b64}
	data, _ := json.Marshal(ev) // strings, maps of strings
	return data
}

// singleAndMulti are a multi-valued map's first values and all of them,
// nil when empty (as API Gateway gives absent maps).
func singleAndMulti(m map[string][]string) (map[string]string, map[string][]string) {
	if len(m) == 0 {
		return nil, nil
	}
	single := make(map[string]string, len(m))
	for k, vs := range m {
		if len(vs) > 0 {
			single[k] = vs[0]
		}
	}
	return single, m
}

func orNil(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return m
}

func orEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// resourcePath is a route's path as API Gateway writes its resource:
// with its leading slash, without a trailing one.
func resourcePath(p string) string {
	segs, _ := trigger.RoutePath(p)
	out := ""
	for _, s := range segs {
		switch {
		case s.Greedy:
			out += "/{" + s.Text + "+}"
		case s.Param:
			out += "/{" + s.Text + "}"
		default:
			out += "/" + s.Text
		}
	}
	if out == "" {
		return "/"
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
