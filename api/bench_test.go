package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

func noHostPrefix(o *sfn.Options) {
	o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("DisableHostPrefix",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				return next.HandleInitialize(smithyhttp.DisableEndpointHostPrefix(ctx, true), in)
			}), middleware.Before)
	})
}

// BenchmarkExpressSyncInProcess serves the API in this process, to profile
// the server's share of a StartSyncExecution.
func BenchmarkExpressSyncInProcess(b *testing.B) {
	s := newServer(b)
	hs := httptest.NewServer(s)
	defer hs.Close()
	c := sfn.New(sfn.Options{Region: "us-east-1", BaseEndpoint: aws.String(hs.URL), Credentials: credentials.NewStaticCredentialsProvider("a", "b", ""),
		HTTPClient: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}}, noHostPrefix)
	sm, err := c.CreateStateMachine(context.Background(), &sfn.CreateStateMachineInput{Name: aws.String("h"), RoleArn: aws.String("arn:aws:iam::1:role/r"), Type: types.StateMachineTypeExpress,
		Definition: aws.String(`{"StartAt":"Hello","States":{"Hello":{"Type":"Pass","Result":"world","ResultPath":"$.hello","End":true}}}`)})
	if err != nil {
		b.Fatal(err)
	}
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.StartSyncExecution(context.Background(), &sfn.StartSyncExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(`{"a":1}`)}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkStandardInProcess serves the API in this process, to profile the
// server's share of a durable StartExecution and the DescribeExecution that
// follows it.
func BenchmarkStandardInProcess(b *testing.B) {
	s := newServer(b)
	hs := httptest.NewServer(s)
	defer hs.Close()
	c := sfn.New(sfn.Options{Region: "us-east-1", BaseEndpoint: aws.String(hs.URL), Credentials: credentials.NewStaticCredentialsProvider("a", "b", ""),
		HTTPClient: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}})
	sm, err := c.CreateStateMachine(context.Background(), &sfn.CreateStateMachineInput{Name: aws.String("h"), RoleArn: aws.String("arn:aws:iam::1:role/r"),
		Definition: aws.String(`{"StartAt":"Hello","States":{"Hello":{"Type":"Pass","Result":{"greeting":"hello"},"ResultPath":"$.out","End":true}}}`)})
	if err != nil {
		b.Fatal(err)
	}
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			out, err := c.StartExecution(context.Background(), &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(`{"a":1}`)})
			if err != nil {
				b.Error(err)
				return
			}
			if _, err := c.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: out.ExecutionArn}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
