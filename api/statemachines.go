package api

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/baton-sh/baton/arn"
	"github.com/baton-sh/baton/definition"
	"github.com/baton-sh/baton/store"
)

// smBody is what a state machine resource stores.
type smBody struct {
	Name        string            `json:"name"`
	Definition  string            `json:"definition"`
	RoleARN     string            `json:"roleArn"`
	Type        string            `json:"type"`
	Updated     time.Time         `json:"updated"`
	Logging     json.RawMessage   `json:"logging,omitempty"`
	Tracing     json.RawMessage   `json:"tracing,omitempty"`
	Encryption  json.RawMessage   `json:"encryption,omitempty"`
	RevisionID  string            `json:"revisionId"`
	NextVersion int               `json:"nextVersion"`
	Published   map[string]string `json:"published,omitempty"`   // revision id -> version ARN
	Description string            `json:"description,omitempty"` // versions only
}

type aliasBody struct {
	Name        string         `json:"name"`
	Description string         `json:"description,omitempty"`
	Routing     []routingEntry `json:"routing"`
	Updated     time.Time      `json:"updated"`
}

type routingEntry struct {
	StateMachineVersionArn string `json:"stateMachineVersionArn"`
	Weight                 int    `json:"weight"`
}

type tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

var defaultLogging = json.RawMessage(`{"level":"OFF","includeExecutionData":false}`)
var defaultTracing = json.RawMessage(`{"enabled":false}`)

func revision(b *smBody) string {
	h := sha256.New()
	for _, part := range []string{b.Definition, b.RoleARN, string(b.Logging), string(b.Tracing), b.Updated.String()} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

func (s *Server) region(r *request) string { return r.region }

// parseARN checks an ARN argument and its kind.
func parseARN(field, text string, kinds ...arn.Kind) (arn.ARN, error) {
	if text == "" {
		return arn.ARN{}, missing(field)
	}
	a, err := arn.Parse(text)
	if err != nil {
		return arn.ARN{}, invalidArn("Invalid ARN prefix: %s", text)
	}
	for _, k := range kinds {
		if a.Kind == k {
			return a, nil
		}
	}
	return arn.ARN{}, invalidArn("Resource type not valid in this context: %s", a.Kind)
}

func (s *Server) getStateMachine(ctx context.Context, a string) (*store.Resource, *smBody, error) {
	res, err := s.store.GetResource(ctx, a)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, stateMachineDoesNotExist(a)
	}
	if err != nil {
		return nil, nil, err
	}
	var b smBody
	if err := json.Unmarshal(res.Body, &b); err != nil {
		return nil, nil, err
	}
	return res, &b, nil
}

func (s *Server) checkDefinition(def, typ string) error {
	if def == "" {
		return missing("definition")
	}
	if len(def) > definition.MaxSize {
		return validation("1 validation error detected: Value at 'definition' failed to satisfy constraint: Member must have length less than or equal to %d", definition.MaxSize)
	}
	_, diags := definition.Load([]byte(def), definition.Options{Type: typ})
	if diags.HasErrors() {
		return apiErrorf(400, "InvalidDefinition", "%s", diags.Message())
	}
	return nil
}

func checkRole(role string) error {
	if role == "" {
		return missing("roleArn")
	}
	if !strings.HasPrefix(role, "arn:") || !strings.Contains(role, ":iam::") {
		return invalidArn("Invalid ARN prefix: %s", role)
	}
	return nil
}

func checkTags(tags []tag) (map[string]string, error) {
	if len(tags) > 50 {
		return nil, apiErrorf(400, "TooManyTags", "Too many tags: at most 50 are allowed")
	}
	m := map[string]string{}
	for _, t := range tags {
		if t.Key == "" || len(t.Key) > 128 || len(t.Value) > 256 {
			return nil, validation("1 validation error detected: Value '%s' at 'tags' failed to satisfy constraint: Member must have length between 1 and 128", t.Key)
		}
		m[t.Key] = t.Value
	}
	return m, nil
}

func (s *Server) createStateMachine(ctx context.Context, r *request) (any, error) {
	var in struct {
		Name                    string          `json:"name"`
		Definition              string          `json:"definition"`
		RoleArn                 string          `json:"roleArn"`
		Type                    string          `json:"type"`
		LoggingConfiguration    json.RawMessage `json:"loggingConfiguration"`
		TracingConfiguration    json.RawMessage `json:"tracingConfiguration"`
		EncryptionConfiguration json.RawMessage `json:"encryptionConfiguration"`
		Tags                    []tag           `json:"tags"`
		Publish                 bool            `json:"publish"`
		VersionDescription      string          `json:"versionDescription"`
	}
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	if in.Name == "" {
		return nil, missing("name")
	}
	if !arn.ValidName(in.Name) {
		return nil, invalidName(in.Name)
	}
	if in.Type == "" {
		in.Type = "STANDARD"
	}
	if in.Type != "STANDARD" && in.Type != "EXPRESS" {
		return nil, validation("1 validation error detected: Value '%s' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]", in.Type)
	}
	if err := checkRole(in.RoleArn); err != nil {
		return nil, err
	}
	if err := s.checkDefinition(in.Definition, in.Type); err != nil {
		return nil, err
	}
	tags, err := checkTags(in.Tags)
	if err != nil {
		return nil, err
	}
	if in.LoggingConfiguration == nil {
		in.LoggingConfiguration = defaultLogging
	}
	if in.TracingConfiguration == nil {
		in.TracingConfiguration = defaultTracing
	}
	a := arn.ARN{Region: r.region, Account: s.cfg.Account, Kind: arn.StateMachine, Name: in.Name}.String()
	now := s.cfg.Clock.Now()
	b := &smBody{Name: in.Name, Definition: in.Definition, RoleARN: in.RoleArn, Type: in.Type, Updated: now,
		Logging: in.LoggingConfiguration, Tracing: in.TracingConfiguration, Encryption: in.EncryptionConfiguration, NextVersion: 1}
	b.RevisionID = revision(b)
	body, _ := json.Marshal(b)
	res := &store.Resource{ARN: a, Kind: store.KindStateMachine, Name: in.Name, Created: now, Body: body, Tags: tags}
	err = s.store.PutResource(ctx, res, true)
	if errors.Is(err, store.ErrConflict) {
		// CreateStateMachine is idempotent for the same definition, type and
		// configuration.
		existing, eb, gerr := s.getStateMachine(ctx, a)
		if gerr != nil {
			return nil, gerr
		}
		if eb.Definition == in.Definition && eb.Type == in.Type && jsonEqual(eb.Logging, in.LoggingConfiguration) && jsonEqual(eb.Tracing, in.TracingConfiguration) && !in.Publish {
			return map[string]any{"stateMachineArn": a, "creationDate": epoch(existing.Created)}, nil
		}
		return nil, apiErrorf(400, "StateMachineAlreadyExists", "State Machine Already Exists: '%s'", a)
	}
	if err != nil {
		return nil, err
	}
	out := map[string]any{"stateMachineArn": a, "creationDate": epoch(now)}
	if in.Publish {
		v, err := s.publish(ctx, res, b, in.VersionDescription, "")
		if err != nil {
			return nil, err
		}
		out["stateMachineVersionArn"] = v
	}
	return out, nil
}

func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	json.Unmarshal(a, &x)
	json.Unmarshal(b, &y)
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return string(xa) == string(ya)
}

// publish makes a version of the state machine's current revision, or
// returns the version that already holds it.
func (s *Server) publish(ctx context.Context, res *store.Resource, b *smBody, description, expectRevision string) (string, error) {
	if expectRevision != "" && expectRevision != b.RevisionID {
		return "", apiErrorf(400, "ConflictException", "The revision ID '%s' does not match the state machine's latest revision ID '%s'", expectRevision, b.RevisionID)
	}
	if v, ok := b.Published[b.RevisionID]; ok {
		if _, err := s.store.GetResource(ctx, v); err == nil {
			return v, nil
		}
	}
	sm, _ := arn.Parse(res.ARN)
	n := b.NextVersion
	if n == 0 {
		n = 1
	}
	va := arn.ARN{Region: sm.Region, Account: sm.Account, Kind: arn.Version, Name: sm.Name, Qualifier: strconv.Itoa(n)}.String()
	vb := *b
	vb.Description = description
	vb.Published = nil
	vbody, _ := json.Marshal(&vb)
	now := s.cfg.Clock.Now()
	if err := s.store.PutResource(ctx, &store.Resource{ARN: va, Kind: store.KindVersion, Parent: res.ARN, Name: sm.Name, Created: now, Body: vbody}, true); err != nil {
		return "", err
	}
	b.NextVersion = n + 1
	if b.Published == nil {
		b.Published = map[string]string{}
	}
	b.Published[b.RevisionID] = va
	body, _ := json.Marshal(b)
	res.Body = body
	if err := s.store.PutResource(ctx, res, false); err != nil {
		return "", err
	}
	return va, nil
}

func describeBody(a string, created time.Time, b *smBody) map[string]any {
	out := map[string]any{
		"stateMachineArn":      a,
		"name":                 b.Name,
		"status":               "ACTIVE",
		"definition":           b.Definition,
		"roleArn":              b.RoleARN,
		"type":                 b.Type,
		"creationDate":         epoch(created),
		"loggingConfiguration": orDefault(b.Logging, defaultLogging),
		"tracingConfiguration": orDefault(b.Tracing, defaultTracing),
		"revisionId":           b.RevisionID,
	}
	if b.Encryption != nil {
		out["encryptionConfiguration"] = b.Encryption
	}
	if b.Description != "" {
		out["description"] = b.Description
	}
	return out
}

func orDefault(v, def json.RawMessage) json.RawMessage {
	if len(v) == 0 {
		return def
	}
	return v
}

func (s *Server) describeStateMachine(ctx context.Context, r *request) (any, error) {
	var in struct {
		StateMachineArn string `json:"stateMachineArn"`
	}
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	if _, err := parseARN("stateMachineArn", in.StateMachineArn, arn.StateMachine, arn.Version); err != nil {
		return nil, err
	}
	res, b, err := s.getStateMachine(ctx, in.StateMachineArn)
	if err != nil {
		return nil, err
	}
	return describeBody(res.ARN, res.Created, b), nil
}

func (s *Server) updateStateMachine(ctx context.Context, r *request) (any, error) {
	var in struct {
		StateMachineArn      string          `json:"stateMachineArn"`
		Definition           *string         `json:"definition"`
		RoleArn              *string         `json:"roleArn"`
		LoggingConfiguration json.RawMessage `json:"loggingConfiguration"`
		TracingConfiguration json.RawMessage `json:"tracingConfiguration"`
		Publish              bool            `json:"publish"`
		VersionDescription   string          `json:"versionDescription"`
	}
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	if _, err := parseARN("stateMachineArn", in.StateMachineArn, arn.StateMachine); err != nil {
		return nil, err
	}
	if in.Definition == nil && in.RoleArn == nil && in.LoggingConfiguration == nil && in.TracingConfiguration == nil {
		return nil, apiErrorf(400, "MissingRequiredParameter", "Either the definition, the roleArn, the loggingConfiguration or the tracingConfiguration must be specified")
	}
	res, b, err := s.getStateMachine(ctx, in.StateMachineArn)
	if err != nil {
		return nil, err
	}
	if in.Definition != nil {
		if err := s.checkDefinition(*in.Definition, b.Type); err != nil {
			return nil, err
		}
		b.Definition = *in.Definition
	}
	if in.RoleArn != nil {
		if err := checkRole(*in.RoleArn); err != nil {
			return nil, err
		}
		b.RoleARN = *in.RoleArn
	}
	if in.LoggingConfiguration != nil {
		b.Logging = in.LoggingConfiguration
	}
	if in.TracingConfiguration != nil {
		b.Tracing = in.TracingConfiguration
	}
	now := s.cfg.Clock.Now()
	b.Updated = now
	b.RevisionID = revision(b)
	body, _ := json.Marshal(b)
	res.Body = body
	if err := s.store.PutResource(ctx, res, false); err != nil {
		return nil, err
	}
	out := map[string]any{"updateDate": epoch(now), "revisionId": b.RevisionID}
	if in.Publish {
		v, err := s.publish(ctx, res, b, in.VersionDescription, "")
		if err != nil {
			return nil, err
		}
		out["stateMachineVersionArn"] = v
	}
	return out, nil
}

func (s *Server) deleteStateMachine(ctx context.Context, r *request) (any, error) {
	var in struct {
		StateMachineArn string `json:"stateMachineArn"`
	}
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	if _, err := parseARN("stateMachineArn", in.StateMachineArn, arn.StateMachine); err != nil {
		return nil, err
	}
	// Versions and aliases go with the state machine; running executions
	// carry on with the definition they started with.
	for _, kind := range []string{store.KindAlias, store.KindVersion} {
		children, err := s.store.ListResources(ctx, kind, in.StateMachineArn, store.Page{Limit: 10000})
		if err != nil {
			return nil, err
		}
		for _, c := range children {
			s.store.DeleteResource(ctx, c.ARN)
		}
	}
	if err := s.store.DeleteResource(ctx, in.StateMachineArn); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	return struct{}{}, nil
}

// ---- pagination ------------------------------------------------------------

type pageToken struct {
	Kind  string `json:"k"`
	After string `json:"a"`
}

func encodeToken(kind, after string) string {
	b, _ := json.Marshal(pageToken{kind, after})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeToken(kind, tok string) (string, error) {
	if tok == "" {
		return "", nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	var p pageToken
	if err != nil || json.Unmarshal(raw, &p) != nil || p.Kind != kind {
		return "", apiErrorf(400, "InvalidToken", "Invalid Token: '%s'", tok)
	}
	return p.After, nil
}

func pageSize(maxResults int) (int, error) {
	switch {
	case maxResults < 0 || maxResults > 1000:
		return 0, validation("1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000", maxResults)
	case maxResults == 0:
		return 100, nil
	}
	return maxResults, nil
}

func (s *Server) listStateMachines(ctx context.Context, r *request) (any, error) {
	var in struct {
		MaxResults int    `json:"maxResults"`
		NextToken  string `json:"nextToken"`
	}
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	n, err := pageSize(in.MaxResults)
	if err != nil {
		return nil, err
	}
	after, err := decodeToken("sm", in.NextToken)
	if err != nil {
		return nil, err
	}
	list, err := s.store.ListResources(ctx, store.KindStateMachine, "", store.Page{Limit: n + 1, After: after})
	if err != nil {
		return nil, err
	}
	items := []map[string]any{}
	out := map[string]any{}
	for i, res := range list {
		if i == n {
			out["nextToken"] = encodeToken("sm", list[i-1].ARN)
			break
		}
		var b smBody
		json.Unmarshal(res.Body, &b)
		items = append(items, map[string]any{"stateMachineArn": res.ARN, "name": res.Name, "type": b.Type, "creationDate": epoch(res.Created)})
	}
	out["stateMachines"] = items
	return out, nil
}

// ---- versions --------------------------------------------------------------

func (s *Server) publishStateMachineVersion(ctx context.Context, r *request) (any, error) {
	var in struct {
		StateMachineArn string `json:"stateMachineArn"`
		RevisionID      string `json:"revisionId"`
		Description     string `json:"description"`
	}
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	if _, err := parseARN("stateMachineArn", in.StateMachineArn, arn.StateMachine); err != nil {
		return nil, err
	}
	res, b, err := s.getStateMachine(ctx, in.StateMachineArn)
	if err != nil {
		return nil, err
	}
	v, err := s.publish(ctx, res, b, in.Description, in.RevisionID)
	if err != nil {
		return nil, err
	}
	vres, err := s.store.GetResource(ctx, v)
	if err != nil {
		return nil, err
	}
	return map[string]any{"stateMachineVersionArn": v, "creationDate": epoch(vres.Created)}, nil
}

func versionNumber(a string) int {
	i := strings.LastIndex(a, ":")
	n, _ := strconv.Atoi(a[i+1:])
	return n
}

func (s *Server) listStateMachineVersions(ctx context.Context, r *request) (any, error) {
	var in struct {
		StateMachineArn string `json:"stateMachineArn"`
		MaxResults      int    `json:"maxResults"`
		NextToken       string `json:"nextToken"`
	}
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	if _, err := parseARN("stateMachineArn", in.StateMachineArn, arn.StateMachine); err != nil {
		return nil, err
	}
	n, err := pageSize(in.MaxResults)
	if err != nil {
		return nil, err
	}
	after, err := decodeToken("version", in.NextToken)
	if err != nil {
		return nil, err
	}
	if _, _, err := s.getStateMachine(ctx, in.StateMachineArn); err != nil {
		return nil, err
	}
	all, err := s.store.ListResources(ctx, store.KindVersion, in.StateMachineArn, store.Page{Limit: 100000})
	if err != nil {
		return nil, err
	}
	// Newest version first.
	sort.Slice(all, func(i, j int) bool { return versionNumber(all[i].ARN) > versionNumber(all[j].ARN) })
	start := 0
	if after != "" {
		limit, _ := strconv.Atoi(after)
		for start < len(all) && versionNumber(all[start].ARN) >= limit {
			start++
		}
	}
	items := []map[string]any{}
	out := map[string]any{}
	for i := start; i < len(all); i++ {
		if len(items) == n {
			out["nextToken"] = encodeToken("version", strconv.Itoa(versionNumber(all[i-1].ARN)))
			break
		}
		items = append(items, map[string]any{"stateMachineVersionArn": all[i].ARN, "creationDate": epoch(all[i].Created)})
	}
	out["stateMachineVersions"] = items
	return out, nil
}

func (s *Server) deleteStateMachineVersion(ctx context.Context, r *request) (any, error) {
	var in struct {
		StateMachineVersionArn string `json:"stateMachineVersionArn"`
	}
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	v, err := parseARN("stateMachineVersionArn", in.StateMachineVersionArn, arn.Version)
	if err != nil {
		return nil, err
	}
	aliases, err := s.store.ListResources(ctx, store.KindAlias, v.StateMachineARN().String(), store.Page{Limit: 10000})
	if err != nil {
		return nil, err
	}
	for _, al := range aliases {
		var ab aliasBody
		json.Unmarshal(al.Body, &ab)
		for _, re := range ab.Routing {
			if re.StateMachineVersionArn == in.StateMachineVersionArn {
				return nil, apiErrorf(400, "ConflictException", "Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: [%s]", al.Name)
			}
		}
	}
	if err := s.store.DeleteResource(ctx, in.StateMachineVersionArn); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	return struct{}{}, nil
}

// ---- aliases ---------------------------------------------------------------

func validAliasName(name string) bool {
	if name == "" || len(name) > 80 {
		return false
	}
	letter := false
	for _, c := range name {
		switch {
		case c >= '0' && c <= '9':
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_', c == '-', c == '.':
			letter = true
		default:
			return false
		}
	}
	return letter
}

func (s *Server) checkRouting(ctx context.Context, sm string, routing []routingEntry) error {
	if len(routing) == 0 {
		return missing("routingConfiguration")
	}
	if len(routing) > 2 {
		return validation("1 validation error detected: Value at 'routingConfiguration' failed to satisfy constraint: Member must have length less than or equal to 2")
	}
	total := 0
	seen := map[string]bool{}
	for _, re := range routing {
		v, err := parseARN("stateMachineVersionArn", re.StateMachineVersionArn, arn.Version)
		if err != nil {
			return err
		}
		if v.StateMachineARN().String() != sm {
			return validation("Routing configuration must contain state machine version ARNs of the same state machine: '%s'", re.StateMachineVersionArn)
		}
		if re.Weight < 0 || re.Weight > 100 {
			return validation("Weight must be between 0 and 100")
		}
		if seen[re.StateMachineVersionArn] {
			return validation("Routing configuration must contain distinct state machine version ARNs")
		}
		seen[re.StateMachineVersionArn] = true
		if _, err := s.store.GetResource(ctx, re.StateMachineVersionArn); errors.Is(err, store.ErrNotFound) {
			return apiErrorf(400, "ResourceNotFound", "Resource not found: '%s'", re.StateMachineVersionArn)
		}
		total += re.Weight
	}
	if total != 100 {
		return validation("Sum of routing configuration weights must be equal to 100")
	}
	return nil
}

func (s *Server) createStateMachineAlias(ctx context.Context, r *request) (any, error) {
	var in struct {
		Name                 string         `json:"name"`
		Description          string         `json:"description"`
		RoutingConfiguration []routingEntry `json:"routingConfiguration"`
	}
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	if in.Name == "" {
		return nil, missing("name")
	}
	if !validAliasName(in.Name) {
		return nil, invalidName(in.Name)
	}
	if len(in.RoutingConfiguration) == 0 {
		return nil, missing("routingConfiguration")
	}
	v, err := parseARN("stateMachineVersionArn", in.RoutingConfiguration[0].StateMachineVersionArn, arn.Version)
	if err != nil {
		return nil, err
	}
	sm := v.StateMachineARN()
	if _, _, err := s.getStateMachine(ctx, sm.String()); err != nil {
		return nil, err
	}
	if err := s.checkRouting(ctx, sm.String(), in.RoutingConfiguration); err != nil {
		return nil, err
	}
	a := arn.ARN{Region: sm.Region, Account: sm.Account, Kind: arn.Alias, Name: sm.Name, Qualifier: in.Name}.String()
	now := s.cfg.Clock.Now()
	ab := aliasBody{Name: in.Name, Description: in.Description, Routing: in.RoutingConfiguration, Updated: now}
	body, _ := json.Marshal(ab)
	err = s.store.PutResource(ctx, &store.Resource{ARN: a, Kind: store.KindAlias, Parent: sm.String(), Name: in.Name, Created: now, Body: body}, true)
	if errors.Is(err, store.ErrConflict) {
		existing, gerr := s.store.GetResource(ctx, a)
		if gerr != nil {
			return nil, gerr
		}
		var eb aliasBody
		json.Unmarshal(existing.Body, &eb)
		if eb.Description == in.Description && routingEqual(eb.Routing, in.RoutingConfiguration) {
			return map[string]any{"stateMachineAliasArn": a, "creationDate": epoch(existing.Created)}, nil
		}
		return nil, apiErrorf(400, "ConflictException", "Failed to create alias because an alias with the same name and a different routing configuration already exists.")
	}
	if err != nil {
		return nil, err
	}
	return map[string]any{"stateMachineAliasArn": a, "creationDate": epoch(now)}, nil
}

func routingEqual(a, b []routingEntry) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func (s *Server) getAlias(ctx context.Context, field, text string) (*store.Resource, *aliasBody, error) {
	if _, err := parseARN(field, text, arn.Alias); err != nil {
		return nil, nil, err
	}
	res, err := s.store.GetResource(ctx, text)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, resourceNotFound(text)
	}
	if err != nil {
		return nil, nil, err
	}
	var ab aliasBody
	if err := json.Unmarshal(res.Body, &ab); err != nil {
		return nil, nil, err
	}
	return res, &ab, nil
}

func (s *Server) describeStateMachineAlias(ctx context.Context, r *request) (any, error) {
	var in struct {
		StateMachineAliasArn string `json:"stateMachineAliasArn"`
	}
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	res, ab, err := s.getAlias(ctx, "stateMachineAliasArn", in.StateMachineAliasArn)
	if err != nil {
		return nil, err
	}
	out := map[string]any{"stateMachineAliasArn": res.ARN, "name": ab.Name, "routingConfiguration": ab.Routing,
		"creationDate": epoch(res.Created), "updateDate": epoch(ab.Updated)}
	if ab.Description != "" {
		out["description"] = ab.Description
	}
	return out, nil
}

func (s *Server) updateStateMachineAlias(ctx context.Context, r *request) (any, error) {
	var in struct {
		StateMachineAliasArn string         `json:"stateMachineAliasArn"`
		Description          *string        `json:"description"`
		RoutingConfiguration []routingEntry `json:"routingConfiguration"`
	}
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	res, ab, err := s.getAlias(ctx, "stateMachineAliasArn", in.StateMachineAliasArn)
	if err != nil {
		return nil, err
	}
	if in.Description == nil && in.RoutingConfiguration == nil {
		return nil, apiErrorf(400, "MissingRequiredParameter", "Either the description or the routingConfiguration must be specified")
	}
	if in.RoutingConfiguration != nil {
		if err := s.checkRouting(ctx, res.Parent, in.RoutingConfiguration); err != nil {
			return nil, err
		}
		ab.Routing = in.RoutingConfiguration
	}
	if in.Description != nil {
		ab.Description = *in.Description
	}
	ab.Updated = s.cfg.Clock.Now()
	res.Body, _ = json.Marshal(ab)
	if err := s.store.PutResource(ctx, res, false); err != nil {
		return nil, err
	}
	return map[string]any{"updateDate": epoch(ab.Updated)}, nil
}

func (s *Server) deleteStateMachineAlias(ctx context.Context, r *request) (any, error) {
	var in struct {
		StateMachineAliasArn string `json:"stateMachineAliasArn"`
	}
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	if _, err := parseARN("stateMachineAliasArn", in.StateMachineAliasArn, arn.Alias); err != nil {
		return nil, err
	}
	if err := s.store.DeleteResource(ctx, in.StateMachineAliasArn); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	return struct{}{}, nil
}

func (s *Server) listStateMachineAliases(ctx context.Context, r *request) (any, error) {
	var in struct {
		StateMachineArn string `json:"stateMachineArn"`
		MaxResults      int    `json:"maxResults"`
		NextToken       string `json:"nextToken"`
	}
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	if _, err := parseARN("stateMachineArn", in.StateMachineArn, arn.StateMachine); err != nil {
		return nil, err
	}
	n, err := pageSize(in.MaxResults)
	if err != nil {
		return nil, err
	}
	after, err := decodeToken("alias", in.NextToken)
	if err != nil {
		return nil, err
	}
	if _, _, err := s.getStateMachine(ctx, in.StateMachineArn); err != nil {
		return nil, err
	}
	list, err := s.store.ListResources(ctx, store.KindAlias, in.StateMachineArn, store.Page{Limit: n + 1, After: after})
	if err != nil {
		return nil, err
	}
	items := []map[string]any{}
	out := map[string]any{}
	for i, res := range list {
		if i == n {
			out["nextToken"] = encodeToken("alias", list[i-1].ARN)
			break
		}
		items = append(items, map[string]any{"stateMachineAliasArn": res.ARN, "creationDate": epoch(res.Created)})
	}
	out["stateMachineAliases"] = items
	return out, nil
}

// ---- validation ------------------------------------------------------------

func (s *Server) validateStateMachineDefinition(ctx context.Context, r *request) (any, error) {
	var in struct {
		Definition string `json:"definition"`
		Type       string `json:"type"`
		Severity   string `json:"severity"`
		MaxResults int    `json:"maxResults"`
	}
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	if in.Type == "" {
		in.Type = "STANDARD"
	}
	max := in.MaxResults
	if max <= 0 || max > 100 {
		max = 100
	}
	_, diags := definition.Load([]byte(in.Definition), definition.Options{Type: in.Type})
	items := []map[string]any{}
	result := "OK"
	truncated := false
	for _, d := range diags {
		if d.IsError() {
			result = "FAIL"
		} else if in.Severity == "ERROR" {
			continue
		}
		if len(items) == max {
			truncated = true
			continue
		}
		item := map[string]any{"severity": d.Severity, "code": d.Code, "message": d.Message}
		if d.Location != "" {
			item["location"] = d.Location
		}
		items = append(items, item)
	}
	return map[string]any{"result": result, "diagnostics": items, "truncated": truncated}, nil
}
