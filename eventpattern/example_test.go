package eventpattern_test

import (
	"fmt"
	"time"

	"github.com/baton-sh/baton/eventpattern"
	"github.com/baton-sh/baton/value"
)

func Example() {
	p, err := eventpattern.Parse([]byte(`{
	  "source": ["my.shop"],
	  "detail": {"status": [{"anything-but": "TEST"}], "amount": [{"numeric": [">", 100]}]}
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	event := value.MustParse(`{"source": "my.shop", "detail": {"status": "PAID", "amount": 120, "order": "o-1"}}`)
	fmt.Println(p.Match(event))

	target, err := eventpattern.CompileTarget(eventpattern.Target{InputTransformer: &eventpattern.InputTransformer{
		InputPathsMap: map[string]string{"order": "$.detail.order", "amount": "$.detail.amount"},
		InputTemplate: `{"order": <order>, "note": "<order> paid <amount> (rule <aws.events.rule-name>)"}`,
	}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(target.Apply(event, eventpattern.Meta{RuleName: "paid", IngestionTime: time.Now()})))

	_, err = eventpattern.Parse([]byte(`{"detail": {"amount": [{"numeric": [">", 5, "<", 1]}]}}`))
	fmt.Println(err)
	// Output:
	// true
	// {"order": "o-1", "note": "o-1 paid 120 (rule paid)"}
	// Event pattern is not valid. Reason: Bottom must be less than top at /detail/amount/0/numeric
}
