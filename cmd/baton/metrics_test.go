package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrapeMetrics reads a server's /metrics with Prometheus' own text parser
// (status and body too, when it is not 200).
func scrapeMetrics(t testing.TB, s *server, user, password string) (map[string]*dto.MetricFamily, int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", s.url+"/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, password)
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
	if resp.StatusCode != http.StatusOK {
		return nil, resp.StatusCode, string(body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	return fams, resp.StatusCode, ""
}

// metricValue is the value of a counter's or a gauge's sample whose labels
// include those given (-1: none).
func metricValue(fams map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
next:
	for _, m := range fams[name].GetMetric() {
		for _, l := range m.GetLabel() {
			if v, ok := labels[l.GetName()]; ok && v != l.GetValue() {
				continue next
			}
		}
		if m.Counter != nil {
			return m.GetCounter().GetValue()
		}
		return m.GetGauge().GetValue()
	}
	return -1
}

// TestServeMetrics: baton serve answers /metrics by default: executions
// counted, activity pollers seen while they wait; --metrics=false turns it
// off.
func TestServeMetrics(t *testing.T) {
	t.Parallel()
	s := startServer(t, "")
	defer s.stop(t)
	c := s.client()
	ctx := context.Background()
	sm := createMachine(t, c, "counted", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	startAndWait(t, c, sm, `{}`)
	act := must(c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("polled")}))(t)
	pctx, cancel := context.WithCancel(ctx)
	polled := make(chan error, 1)
	go func() {
		_, err := c.GetActivityTask(pctx, &sfn.GetActivityTaskInput{ActivityArn: act.ActivityArn})
		polled <- err
	}()
	// The metrics are counted beside the executions: they come soon after.
	poll(t, "the metrics", 10*time.Second, func() (bool, error) {
		fams, status, body := scrapeMetrics(t, s, "", "")
		if status != 200 {
			return false, errors.New(body)
		}
		return metricValue(fams, "baton_executions_succeeded_total", map[string]string{"state_machine": sm}) == 1 &&
			metricValue(fams, "baton_activity_pollers", map[string]string{"activity": *act.ActivityArn}) == 1 &&
			metricValue(fams, "baton_api_requests_total", map[string]string{"action": "StartExecution", "error": ""}) == 1, nil
	})
	cancel()
	if err := <-polled; err == nil || !errors.Is(err, context.Canceled) {
		t.Errorf("the poll: %v", err)
	}

	off := startServerAt(t, t.TempDir(), "--metrics=false")
	defer off.stop(t)
	if _, status, body := scrapeMetrics(t, off, "", ""); status != 404 || !strings.Contains(body, "UnknownOperationException") {
		t.Errorf("--metrics=false: %d %s", status, body)
	}
}

// TestServeMetricsKeys: a server that requires signed requests requires an
// access key of its scrapers, as HTTP Basic credentials.
func TestServeMetricsKeys(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "baton.yaml")
	check(t, os.WriteFile(cfgFile, []byte("accessKeys:\n  AKIDBATON: the-secret\n"), 0o600))
	s := startServerAt(t, filepath.Join(dir, "data"), "--auth", "sigv4", "--config", cfgFile)
	defer s.stop(t)
	if _, status, body := scrapeMetrics(t, s, "", ""); status != 401 {
		t.Errorf("without a key: %d %s", status, body)
	}
	if _, status, body := scrapeMetrics(t, s, "AKIDBATON", "not-the-secret"); status != 401 {
		t.Errorf("a wrong secret: %d %s", status, body)
	}
	fams, status, body := scrapeMetrics(t, s, "AKIDBATON", "the-secret")
	if status != 200 || fams["baton_open_executions"] == nil {
		t.Errorf("with the key: %d %s", status, body)
	}
}
