package ssh

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/user"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/swarmbook/swarmbook/runner/transport"
)

// Dialer opens SSH connections. It shares jump-host connections between
// the hosts behind them and counts dials and sessions.
type Dialer struct {
	opts     Options
	res      *resolver
	keys     hostKeys
	dials    atomic.Int64
	sessions atomic.Int64
	bufs     copyBufs
	alive    atomic.Int64 // keepalive loops running

	mu    sync.Mutex
	jumps map[string]*ssh.Client

	// afterHandshake, when set (tests only), runs right after each SSH
	// handshake returns, to widen the window in which a connect timeout
	// could still fire.
	afterHandshake func()
}

// Stats counts what a Dialer did, for tests and benchmarks.
type Stats struct {
	Dials    int64 // TCP connections opened (targets and jump hosts)
	Sessions int64 // session channels opened (commands and SFTP)
}

// NewDialer returns a Dialer with opts.
func NewDialer(opts Options) *Dialer {
	d := &Dialer{opts: opts, jumps: map[string]*ssh.Client{}}
	d.res = &resolver{opts: &d.opts, config: &configFiles{home: d.home()}}
	return d
}

// Stats returns the counters so far.
func (d *Dialer) Stats() Stats {
	return Stats{Dials: d.dials.Load(), Sessions: d.sessions.Load()}
}

// Close closes the shared jump-host connections. Conns close themselves.
func (d *Dialer) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	for k, c := range d.jumps {
		c.Close()
		delete(d.jumps, k)
	}
	return nil
}

// Dial resolves ep and connects to it. Failures are *transport.Unreachable.
// With ansible_shell_type=powershell the Conn runs PowerShell (powershell.go).
func (d *Dialer) Dial(ctx context.Context, ep transport.Endpoint) (transport.Conn, error) {
	t, err := d.res.resolve(ep)
	if err != nil {
		return nil, &transport.Unreachable{Host: ep.Name, Err: err}
	}
	shell, err := shellOf(ep)
	if err != nil {
		return nil, &transport.Unreachable{Host: ep.Name, Err: err}
	}
	c := &Conn{d: d, t: t, sem: make(chan struct{}, d.maxSessions())}
	if _, err := c.client(ctx); err != nil {
		return nil, err
	}
	return withShell(c, shell), nil
}

func (d *Dialer) maxSessions() int {
	if d.opts.MaxSessions > 0 {
		return d.opts.MaxSessions
	}
	return 10
}

// connect opens an authenticated client to t, through its jump hosts, with
// retries for refused and timed-out connections.
func (d *Dialer) connect(ctx context.Context, t *target) (*ssh.Client, error) {
	attempts := d.opts.ConnectAttempts
	if attempts <= 0 {
		attempts = 3
	}
	delay := d.opts.RetryDelay
	if delay <= 0 {
		delay = 500 * time.Millisecond
	}
	var err error
	for i := 0; i < attempts; i++ {
		if i > 0 {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(delay):
			}
			delay *= 2
		}
		var c *ssh.Client
		c, err = d.connectOnce(ctx, t)
		if err == nil {
			return c, nil
		}
		if !retryable(err) {
			break
		}
	}
	return nil, err
}

// retryable: refused, reset, or timed out; never authentication or host
// key failures.
func retryable(err error) bool {
	var he *HostKeyError
	var ae *AuthError
	if errors.As(err, &he) || errors.As(err, &ae) {
		return false
	}
	var ne net.Error
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		(errors.As(err, &ne) && ne.Timeout()) || errors.Is(err, os.ErrDeadlineExceeded)
}

func (d *Dialer) connectOnce(ctx context.Context, t *target) (*ssh.Client, error) {
	var conn net.Conn
	var err error
	if len(t.jumps) > 0 {
		jc, jerr := d.jumpClient(ctx, t.jumps)
		if jerr != nil {
			return nil, jerr
		}
		dctx, cancel := context.WithTimeout(ctx, t.timeout)
		conn, err = jc.DialContext(dctx, "tcp", t.addr())
		cancel()
		if err != nil {
			return nil, fmt.Errorf("ssh: connecting to %s through %s: %w", t.addr(), t.jumps[len(t.jumps)-1].addr(), err)
		}
	} else {
		nd := net.Dialer{Timeout: t.timeout}
		conn, err = nd.DialContext(ctx, "tcp", t.addr())
		if err != nil {
			return nil, fmt.Errorf("ssh: connecting to %s: %w", t.addr(), err)
		}
		d.dials.Add(1)
	}
	return d.handshake(ctx, conn, t)
}

// handshake runs the SSH handshake and authentication on conn.
func (d *Dialer) handshake(ctx context.Context, conn net.Conn, t *target) (*ssh.Client, error) {
	var keyErr error
	hk, algos := d.keys.callback(t, &keyErr)
	a := d.authFor(ctx, t)
	defer a.close()
	cfg := &ssh.ClientConfig{
		User:              t.user,
		Auth:              a.methods,
		HostKeyCallback:   hk,
		HostKeyAlgorithms: algos,
		Timeout:           t.timeout,
	}
	// The connect timeout (and ctx) bound the handshake only: when they end
	// first, conn's I/O is made to fail at once; no deadline is left on
	// the connection for its later sessions.
	hctx, cancel := ctx, context.CancelFunc(func() {})
	if t.timeout > 0 {
		hctx, cancel = context.WithTimeout(ctx, t.timeout)
	}
	stop := context.AfterFunc(hctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	sc, chans, reqs, err := ssh.NewClientConn(conn, t.addr(), cfg)
	expired := !stop() // the deadline was (or is being) set: conn is closed below
	cancel()
	if err == nil && expired {
		// The bound fired between the end of the handshake and stop: the
		// connection's reader has already failed (or soon will), so this
		// connection is not usable. It took longer than allowed: a timeout.
		sc.Close()
		err = os.ErrDeadlineExceeded
	}
	if d.afterHandshake != nil {
		d.afterHandshake()
	}
	if err != nil {
		conn.Close()
		switch {
		case keyErr != nil:
			return nil, keyErr
		case strings.Contains(err.Error(), "unable to authenticate"):
			return nil, &AuthError{User: t.user, Addr: t.addr(), Tried: a.tried}
		case ctx.Err() != nil:
			return nil, fmt.Errorf("ssh: connecting to %s: %w", t.addr(), ctx.Err())
		}
		return nil, fmt.Errorf("ssh: handshake with %s: %w", t.addr(), err)
	}
	c := ssh.NewClient(sc, chans, reqs)
	go d.keepalive(c, t.alive)
	return c, nil
}

// keepalive sends keepalive@openssh.com every interval and closes the
// client after three unanswered ones (ServerAliveCountMax). It notices a
// client closed elsewhere at its next request (which then fails at once)
// rather than with a goroutine per connection waiting for the close: at
// 1,000 hosts every goroutine per connection is another stack per host.
func (d *Dialer) keepalive(c *ssh.Client, every time.Duration) {
	if every <= 0 {
		return
	}
	d.alive.Add(1)
	defer d.alive.Add(-1)
	missed := 0
	tick := time.NewTicker(every)
	defer tick.Stop()
	for range tick.C {
		reply := make(chan error, 1)
		go func() { _, _, err := c.SendRequest("keepalive@openssh.com", true, nil); reply <- err }()
		select {
		case err := <-reply:
			if err != nil {
				c.Close()
				return
			}
			missed = 0
		case <-time.After(every):
			if missed++; missed >= 3 {
				c.Close()
				return
			}
		}
	}
}

// jumpClient returns the shared client of the last hop of chain, connecting
// hops as needed.
func (d *Dialer) jumpClient(ctx context.Context, chain []*target) (*ssh.Client, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var prev *ssh.Client
	for i, hop := range chain {
		sub := *hop
		sub.jumps = nil
		key := sub.key()
		for j := i - 1; j >= 0; j-- {
			key += " via " + chain[j].user + "@" + chain[j].addr()
		}
		if c, ok := d.jumps[key]; ok {
			prev = c
			continue
		}
		var conn net.Conn
		var err error
		if prev == nil {
			nd := net.Dialer{Timeout: hop.timeout}
			conn, err = nd.DialContext(ctx, "tcp", hop.addr())
			if err == nil {
				d.dials.Add(1)
			}
		} else {
			conn, err = prev.DialContext(ctx, "tcp", hop.addr())
		}
		if err != nil {
			return nil, fmt.Errorf("ssh: jump host %s: %w", hop.addr(), err)
		}
		c, err := d.handshake(ctx, conn, hop)
		if err != nil {
			return nil, fmt.Errorf("jump host %s: %w", hop.addr(), err)
		}
		d.jumps[key] = c
		go func() {
			c.Wait()
			d.mu.Lock()
			if d.jumps[key] == c {
				delete(d.jumps, key)
			}
			d.mu.Unlock()
		}()
		prev = c
	}
	return prev, nil
}

func (d *Dialer) getenv(k string) (string, bool) {
	if d.opts.Getenv != nil {
		return d.opts.Getenv(k)
	}
	return os.LookupEnv(k)
}

func (d *Dialer) home() string {
	if d.opts.Home != "" {
		return d.opts.Home
	}
	h, _ := os.UserHomeDir()
	return h
}

func (r *resolver) getenv(k string) (string, bool) {
	if r.opts.Getenv != nil {
		return r.opts.Getenv(k)
	}
	return os.LookupEnv(k)
}

func (r *resolver) home() string {
	if r.opts.Home != "" {
		return r.opts.Home
	}
	h, _ := os.UserHomeDir()
	return h
}

func (r *resolver) localUser() string {
	if r.opts.LocalUser != "" {
		return r.opts.LocalUser
	}
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return os.Getenv("USER")
}
