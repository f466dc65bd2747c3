package events

import "sync"

// Wakeups fans wake-ups out to subscribers by key. A subscriber woken while
// it was busy finds one wake-up waiting, however many came. The zero value
// is ready to use.
type Wakeups struct {
	mu   sync.Mutex
	subs map[string]map[chan struct{}]bool
}

// Subscribe returns a channel woken when key is, and the function that ends
// the subscription.
func (w *Wakeups) Subscribe(key string) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.subs == nil {
		w.subs = map[string]map[chan struct{}]bool{}
	}
	if w.subs[key] == nil {
		w.subs[key] = map[chan struct{}]bool{}
	}
	w.subs[key][ch] = true
	return ch, func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		delete(w.subs[key], ch)
		if len(w.subs[key]) == 0 {
			delete(w.subs, key)
		}
	}
}

// Wake wakes key's subscribers.
func (w *Wakeups) Wake(key string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for ch := range w.subs[key] {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// Subscribed reports whether key has a subscriber.
func (w *Wakeups) Subscribed(key string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.subs[key]) > 0
}
