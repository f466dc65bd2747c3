package bleve

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/index/scorch/mergeplan"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// A bulk write leaves the index in several segments even under
// runtimeConfig's plan (4–5 after importing 100,000 products), and every
// term a search looks up is looked up in each. Once writes pause after
// compactAfter changes, the index is merged into one segment. On the
// benchmark's 100,000 products (the same server on the same index, before
// and after merging it), product searches at 200/s took 0.97–1.00 cores
// instead of 1.01–1.16, with p99 50–52 ms instead of 68–113 ms, and a
// demand's search in a Go benchmark 3.0–3.4 ms instead of 3.8–4.5 ms. The
// merge rewrites the whole index (5.3 s after importing 100,000 products),
// so a trickle of edits does not set it off, and a write during a merge
// stops it: an import whose writes pause for a moment must not rewrite the
// index it is still writing.
const (
	compactAfter = 5000
	compactQuiet = 2 * time.Second
)

// compactor merges the index into one segment once after changes have
// been written and no write came for quiet. Searches go on meanwhile:
// Bleve swaps the merged segment in when it is done. A merge stopped by a
// write, or failed, is tried again once writes pause again.
type compactor struct {
	merge func(ctx context.Context) error
	after int
	quiet time.Duration

	mu      sync.Mutex
	written int
	// writes counts writes under way: writes have not paused while one is.
	writes int
	timer  *time.Timer
	// stop ends the merge under way; nil when none is.
	stop   context.CancelFunc
	closed bool
	// merging is held by the merge under way, so merges never overlap.
	merging sync.Mutex
}

func newCompactor(merge func(ctx context.Context) error) *compactor {
	return &compactor{merge: merge, after: compactAfter, quiet: compactQuiet}
}

// writing marks a write begun: it stops a merge under way, and the wait
// for writes to pause starts again only once the write ends (wrote). A
// write that took longer than quiet would otherwise count as a pause, and
// a merge done while it was written would leave its changes uncounted.
func (c *compactor) writing() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writes++
	if c.timer != nil {
		c.timer.Stop()
	}
	if c.stop != nil {
		c.stop()
	}
}

// wrote marks a write ended, with the n changes it wrote, and (re)starts
// the wait for writes to pause.
func (c *compactor) wrote(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writes--
	c.written += n
	c.arm()
}

// arm (re)starts the wait for writes to pause once enough were written and
// none is under way.
func (c *compactor) arm() {
	if c.closed || c.writes > 0 || c.written < c.after {
		return
	}
	if c.timer != nil {
		c.timer.Reset(c.quiet)
		return
	}
	c.timer = time.AfterFunc(c.quiet, c.run)
}

func (c *compactor) run() {
	c.merging.Lock()
	defer c.merging.Unlock()
	c.mu.Lock()
	// A write begun as the wait ended restarts the wait when it ends.
	if c.closed || c.writes > 0 {
		c.mu.Unlock()
		return
	}
	written := c.written
	ctx, stop := context.WithCancel(context.Background())
	c.timer, c.written, c.stop = nil, 0, stop
	c.mu.Unlock()

	err := c.merge(ctx)
	stop()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stop = nil
	if err != nil {
		c.written += written
		c.arm()
	}
}

// due reports whether a merge is under way or waits for writes to pause.
func (c *compactor) due() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.timer != nil || c.stop != nil
}

// close stops waiting and ends a merge under way; the index closes after.
func (c *compactor) close() {
	c.mu.Lock()
	c.closed = true
	if c.timer != nil {
		c.timer.Stop()
	}
	if c.stop != nil {
		c.stop()
	}
	c.mu.Unlock()
	c.merging.Lock()
	defer c.merging.Unlock()
}

// Merging reports whether the index is being merged into one segment after
// a bulk write, or will be once writes pause: searches cost more until then.
func (i *Index) Merging() bool { return i.compact.due() }

// mergeIntoOne merges every segment of the index into one. Bleve merges
// only segments written to disk, so it first waits for every segment to
// be; and one merge of its plan may leave a segment beside the merged one,
// so it merges again, mergeRounds times at most.
func (i *Index) mergeIntoOne(ctx context.Context) error {
	s, err := i.scorch()
	if err != nil {
		return err
	}
	for merged := 0; merged < mergeRounds; {
		segments, onDisk, err := segmentsOf(s)
		if err != nil || segments <= 1 {
			return err
		}
		if !onDisk {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(persistPoll):
			}
			continue
		}
		// Bleve ends a stopped merge as if it were done.
		if err := s.ForceMerge(ctx, &mergeplan.SingleSegmentMergePlanOptions); err != nil || ctx.Err() != nil {
			return errors.Join(err, ctx.Err())
		}
		merged++
	}
	return nil
}

// mergeRounds bounds the merges of one mergeIntoOne, and persistPoll is
// how often it looks whether the index's segments are on disk.
const (
	mergeRounds = 3
	persistPoll = 50 * time.Millisecond
)

// scorch returns the engine under the index.
func (i *Index) scorch() (*scorch.Scorch, error) {
	engine, err := i.idx.Advanced()
	if err != nil {
		return nil, fmt.Errorf("opening the index: %w", err)
	}
	s, ok := engine.(*scorch.Scorch)
	if !ok {
		return nil, fmt.Errorf("the index engine is %T, not scorch", engine)
	}
	return s, nil
}

// segments returns how many segments the index has; 0 when it cannot tell.
func (i *Index) segments() int {
	s, err := i.scorch()
	if err != nil {
		return 0
	}
	n, _, _ := segmentsOf(s)
	return n
}

// segmentsOf returns how many segments the index has, and whether every
// one of them is written to disk.
func segmentsOf(s *scorch.Scorch) (int, bool, error) {
	r, err := s.Reader()
	if err != nil {
		return 0, false, fmt.Errorf("reading the index: %w", err)
	}
	defer r.Close()
	snapshot, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return 0, false, fmt.Errorf("the index reader is %T, not a scorch snapshot", r)
	}
	onDisk := true
	for _, seg := range snapshot.Segments() {
		if _, persisted := seg.Segment().(segment.PersistedSegment); !persisted {
			onDisk = false
		}
	}
	return len(snapshot.Segments()), onDisk, nil
}
