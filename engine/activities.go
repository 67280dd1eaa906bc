package engine

import (
	"context"
	"errors"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/baton-sh/baton/arn"
	"github.com/baton-sh/baton/driver"
	"github.com/baton-sh/baton/failure"
	"github.com/baton-sh/baton/store"
	"github.com/baton-sh/baton/value"
)

// CreateActivityInput is CreateActivity's request.
type CreateActivityInput struct {
	Caller
	Name string `json:"name"`
	Tags []Tag  `json:"tags"`
}

// CreateActivityOutput is CreateActivity's answer.
type CreateActivityOutput struct {
	ActivityArn  string `json:"activityArn"`
	CreationDate Time   `json:"creationDate"`
}

// CreateActivity creates an activity; creating it again answers the same.
func (e *Engine) CreateActivity(ctx context.Context, in *CreateActivityInput) (*CreateActivityOutput, error) {
	if err := e.needStore(); err != nil {
		return nil, err
	}
	if in.Name == "" {
		return nil, missing("name")
	}
	if err := checkName(in.Name); err != nil {
		return nil, err
	}
	tags, err := checkTags(in.Tags)
	if err != nil {
		return nil, err
	}
	a := arn.ARN{Region: in.region(), Account: e.o.Account, Kind: arn.Activity, Name: in.Name}.String()
	now := e.clock.Now()
	err = e.store.PutResource(ctx, &store.Resource{ARN: a, Kind: store.KindActivity, Name: in.Name, Created: now, Body: []byte(`{}`), Tags: tags}, true)
	if errors.Is(err, store.ErrConflict) {
		existing, gerr := e.store.GetResource(ctx, a)
		if gerr != nil {
			return nil, gerr
		}
		return &CreateActivityOutput{ActivityArn: a, CreationDate: Time(existing.Created)}, nil
	}
	if err != nil {
		return nil, err
	}
	return &CreateActivityOutput{ActivityArn: a, CreationDate: Time(now)}, nil
}

func (e *Engine) getActivity(ctx context.Context, text string) (*store.Resource, error) {
	if _, err := parseARN("activityArn", text, arn.Activity); err != nil {
		return nil, err
	}
	res, err := e.store.GetResource(ctx, text)
	if errors.Is(err, store.ErrNotFound) {
		return nil, activityDoesNotExist(text)
	}
	return res, err
}

// ActivityInput names an activity: DescribeActivity's and DeleteActivity's
// request.
type ActivityInput struct {
	ActivityArn string `json:"activityArn"`
}

// DescribeActivityOutput describes an activity.
type DescribeActivityOutput struct {
	ActivityArn  string `json:"activityArn"`
	Name         string `json:"name"`
	CreationDate Time   `json:"creationDate"`
}

// DescribeActivity describes an activity.
func (e *Engine) DescribeActivity(ctx context.Context, in *ActivityInput) (*DescribeActivityOutput, error) {
	if err := e.needStore(); err != nil {
		return nil, err
	}
	res, err := e.getActivity(ctx, in.ActivityArn)
	if err != nil {
		return nil, err
	}
	return &DescribeActivityOutput{ActivityArn: res.ARN, Name: res.Name, CreationDate: Time(res.Created)}, nil
}

// DeleteActivity deletes an activity.
func (e *Engine) DeleteActivity(ctx context.Context, in *ActivityInput) (*struct{}, error) {
	if err := e.needStore(); err != nil {
		return nil, err
	}
	if _, err := parseARN("activityArn", in.ActivityArn, arn.Activity); err != nil {
		return nil, err
	}
	if err := e.store.DeleteResource(ctx, in.ActivityArn); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	e.polls.Delete(in.ActivityArn)
	e.pollers.Delete(in.ActivityArn)
	if e.obs.n.Load() > 0 {
		e.obs.publishEvents(Event{Kind: ActivityDeleted, ActivityARN: in.ActivityArn, Time: e.clock.Now()})
	}
	return &struct{}{}, nil
}

// ListActivitiesInput is ListActivities' request.
type ListActivitiesInput struct {
	Caller
	MaxResults int    `json:"maxResults"`
	NextToken  string `json:"nextToken"`
}

// ListActivitiesOutput is a page of activities.
type ListActivitiesOutput struct {
	Activities []DescribeActivityOutput `json:"activities"`
	NextToken  *string                  `json:"nextToken,omitempty"`
}

// ListActivities lists activities in ARN order.
func (e *Engine) ListActivities(ctx context.Context, in *ListActivitiesInput) (*ListActivitiesOutput, error) {
	// As on AWS, the caller sees the activities of its own region.
	list, next, err := e.listResourcesIn(ctx, store.KindActivity, "", e.regionPrefix(&in.Caller, arn.Activity), in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &ListActivitiesOutput{Activities: []DescribeActivityOutput{}, NextToken: next}
	for _, res := range list {
		out.Activities = append(out.Activities, DescribeActivityOutput{ActivityArn: res.ARN, Name: res.Name, CreationDate: Time(res.Created)})
	}
	return out, nil
}

// GetActivityTaskInput is GetActivityTask's request.
type GetActivityTaskInput struct {
	ActivityArn string `json:"activityArn"`
	WorkerName  string `json:"workerName"`
}

// GetActivityTaskOutput is a task for a worker, or nothing when none came
// within the poll.
type GetActivityTaskOutput struct {
	TaskToken string `json:"taskToken,omitempty"`
	Input     string `json:"input,omitempty"`
}

// GetActivityTask waits up to a minute for a task of an activity and hands
// it to the worker.
func (e *Engine) GetActivityTask(ctx context.Context, in *GetActivityTaskInput) (*GetActivityTaskOutput, error) {
	if err := e.needStore(); err != nil {
		return nil, err
	}
	if _, err := parseARN("activityArn", in.ActivityArn, arn.Activity); err != nil {
		return nil, err
	}
	if err := e.store.activity(ctx, in.ActivityArn); errors.Is(err, store.ErrNotFound) {
		return nil, activityDoesNotExist(in.ActivityArn)
	} else if err != nil {
		return nil, err
	}
	if len(in.WorkerName) > 80 {
		return nil, tooLong("workerName", 80)
	}
	e.polled(in.ActivityArn)
	defer e.polling(in.ActivityArn)()
	// A server that is stopping answers its pollers, with no task, at once
	// rather than after a minute.
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(e.drained, cancel)()
	t, err := e.durable.PollActivity(pctx, in.ActivityArn, in.WorkerName, e.o.MaxPoll)
	switch {
	case err != nil && e.drained.Err() != nil:
		// Cut short by the stop: a task claimed but not marked started goes
		// back to the queue when the server starts again.
		return &GetActivityTaskOutput{}, nil
	case err != nil || t == nil:
		return &GetActivityTaskOutput{}, err
	}
	return &GetActivityTaskOutput{TaskToken: t.Token, Input: t.Input}, nil
}

// SendTaskSuccessInput is SendTaskSuccess' request.
type SendTaskSuccessInput struct {
	TaskToken string `json:"taskToken"`
	Output    string `json:"output"`
}

// SendTaskFailureInput is SendTaskFailure's request.
type SendTaskFailureInput struct {
	TaskToken string `json:"taskToken"`
	Error     string `json:"error"`
	Cause     string `json:"cause"`
}

// SendTaskHeartbeatInput is SendTaskHeartbeat's request.
type SendTaskHeartbeatInput struct {
	TaskToken string `json:"taskToken"`
}

func checkToken(tok string) error {
	if tok == "" {
		return missing("taskToken")
	}
	if len(tok) > 2048 {
		return tooLong("taskToken", 2048)
	}
	return nil
}

// SendTaskSuccess completes the task of a token with its output: an
// activity's, or a .waitForTaskToken task's.
func (e *Engine) SendTaskSuccess(ctx context.Context, in *SendTaskSuccessInput) (*struct{}, error) {
	if err := checkToken(in.TaskToken); err != nil {
		return nil, err
	}
	if in.Output == "" {
		return nil, missing("output")
	}
	if len(in.Output) > e.o.PayloadLimit {
		return nil, tooLong("output", e.o.PayloadLimit)
	}
	out, err := value.ParseString(in.Output)
	if err != nil {
		return nil, errorf(InvalidOutput, "Invalid Output: '%s'", err.Error())
	}
	return &struct{}{}, e.completeTask(ctx, in.TaskToken, completion{output: out, text: in.Output})
}

// SendTaskFailure fails the task of a token.
func (e *Engine) SendTaskFailure(ctx context.Context, in *SendTaskFailureInput) (*struct{}, error) {
	if err := checkToken(in.TaskToken); err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(in.Error) > 256 || utf8.RuneCountInString(in.Cause) > 32768 {
		return nil, validation("1 validation error detected: Value at 'error' or 'cause' is too long")
	}
	return &struct{}{}, e.completeTask(ctx, in.TaskToken, completion{failure: failure.New(in.Error, in.Cause)})
}

// SendTaskHeartbeat tells the task of a token that its worker is alive.
func (e *Engine) SendTaskHeartbeat(ctx context.Context, in *SendTaskHeartbeatInput) (*struct{}, error) {
	if err := checkToken(in.TaskToken); err != nil {
		return nil, err
	}
	return &struct{}{}, e.completeTask(ctx, in.TaskToken, completion{heartbeat: true})
}

// completion is what a token brings a task.
type completion struct {
	output    any    // success
	text      string // the output as JSON text
	failure   *failure.Failure
	heartbeat bool
}

// completeTask checks a token's MAC, before anything else, and hands its
// task the completion: an in-process run's, or a durable execution's.
func (e *Engine) completeTask(ctx context.Context, tok string, c completion) error {
	execARN, id, err := e.tokens.Parse(tok)
	if err != nil {
		return errorf(InvalidToken, "Invalid Token: '%s'", tok)
	}
	var cbErr error
	switch {
	case c.heartbeat:
		cbErr = e.callbacks.Heartbeat(tok)
	case c.failure != nil:
		cbErr = e.callbacks.Failure(tok, c.failure)
	default:
		cbErr = e.callbacks.Success(tok, c.output)
	}
	if cbErr == nil {
		return nil
	}
	if e.durable == nil {
		return errorf(TaskTimedOut, "Task Timed Out: '%s'", tok)
	}
	switch {
	case c.heartbeat:
		err = e.durable.TaskHeartbeat(ctx, execARN, id)
	case c.failure != nil:
		err = e.durable.TaskFailed(ctx, execARN, id, c.failure.Error, c.failure.Cause)
	default:
		err = e.durable.TaskSucceeded(ctx, execARN, id, c.text)
	}
	switch {
	case errors.Is(err, driver.ErrNoSuchTask):
		return errorf(TaskDoesNotExist, "Task Does Not Exist: '%s'", tok)
	case errors.Is(err, driver.ErrStale):
		return errorf(TaskTimedOut, "Task Timed Out: '%s'", tok)
	}
	return err
}

// ---- tags --------------------------------------------------------------------

func (e *Engine) taggable(ctx context.Context, text string) (*store.Resource, error) {
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
	res, err := e.store.GetResource(ctx, text)
	if errors.Is(err, store.ErrNotFound) {
		return nil, resourceNotFound(text)
	}
	return res, err
}

// TagResourceInput is TagResource's request.
type TagResourceInput struct {
	ResourceArn string `json:"resourceArn"`
	Tags        []Tag  `json:"tags"`
}

// TagResource adds tags to a state machine or an activity.
func (e *Engine) TagResource(ctx context.Context, in *TagResourceInput) (*struct{}, error) {
	if err := e.needStore(); err != nil {
		return nil, err
	}
	res, err := e.taggable(ctx, in.ResourceArn)
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
		return nil, errorf(TooManyTags, "Too many tags: at most 50 are allowed")
	}
	return &struct{}{}, e.store.PutResource(ctx, res, false)
}

// UntagResourceInput is UntagResource's request.
type UntagResourceInput struct {
	ResourceArn string   `json:"resourceArn"`
	TagKeys     []string `json:"tagKeys"`
}

// UntagResource removes tags.
func (e *Engine) UntagResource(ctx context.Context, in *UntagResourceInput) (*struct{}, error) {
	if err := e.needStore(); err != nil {
		return nil, err
	}
	res, err := e.taggable(ctx, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	for _, k := range in.TagKeys {
		delete(res.Tags, k)
	}
	return &struct{}{}, e.store.PutResource(ctx, res, false)
}

// ListTagsForResourceInput is ListTagsForResource's request.
type ListTagsForResourceInput struct {
	ResourceArn string `json:"resourceArn"`
}

// ListTagsForResourceOutput lists tags, by key.
type ListTagsForResourceOutput struct {
	Tags []Tag `json:"tags"`
}

// ListTagsForResource lists a resource's tags.
func (e *Engine) ListTagsForResource(ctx context.Context, in *ListTagsForResourceInput) (*ListTagsForResourceOutput, error) {
	if err := e.needStore(); err != nil {
		return nil, err
	}
	res, err := e.taggable(ctx, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	out := &ListTagsForResourceOutput{Tags: []Tag{}}
	for k, v := range res.Tags {
		out.Tags = append(out.Tags, Tag{k, v})
	}
	slices.SortFunc(out.Tags, func(a, b Tag) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}
