package eventpattern

import (
	"testing"

	"github.com/baton-sh/baton/value"
)

// BenchmarkMatch matches a rule of the usual shape (source, detail-type,
// a nested field with a few operators) against the documentation's event.
func BenchmarkMatch(b *testing.B) {
	p := MustParse(`{
	  "source": ["aws.ec2"],
	  "detail-type": [{"prefix": "EC2 Instance"}],
	  "detail": {
	    "state": [{"anything-but": ["pending", "running"]}],
	    "c-count": [{"numeric": [">", 0, "<=", 5]}],
	    "FilePath": [{"wildcard": "*/lib/*.so"}],
	    "source-ip": [{"cidr": "10.0.0.0/24"}]
	  }
	}`)
	event := value.MustParse(ec2)
	if !p.Match(event) {
		b.Fatal("the benchmark's pattern does not match its event")
	}
	b.ReportAllocs()
	for b.Loop() {
		p.Match(event)
	}
}
