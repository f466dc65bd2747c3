package bleve

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A write during a merge stops it, and the merge starts again once writes
// pause, counting the changes the stopped one was for; merges never overlap.
func TestWriteStopsMergeAndMergeResumesOncePaused(t *testing.T) {
	started, ended := make(chan context.Context), make(chan error)
	merges := 0
	c := newCompactor(func(ctx context.Context) error {
		merges++
		started <- ctx
		if merges == 1 {
			<-ctx.Done()
			ended <- ctx.Err()
			return ctx.Err()
		}
		ended <- nil
		return nil
	})
	c.after, c.quiet = 10, 10*time.Millisecond
	t.Cleanup(c.close)

	write := func(n int) {
		c.writing()
		c.wrote(n)
	}
	write(4)
	write(6)
	first := <-started
	c.writing()
	require.ErrorIs(t, <-ended, context.Canceled, "the write stopped the merge")
	require.ErrorIs(t, first.Err(), context.Canceled)
	c.wrote(1)

	<-started
	require.NoError(t, <-ended)
	require.Eventually(t, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.stop == nil && c.timer == nil
	}, 5*time.Second, time.Millisecond)
	require.Equal(t, 2, merges)
	c.mu.Lock()
	require.Zero(t, c.written, "the second merge took in the first one's 10 changes and the 1 after")
	c.mu.Unlock()
}

// A write that lasts longer than the pause waited for is no pause: the
// wait ending while it is written starts no merge, and the wait starts
// again when it ends.
func TestNoMergeBeginsWhileAWriteIsUnderWay(t *testing.T) {
	merged := make(chan struct{}, 1)
	c := newCompactor(func(context.Context) error {
		merged <- struct{}{}
		return nil
	})
	c.after, c.quiet = 10, time.Hour
	t.Cleanup(c.close)

	c.writing()
	c.wrote(10)
	c.writing()
	c.run()
	select {
	case <-merged:
		t.Fatal("a merge began while a write was under way")
	default:
	}
	require.True(t, c.due(), "the merge is still due")

	c.mu.Lock()
	c.quiet = time.Millisecond
	c.mu.Unlock()
	c.wrote(0)
	<-merged
}
