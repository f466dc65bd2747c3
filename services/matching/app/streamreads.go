package app

import (
	"context"
	"sync"
	"time"

	"github.com/ocopvn/ocop/services/matching/postgres"
)

// streamReadsInFlight is how many statements the live streams' reads run at
// once. A stream woken while fewer are running reads at once, so a lone
// notification goes out without waiting; streams woken while all are
// running wait for the first to end and then read together in one
// statement. A match notifies ten producers in one commit, and their ten
// streams wake together: read one statement each, they cost PostgreSQL and
// this process ten round trips' work for what one statement does.
const streamReadsInFlight = 2

// streamReadsPerStatement bounds a statement when many streams wake at
// once, as when clients reconnect after a restart, each with up to
// StreamPage notifications to read: the rest wait for the next.
const streamReadsPerStatement = 64

// streamReadTimeout bounds a statement that reads for many streams, which
// no single stream's end may cancel: a stream whose read fails ends, and its
// client reconnects.
const streamReadTimeout = 10 * time.Second

// streamReads gathers the live streams' reads into as few statements as
// streamReadsInFlight allows.
type streamReads struct {
	pages func(ctx context.Context, reads []postgres.StreamRead, limit int) ([]postgres.StreamPage, error)

	mu       sync.Mutex
	inFlight int
	waiting  []*streamRead
}

// streamRead is one stream's read, answered when done is closed.
type streamRead struct {
	postgres.StreamRead
	page postgres.StreamPage
	err  error
	done chan struct{}
}

// read returns the page of one stream's read, which may have shared its
// statement with other streams' reads.
func (s *streamReads) read(ctx context.Context, read postgres.StreamRead) (postgres.StreamPage, error) {
	r := &streamRead{StreamRead: read, done: make(chan struct{})}
	s.mu.Lock()
	s.waiting = append(s.waiting, r)
	mine := s.inFlight < streamReadsInFlight
	var batch []*streamRead
	if mine {
		s.inFlight++
		batch = s.take()
	}
	s.mu.Unlock()
	if mine {
		s.run(batch)
	}
	select {
	case <-r.done:
		return r.page, r.err
	case <-ctx.Done():
		return postgres.StreamPage{}, ctx.Err()
	}
}

// run answers a batch of reads, then hands the reads that waited meanwhile
// to a statement of their own, so that this stream need not wait for them.
// A batch belongs to no one stream's request, so it runs under a context of
// its own.
func (s *streamReads) run(batch []*streamRead) {
	ctx, cancel := context.WithTimeout(context.Background(), streamReadTimeout)
	defer cancel()
	reads := make([]postgres.StreamRead, len(batch))
	for i, r := range batch {
		reads[i] = r.StreamRead
	}
	pages, err := s.pages(ctx, reads, StreamPage)
	for i, r := range batch {
		if err == nil {
			r.page = pages[i]
		}
		r.err = err
		close(r.done)
	}
	s.mu.Lock()
	next := s.take()
	if len(next) == 0 {
		s.inFlight--
	}
	s.mu.Unlock()
	if len(next) > 0 {
		go s.run(next)
	}
}

// take removes the longest-waiting reads, as many as a statement answers;
// the caller holds mu.
func (s *streamReads) take() []*streamRead {
	batch := s.waiting[:min(len(s.waiting), streamReadsPerStatement)]
	if s.waiting = s.waiting[len(batch):]; len(s.waiting) == 0 {
		s.waiting = nil
	}
	return batch
}
