// Package httptask is the HTTP Task, arn:aws:states:::http:invoke (and
// .waitForTaskToken): it calls an HTTP API with the method, headers, query
// and body its parameters give, authenticated as the config's connection
// says (in place of the EventBridge connection its ConnectionArn names),
// and answers as AWS does: {Headers, ResponseBody, StatusCode, StatusText},
// or States.Http.StatusCode.NNN for a status outside 2xx.
package httptask

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/baton-sh/baton/arn"
	"github.com/baton-sh/baton/config"
	"github.com/baton-sh/baton/resource"
	"github.com/baton-sh/baton/value"
)

// Resource ARNs this package serves.
const (
	InvokeARN         = "arn:aws:states:::http:invoke"
	InvokeCallbackARN = "arn:aws:states:::http:invoke.waitForTaskToken"
)

// MaxResponse is the largest response body AWS reads: the payload limit.
const MaxResponse = 262144

// Task calls HTTP APIs.
type Task struct {
	connections map[string]*config.Connection
	client      *http.Client

	mu     sync.Mutex
	tokens map[string]oauthToken // OAuth tokens by connection name
}

type oauthToken struct {
	value   string
	expires time.Time
}

// New prepares HTTP Tasks with the connections of a config (nil: none).
func New(cfg *config.Config) *Task {
	t := &Task{connections: map[string]*config.Connection{}, tokens: map[string]oauthToken{},
		client: &http.Client{
			Transport: &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second},
			// Redirects are followed as a browser would, up to ten.
			CheckRedirect: func(req *http.Request, via []*http.Request) error {
				if len(via) >= 10 {
					return http.ErrUseLastResponse
				}
				return nil
			},
		}}
	if cfg != nil {
		t.connections = cfg.Connections
	}
	return t
}

// Register serves http:invoke and its callback form.
func (t *Task) Register(reg *resource.Registry) {
	reg.Register(InvokeARN, t)
	reg.Register(InvokeCallbackARN, t)
}

// Invoke calls the API.
func (t *Task) Invoke(ctx context.Context, req *resource.Request) (any, error) {
	call, err := parseCall(req.Input)
	if err != nil {
		return nil, err
	}
	region := "us-east-1"
	if a, perr := arn.Parse(req.ExecutionARN); perr == nil {
		region = a.Region
	}
	conn, err := t.connection(call.connectionARN)
	if err != nil {
		return nil, err
	}
	hr, err := t.build(ctx, call, conn, region)
	if err != nil {
		return nil, err
	}
	if req.TraceParent != "" {
		// The task's span, in W3C's header; it wins over a traceparent
		// the state's Headers set.
		hr.Header.Set("traceparent", req.TraceParent)
	}
	out, err := t.do(ctx, hr)
	if err != nil {
		return nil, err
	}
	if req.Resource == InvokeCallbackARN {
		return nil, &resource.Submitted{Output: out}
	}
	return out, nil
}

// call is an HTTP Task's parameters, checked.
type call struct {
	endpoint      string
	method        string
	connectionARN string
	headers       [][2]string
	query         url.Values
	body          any
	hasBody       bool
	formEncoded   bool
	arrayFormat   string
}

var methods = map[string]bool{"GET": true, "POST": true, "PUT": true, "DELETE": true, "PATCH": true, "OPTIONS": true, "HEAD": true}

func runtimeErr(format string, args ...any) error {
	return &resource.Error{Name: "States.Runtime", Cause: fmt.Sprintf(format, args...)}
}

func parseCall(input any) (*call, error) {
	p, ok := input.(*value.Object)
	if !ok {
		return nil, runtimeErr("The parameters of an HTTP Task must be an object")
	}
	c := &call{query: url.Values{}, arrayFormat: "INDICES"}
	ep, _ := p.Get("ApiEndpoint")
	c.endpoint, _ = ep.(string)
	if u, err := url.Parse(c.endpoint); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, runtimeErr("The ApiEndpoint '%s' is not an http(s) URL", c.endpoint)
	}
	m, _ := p.Get("Method")
	c.method, _ = m.(string)
	if !methods[c.method] {
		return nil, runtimeErr("The Method '%s' is not one of GET, POST, PUT, DELETE, PATCH, OPTIONS and HEAD", c.method)
	}
	for _, key := range []string{"Authentication", "InvocationConfig"} {
		if a, ok := p.Get(key); ok {
			if ao, ok := a.(*value.Object); ok {
				if ca, ok := ao.Get("ConnectionArn"); ok {
					c.connectionARN, _ = ca.(string)
				}
			}
		}
	}
	if h, ok := p.Get("Headers"); ok {
		ho, ok := h.(*value.Object)
		if !ok {
			return nil, runtimeErr("Headers must be an object")
		}
		for _, m := range ho.Members() {
			if forbiddenHeader(m.Key) {
				return nil, runtimeErr("The header '%s' cannot be set in an HTTP Task", m.Key)
			}
			c.headers = append(c.headers, [2]string{m.Key, scalarList(m.Value)})
		}
	}
	if q, ok := p.Get("QueryParameters"); ok {
		qo, ok := q.(*value.Object)
		if !ok {
			return nil, runtimeErr("QueryParameters must be an object")
		}
		for _, m := range qo.Members() {
			if items, isList := m.Value.([]any); isList {
				for _, it := range items {
					c.query.Add(m.Key, scalar(it))
				}
				continue
			}
			c.query.Add(m.Key, scalar(m.Value))
		}
	}
	c.body, c.hasBody = p.Get("RequestBody")
	if tr, ok := p.Get("Transform"); ok {
		to, _ := tr.(*value.Object)
		if to != nil {
			enc, _ := to.Get("RequestBodyEncoding")
			switch enc {
			case nil, "NONE":
			case "URL_ENCODED":
				c.formEncoded = true
			default:
				return nil, runtimeErr("The RequestBodyEncoding '%v' is not NONE or URL_ENCODED", enc)
			}
			if opts, ok := to.Get("RequestEncodingOptions"); ok {
				if oo, ok := opts.(*value.Object); ok {
					if f, ok := oo.Get("ArrayFormat"); ok {
						switch f {
						case "BRACKETS", "COMMAS", "INDICES", "REPEAT":
							c.arrayFormat = f.(string)
						default:
							return nil, runtimeErr("The ArrayFormat '%v' is not BRACKETS, COMMAS, INDICES or REPEAT", f)
						}
					}
				}
			}
		}
	}
	return c, nil
}

// forbiddenHeader names the headers AWS does not let an HTTP Task set.
func forbiddenHeader(name string) bool {
	l := strings.ToLower(name)
	if strings.HasPrefix(l, "x-forwarded-") || strings.HasPrefix(l, "x-amz-") || strings.HasPrefix(l, "x-amzn-") {
		return true
	}
	switch l {
	case "a-im", "accept-charset", "accept-datetime", "accept-encoding", "authorization", "cache-control", "connection",
		"content-encoding", "content-md5", "date", "expect", "forwarded", "from", "host", "http2-settings", "if-match",
		"if-modified-since", "if-none-match", "if-range", "if-unmodified-since", "max-forwards", "origin", "pragma",
		"proxy-authorization", "referer", "server", "te", "trailer", "transfer-encoding", "upgrade", "via", "warning":
		return true
	}
	return false
}

func scalar(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return value.String(v)
}

func scalarList(v any) string {
	if items, ok := v.([]any); ok {
		parts := make([]string, len(items))
		for i, it := range items {
			parts[i] = scalar(it)
		}
		return strings.Join(parts, ",")
	}
	return scalar(v)
}

// connection finds the configured connection a ConnectionArn names
// (arn:aws:events:REGION:ACCOUNT:connection/NAME/ID).
func (t *Task) connection(connectionARN string) (*config.Connection, error) {
	if connectionARN == "" {
		return &config.Connection{}, nil
	}
	name := connectionARN
	if i := strings.Index(name, ":connection/"); i >= 0 {
		name = name[i+len(":connection/"):]
		if j := strings.IndexByte(name, '/'); j >= 0 {
			name = name[:j]
		}
	}
	c, ok := t.connections[name]
	if !ok {
		return nil, &resource.Error{Name: "Events.ConnectionResource.ResourceNotFound", Cause: "The connection '" + name +
			"' is not configured. Add it under connections: in baton.yaml (basic, apiKey, oauth, or empty for none)."}
	}
	return c, nil
}

func (t *Task) build(ctx context.Context, c *call, conn *config.Connection, region string) (*http.Request, error) {
	u, _ := url.Parse(c.endpoint)
	q := u.Query()
	for k, vs := range c.query {
		for _, v := range vs {
			q.Add(k, v)
		}
	}
	for k, v := range conn.Query {
		q.Set(k, v)
	}
	u.RawQuery = q.Encode()

	body := c.body
	if len(conn.Body) > 0 {
		merged := []value.Member{}
		if o, ok := body.(*value.Object); ok {
			merged = append(merged, o.Members()...)
		} else if c.hasBody && body != nil {
			return nil, runtimeErr("A RequestBody that is not an object cannot take the connection's body parameters")
		}
		o := value.NewObject(merged)
		for _, k := range sortedKeys(conn.Body) {
			o = o.With(k, conn.Body[k])
		}
		body, c.hasBody = o, true
	}
	var payload []byte
	contentType := ""
	switch {
	case !c.hasBody || body == nil:
	case c.formEncoded:
		payload = []byte(formEncode(body, c.arrayFormat))
		contentType = "application/x-www-form-urlencoded"
	default:
		if s, ok := body.(string); ok {
			payload = []byte(s)
		} else {
			payload = value.Marshal(body)
		}
		contentType = "application/json; charset=UTF-8"
	}
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	hr, err := http.NewRequestWithContext(ctx, c.method, u.String(), rd)
	if err != nil {
		return nil, runtimeErr("Cannot build the request: %v", err)
	}
	for _, h := range c.headers {
		hr.Header.Set(h[0], h[1])
	}
	for k, v := range conn.Headers {
		hr.Header.Set(k, v)
	}
	if contentType != "" && hr.Header.Get("Content-Type") == "" {
		hr.Header.Set("Content-Type", contentType)
	}
	hr.Header.Set("User-Agent", "Amazon|StepFunctions|HttpInvoke|"+region)
	hr.Header.Set("Range", "bytes=0-"+strconv.Itoa(MaxResponse))
	if err := t.authenticate(ctx, hr, conn); err != nil {
		return nil, err
	}
	return hr, nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (t *Task) authenticate(ctx context.Context, hr *http.Request, conn *config.Connection) error {
	switch {
	case conn.Basic != nil:
		hr.SetBasicAuth(conn.Basic.Username, conn.Basic.Password)
	case conn.APIKey != nil:
		hr.Header.Set(conn.APIKey.Name, conn.APIKey.Value)
	case conn.OAuth != nil:
		tok, err := t.oauth(ctx, conn.OAuth)
		if err != nil {
			return &resource.Error{Name: "Events.ConnectionResource.InvalidConnectionState", Cause: "The OAuth token request failed: " + err.Error()}
		}
		hr.Header.Set("Authorization", "Bearer "+tok)
	}
	return nil
}

// oauth gets a token with the client-credentials grant, and keeps it until
// shortly before it expires.
func (t *Task) oauth(ctx context.Context, o *config.OAuth) (string, error) {
	key := o.URL + "\x00" + o.ClientID + "\x00" + o.ClientSecret
	t.mu.Lock()
	tok, ok := t.tokens[key]
	t.mu.Unlock()
	if ok && time.Now().Before(tok.expires) {
		return tok.value, nil
	}
	form := url.Values{"grant_type": {"client_credentials"}}
	if o.Scope != "" {
		form.Set("scope", o.Scope)
	}
	for k, v := range o.Body {
		form.Set(k, v)
	}
	var req *http.Request
	var err error
	if o.Method == "GET" {
		u, _ := url.Parse(o.URL)
		q := u.Query()
		for k, vs := range form {
			q[k] = vs
		}
		for k, v := range o.Query {
			q.Set(k, v)
		}
		u.RawQuery = q.Encode()
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	} else {
		u, _ := url.Parse(o.URL)
		q := u.Query()
		for k, v := range o.Query {
			q.Set(k, v)
		}
		u.RawQuery = q.Encode()
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(form.Encode()))
		if err == nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	}
	if err != nil {
		return "", err
	}
	req.SetBasicAuth(o.ClientID, o.ClientSecret)
	for k, v := range o.Headers {
		req.Header.Set(k, v)
	}
	resp, err := t.client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", err
	}
	if resp.StatusCode >= 300 {
		return "", fmt.Errorf("the token endpoint answered %s", resp.Status)
	}
	doc, err := value.Parse(data)
	o2, _ := doc.(*value.Object)
	if err != nil || o2 == nil {
		return "", errors.New("the token endpoint did not answer JSON")
	}
	at, _ := o2.Get("access_token")
	access, _ := at.(string)
	if access == "" {
		return "", errors.New("the token endpoint's answer has no access_token")
	}
	life := time.Hour
	if ei, ok := o2.Get("expires_in"); ok {
		if n, ok := ei.(value.Number); ok {
			if secs, isInt := n.Int64(); isInt && secs > 0 {
				life = time.Duration(secs) * time.Second
			}
		}
	}
	t.mu.Lock()
	t.tokens[key] = oauthToken{value: access, expires: time.Now().Add(life - min(life/10, time.Minute))}
	t.mu.Unlock()
	return access, nil
}

func (t *Task) do(ctx context.Context, hr *http.Request) (any, error) {
	resp, err := t.client.Do(hr)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return nil, &resource.Error{Name: "States.Http.Socket", Cause: "The HTTP request timed out: " + err.Error()}
		}
		return nil, &resource.Error{Name: "States.Http.Socket", Cause: err.Error()}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponse+1))
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &resource.Error{Name: "States.Http.Socket", Cause: err.Error()}
	}
	if len(data) > MaxResponse {
		return nil, &resource.Error{Name: "States.DataLimitExceeded", Cause: "The HTTP response is larger than the payload limit of 262144 bytes."}
	}
	statusText := strings.TrimSpace(strings.TrimPrefix(resp.Status, strconv.Itoa(resp.StatusCode)))
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		// AWS keeps only the status text of a failed call.
		return nil, &resource.Error{Name: "States.Http.StatusCode." + strconv.Itoa(resp.StatusCode), Cause: statusText}
	}
	names := make([]string, 0, len(resp.Header))
	for k := range resp.Header {
		names = append(names, k)
	}
	sort.Strings(names)
	headers := make([]value.Member, len(names))
	for i, k := range names {
		vs := make([]any, len(resp.Header[k]))
		for j, v := range resp.Header[k] {
			vs[j] = v
		}
		headers[i] = value.Member{Key: strings.ToLower(k), Value: vs}
	}
	var body any = ""
	if len(data) > 0 {
		if !utf8.Valid(data) {
			return nil, runtimeErr("The HTTP response body is not text")
		}
		body = string(data)
		media, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
		if media == "application/json" || strings.HasSuffix(media, "+json") {
			if v, err := value.Parse(data); err == nil {
				body = v
			}
		}
	}
	return value.NewObject([]value.Member{
		{Key: "Headers", Value: value.NewObject(headers)},
		{Key: "ResponseBody", Value: body},
		{Key: "StatusCode", Value: value.Int(int64(resp.StatusCode))},
		{Key: "StatusText", Value: statusText},
	}), nil
}

// formEncode writes a body as application/x-www-form-urlencoded, arrays as
// the ArrayFormat says: INDICES a[0]=x&a[1]=y, REPEAT a=x&a=y, COMMAS
// a=x,y, BRACKETS a[]=x&a[]=y. Nested objects use a[b]=c.
func formEncode(body any, arrayFormat string) string {
	var parts []string
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch x := v.(type) {
		case *value.Object:
			for _, m := range x.Members() {
				k := m.Key
				if key != "" {
					k = key + "[" + m.Key + "]"
				}
				walk(k, m.Value)
			}
		case []any:
			switch arrayFormat {
			case "COMMAS":
				vals := make([]string, len(x))
				for i, it := range x {
					vals[i] = scalar(it)
				}
				parts = append(parts, url.QueryEscape(key)+"="+url.QueryEscape(strings.Join(vals, ",")))
			case "REPEAT":
				for _, it := range x {
					walk(key, it)
				}
			case "BRACKETS":
				for _, it := range x {
					walk(key+"[]", it)
				}
			default:
				for i, it := range x {
					walk(key+"["+strconv.Itoa(i)+"]", it)
				}
			}
		case nil:
			parts = append(parts, url.QueryEscape(key)+"=")
		default:
			parts = append(parts, url.QueryEscape(key)+"="+url.QueryEscape(scalar(x)))
		}
	}
	if s, ok := body.(string); ok {
		return s
	}
	walk("", body)
	return strings.Join(parts, "&")
}
