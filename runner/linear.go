package runner

import (
	"context"

	"github.com/sourcegraph/conc/pool"

	"github.com/swarmbook/swarmbook/runner/playbook"
)

// runLinear runs the batch in lockstep: every host runs a task before any
// host moves to the next one. Hosts whose next task differs (rescue,
// includes) run in task order.
func (pr *playRun) runLinear(ctx context.Context) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		// Find each active host's next step.
		var first *step
		for _, h := range pr.active() {
			s := pr.pending[h]
			if s == nil {
				s = pr.advance(h)
				pr.pending[h] = s
			}
			if s != nil && (first == nil || comparePath(s.path, first.path) < 0) {
				first = s
			}
		}
		if first == nil || pr.ended {
			return nil
		}
		var hosts []string
		for _, h := range pr.active() {
			if s := pr.pending[h]; s != nil && s.task == first.task && comparePath(s.path, first.path) == 0 {
				hosts = append(hosts, h)
				pr.pending[h] = nil
			}
		}
		if err := pr.runStep(ctx, first.task, first.path, hosts); err != nil {
			return err
		}
		breakPlay := false
		if pr.anyErrorsFatalTriggered {
			pr.failAll()
			breakPlay = true
		}
		if !pr.checkMaxFail() {
			pr.failAll()
			pr.r.rep.NoHostsRemaining()
			breakPlay = true
		}
		if breakPlay {
			pr.r.rep.NoHostsRemaining()
			return nil
		}
	}
}

// runStep runs one task on a group of hosts in parallel (bounded by forks
// and throttle) and commits the results in host order.
func (pr *playRun) runStep(ctx context.Context, t *playbook.Task, path []int, hosts []string) error {
	if t.Action == "meta" {
		return pr.runMeta(ctx, t, hosts)
	}
	rt := pr.startTask(ctx, t, hosts[0], "")
	if pr.runOnce(t) {
		hosts = hosts[:1]
	}
	limit := pr.r.opts.Forks
	if th := pr.throttle(ctx, t, hosts[0]); th > 0 && th < limit {
		limit = th
	}
	results := make([]*taskResult, len(hosts))
	p := pool.New().WithMaxGoroutines(limit)
	for i, h := range hosts {
		p.Go(func() {
			results[i] = pr.execute(ctx, t, h)
		})
	}
	p.Wait()
	var includes []includeRequest
	for i, h := range hosts {
		inc := pr.commit(ctx, rt, t, path, h, results[i])
		includes = append(includes, inc...)
	}
	if pr.runOnce(t) {
		pr.shareRunOnce(t, hosts[0], results[0])
	}
	pr.expandIncludes(ctx, includes)
	return nil
}

// failAll marks every active host failed (any_errors_fatal, max_fail_percentage).
func (pr *playRun) failAll() {
	for _, h := range pr.active() {
		pr.markFailed(h)
		pr.cursors[h] = nil
	}
	pr.anyErrorsFatalTriggered = false
}

// checkMaxFail enforces max_fail_percentage on the batch; false means abort.
func (pr *playRun) checkMaxFail() bool {
	mfp := pr.play.MaxFailPercentage
	if mfp == nil {
		return true
	}
	failed := 0
	for _, h := range pr.batch {
		if pr.r.isFailed(h) {
			failed++
		}
	}
	pct := float64(failed) / float64(len(pr.batch)) * 100
	return pct <= *mfp
}
