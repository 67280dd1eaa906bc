package metrics_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/baton-sh/baton/engine"
	"github.com/baton-sh/baton/metrics"
	dto "github.com/prometheus/client_model/go"
)

// TestGrafanaDashboard: the dashboard in examples/grafana is valid JSON,
// its queries are balanced, and every metric they use is in a scrape of a
// server that ran an activity, a Lambda function and a service
// integration, and answered an API request.
func TestGrafanaDashboard(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../examples/grafana/baton.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash any
	if err := json.Unmarshal(data, &dash); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	var queries []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && (k == "expr" || k == "definition") {
					queries = append(queries, s)
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(dash)
	if len(queries) < 20 {
		t.Fatalf("only %d queries found", len(queries))
	}

	h := newHarness(t, metrics.Options{})
	ctx := context.Background()
	act, err := h.e.CreateActivity(ctx, &engine.CreateActivityInput{Name: "dash"})
	if err != nil {
		t.Fatal(err)
	}
	for i, def := range []string{
		`{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"` + act.ActivityArn + `","End":true}}}`,
		`{"StartAt":"L","States":{"L":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:greet","End":true}}}`,
		`{"StartAt":"S","States":{"S":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"greet"},"End":true}}}`,
	} {
		x := h.start(h.machine(fmt.Sprint("dash", i), def))
		h.waitFor("the task of "+x, func(ev engine.Event) bool { return ev.Kind == engine.TaskScheduled && ev.ExecutionARN == x })
	}
	req, err := http.NewRequest("POST", h.url+"/", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Target", "AWSStepFunctions.ListActivities")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if err := resp.Body.Close(); err != nil {
		t.Fatal(err)
	}
	fams := h.scrape()

	name := regexp.MustCompile(`\b(?:baton|go|process)_[a-z0-9_]+\b`)
	for _, q := range queries {
		if strings.Count(q, "(") != strings.Count(q, ")") || strings.Count(q, "{") != strings.Count(q, "}") ||
			strings.Count(q, "[") != strings.Count(q, "]") {
			t.Errorf("unbalanced: %s", q)
		}
		found := name.FindAllString(q, -1)
		if len(found) == 0 {
			t.Errorf("no metric in %s", q)
		}
		for _, n := range found {
			if !inScrape(fams, n) {
				t.Errorf("%s (in %s) is not in the scrape", n, q)
			}
		}
	}
}

// inScrape says whether a name is a family of the scrape, or a histogram's
// _bucket, _sum or _count.
func inScrape(fams map[string]*dto.MetricFamily, name string) bool {
	if fams[name] != nil {
		return true
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suffix); ok && fams[base].GetType() == dto.MetricType_HISTOGRAM {
			return true
		}
	}
	return false
}
