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

	c.wrote(4)
	c.wrote(6)
	first := <-started
	c.wrote(1)
	require.ErrorIs(t, <-ended, context.Canceled, "the write stopped the merge")
	require.ErrorIs(t, first.Err(), context.Canceled)

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
