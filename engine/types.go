package engine

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"github.com/baton-sh/baton/arn"
	"strconv"
	"strings"
	"time"

	"github.com/baton-sh/baton/store"
)

// The inputs and outputs of the engine's actions are the Step Functions
// API's, field for field, with AWS's JSON names: the API's codec decodes
// and encodes them as they are.

// Time is a time in the API's JSON form: seconds since the epoch, with
// milliseconds.
type Time time.Time

// MarshalJSON writes seconds with three decimals.
func (t Time) MarshalJSON() ([]byte, error) {
	ms := time.Time(t).UnixMilli()
	sec, frac := ms/1000, ms%1000
	if frac < 0 {
		frac = -frac
	}
	b := strconv.AppendInt(nil, sec, 10)
	b = append(b, '.')
	if frac < 100 {
		b = append(b, '0')
	}
	if frac < 10 {
		b = append(b, '0')
	}
	return strconv.AppendInt(b, frac, 10), nil
}

// Time returns the time.
func (t Time) Time() time.Time { return time.Time(t) }

// timePtr is nil for the zero time.
func timePtr(t time.Time) *Time {
	if t.IsZero() {
		return nil
	}
	e := Time(t)
	return &e
}

// Caller is who makes a call: the region of their request (the credential
// scope of its signature). Actions that make ARNs take it.
type Caller struct {
	Region string `json:"-"`
}

// SetRegion sets the caller's region.
func (c *Caller) SetRegion(r string) { c.Region = r }

func (c *Caller) region() string {
	if c.Region == "" {
		return "us-east-1"
	}
	return c.Region
}

// Tag is a resource's tag.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// RoutingEntry is one version an alias routes to.
type RoutingEntry struct {
	StateMachineVersionArn string `json:"stateMachineVersionArn"`
	Weight                 int    `json:"weight"`
}

// DataDetails says whether data is included.
type DataDetails struct {
	Included bool `json:"included"`
}

var included = &DataDetails{Included: true}

// ---- pagination ------------------------------------------------------------

// A list answers a page and, when more follow, a nextToken to ask for the
// next. Tokens are opaque to clients: the kind of list they belong to and
// where the page ended.
type pageToken struct {
	Kind  string `json:"k"`
	After string `json:"a"`
}

func encodeToken(kind, after string) string {
	b, _ := json.Marshal(pageToken{kind, after}) //nolint:errchkjson // two strings always encode
	return base64.RawURLEncoding.EncodeToString(b)
}

// page reads a list's maxResults and nextToken: the page size and where
// the previous page ended ("" for the first).
func page(kind string, maxResults int, nextToken string) (int, string, error) {
	n := maxResults
	switch {
	case maxResults < 0:
		return 0, "", validation("1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 0", maxResults)
	case maxResults > 1000:
		return 0, "", validation("1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000", maxResults)
	case maxResults == 0:
		n = 100
	}
	if nextToken == "" {
		return n, "", nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(nextToken)
	var p pageToken
	if err != nil || json.Unmarshal(raw, &p) != nil || p.Kind != kind {
		return 0, "", errorf(InvalidToken, "Invalid Token: '%s'", nextToken)
	}
	return n, p.After, nil
}

// paginate cuts a list read with one more item than the page holds: the
// page, and the token of the next one (from the key of the page's last
// item) when there is more.
func paginate[T any](kind string, items []T, n int, key func(T) string) ([]T, *string) {
	if len(items) <= n {
		return items, nil
	}
	tok := encodeToken(kind, key(items[n-1]))
	return items[:n], &tok
}

// listResources reads one page of the resources of a kind (and parent, when
// given), in ARN order.
func (e *Engine) listResources(ctx context.Context, kind, parent string, maxResults int, nextToken string) ([]*store.Resource, *string, error) {
	return e.listResourcesIn(ctx, kind, parent, "", maxResults, nextToken)
}

// listResourcesIn lists the resources whose ARN starts with prefix (all of
// them when it is ""): those of one region and account. Resources are
// listed in ARN order, so a prefix is one range of them.
func (e *Engine) listResourcesIn(ctx context.Context, kind, parent, prefix string, maxResults int, nextToken string) ([]*store.Resource, *string, error) {
	if err := e.needStore(); err != nil {
		return nil, nil, err
	}
	n, after, err := page(kind, maxResults, nextToken)
	if err != nil {
		return nil, nil, err
	}
	if after < prefix {
		after = prefix // before every ARN that starts with it
	}
	list, err := e.store.ListResources(ctx, kind, parent, store.Page{Limit: n + 1, After: after})
	if err != nil {
		return nil, nil, err
	}
	for i, r := range list {
		if !strings.HasPrefix(r.ARN, prefix) {
			list = list[:i]
			break
		}
	}
	list, next := paginate(kind, list, n, func(r *store.Resource) string { return r.ARN })
	return list, next, nil
}

// regionPrefix is the start of the ARNs of a kind of resource in the
// caller's region and the engine's account.
func (e *Engine) regionPrefix(c *Caller, kind arn.Kind) string {
	return arn.ARN{Region: c.region(), Account: e.o.Account, Kind: kind}.String()
}
