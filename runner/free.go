package runner

import (
	"context"

	"github.com/sourcegraph/conc/pool"
)

// runFree lets every host run through its tasks as fast as it can,
// bounded by forks. Results are committed under the runner's lock so that
// reporting stays serialised.
func (pr *playRun) runFree(ctx context.Context) error {
	p := pool.New().WithMaxGoroutines(pr.r.opts.Forks).WithErrors().WithFirstError()
	for _, h := range pr.active() {
		p.Go(func() error {
			for {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				pr.freeMu.Lock()
				if pr.ended || pr.cursors[h] == nil || pr.r.host(h).failed || pr.r.host(h).unreachable || pr.r.host(h).ended {
					pr.freeMu.Unlock()
					return nil
				}
				s := pr.advance(h)
				pr.freeMu.Unlock()
				if s == nil {
					return nil
				}
				if s.task.Action == "meta" {
					pr.freeMu.Lock()
					err := pr.runMeta(ctx, s.task, []string{h})
					pr.freeMu.Unlock()
					if err != nil {
						return err
					}
					continue
				}
				res := pr.execute(ctx, s.task, h)
				pr.freeMu.Lock()
				rt := pr.startTask(ctx, s.task, h, "")
				inc := pr.commit(ctx, rt, s.task, s.path, h, res)
				pr.expandIncludes(ctx, inc)
				pr.freeMu.Unlock()
			}
		})
	}
	return p.Wait()
}
