package lab

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// vagrantLine is one line of `vagrant --machine-readable` output: timestamp,target,type,data...
type vagrantLine struct {
	Target string   // machine name, empty for global lines
	Type   string   // ui, action, state, error-exit, metadata, ...
	Data   []string // the remaining fields, unescaped
}

// parseVagrantLine splits one machine-readable line. ok is false for lines that are not in that format.
func parseVagrantLine(s string) (vagrantLine, bool) {
	f := strings.Split(strings.TrimRight(s, "\r\n"), ",")
	if len(f) < 3 {
		return vagrantLine{}, false
	}
	if _, err := strconv.ParseInt(f[0], 10, 64); err != nil {
		return vagrantLine{}, false
	}
	l := vagrantLine{Target: f[1], Type: f[2]}
	for _, d := range f[3:] {
		l.Data = append(l.Data, unescapeVagrant(d))
	}
	return l, true
}

var vagrantUnescaper = strings.NewReplacer(`%!(VAGRANT_COMMA)`, ",", `\n`, "\n", `\r`, "\r")

func unescapeVagrant(s string) string { return vagrantUnescaper.Replace(s) }

// vagrant runs `vagrant --machine-readable args...` in the lab directory. Every parsed line goes to
// onLine (when set); ui lines are also written, readable, to the lab log. The error of a failed run carries
// vagrant's own error message (error-exit line) or the tail of its stderr.
func (o Options) vagrant(ctx context.Context, onLine func(vagrantLine), args ...string) error {
	cmd := exec.CommandContext(ctx, "vagrant", append([]string{"--machine-readable"}, args...)...)
	cmd.Dir = o.Dir
	cmd.Env = o.vagrantEnv()
	// Interrupt rather than kill, so vagrant can release its locks; then give it a moment.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGINT) }
	cmd.WaitDelay = 20 * time.Second
	var stderr tailBuffer
	cmd.Stderr = io.MultiWriter(&stderr, o.log())
	out, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("vagrant %s: %w", args[0], err)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("vagrant %s: %w", args[0], err)
	}
	var exitMsg string
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	for sc.Scan() {
		l, ok := parseVagrantLine(sc.Text())
		if !ok {
			fmt.Fprintln(o.log(), sc.Text())
			continue
		}
		switch l.Type {
		case "ui":
			if len(l.Data) >= 2 {
				fmt.Fprintln(o.log(), strings.TrimRight(l.Data[1], "\n"))
			}
		case "error-exit":
			if len(l.Data) >= 2 {
				exitMsg = strings.TrimSpace(l.Data[1])
			}
		}
		if onLine != nil {
			onLine(l)
		}
	}
	_, _ = io.Copy(io.Discard, out)
	err = cmd.Wait()
	if ctx.Err() != nil {
		return fmt.Errorf("vagrant %s: %w", args[0], ctx.Err())
	}
	if err != nil {
		msg := exitMsg
		if msg == "" {
			msg = strings.TrimSpace(stderr.String())
		}
		if msg == "" {
			return fmt.Errorf("vagrant %s: %w", args[0], err)
		}
		return fmt.Errorf("vagrant %s: %w: %s", args[0], err, msg)
	}
	return nil
}

// vagrantEnv is the environment of every vagrant call: no update checks (no network beyond the lab),
// the docker provider, and the lab's size and image for the Vagrantfile.
func (o Options) vagrantEnv() []string {
	env := append(os.Environ(),
		"VAGRANT_CHECKPOINT_DISABLE=1",
		"VAGRANT_BOX_UPDATE_CHECK_DISABLE=1",
		"VAGRANT_DEFAULT_PROVIDER=docker",
		"VAGRANT_NO_COLOR=1",
		"SWARMBOOK_MANAGERS="+strconv.Itoa(o.Managers),
		"SWARMBOOK_WORKERS="+strconv.Itoa(o.Workers),
		"SWARMBOOK_LAB_PREFIX="+o.Prefix,
	)
	if o.Image != "" {
		env = append(env, "SWARMBOOK_IMAGE="+o.Image)
	}
	return append(env, o.Env...)
}

// tailBuffer keeps the last 4 KiB written to it.
type tailBuffer struct{ b []byte }

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if over := len(t.b) - 4096; over > 0 {
		t.b = t.b[over:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string { return string(t.b) }

// command runs a short external command in the lab directory and returns its stdout. The error names
// the command and carries the tail of its stderr.
func (o Options) command(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = o.Dir
	cmd.Env = append(os.Environ(), o.Env...)
	var stdout bytes.Buffer
	var stderr tailBuffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	err := cmd.Run()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && stderr.String() != "" {
			return stdout.Bytes(), fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
		}
		return stdout.Bytes(), fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	return stdout.Bytes(), nil
}

// multiWriter is io.MultiWriter that ignores a nil second writer.
func multiWriter(w io.Writer, also io.Writer) io.Writer {
	if also == nil {
		return w
	}
	return io.MultiWriter(w, also)
}
