package ssh

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/swarmbook/swarmbook/runner/transport"
	"github.com/swarmbook/swarmbook/runner/transport/sshdtest"
)

// freeze stops every per-connection process of srv (the processes the test's
// own sshd forked) and returns a function that resumes them. Cleanup kills
// whatever is still stopped at the end of the test.
func freeze(t *testing.T, srv *sshdtest.Server) (thaw func()) {
	t.Helper()
	pids := srv.Descendants()
	if len(pids) == 0 {
		t.Fatal("no connection process to stop")
	}
	for _, p := range pids {
		syscall.Kill(p, syscall.SIGSTOP)
	}
	thawed := false
	thaw = func() {
		if thawed {
			return
		}
		thawed = true
		for _, p := range pids {
			syscall.Kill(p, syscall.SIGCONT)
		}
	}
	t.Cleanup(func() {
		if !thawed {
			for _, p := range pids {
				syscall.Kill(p, syscall.SIGKILL)
				syscall.Kill(p, syscall.SIGCONT)
			}
		}
	})
	return thaw
}

// A server that stops answering for longer than the connect timeout, on a
// connection already established, is slow, not unreachable: the command
// waits and succeeds once the server runs again.
func TestSlowServerIsNotUnreachable(t *testing.T) {
	set := sshdtest.Start(t, 1, sshdtest.Options{})
	d := dialerFor(t, set, Options{})
	c := dial(t, d, "h0", map[string]any{"ansible_timeout": "1"})
	if r := run(t, c, transport.Command{Script: "echo before"}); string(r.Stdout) != "before\n" {
		t.Fatalf("before: %q", r.Stdout)
	}
	const stall = 3 * time.Second // three times the connect timeout
	thaw := freeze(t, set.Servers[0])
	type result struct {
		r   transport.Result
		err error
		at  time.Duration
	}
	done := make(chan result, 1)
	start := time.Now()
	go func() {
		r, err := c.Run(context.Background(), transport.Command{Script: "echo during"})
		done <- result{r, err, time.Since(start)}
	}()
	time.Sleep(stall)
	thaw()
	select {
	case res := <-done:
		if res.err != nil {
			t.Fatalf("command on a slow server: %v (unreachable: %v)", res.err, transport.IsUnreachable(res.err))
		}
		if string(res.r.Stdout) != "during\n" {
			t.Fatalf("during: %q", res.r.Stdout)
		}
		if res.at < stall {
			t.Fatalf("command finished after %v, while the server was stopped for %v", res.at, stall)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("command did not finish after the server resumed")
	}
	if s := d.Stats(); s.Dials != 1 {
		t.Errorf("stats %+v: want the one connection kept", s)
	}
}

// The connect timeout bounds the handshake only: however long the
// controller takes between the end of the handshake and its first session
// (a loaded machine), no timer left over from the handshake may cut the
// connection.
func TestNoConnectTimeoutAfterHandshake(t *testing.T) {
	set := sshdtest.Start(t, 1, sshdtest.Options{})
	d := dialerFor(t, set, Options{})
	d.afterHandshake = func() { time.Sleep(1500 * time.Millisecond) }
	c := dial(t, d, "h0", map[string]any{"ansible_timeout": "1"})
	if r := run(t, c, transport.Command{Script: "echo ok"}); string(r.Stdout) != "ok\n" {
		t.Fatalf("got %q", r.Stdout)
	}
}

// A peer that is gone for good is still reported unreachable: at once
// when its process dies (the kernel closes the socket), and within the
// keepalive bound (ServerAliveInterval × (1 + 3 unanswered)) when it
// just stops answering.
func TestDeadServerIsUnreachable(t *testing.T) {
	cases := []struct {
		name  string
		vars  map[string]any
		cut   func(t *testing.T, srv *sshdtest.Server)
		bound time.Duration
	}{
		{
			name: "killed",
			cut: func(t *testing.T, srv *sshdtest.Server) {
				if srv.KillConnections(t) == 0 {
					t.Fatal("no connection process to kill")
				}
			},
			bound: 3 * time.Second,
		},
		{
			name: "silent",
			vars: map[string]any{"ansible_ssh_common_args": "-o ServerAliveInterval=1"},
			cut: func(t *testing.T, srv *sshdtest.Server) {
				freeze(t, srv)
			},
			bound: 4*time.Second + 3*time.Second, // 1 s × (1 + 3), plus slack
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			set := sshdtest.Start(t, 1, sshdtest.Options{})
			d := dialerFor(t, set, Options{ConnectAttempts: 1})
			vars := map[string]any{"ansible_timeout": "1"}
			for k, v := range tc.vars {
				vars[k] = v
			}
			c := dial(t, d, "h0", vars)
			run(t, c, transport.Command{Script: "true"})
			// The server must not accept the re-dial the failed call may
			// try: stop listening, then cut the connection.
			srv := set.Servers[0]
			syscall.Kill(srv.PID(), syscall.SIGSTOP)
			t.Cleanup(func() { syscall.Kill(srv.PID(), syscall.SIGCONT) })
			tc.cut(t, srv)
			start := time.Now()
			_, err := c.Run(context.Background(), transport.Command{Script: "echo never"})
			took := time.Since(start)
			if !transport.IsUnreachable(err) {
				t.Fatalf("got %v, want unreachable", err)
			}
			var u *transport.Unreachable
			if !errors.As(err, &u) || u.Host != "h0" {
				t.Fatalf("unreachable names %v", err)
			}
			if took > tc.bound {
				t.Fatalf("unreachable after %v, want within %v", took, tc.bound)
			}
		})
	}
}

// The command's own timeout still ends a wait for a session on a stopped
// server, as a timeout (the task fails), not as an unreachable host.
func TestCommandTimeoutWhileServerStopped(t *testing.T) {
	set := sshdtest.Start(t, 1, sshdtest.Options{})
	d := dialerFor(t, set, Options{})
	c := dial(t, d, "h0", nil)
	run(t, c, transport.Command{Script: "true"})
	freeze(t, set.Servers[0])
	start := time.Now()
	_, err := c.Run(context.Background(), transport.Command{Script: "echo never", Timeout: time.Second})
	if !errors.Is(err, context.DeadlineExceeded) || transport.IsUnreachable(err) {
		t.Fatalf("got %v, want a timeout", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("timed out after %v, want about 1s", took)
	}
}

// The keepalive loop of a closed connection ends by its next request.
func TestKeepaliveEndsWithTheConnection(t *testing.T) {
	set := sshdtest.Start(t, 1, sshdtest.Options{})
	d := dialerFor(t, set, Options{})
	c := dial(t, d, "h0", map[string]any{"ansible_ssh_common_args": "-o ServerAliveInterval=1"})
	run(t, c, transport.Command{Script: "true"})
	keepalives := func() int64 { return d.alive.Load() }
	if n := keepalives(); n != 1 {
		t.Fatalf("%d keepalive loops while connected, want 1", n)
	}
	time.Sleep(1500 * time.Millisecond) // a keepalive answered
	if _, err := c.Run(context.Background(), transport.Command{Script: "true"}); err != nil {
		t.Fatalf("after a keepalive: %v", err)
	}
	c.Close()
	deadline := time.Now().Add(3 * time.Second)
	for keepalives() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("keepalive loop still running 3s after the connection closed")
		}
		time.Sleep(100 * time.Millisecond)
	}
}
