package api

import (
	"context"
	"errors"
	"time"
	"unicode/utf8"

	"github.com/baton-sh/baton/arn"
	"github.com/baton-sh/baton/driver"
	"github.com/baton-sh/baton/store"
	"github.com/baton-sh/baton/value"
)

// MaxPoll is how long GetActivityTask waits for a task, as on AWS.
const MaxPoll = 60 * time.Second

func (s *Server) createActivity(ctx context.Context, r *request) (any, error) {
	var in struct {
		Name string `json:"name"`
		Tags []tag  `json:"tags"`
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
	tags, err := checkTags(in.Tags)
	if err != nil {
		return nil, err
	}
	a := arn.ARN{Region: r.region, Account: s.cfg.Account, Kind: arn.Activity, Name: in.Name}.String()
	now := s.cfg.Clock.Now()
	err = s.store.PutResource(ctx, &store.Resource{ARN: a, Kind: store.KindActivity, Name: in.Name, Created: now, Body: []byte(`{}`), Tags: tags}, true)
	if errors.Is(err, store.ErrConflict) {
		// CreateActivity is idempotent.
		existing, gerr := s.store.GetResource(ctx, a)
		if gerr != nil {
			return nil, gerr
		}
		return map[string]any{"activityArn": a, "creationDate": epoch(existing.Created)}, nil
	}
	if err != nil {
		return nil, err
	}
	return map[string]any{"activityArn": a, "creationDate": epoch(now)}, nil
}

func (s *Server) getActivity(ctx context.Context, text string) (*store.Resource, error) {
	if _, err := parseARN("activityArn", text, arn.Activity); err != nil {
		return nil, err
	}
	res, err := s.store.GetResource(ctx, text)
	if errors.Is(err, store.ErrNotFound) {
		return nil, activityDoesNotExist(text)
	}
	return res, err
}

func (s *Server) describeActivity(ctx context.Context, r *request) (any, error) {
	var in struct {
		ActivityArn string `json:"activityArn"`
	}
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	res, err := s.getActivity(ctx, in.ActivityArn)
	if err != nil {
		return nil, err
	}
	return map[string]any{"activityArn": res.ARN, "name": res.Name, "creationDate": epoch(res.Created)}, nil
}

func (s *Server) deleteActivity(ctx context.Context, r *request) (any, error) {
	var in struct {
		ActivityArn string `json:"activityArn"`
	}
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	if _, err := parseARN("activityArn", in.ActivityArn, arn.Activity); err != nil {
		return nil, err
	}
	if err := s.store.DeleteResource(ctx, in.ActivityArn); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	return struct{}{}, nil
}

func (s *Server) listActivities(ctx context.Context, r *request) (any, error) {
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
	after, err := decodeToken("activity", in.NextToken)
	if err != nil {
		return nil, err
	}
	list, err := s.store.ListResources(ctx, store.KindActivity, "", store.Page{Limit: n + 1, After: after})
	if err != nil {
		return nil, err
	}
	items := []map[string]any{}
	out := map[string]any{}
	for i, res := range list {
		if i == n {
			out["nextToken"] = encodeToken("activity", list[i-1].ARN)
			break
		}
		items = append(items, map[string]any{"activityArn": res.ARN, "name": res.Name, "creationDate": epoch(res.Created)})
	}
	out["activities"] = items
	return out, nil
}

func (s *Server) getActivityTask(ctx context.Context, r *request) (any, error) {
	var in struct {
		ActivityArn string `json:"activityArn"`
		WorkerName  string `json:"workerName"`
	}
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	if _, err := s.getActivity(ctx, in.ActivityArn); err != nil {
		return nil, err
	}
	if len(in.WorkerName) > 80 {
		return nil, validation("1 validation error detected: Value at 'workerName' failed to satisfy constraint: Member must have length less than or equal to 80")
	}
	t, err := s.cfg.Durable.PollActivity(ctx, in.ActivityArn, in.WorkerName, s.cfg.MaxPoll)
	if err != nil {
		return nil, err
	}
	if t == nil {
		return struct{}{}, nil // no task within the poll: an empty answer, as AWS's
	}
	return map[string]any{"taskToken": t.Token, "input": t.Input}, nil
}

func checkToken(tok string) error {
	if tok == "" {
		return missing("taskToken")
	}
	if len(tok) > 2048 {
		return validation("1 validation error detected: Value at 'taskToken' failed to satisfy constraint: Member must have length less than or equal to 2048")
	}
	return nil
}

// taskError maps the driver's answers to AWS's errors.
func taskError(err error, token string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, driver.ErrInvalidToken):
		return apiErrorf(400, "InvalidToken", "Invalid Token: '%s'", token)
	case errors.Is(err, driver.ErrNoSuchTask):
		return apiErrorf(400, "TaskDoesNotExist", "Task Does Not Exist: '%s'", token)
	case errors.Is(err, driver.ErrStale):
		return apiErrorf(400, "TaskTimedOut", "Task Timed Out: '%s'", token)
	}
	return err
}

func (s *Server) sendTaskSuccess(ctx context.Context, r *request) (any, error) {
	var in struct {
		TaskToken string `json:"taskToken"`
		Output    string `json:"output"`
	}
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	if err := checkToken(in.TaskToken); err != nil {
		return nil, err
	}
	if in.Output == "" {
		return nil, missing("output")
	}
	if len(in.Output) > s.cfg.PayloadLimit {
		return nil, validation("1 validation error detected: Value at 'output' failed to satisfy constraint: Member must have length less than or equal to %d", s.cfg.PayloadLimit)
	}
	if _, err := value.ParseString(in.Output); err != nil {
		return nil, apiErrorf(400, "InvalidOutput", "Invalid Output: '%s'", err.Error())
	}
	return struct{}{}, taskError(s.cfg.Durable.TaskSuccess(ctx, in.TaskToken, in.Output), in.TaskToken)
}

func (s *Server) sendTaskFailure(ctx context.Context, r *request) (any, error) {
	var in struct {
		TaskToken string `json:"taskToken"`
		Error     string `json:"error"`
		Cause     string `json:"cause"`
	}
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	if err := checkToken(in.TaskToken); err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(in.Error) > 256 || utf8.RuneCountInString(in.Cause) > 32768 {
		return nil, validation("1 validation error detected: Value at 'error' or 'cause' is too long")
	}
	return struct{}{}, taskError(s.cfg.Durable.TaskFailure(ctx, in.TaskToken, in.Error, in.Cause), in.TaskToken)
}

func (s *Server) sendTaskHeartbeat(ctx context.Context, r *request) (any, error) {
	var in struct {
		TaskToken string `json:"taskToken"`
	}
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	if err := checkToken(in.TaskToken); err != nil {
		return nil, err
	}
	return struct{}{}, taskError(s.cfg.Durable.TaskHeartbeat(ctx, in.TaskToken), in.TaskToken)
}

// ---- tags --------------------------------------------------------------------

func (s *Server) taggable(ctx context.Context, text string) (*store.Resource, error) {
	if text == "" {
		return nil, missing("resourceArn")
	}
	a, err := arn.Parse(text)
	if err != nil {
		return nil, invalidArn("Invalid ARN prefix: %s", text)
	}
	if a.Kind != arn.StateMachine && a.Kind != arn.Activity {
		return nil, invalidArn("Resource type not valid in this context: %s", a.Kind)
	}
	res, err := s.store.GetResource(ctx, text)
	if errors.Is(err, store.ErrNotFound) {
		return nil, resourceNotFound(text)
	}
	return res, err
}

func (s *Server) tagResource(ctx context.Context, r *request) (any, error) {
	var in struct {
		ResourceArn string `json:"resourceArn"`
		Tags        []tag  `json:"tags"`
	}
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	res, err := s.taggable(ctx, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	add, err := checkTags(in.Tags)
	if err != nil {
		return nil, err
	}
	if res.Tags == nil {
		res.Tags = map[string]string{}
	}
	for k, v := range add {
		res.Tags[k] = v
	}
	if len(res.Tags) > 50 {
		return nil, apiErrorf(400, "TooManyTags", "Too many tags: at most 50 are allowed")
	}
	return struct{}{}, s.store.PutResource(ctx, res, false)
}

func (s *Server) untagResource(ctx context.Context, r *request) (any, error) {
	var in struct {
		ResourceArn string   `json:"resourceArn"`
		TagKeys     []string `json:"tagKeys"`
	}
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	res, err := s.taggable(ctx, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	for _, k := range in.TagKeys {
		delete(res.Tags, k)
	}
	return struct{}{}, s.store.PutResource(ctx, res, false)
}

func (s *Server) listTagsForResource(ctx context.Context, r *request) (any, error) {
	var in struct {
		ResourceArn string `json:"resourceArn"`
	}
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	res, err := s.taggable(ctx, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	tags := []tag{}
	for k, v := range res.Tags {
		tags = append(tags, tag{k, v})
	}
	sortTags(tags)
	return map[string]any{"tags": tags}, nil
}

func sortTags(t []tag) {
	for i := 1; i < len(t); i++ {
		for j := i; j > 0 && t[j].Key < t[j-1].Key; j-- {
			t[j], t[j-1] = t[j-1], t[j]
		}
	}
}
