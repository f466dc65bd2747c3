package app

import (
	"context"
	"testing"
	"time"

	"github.com/ocopvn/ocop/pkg/testkit"
)

// A stream is woken by notifications added in its own process and in the
// service's other processes, once each.
func TestHubWakesStreamsInEveryProcess(t *testing.T) {
	nc, _ := testkit.NATS(t)
	here, there := NewHub(nil, nc), NewHub(nil, nc)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 2)
	go func() { done <- here.Follow(ctx) }()
	go func() { done <- there.Follow(ctx) }()
	t.Cleanup(func() { cancel(); <-done; <-done })
	time.Sleep(100 * time.Millisecond)

	local, stopLocal := here.Subscribe("producer:prd-1")
	defer stopLocal()
	remote, stopRemote := there.Subscribe("producer:prd-1")
	defer stopRemote()
	other, stopOther := there.Subscribe("producer:prd-2")
	defer stopOther()

	here.Broadcast([]string{"producer:prd-1", "buyer:buy-1"})
	select {
	case <-local:
	default:
		t.Fatal("the stream in the adding process is woken at once")
	}
	select {
	case <-remote:
	case <-time.After(5 * time.Second):
		t.Fatal("the stream in another process is woken over NATS")
	}
	time.Sleep(100 * time.Millisecond)
	select {
	case <-local:
		t.Fatal("the adding process's own broadcast does not wake its streams twice")
	case <-other:
		t.Fatal("another recipient's stream is not woken")
	default:
	}
}
