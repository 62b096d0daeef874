package control

import (
	"context"
	"fmt"
	"time"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/runner/transport"
)

// waitForConnection retries a trivial command on the host until it runs.
type waitForConnection struct{}

func (waitForConnection) Spec() modules.Spec {
	return modules.Spec{Action: true, Params: []modules.Param{
		{Name: "connect_timeout", Default: 5}, {Name: "delay", Default: 0},
		{Name: "sleep", Default: 1}, {Name: "timeout", Default: 600},
	}}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (waitForConnection) Run(ctx context.Context, t *modules.Target, a modules.Args) (modules.Outcome, error) {
	var n [4]int
	for i, k := range []string{"connect_timeout", "delay", "sleep", "timeout"} {
		v, err := toInt(k, a[k])
		if err != nil {
			return failed(err.Error()), nil
		}
		n[i] = v
	}
	connectTimeout, delay, sleep, timeout := n[0], n[1], n[2], n[3]
	if t.Check {
		return modules.Outcome{Skipped: true, Fields: map[string]any{}}, nil
	}
	start := time.Now()
	if err := sleepCtx(ctx, time.Duration(delay)*time.Second); err != nil {
		return modules.Outcome{}, err
	}
	deadline := time.Now().Add(time.Duration(timeout) * time.Second)
	var last error
	for time.Now().Before(deadline) {
		res, err := t.Conn.Run(ctx, transport.Command{Script: "exit 0", Timeout: time.Duration(connectTimeout) * time.Second})
		if err == nil && res.ExitCode == 0 {
			return modules.Outcome{Fields: map[string]any{"elapsed": int(time.Since(start).Seconds())}}, nil
		}
		if ctx.Err() != nil {
			return modules.Outcome{}, ctx.Err()
		}
		if err == nil {
			err = fmt.Errorf("ping test failed")
		}
		last = err
		if err := sleepCtx(ctx, time.Duration(sleep)*time.Second); err != nil {
			return modules.Outcome{}, err
		}
	}
	out := failed(fmt.Sprintf("timed out waiting for ping module test: %v", last))
	out.Fields["elapsed"] = int(time.Since(start).Seconds())
	return out, nil
}
