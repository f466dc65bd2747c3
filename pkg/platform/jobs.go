package platform

import (
	"context"
	"time"

	"go.uber.org/zap"
)

// Job is background work run periodically; it returns how many things it
// handled, for the log.
type Job struct {
	Name string
	Run  func(context.Context) (int, error)
}

// RunJobs runs the jobs now and then every interval until ctx ends. A failing
// job is logged and tried again next time: these are catch-up jobs (expiries,
// reminders) that are safe to run on every replica.
func RunJobs(ctx context.Context, interval time.Duration, log *zap.Logger, jobs ...Job) error {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		for _, j := range jobs {
			n, err := j.Run(ctx)
			switch {
			case err != nil && ctx.Err() == nil:
				log.Warn("background job failed; it runs again later", zap.String("job", j.Name), zap.Error(err), zap.Duration("next_in", interval))
			case n > 0:
				log.Info("background job done", zap.String("job", j.Name), zap.Int("handled", n))
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}
