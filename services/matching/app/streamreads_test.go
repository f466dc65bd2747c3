package app

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/ocopvn/ocop/services/matching/postgres"
)

// statements stands in for PostgreSQL under streamReads: each statement
// blocks until the test ends it, and answers each read with a page naming
// its recipient.
type statements struct{ started chan statement }

// statement is a running statement's reads, and how the test ends it: with
// nil for pages, or with an error.
type statement struct {
	reads []string
	end   chan error
}

func (s *statements) pages(ctx context.Context, reads []postgres.StreamRead, _ int) ([]postgres.StreamPage, error) {
	st := statement{end: make(chan error)}
	for _, r := range reads {
		st.reads = append(st.reads, r.RecipientID)
	}
	s.started <- st
	if err := <-st.end; err != nil {
		return nil, err
	}
	pages := make([]postgres.StreamPage, len(reads))
	for i, r := range reads {
		pages[i].Notifications = []postgres.StreamedNotification{{Notification: postgres.Notification{Title: "for " + r.RecipientID}}}
	}
	return pages, ctx.Err()
}

// Streams woken while two statements run read together in the next one;
// a stream woken while fewer run reads at once; each gets its own page,
// and a stream that leaves while it waits takes no other stream's read
// down with it.
func TestLiveStreamsWokenTogetherShareAStatement(t *testing.T) {
	db := &statements{started: make(chan statement, 8)}
	s := &streamReads{pages: db.pages}
	type answer struct {
		title string
		err   error
	}
	answers := make(map[string]chan answer)
	read := func(ctx context.Context, id string) {
		ch := make(chan answer, 1)
		answers[id] = ch
		go func() {
			page, err := s.read(ctx, postgres.StreamRead{Role: "producer", RecipientID: id})
			a := answer{err: err}
			if err == nil {
				a.title = page.Notifications[0].Title
			}
			ch <- a
		}()
	}
	started := func(want string) statement {
		t.Helper()
		select {
		case st := <-db.started:
			if got := fmt.Sprint(st.reads); got != want {
				t.Fatalf("a statement read %s, not %s", got, want)
			}
			return st
		case <-time.After(10 * time.Second):
			t.Fatalf("no statement read %s", want)
			return statement{}
		}
	}
	answered := func(id string) answer {
		t.Helper()
		select {
		case a := <-answers[id]:
			return a
		case <-time.After(10 * time.Second):
			t.Fatalf("%s was not answered", id)
			return answer{}
		}
	}

	read(context.Background(), "first")
	first := started("[first]")
	read(context.Background(), "second")
	second := started("[second]")
	leaving, leave := context.WithCancel(context.Background())
	for i, id := range []string{"third", "fourth", "fifth"} {
		ctx := context.Background()
		if id == "fourth" {
			ctx = leaving
		}
		read(ctx, id)
		waitFor(t, func() bool {
			s.mu.Lock()
			defer s.mu.Unlock()
			return len(s.waiting) == i+1
		})
	}
	select {
	case st := <-db.started:
		t.Fatalf("a third statement started while two ran: %v", st.reads)
	default:
	}
	leave()
	if a := answered("fourth"); !errors.Is(a.err, context.Canceled) {
		t.Fatalf("the stream that left got %+v", a)
	}

	first.end <- nil
	if a := answered("first"); a.title != "for first" || a.err != nil {
		t.Fatalf("first got %+v", a)
	}
	waited := started("[third fourth fifth]")
	second.end <- errors.New("connection lost")
	if a := answered("second"); a.err == nil || a.err.Error() != "connection lost" {
		t.Fatalf("second got %+v", a)
	}
	waited.end <- nil
	for _, id := range []string{"third", "fifth"} {
		if a := answered(id); a.title != "for "+id || a.err != nil {
			t.Fatalf("%s got %+v", id, a)
		}
	}

	read(context.Background(), "later")
	started("[later]").end <- nil
	if a := answered("later"); a.title != "for later" {
		t.Fatalf("later got %+v", a)
	}
	waitFor(t, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.inFlight == 0
	})
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
	}
}

// Many streams woken at once read streamReadsPerStatement to a statement,
// the longest-waiting first, and each gets its own page.
func TestManyStreamsWokenAtOnceReadInBoundedStatements(t *testing.T) {
	db := &statements{started: make(chan statement, 8)}
	s := &streamReads{pages: db.pages}
	wokenAtOnce := 2*streamReadsPerStatement + 5
	titles := make(chan string, wokenAtOnce)
	read := func(id string) {
		go func() {
			page, err := s.read(context.Background(), postgres.StreamRead{Role: "producer", RecipientID: id})
			if err != nil {
				titles <- err.Error()
				return
			}
			titles <- page.Notifications[0].Title
		}()
	}
	next := func() statement {
		t.Helper()
		select {
		case st := <-db.started:
			return st
		case <-time.After(10 * time.Second):
			t.Fatal("no statement started")
			return statement{}
		}
	}
	read("first")
	first := next()
	read("second")
	second := next()
	for i := range wokenAtOnce - 2 {
		read(fmt.Sprint("stream-", i))
		waitFor(t, func() bool {
			s.mu.Lock()
			defer s.mu.Unlock()
			return len(s.waiting) == i+1
		})
	}

	first.end <- nil
	bounded := next()
	if len(bounded.reads) != streamReadsPerStatement || bounded.reads[0] != "stream-0" {
		t.Fatalf("the next statement read %d streams from %s, not %d from stream-0", len(bounded.reads), bounded.reads[0], streamReadsPerStatement)
	}
	second.end <- nil
	rest := next()
	if want := fmt.Sprint("stream-", streamReadsPerStatement); len(rest.reads) != streamReadsPerStatement || rest.reads[0] != want {
		t.Fatalf("the statement after read %d streams from %s, not %d from %s", len(rest.reads), rest.reads[0], streamReadsPerStatement, want)
	}
	bounded.end <- nil
	last := next()
	if want := fmt.Sprint("stream-", 2*streamReadsPerStatement); len(last.reads) != 3 || last.reads[0] != want {
		t.Fatalf("the last statement read %d streams from %s, not 3 from %s", len(last.reads), last.reads[0], want)
	}
	rest.end <- nil
	last.end <- nil
	got := map[string]bool{}
	for range wokenAtOnce {
		select {
		case title := <-titles:
			got[title] = true
		case <-time.After(10 * time.Second):
			t.Fatalf("%d of %d streams were answered", len(got), wokenAtOnce)
		}
	}
	for _, id := range append(append([]string{"first", "second"}, bounded.reads...), last.reads...) {
		if !got["for "+id] {
			t.Fatalf("%s got no page of its own", id)
		}
	}
	if len(got) != wokenAtOnce {
		t.Fatalf("%d distinct answers for %d streams", len(got), wokenAtOnce)
	}
}
