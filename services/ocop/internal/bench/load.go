package bench

import (
	"context"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/ocopvn/ocop/pkg/ocop"
)

func fold(s string) string { return ocop.Fold(s) }

// maxInFlight bounds the requests an open-loop run keeps open: past it the
// target is hopelessly behind and the run reports errors instead.
const maxInFlight = 5000

// Latencies are measured durations.
type Latencies []time.Duration

// Percentile returns the p-th percentile (0..100), nearest rank.
func (l Latencies) Percentile(p float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := slices.Clone(l)
	slices.Sort(s)
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[max(0, min(i, len(s)-1))]
}

func ms(d time.Duration) float64 { return math.Round(float64(d.Microseconds())/10) / 100 }

// OpenLoop calls fn at a fixed rate for a duration, each call at its
// intended time whatever earlier calls are doing, and measures each from its
// intended time: a slow answer cannot hide by delaying the requests after it
// (the coordinated-omission trap of closed-loop load). fn is told its call's
// intended time, for what it measures beyond the call itself.
func OpenLoop(ctx context.Context, rate float64, duration time.Duration, fn func(ctx context.Context, i int, intended time.Time) error) (Latencies, int) {
	n := int(rate * duration.Seconds())
	start := time.Now()
	var (
		mu       sync.Mutex
		lat      = make(Latencies, 0, n)
		failures int
		wg       sync.WaitGroup
	)
	slots := make(chan struct{}, maxInFlight)
	for i := range n {
		intended := start.Add(time.Duration(float64(i) / rate * float64(time.Second)))
		if d := time.Until(intended); d > 0 {
			select {
			case <-ctx.Done():
				return lat, failures
			case <-time.After(d):
			}
		}
		select {
		case slots <- struct{}{}:
		default:
			mu.Lock()
			failures++
			mu.Unlock()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			err := fn(ctx, i, intended)
			took := time.Since(intended)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failures++
				return
			}
			lat = append(lat, took)
		}()
	}
	wg.Wait()
	return lat, failures
}

// ClosedLoop runs fn from workers back to back for a duration and returns
// the calls per second completed.
func ClosedLoop(ctx context.Context, workers int, duration time.Duration, fn func(ctx context.Context, i int) error) float64 {
	var (
		mu    sync.Mutex
		done  int
		wg    sync.WaitGroup
		until = time.Now().Add(duration)
	)
	start := time.Now()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; time.Now().Before(until) && ctx.Err() == nil; i += workers {
				if fn(ctx, i) == nil {
					mu.Lock()
					done++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	return float64(done) / time.Since(start).Seconds()
}
