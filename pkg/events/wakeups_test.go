package events

import "testing"

// A subscriber woken many times while busy finds one wake-up waiting; other
// keys' subscribers are not woken, and an ended subscription is forgotten.
func TestWakeupsHoldOneWakeUpPerSubscriber(t *testing.T) {
	var w Wakeups
	a, stopA := w.Subscribe("a")
	b, stopB := w.Subscribe("b")
	defer stopB()
	if !w.Subscribed("a") || w.Subscribed("c") {
		t.Fatal("a has a subscriber and c none")
	}
	w.Wake("a")
	w.Wake("a")
	<-a
	select {
	case <-a:
		t.Fatal("two wake-ups while busy are one")
	case <-b:
		t.Fatal("b was not woken")
	default:
	}
	stopA()
	if w.Subscribed("a") {
		t.Fatal("a's subscription ended")
	}
	w.Wake("a")
}
