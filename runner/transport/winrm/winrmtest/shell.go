package winrmtest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"io"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// shell is one WinRS shell: its owner and its commands.
type shell struct {
	id       string
	owner    string
	env      []string
	dir      string
	mu       sync.Mutex
	commands map[string]*command
}

// command is one process started by a Command request.
type command struct {
	id    string
	proc  *exec.Cmd
	stdin io.WriteCloser

	mu       sync.Mutex
	changed  chan struct{} // closed and replaced whenever output or state changes
	stdout   bytes.Buffer
	stderr   bytes.Buffer
	done     bool
	exitCode int
	sentDone bool
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := strings.ToUpper(hex.EncodeToString(b[:]))
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// start runs proc and collects its output.
func startCommand(proc *exec.Cmd) (*command, error) {
	c := &command{id: newID(), proc: proc, changed: make(chan struct{})}
	proc.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdin, err := proc.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := proc.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := proc.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := proc.Start(); err != nil {
		return nil, err
	}
	c.stdin = stdin
	var wg sync.WaitGroup
	wg.Add(2)
	go c.pump(&wg, stdout, &c.stdout)
	go c.pump(&wg, stderr, &c.stderr)
	go func() {
		wg.Wait()
		err := proc.Wait()
		code := 0
		if err != nil {
			code = 1
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
				if code < 0 { // killed by a signal
					code = 1
				}
			}
		}
		c.mu.Lock()
		c.done, c.exitCode = true, code
		c.notifyLocked()
		c.mu.Unlock()
	}()
	return c, nil
}

func (c *command) pump(wg *sync.WaitGroup, r io.Reader, into *bytes.Buffer) {
	defer wg.Done()
	buf := make([]byte, 32*1024)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			c.mu.Lock()
			into.Write(buf[:n])
			c.notifyLocked()
			c.mu.Unlock()
		}
		if err != nil {
			return
		}
	}
}

func (c *command) notifyLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// send writes stdin data; end closes stdin.
func (c *command) send(data []byte, end bool) {
	if len(data) > 0 {
		_, _ = c.stdin.Write(data) // a process that exited early just loses its input
	}
	if end {
		_ = c.stdin.Close()
	}
}

// receiveResult is what one Receive returns.
type receiveResult struct {
	stdout, stderr []byte
	done           bool
	exitCode       int
}

// receive waits up to wait for output or completion and takes at most max
// bytes of output. ok is false on timeout with nothing to report.
func (c *command) receive(wait time.Duration, max int) (receiveResult, bool) {
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		if c.stdout.Len() > 0 || c.stderr.Len() > 0 || (c.done && !c.sentDone) {
			var r receiveResult
			n := min(c.stdout.Len(), max)
			r.stdout = append([]byte(nil), c.stdout.Next(n)...)
			n = min(c.stderr.Len(), max-n)
			r.stderr = append([]byte(nil), c.stderr.Next(n)...)
			if c.done && c.stdout.Len() == 0 && c.stderr.Len() == 0 {
				r.done, r.exitCode = true, c.exitCode
				c.sentDone = true
			}
			c.mu.Unlock()
			return r, true
		}
		ch := c.changed
		c.mu.Unlock()
		select {
		case <-ch:
		case <-deadline.C:
			return receiveResult{}, false
		}
	}
}

// kill terminates the process group of a running command.
func (c *command) kill() {
	c.mu.Lock()
	done := c.done
	c.mu.Unlock()
	if !done && c.proc.Process != nil {
		_ = syscall.Kill(-c.proc.Process.Pid, syscall.SIGKILL)
	}
	_ = c.stdin.Close()
}
