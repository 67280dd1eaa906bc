package driver_test

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/baton-sh/baton/clock"
	"github.com/baton-sh/baton/driver"
	"github.com/baton-sh/baton/store/sqlite"
)

// BenchmarkRecoverWaiting starts b.N executions that wait an hour, stops
// the driver, and times how long a new one takes to recover them (Start
// until Recovered):
//
//	go test -run '^$' -bench RecoverWaiting -benchtime 1000000x ./driver/
func BenchmarkRecoverWaiting(b *testing.B) {
	dir := b.TempDir()
	open := func() (*driver.Durable, *sqlite.Store) {
		s, err := sqlite.Open(dir)
		if err != nil {
			b.Fatal(err)
		}
		d := driver.NewDurable(driver.DurableOptions{Store: s, Clock: clock.Real{}})
		if err := d.Start(context.Background()); err != nil {
			b.Fatal(err)
		}
		<-d.Recovered()
		return d, s
	}
	d, s := open()
	def := `{"StartAt":"Prepare","States":{"Prepare":{"Type":"Pass","Result":{"order":42},"ResultPath":"$.prepared","Next":"Wait"},"Wait":{"Type":"Wait","Seconds":3600,"Next":"Done"},"Done":{"Type":"Succeed"}}}`
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			for i := next.Add(1); i <= int64(b.N); i = next.Add(1) {
				name := "w" + strconv.FormatInt(i, 10)
				_, err := d.StartExecution(context.Background(), driver.StartRequest{ExecutionARN: "arn:aws:states:us-east-1:123456789012:execution:M:" + name,
					Name: name, StateMachineARN: smARN, StateMachineName: "M", Definition: def, RoleARN: "arn:aws:iam::123456789012:role/r",
					Region: "us-east-1", Input: `{"customer":"c-` + name + `"}`})
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	d.Close()
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	t0 := time.Now()
	d, s = open()
	b.ReportMetric(time.Since(t0).Seconds(), "recover-s")
	b.StopTimer()
	d.Close()
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
}
