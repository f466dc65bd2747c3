package events

import (
	"context"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// horizonPoll is how often a Horizon looks while someone waits on it.
const horizonPoll = time.Millisecond

// Horizon tells when PostgreSQL transactions have ended, by following the
// oldest one still running (pg_snapshot_xmin). A row of transaction T may be
// passed over in commit order only once every transaction older than T has
// ended: one of them may yet commit a row that must go first. Under load
// some older transaction is nearly always running, each for a few
// milliseconds; one small query a millisecond, made only while someone
// waits, serves every waiter instead of each polling its own table.
type Horizon struct {
	pool *pgxpool.Pool

	mu      sync.Mutex
	waiting map[chan struct{}]uint64
	kick    chan struct{}
}

// NewHorizon returns a horizon over pool's database; Run follows it.
func NewHorizon(pool *pgxpool.Pool) *Horizon {
	return &Horizon{pool: pool, waiting: map[chan struct{}]uint64{}, kick: make(chan struct{}, 1)}
}

// Ended returns a channel closed once every transaction with an id up to
// txid has ended, and the function that stops waiting.
func (h *Horizon) Ended(txid uint64) (<-chan struct{}, func()) {
	ch := make(chan struct{})
	h.mu.Lock()
	h.waiting[ch] = txid
	h.mu.Unlock()
	select {
	case h.kick <- struct{}{}:
	default:
	}
	return ch, func() {
		h.mu.Lock()
		delete(h.waiting, ch)
		h.mu.Unlock()
	}
}

// horizonRetry is how long a Horizon waits after a failed look, so a
// database that is down is not asked a thousand times a second; waiters
// have their own slower fallback meanwhile.
const horizonRetry = 100 * time.Millisecond

// Run follows the horizon while anyone waits, until ctx ends.
func (h *Horizon) Run(ctx context.Context) {
	tick := time.NewTicker(horizonPoll)
	defer tick.Stop()
	for {
		h.mu.Lock()
		idle := len(h.waiting) == 0
		h.mu.Unlock()
		if idle {
			select {
			case <-ctx.Done():
				return
			case <-h.kick:
			}
		}
		var xmin uint64
		err := h.pool.QueryRow(ctx, `SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint`).Scan(&xmin)
		if err != nil {
			select {
			case <-ctx.Done():
				return
			case <-time.After(horizonRetry):
			}
			continue
		}
		h.mu.Lock()
		for ch, txid := range h.waiting {
			if txid < xmin {
				close(ch)
				delete(h.waiting, ch)
			}
		}
		h.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
