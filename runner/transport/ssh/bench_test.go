package ssh

import (
	"context"
	"testing"

	"github.com/swarmbook/swarmbook/runner/transport"
	"github.com/swarmbook/swarmbook/runner/transport/sshdtest"
)

// BenchmarkRunTrivial measures one trivial command on an open connection
// (wall time and controller allocations per Run).
func BenchmarkRunTrivial(b *testing.B) {
	set := sshdtest.Start(b, 1, sshdtest.Options{})
	c := dial(b, dialerFor(b, set, Options{}), "h0", nil)
	cmd := transport.Command{Script: "true"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.Run(context.Background(), cmd); err != nil {
			b.Fatal(err)
		}
	}
}
