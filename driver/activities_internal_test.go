package driver

import "testing"

// A task wakes one waiting poll; a poll woken that leaves without looking
// passes the wake on while a task is queued.
func TestActivityQueueWakesOne(t *testing.T) {
	var a activityQueues
	p1, p2 := a.wait("act"), a.wait("act")
	a.push("act", queuedTask{arn: "e1", id: 1, token: "t1"})
	if !closed(p1.ch) || closed(p2.ch) {
		t.Fatalf("woken: first %v, second %v; want the first only", closed(p1.ch), closed(p2.ch))
	}
	a.leave("act", p1) // its time ran out as it was woken
	if !closed(p2.ch) {
		t.Fatal("the wake was not passed on")
	}
	if q, ok := a.pop("act"); !ok || q.token != "t1" {
		t.Fatalf("pop: %+v %v", q, ok)
	}
	if _, ok := a.pop("act"); ok {
		t.Error("popped twice")
	}
	a.leave("act", p2)
	p3 := a.wait("act")
	a.leave("act", p3) // not woken: just gone
	a.push("act", queuedTask{arn: "e2", id: 1, token: "t2"})
	a.push("act", queuedTask{arn: "e2", id: 1, token: "t2"}) // queued again when its execution loads: once
	if closed(p3.ch) {
		t.Error("a poll that left was woken")
	}
	if _, ok := a.pop("act"); !ok {
		t.Fatal("nothing queued")
	}
	if _, ok := a.pop("act"); ok {
		t.Error("a task queued twice")
	}
}

func closed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
