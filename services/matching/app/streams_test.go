package app

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ocopvn/ocop/services/matching/postgres"
)

// Streams that ask while a statement runs are read together in the next,
// at most readsPerStatement to a statement, and each gets its own answer.
func TestLiveStreamsWokenTogetherAreReadInOneStatement(t *testing.T) {
	release := make(chan struct{})
	var (
		mu         sync.Mutex
		statements [][]string
	)
	s := &streamReads{read: func(_ context.Context, reads []postgres.StreamRead, limit int) ([]postgres.StreamNext, error) {
		if limit != StreamPage {
			t.Errorf("a stream reads %d notifications at once, not %d", StreamPage, limit)
		}
		mu.Lock()
		var ids []string
		for _, rd := range reads {
			ids = append(ids, rd.RecipientID)
		}
		statements = append(statements, ids)
		first := len(statements) == 1
		mu.Unlock()
		if first {
			<-release
		}
		next := make([]postgres.StreamNext, len(reads))
		for i, rd := range reads {
			next[i] = postgres.StreamNext{HeldBy: rd.After.TxID, Notifications: []postgres.StreamedNotification{
				{Notification: postgres.Notification{RecipientID: rd.RecipientID}, At: rd.After}}}
		}
		return next, nil
	}}
	ctx := context.Background()
	type answer struct {
		id   string
		next postgres.StreamNext
		err  error
	}
	answers := make(chan answer)
	ask := func(k int) {
		id := fmt.Sprintf("prd-%d", k)
		next, err := s.after(ctx, postgres.StreamRead{Role: "producer", RecipientID: id, After: postgres.StreamCursor{TxID: uint64(k), Seq: int64(k)}})
		answers <- answer{id, next, err}
	}
	waitFor := func(what string, done func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !done(); time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("waited 10 s for %s", what)
			}
		}
	}

	go ask(0)
	waitFor("the first statement", func() bool { mu.Lock(); defer mu.Unlock(); return len(statements) == 1 })
	const woken = readsPerStatement + 6
	for k := 1; k <= woken; k++ {
		go ask(k)
	}
	waitFor("the woken streams to wait", func() bool { s.mu.Lock(); defer s.mu.Unlock(); return len(s.waiting) == woken })
	close(release)
	for range woken + 1 {
		a := <-answers
		if a.err != nil {
			t.Fatal(a.err)
		}
		var k int
		fmt.Sscanf(a.id, "prd-%d", &k)
		if len(a.next.Notifications) != 1 || a.next.Notifications[0].RecipientID != a.id ||
			a.next.Notifications[0].At != (postgres.StreamCursor{TxID: uint64(k), Seq: int64(k)}) || a.next.HeldBy != uint64(k) {
			t.Fatalf("%s got another stream's answer: %+v", a.id, a.next)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(statements) != 3 || len(statements[0]) != 1 || len(statements[1]) != readsPerStatement || len(statements[2]) != 6 {
		t.Fatalf("%d streams woken during a statement are read in two more, %d and 6: %d statements of %v reads",
			woken, readsPerStatement, len(statements), lengths(statements))
	}
}

func lengths(statements [][]string) []int {
	out := make([]int, len(statements))
	for i, s := range statements {
		out[i] = len(s)
	}
	return out
}

// A failed statement fails every stream it read for; a stream that leaves
// while its statement runs is answered at once and holds nothing up.
func TestLiveStreamReadsFailTogetherAndLeaveAlone(t *testing.T) {
	failed := errors.New("connection reset")
	release := make(chan struct{})
	s := &streamReads{read: func(context.Context, []postgres.StreamRead, int) ([]postgres.StreamNext, error) {
		<-release
		return nil, failed
	}}
	leaving, leave := context.WithCancel(context.Background())
	errs := make(chan error, 3)
	for _, ctx := range []context.Context{context.Background(), leaving, context.Background()} {
		go func() {
			_, err := s.after(ctx, postgres.StreamRead{Role: "producer", RecipientID: "prd-1"})
			errs <- err
		}()
	}
	leave()
	if err := <-errs; !errors.Is(err, context.Canceled) {
		t.Fatalf("the stream that left got %v, not its own cancellation", err)
	}
	close(release)
	for range 2 {
		if err := <-errs; !errors.Is(err, failed) {
			t.Fatalf("a stream of a failed statement got %v", err)
		}
	}
}
