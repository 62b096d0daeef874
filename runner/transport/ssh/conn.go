package ssh

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"github.com/swarmbook/swarmbook/modules/shquote"
	"github.com/swarmbook/swarmbook/runner/transport"
	"github.com/swarmbook/swarmbook/runner/transport/become"
)

// maxExecScript is the longest command sent in the exec request; longer
// scripts go through stdin or a staged file (Linux caps one argument at
// 128 KiB).
const maxExecScript = 64 << 10

// Conn is one SSH connection to one host. Each Run is a session channel on
// it, at most MaxSessions at once. A connection that drops is dialled again
// by the next call; the calls it cut report *transport.Unreachable.
type Conn struct {
	d   *Dialer
	t   *target
	sem chan struct{}

	mu     sync.Mutex
	cl     *ssh.Client
	sftp   *sftp.Client
	closed bool
}

// Platform reports a POSIX shell on Linux.
func (c *Conn) Platform() transport.Platform {
	return transport.Platform{Shell: transport.ShellPOSIX, OSFamily: "linux"}
}

// Close closes the connection.
func (c *Conn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	if c.sftp != nil {
		c.sftp.Close()
		c.sftp = nil
		<-c.sem
	}
	if c.cl != nil {
		err := c.cl.Close()
		c.cl = nil
		return err
	}
	return nil
}

func (c *Conn) unreachable(format string, args ...any) error {
	return &transport.Unreachable{Host: c.t.name, Err: fmt.Errorf(format, args...)}
}

// client returns the live client, dialling when there is none.
func (c *Conn) client(ctx context.Context) (*ssh.Client, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, c.unreachable("ssh: %s: connection closed", c.t.name)
	}
	if c.cl != nil {
		return c.cl, nil
	}
	cl, err := c.d.connect(ctx, c.t)
	if err != nil {
		return nil, &transport.Unreachable{Host: c.t.name, Err: err}
	}
	c.cl = cl
	go func() {
		cl.Wait()
		c.drop(cl)
	}()
	return cl, nil
}

// drop forgets cl (and its SFTP client) once it is broken.
func (c *Conn) drop(cl *ssh.Client) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cl != cl {
		return
	}
	cl.Close()
	c.cl = nil
	if c.sftp != nil {
		c.sftp.Close()
		c.sftp = nil
		<-c.sem
	}
}

// acquire takes a session slot.
func (c *Conn) acquire(ctx context.Context) error {
	select {
	case c.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *Conn) release() { <-c.sem }

// session opens a session channel, waiting and retrying while the server
// refuses channels (its MaxSessions is lower than ours). Opening has no
// timeout of its own: a slow server is waited for (the connect timeout
// bounds only establishing the connection, as Ansible's timeout), a dead
// one is found by the keepalives, which close the connection; ctx still
// cancels the wait.
func (c *Conn) session(ctx context.Context) (*ssh.Session, *ssh.Client, error) {
	delay := 10 * time.Millisecond
	for {
		cl, err := c.client(ctx)
		if err != nil {
			return nil, nil, err
		}
		s, err := openSession(ctx, cl)
		if err == nil {
			c.d.sessions.Add(1)
			return s, cl, nil
		}
		if ctx.Err() != nil {
			return nil, nil, fmt.Errorf("ssh: %s: opening a session: %w", c.t.name, ctx.Err())
		}
		var oce *ssh.OpenChannelError
		if !errors.As(err, &oce) {
			c.drop(cl)
			return nil, nil, c.unreachable("ssh: %s: opening a session: %w", c.t.name, err)
		}
		select {
		case <-ctx.Done():
			return nil, nil, fmt.Errorf("ssh: %s: server refused a session (%v): %w", c.t.name, oce, ctx.Err())
		case <-time.After(delay):
		}
		if delay < 500*time.Millisecond {
			delay *= 2
		}
	}
}

// openSession opens a session on cl, giving up when ctx ends (a session
// that opens after that is closed).
func openSession(ctx context.Context, cl *ssh.Client) (*ssh.Session, error) {
	if ctx.Done() == nil {
		return cl.NewSession()
	}
	type opened struct {
		s   *ssh.Session
		err error
	}
	ch := make(chan opened, 1)
	go func() {
		s, err := cl.NewSession()
		ch <- opened{s, err}
	}()
	select {
	case o := <-ch:
		return o.s, o.err
	case <-ctx.Done():
		go func() {
			if o := <-ch; o.s != nil {
				o.s.Close()
			}
		}()
		return nil, ctx.Err()
	}
}

// Run runs cmd in a new session. A non-zero exit is a Result; a broken
// connection is *transport.Unreachable; an escalation failure is a
// *become.Failure with the Result; a timeout or cancellation wraps the
// context's error.
func (c *Conn) Run(ctx context.Context, cmd transport.Command) (transport.Result, error) {
	if cmd.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cmd.Timeout)
		defer cancel()
	}
	script := prelude(cmd.Env, cmd.Dir) + cmd.Script
	inner, stdin := script, cmd.Stdin
	if len(script) > maxExecScript {
		if cmd.Stdin != nil || needsPTY(cmd.Become) {
			path, cleanup, err := c.stageScript(ctx, script, cmd.Become)
			if err != nil {
				return transport.Result{}, err
			}
			defer cleanup()
			inner = "/bin/sh " + shquote.POSIX(path)
		} else {
			inner, stdin = "exec /bin/sh -s", strings.NewReader(script)
		}
	}
	plan, err := become.Wrap(inner, c.escalation(cmd.Become))
	if err != nil {
		return transport.Result{}, err
	}
	if err := c.acquire(ctx); err != nil {
		return transport.Result{}, fmt.Errorf("ssh: %s: waiting for a session: %w", c.t.name, err)
	}
	defer c.release()
	return c.exec(ctx, plan, stdin)
}

func (c *Conn) exec(ctx context.Context, plan become.Plan, stdin io.Reader) (transport.Result, error) {
	s, cl, err := c.session(ctx)
	if err != nil {
		return transport.Result{}, err
	}
	defer s.Close()
	if plan.PTY {
		if err := s.RequestPty("xterm", 40, 200, ssh.TerminalModes{ssh.ECHO: 0}); err != nil {
			return transport.Result{}, c.unreachable("ssh: %s: requesting a pty: %w", c.t.name, err)
		}
	}
	in, err := s.StdinPipe()
	if err != nil {
		return transport.Result{}, c.unreachable("ssh: %s: %w", c.t.name, err)
	}
	ex := plan.Start(stdin, in)
	s.Stdout, s.Stderr = c.d.bufs.writer(ex.Stdout()), c.d.bufs.writer(ex.Stderr())
	if err := s.Start(plan.Command); err != nil {
		ex.Finish()
		c.drop(cl)
		return transport.Result{}, c.unreachable("ssh: %s: starting the command: %w", c.t.name, err)
	}
	waited := make(chan error, 1)
	go func() { waited <- s.Wait() }()
	select {
	case err = <-waited:
	case <-ctx.Done():
		s.Signal(ssh.SIGTERM)
		s.Close()
		select {
		case <-waited:
		case <-time.After(2 * time.Second):
		}
		ex.Finish()
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return transport.Result{}, fmt.Errorf("ssh: %s: command timed out: %w", c.t.name, ctx.Err())
		}
		return transport.Result{}, fmt.Errorf("ssh: %s: command cancelled: %w", c.t.name, ctx.Err())
	}
	stdout, stderr, berr := ex.Finish()
	res := transport.Result{Stdout: stdout, Stderr: stderr}
	var ee *ssh.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		res.ExitCode = ee.ExitStatus()
		if ee.Signal() != "" && res.ExitCode == 0 {
			res.ExitCode = 255
		}
	default:
		// No exit status: the connection broke (or the server killed the
		// session). Never report that as success.
		c.drop(cl)
		return res, c.unreachable("ssh: %s: connection lost during the command: %w", c.t.name, err)
	}
	if berr != nil {
		return res, berr
	}
	return res, nil
}

// escalation drops become when it would not change the user (become to the
// login user itself).
func (c *Conn) escalation(b transport.Become) transport.Become {
	if !b.Enabled {
		return b
	}
	u := b.User
	if u == "" {
		u = become.DefaultUser
	}
	if u == c.t.user {
		return transport.Become{}
	}
	return b
}

func needsPTY(b transport.Become) bool {
	return b.Enabled && b.Password != "" && (b.Method == "su" || b.Method == "doas")
}

// prelude exports env (sorted, for stable scripts) and changes directory.
func prelude(env map[string]string, dir string) string {
	var sb strings.Builder
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		sb.WriteString("export " + k + "=" + shquote.POSIX(env[k]) + "\n")
	}
	if dir != "" {
		sb.WriteString("cd -- " + shquote.POSIX(dir) + " || exit 1\n")
	}
	return sb.String()
}

// copyBufs lends the buffers that copy a session's output: x/crypto/ssh
// copies stdout and stderr with io.Copy, which otherwise allocates 32 KiB
// per stream per session (two thirds of the controller's allocations at
// 1,000 hosts, and the garbage collection they drive). The pooled buffers
// are 4 KiB: outputs are mostly small, and 1,000 hosts running at once
// hold 2,000 of them.
type copyBufs struct{ pool sync.Pool }

// writer wraps w so that io.Copy into it borrows a pooled buffer.
func (b *copyBufs) writer(w io.Writer) io.Writer { return pooledWriter{w: w, bufs: b} }

type pooledWriter struct {
	w    io.Writer
	bufs *copyBufs
}

func (p pooledWriter) Write(b []byte) (int, error) { return p.w.Write(b) }

// ReadFrom copies r to the writer until EOF, as io.Copy would, through a
// pooled buffer (the wrapper hides any ReaderFrom of the writer, so the
// buffer is always the one used).
func (p pooledWriter) ReadFrom(r io.Reader) (int64, error) {
	bp, _ := p.bufs.pool.Get().(*[]byte)
	if bp == nil {
		b := make([]byte, 4<<10)
		bp = &b
	}
	defer p.bufs.pool.Put(bp)
	return io.CopyBuffer(struct{ io.Writer }{p.w}, r, *bp)
}
