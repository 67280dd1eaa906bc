package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/baton-sh/baton/store/postgres/pgtest"
)

// cluster is the servers of a test that share one database, any of which
// a client may call while it lives.
type cluster struct {
	t       *testing.T
	mu      sync.Mutex
	nodes   map[string]*server // by node name: those alive
	clients map[string]*sfn.Client
}

// any returns the client of a live node, chosen at random, and its name.
func (c *cluster) any() (*sfn.Client, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	names := make([]string, 0, len(c.nodes))
	for n := range c.nodes {
		names = append(names, n)
	}
	n := names[rand.IntN(len(names))]
	return c.clients[n], n
}

func (c *cluster) start(name string, args ...string) {
	s := startServerAt(c.t, c.t.TempDir(), append([]string{"--node", name}, args...)...)
	c.mu.Lock()
	c.nodes[name], c.clients[name] = s, s.client()
	c.mu.Unlock()
}

// kill ends a node with SIGKILL. Calls to it fail from then on; callers
// try another node.
func (c *cluster) kill(name string) {
	c.mu.Lock()
	s := c.nodes[name]
	delete(c.nodes, name)
	delete(c.clients, name)
	c.mu.Unlock()
	s.kill(c.t)
}

// TestServePostgresThreeNodes: three servers on one PostgreSQL database
// run 1,200 executions — each a Parallel of a Wait then an activity, a Map,
// and a callback — while clients and workers call any node at random.
// One node is killed with SIGKILL mid-flight, comes back, and another is
// killed. Then every execution that exists (acknowledged or not) has
// succeeded, each of its states entered once (each Map item's once), each
// activity task handed to one worker only and completed once.
func TestServePostgresThreeNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("the three-node test takes a minute")
	}
	dbURL := pgtest.Schema(t)
	t.Parallel()
	ctx := context.Background()
	const executions = 1200

	// The callback's function hands its token to the test, which answers
	// it through any node.
	tokens := make(chan string, 4*executions)
	fn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		var p struct{ Token string }
		if err != nil || json.Unmarshal(body, &p) != nil || p.Token == "" {
			http.Error(w, "no token", http.StatusBadRequest)
			return
		}
		tokens <- p.Token
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{}`)
	}))
	defer fn.Close()
	cfg := filepath.Join(t.TempDir(), "baton.yaml")
	check(t, os.WriteFile(cfg, []byte("functions:\n  ask: {url: "+fn.URL+"}\n"), 0o600))
	args := []string{"--store", dbURL, "--lease-ttl", "2s", "--config", cfg}

	cl := &cluster{t: t, nodes: map[string]*server{}, clients: map[string]*sfn.Client{}}
	for _, n := range []string{"a", "b", "c"} {
		cl.start(n, args...)
	}
	c, _ := cl.any()
	act := must(c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("cluster-work")}))(t)
	// A task handed to a worker by a node that died before answering is
	// lost to everyone, as on AWS: its heartbeat and a retry bring it back.
	def := `{"StartAt":"Fan","States":{
		"Fan":{"Type":"Parallel","Next":"Done","Branches":[
			{"StartAt":"Wait","States":{
				"Wait":{"Type":"Wait","SecondsPath":"$.wait","Next":"Work"},
				"Work":{"Type":"Task","Resource":"` + aws.ToString(act.ActivityArn) + `","HeartbeatSeconds":5,
					"Retry":[{"ErrorEquals":["States.HeartbeatTimeout"],"IntervalSeconds":1,"MaxAttempts":10}],"End":true}}},
			{"StartAt":"Each","States":{
				"Each":{"Type":"Map","ItemsPath":"$.items","End":true,"ItemProcessor":{"StartAt":"Pause","States":{
					"Pause":{"Type":"Wait","Seconds":1,"Next":"Item"},
					"Item":{"Type":"Pass","End":true}}}}}},
			{"StartAt":"Ask","States":{
				"Ask":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken",
					"Parameters":{"FunctionName":"ask","Payload":{"Token.$":"$$.Task.Token"}},"End":true}}}]},
		"Done":{"Type":"Pass","Parameters":{"n.$":"$[0].n"},"End":true}}}`
	sm := createMachine(t, c, "cluster", def)

	work, stopWork := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer stopWork()
	// Workers poll any node and answer through any node.
	var handedMu sync.Mutex
	handed := map[string]string{} // task token -> the worker that got it
	var completed atomic.Int64
	for w := range 16 {
		wg.Go(func() {
			worker := fmt.Sprint("w", w)
			for work.Err() == nil {
				c, _ := cl.any()
				poll, cancel := context.WithTimeout(work, 3*time.Second)
				task, err := c.GetActivityTask(poll, &sfn.GetActivityTaskInput{ActivityArn: act.ActivityArn, WorkerName: aws.String(worker)})
				cancel()
				if err != nil || task.TaskToken == nil {
					continue // a poll that ended empty, or a node that died
				}
				tok := aws.ToString(task.TaskToken)
				handedMu.Lock()
				if other, ok := handed[tok]; ok {
					t.Errorf("a task handed to %s and to %s", other, worker)
				}
				handed[tok] = worker
				handedMu.Unlock()
				answer(work, cl, func(c *sfn.Client) error {
					_, err := c.SendTaskSuccess(work, &sfn.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: task.Input})
					return err
				}, &completed)
			}
		})
	}
	// The callbacks are answered through any node.
	var called atomic.Int64
	for range 8 {
		wg.Go(func() {
			for {
				select {
				case <-work.Done():
					return
				case tok := <-tokens:
					answer(work, cl, func(c *sfn.Client) error {
						_, err := c.SendTaskSuccess(work, &sfn.SendTaskSuccessInput{TaskToken: aws.String(tok), Output: aws.String(`{"asked":true}`)})
						return err
					}, &called)
				}
			}
		})
	}

	// Starts go to any node; one refused or lost with a dying node may
	// exist or not: all that exist are checked at the end.
	acked := 0
	for i := range executions {
		switch i {
		case executions / 3:
			cl.kill("a")
		case executions / 2:
			cl.start("a", args...) // the same node again: it takes its executions back
		case 3 * executions / 4:
			cl.kill("b")
		}
		c, _ := cl.any()
		in := fmt.Sprintf(`{"n":%d,"wait":%d,"items":[1,2,3]}`, i, 1+i%3)
		if _, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Name: aws.String(fmt.Sprint("e", i)), Input: aws.String(in)}); err == nil {
			acked++
		}
	}
	if acked < executions*9/10 {
		t.Fatalf("only %d of %d starts acknowledged", acked, executions)
	}

	// Every execution that exists ends, and succeeds.
	var arns []string
	poll(t, "every execution to end", 4*time.Minute, func() (bool, error) {
		c, _ := cl.any()
		arns = arns[:0]
		running := 0
		p := sfn.NewListExecutionsPaginator(c, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm), MaxResults: 1000})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return false, nil // a node that died meanwhile: ask again
			}
			for _, e := range page.Executions {
				arns = append(arns, aws.ToString(e.ExecutionArn))
				switch e.Status {
				case types.ExecutionStatusRunning:
					running++
				case types.ExecutionStatusSucceeded:
				default:
					d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: e.ExecutionArn})
					if err != nil {
						return false, nil
					}
					return false, fmt.Errorf("%s ended %s: %s: %s\nhistory: %s", aws.ToString(e.ExecutionArn), e.Status, aws.ToString(d.Error), aws.ToString(d.Cause),
						eventTypes(historyOf(t, c, e.ExecutionArn)))
				}
			}
		}
		return running == 0, nil
	})
	if len(arns) < acked {
		t.Fatalf("%d executions exist, %d were acknowledged", len(arns), acked)
	}
	stopWork()

	// Each history: every state entered once (each Map item's once), the
	// activity completed once, after as many schedules as time-outs.
	c, _ = cl.any()
	want := map[string]int{"Fan": 1, "Wait": 1, "Work": 1, "Each": 1, "Pause": 3, "Item": 3, "Ask": 1, "Done": 1}
	for _, arn := range arns {
		events := historyOf(t, c, aws.String(arn))
		entered := map[string]int{}
		count := map[types.HistoryEventType]int{}
		for _, e := range events {
			count[e.Type]++
			if e.StateEnteredEventDetails != nil {
				entered[aws.ToString(e.StateEnteredEventDetails.Name)]++
			}
		}
		for state, n := range want {
			if entered[state] != n {
				t.Errorf("%s: %s entered %d times, want %d", arn, state, entered[state], n)
			}
		}
		if count[types.HistoryEventTypeActivitySucceeded] != 1 ||
			count[types.HistoryEventTypeActivityScheduled] != 1+count[types.HistoryEventTypeActivityTimedOut] ||
			count[types.HistoryEventTypeTaskSucceeded] != 1 {
			t.Errorf("%s: activity scheduled %d, timed out %d, succeeded %d; callback succeeded %d", arn,
				count[types.HistoryEventTypeActivityScheduled], count[types.HistoryEventTypeActivityTimedOut],
				count[types.HistoryEventTypeActivitySucceeded], count[types.HistoryEventTypeTaskSucceeded])
		}
	}
	t.Logf("%d executions (%d acknowledged), %d activity tasks handed out, %d completed, %d callbacks answered",
		len(arns), acked, len(handed), completed.Load(), called.Load())
}

// answer calls a node until one takes the answer, or says the task is
// over (its token answered before, or the task timed out while a node
// died with the answer): counted when taken.
func answer(ctx context.Context, cl *cluster, send func(*sfn.Client) error, taken *atomic.Int64) {
	for ctx.Err() == nil {
		c, _ := cl.any()
		err := send(c)
		if err == nil {
			taken.Add(1)
			return
		}
		if code := apiCode(err); code == "TaskTimedOut" || code == "InvalidToken" || code == "TaskDoesNotExist" {
			return
		}
		if strings.Contains(err.Error(), "connection refused") {
			continue // a node that died: another one
		}
		time.Sleep(50 * time.Millisecond) // a node that is taking over: again shortly
	}
}
