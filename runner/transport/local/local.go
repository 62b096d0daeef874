// Package local is the transport for ansible_connection=local: commands run
// as processes on the controller itself.
package local

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/swarmbook/swarmbook/modules/shquote"
	"github.com/swarmbook/swarmbook/runner/transport"
	"github.com/swarmbook/swarmbook/runner/transport/become"
)

// longScript is the size above which a script is staged in a temporary file
// instead of being passed as one argument (Linux caps one argument at 128 KiB).
const longScript = 64 << 10

// Dialer opens local connections.
type Dialer struct{}

// Dial returns a Conn running commands on this machine.
func (Dialer) Dial(ctx context.Context, ep transport.Endpoint) (transport.Conn, error) {
	c := &Conn{host: ep.Name}
	if u, err := user.Current(); err == nil {
		c.user = u.Username
	}
	return c, nil
}

// Conn runs commands as local processes, each in its own process group.
type Conn struct {
	host string
	user string // the controller's user, to skip become to oneself
}

// Platform reports a POSIX host of the controller's OS.
func (c *Conn) Platform() transport.Platform {
	return transport.Platform{Shell: transport.ShellPOSIX, OSFamily: runtime.GOOS}
}

// Close does nothing: there is no connection to close.
func (c *Conn) Close() error { return nil }

// needsBecome reports whether b asks for a user other than the current one.
func (c *Conn) needsBecome(b transport.Become) bool {
	if !b.Enabled {
		return false
	}
	target := b.User
	if target == "" {
		target = become.DefaultUser
	}
	return target != c.user
}

// Run runs cmd.Script with /bin/sh. The environment and working directory
// are applied inside the script, so they survive privilege escalation.
func (c *Conn) Run(ctx context.Context, cmd transport.Command) (transport.Result, error) {
	if cmd.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cmd.Timeout)
		defer cancel()
	}
	script, err := prelude(cmd.Env, cmd.Dir)
	if err != nil {
		return transport.Result{}, err
	}
	script += cmd.Script
	if len(script) > longScript {
		f, err := os.CreateTemp("", "swarmbook-script-*.sh")
		if err != nil {
			return transport.Result{}, fmt.Errorf("local: stage script: %w", err)
		}
		defer os.Remove(f.Name())
		_, werr := f.WriteString(script)
		cerr := f.Close()
		if err := errors.Join(werr, cerr, os.Chmod(f.Name(), 0o644)); err != nil {
			return transport.Result{}, fmt.Errorf("local: stage script: %w", err)
		}
		script = "/bin/sh " + shquote.POSIX(f.Name())
	}

	line := script
	var plan become.Plan
	wrapped := c.needsBecome(cmd.Become)
	if wrapped {
		plan, err = become.Wrap(script, cmd.Become)
		if err != nil {
			return transport.Result{}, err
		}
		if plan.PTY {
			return transport.Result{}, fmt.Errorf("local: become method %s with a password needs a terminal, which the local connection does not provide", plan.Method)
		}
		line = plan.Command
	}

	p := exec.Command("/bin/sh", "-c", line)
	p.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// A background child keeping our pipes open must not hang the run.
	p.WaitDelay = 2 * time.Second
	var stdout, stderr bytes.Buffer
	var ex *become.Exchange
	if wrapped {
		in, err := p.StdinPipe()
		if err != nil {
			return transport.Result{}, fmt.Errorf("local: %w", err)
		}
		ex = plan.Start(cmd.Stdin, in)
		p.Stdout, p.Stderr = ex.Stdout(), ex.Stderr()
	} else {
		p.Stdin = cmd.Stdin
		p.Stdout, p.Stderr = &stdout, &stderr
	}
	if err := p.Start(); err != nil {
		return transport.Result{}, &transport.Unreachable{Host: c.host, Err: fmt.Errorf("local: start /bin/sh: %w", err)}
	}
	waitErr := wait(ctx, p)
	res := transport.Result{}
	if ex != nil {
		var ferr error
		res.Stdout, res.Stderr, ferr = ex.Finish()
		if ferr != nil && ctx.Err() == nil {
			return res, ferr
		}
	} else {
		res.Stdout, res.Stderr = stdout.Bytes(), stderr.Bytes()
	}
	if ctx.Err() != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) && cmd.Timeout > 0 {
			return res, fmt.Errorf("local: command timed out after %s", cmd.Timeout)
		}
		return res, fmt.Errorf("local: command interrupted: %w", ctx.Err())
	}
	var exitErr *exec.ExitError
	switch {
	case waitErr == nil:
	case errors.As(waitErr, &exitErr):
		res.ExitCode = exitErr.ExitCode()
		if st, ok := exitErr.Sys().(syscall.WaitStatus); ok && st.Signaled() {
			res.ExitCode = -int(st.Signal())
		}
	default:
		return res, &transport.Unreachable{Host: c.host, Err: fmt.Errorf("local: %w", waitErr)}
	}
	return res, nil
}

// wait waits for p, killing its whole process group when ctx ends.
func wait(ctx context.Context, p *exec.Cmd) error {
	done := make(chan error, 1)
	go func() { done <- p.Wait() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		_ = syscall.Kill(-p.Process.Pid, syscall.SIGKILL)
		select {
		case err := <-done:
			return err
		case <-time.After(5 * time.Second):
			// A grandchild outside the group still holds our pipes.
			return ctx.Err()
		}
	}
}

// prelude exports env and changes to dir, as lines put before a script.
func prelude(env map[string]string, dir string) (string, error) {
	var b strings.Builder
	keys := make([]string, 0, len(env))
	for k := range env {
		if !validName(k) {
			return "", fmt.Errorf("local: invalid environment variable name %q", k)
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b.WriteString("export " + k + "=" + shquote.POSIX(env[k]) + "\n")
	}
	if dir != "" {
		b.WriteString("cd -- " + shquote.POSIX(dir) + " || exit 1\n")
	}
	return b.String(), nil
}

func validName(k string) bool {
	if k == "" {
		return false
	}
	for i, r := range k {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// Put writes src to dst atomically: a temporary file in dst's directory,
// chmod, then rename. Under become (to another user) the file is written
// by a command running as that user.
func (c *Conn) Put(ctx context.Context, dst string, src io.Reader, mode fs.FileMode, b transport.Become) error {
	if mode == 0 {
		mode = 0o644
	}
	if c.needsBecome(b) {
		q := shquote.POSIX(dst)
		script := "umask 077; t=$(mktemp " + shquote.POSIX(dst+".swarmbook-XXXXXX") + ") || exit 1\n" +
			"cat > \"$t\" && chmod " + fmt.Sprintf("%o", unixMode(mode)) + " \"$t\" && mv -f -- \"$t\" " + q +
			" || { rc=$?; rm -f -- \"$t\"; exit $rc; }\n"
		res, err := c.Run(ctx, transport.Command{Script: script, Stdin: src, Become: b})
		if err != nil {
			return err
		}
		if res.ExitCode != 0 {
			return fmt.Errorf("local: write %s: %s", dst, strings.TrimSpace(string(res.Stderr)))
		}
		return nil
	}
	f, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".swarmbook-*")
	if err != nil {
		return fmt.Errorf("local: write %s: %w", dst, err)
	}
	tmp := f.Name()
	_, cerr := io.Copy(f, src)
	err = errors.Join(cerr, f.Sync(), f.Close(), os.Chmod(tmp, mode))
	if err == nil {
		err = os.Rename(tmp, dst)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("local: write %s: %w", dst, err)
	}
	return nil
}

// unixMode converts Go's mode bits to the octal st_mode permission bits.
func unixMode(m fs.FileMode) uint32 {
	u := uint32(m.Perm())
	if m&fs.ModeSetuid != 0 {
		u |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		u |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		u |= 0o1000
	}
	return u
}

// Get copies the file src into dst.
func (c *Conn) Get(ctx context.Context, src string, dst io.Writer, b transport.Become) error {
	if c.needsBecome(b) {
		res, err := c.Run(ctx, transport.Command{Script: "cat -- " + shquote.POSIX(src), Become: b})
		if err != nil {
			return err
		}
		if res.ExitCode != 0 {
			return fmt.Errorf("local: read %s: %s", src, strings.TrimSpace(string(res.Stderr)))
		}
		_, err = dst.Write(res.Stdout)
		return err
	}
	f, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("local: %w", err)
	}
	defer f.Close()
	if _, err := io.Copy(dst, f); err != nil {
		return fmt.Errorf("local: read %s: %w", src, err)
	}
	return nil
}
