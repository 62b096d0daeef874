package system

import (
	"context"
	"testing"
	"time"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/runner/transport"
	"github.com/swarmbook/swarmbook/runner/transport/local"
)

// localTarget returns a Target on this machine through the local transport.
func localTarget(t *testing.T) *modules.Target {
	t.Helper()
	c, err := local.Dialer{}.Dial(context.Background(), transport.Endpoint{Name: "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &modules.Target{Host: "localhost", Conn: c}
}

// runMod runs a module with its Spec defaults applied.
func runMod(t *testing.T, tg *modules.Target, m modules.Module, args modules.Args) modules.Outcome {
	t.Helper()
	out, err := m.Run(context.Background(), tg, withDefaults(args, m.Spec()))
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return out
}

var fixedTime = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
