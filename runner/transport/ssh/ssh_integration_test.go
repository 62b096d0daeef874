package ssh

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/swarmbook/swarmbook/runner/transport"
	"github.com/swarmbook/swarmbook/runner/transport/become"
	"github.com/swarmbook/swarmbook/runner/transport/sshdtest"
)

func noEnv(string) (string, bool) { return "", false }

// dialerFor returns a Dialer using set's ssh_config and an isolated home.
func dialerFor(t testing.TB, set *sshdtest.Set, opts Options) *Dialer {
	if opts.SSHConfigFile == "" {
		opts.SSHConfigFile = set.SSHConfigFile
	}
	opts.Home = t.TempDir()
	opts.Getenv = noEnv
	opts.RetryDelay = 50 * time.Millisecond
	return NewDialer(opts)
}

func dial(t testing.TB, d *Dialer, name string, vars map[string]any) *Conn {
	t.Helper()
	c, err := d.Dial(context.Background(), transport.Endpoint{Name: name, Vars: vars})
	if err != nil {
		t.Fatalf("dial %s: %v", name, err)
	}
	t.Cleanup(func() { c.Close() })
	return c.(*Conn)
}

func run(t testing.TB, c *Conn, cmd transport.Command) transport.Result {
	t.Helper()
	r, err := c.Run(context.Background(), cmd)
	if err != nil {
		t.Fatalf("run %q: %v", cmd.Script, err)
	}
	return r
}

func TestRun(t *testing.T) {
	set := sshdtest.Start(t, 1, sshdtest.Options{})
	// The cases compare stderr: log in as a /bin/sh account, not as root,
	// whose ~/.bashrc (pyenv here) may write to stderr.
	login := sshdtest.AddUser(t, sshdtest.UserOptions{})
	d := dialerFor(t, set, Options{SSHConfigFile: set.SSHConfigFor(t, login)})
	c := dial(t, d, "h0", nil)
	u, err := user.Lookup(login)
	if err != nil {
		t.Fatal(err)
	}
	dir := u.HomeDir
	cases := []struct {
		name           string
		cmd            transport.Command
		code           int
		stdout, stderr string
	}{
		{"stdout", transport.Command{Script: "echo hello"}, 0, "hello\n", ""},
		{"exit code and stderr", transport.Command{Script: "echo oops >&2; exit 3"}, 3, "", "oops\n"},
		{"stdin", transport.Command{Script: "tr a-z A-Z", Stdin: strings.NewReader("abc\n")}, 0, "ABC\n", ""},
		{"env", transport.Command{Script: `printf '%s|%s' "$A" "$B"`, Env: map[string]string{"A": "it's", "B": "$x y"}}, 0, "it's|$x y", ""},
		{"dir", transport.Command{Script: "pwd", Dir: dir}, 0, dir + "\n", ""},
		{"missing dir", transport.Command{Script: "pwd", Dir: "/nonexistent/x"}, 1, "", ""},
		{"quotes", transport.Command{Script: `echo "a'b" '"c"'`}, 0, "a'b \"c\"\n", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, c, tc.cmd)
			if r.ExitCode != tc.code || string(r.Stdout) != tc.stdout || (tc.stderr != "" && string(r.Stderr) != tc.stderr) {
				t.Errorf("got code %d stdout %q stderr %q; want %d %q %q", r.ExitCode, r.Stdout, r.Stderr, tc.code, tc.stdout, tc.stderr)
			}
		})
	}
	if p := c.Platform(); p.Shell != transport.ShellPOSIX || p.OSFamily != "linux" {
		t.Errorf("platform %+v", p)
	}
}

func TestLongScript(t *testing.T) {
	set := sshdtest.Start(t, 1, sshdtest.Options{})
	c := dial(t, dialerFor(t, set, Options{}), "h0", nil)
	var sb strings.Builder
	for sb.Len() < 1<<20 {
		sb.WriteString(": padding line to make the script long enough to exceed exec limits\n")
	}
	script := sb.String() + "echo done-$X\n"
	r := run(t, c, transport.Command{Script: script, Env: map[string]string{"X": "1"}})
	if string(r.Stdout) != "done-1\n" || r.ExitCode != 0 {
		t.Fatalf("stdin delivery: %d %q %q", r.ExitCode, r.Stdout, r.Stderr)
	}
	r = run(t, c, transport.Command{Script: script + "cat\n", Stdin: strings.NewReader("input")})
	if string(r.Stdout) != "done-\ninput" || r.ExitCode != 0 {
		t.Fatalf("staged delivery: %d %q %q", r.ExitCode, r.Stdout, r.Stderr)
	}
}

func TestTimeout(t *testing.T) {
	set := sshdtest.Start(t, 1, sshdtest.Options{})
	c := dial(t, dialerFor(t, set, Options{}), "h0", nil)
	start := time.Now()
	_, err := c.Run(context.Background(), transport.Command{Script: "sleep 30", Timeout: 300 * time.Millisecond})
	if !errors.Is(err, context.DeadlineExceeded) || transport.IsUnreachable(err) {
		t.Fatalf("err = %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("timeout took %v", time.Since(start))
	}
	if r := run(t, c, transport.Command{Script: "echo ok"}); string(r.Stdout) != "ok\n" {
		t.Fatalf("after timeout: %q", r.Stdout)
	}
}

func TestOneConnectionManyCommands(t *testing.T) {
	set := sshdtest.Start(t, 2, sshdtest.Options{MaxSessions: 4})
	d := dialerFor(t, set, Options{MaxSessions: 4})
	conns := []*Conn{dial(t, d, "h0", nil), dial(t, d, "h1", nil)}
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for _, c := range conns {
		for i := 0; i < 50; i++ {
			wg.Add(1)
			go func(c *Conn, i int) {
				defer wg.Done()
				r, err := c.Run(context.Background(), transport.Command{Script: fmt.Sprintf("sleep 0.05; echo %d", i)})
				if err != nil || string(r.Stdout) != fmt.Sprintf("%d\n", i) {
					errs <- fmt.Errorf("cmd %d: %v %q %q", i, err, r.Stdout, r.Stderr)
				}
			}(c, i)
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if s := d.Stats(); s.Dials != 2 || s.Sessions != 100 {
		t.Errorf("stats %+v, want 2 dials and 100 sessions", s)
	}
	for _, srv := range set.Servers {
		if n := srv.CountLog("Connection from"); n != 1 {
			t.Errorf("%s: %d TCP connections in the sshd log, want 1", srv.Alias, n)
		}
		if n := srv.CountLog("Starting session: command"); n != 50 {
			t.Errorf("%s: %d sessions in the sshd log, want 50", srv.Alias, n)
		}
	}
}

func TestServerMaxSessionsLowerThanOurs(t *testing.T) {
	set := sshdtest.Start(t, 1, sshdtest.Options{MaxSessions: 2})
	d := dialerFor(t, set, Options{MaxSessions: 8})
	c := dial(t, d, "h0", nil)
	var wg sync.WaitGroup
	for i := 0; i < 12; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			r, err := c.Run(ctx, transport.Command{Script: "sleep 0.1; echo ok"})
			if err != nil || string(r.Stdout) != "ok\n" {
				t.Errorf("run: %v %q", err, r.Stdout)
			}
		}()
	}
	wg.Wait()
}

func TestPutGet(t *testing.T) {
	set := sshdtest.Start(t, 1, sshdtest.Options{})
	d := dialerFor(t, set, Options{})
	c := dial(t, d, "h0", nil)
	dir := t.TempDir()
	data := make([]byte, 5<<20)
	rand.Read(data)
	dst := filepath.Join(dir, "big.bin")
	if err := c.Put(context.Background(), dst, bytes.NewReader(data), 0o640, transport.Become{}); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(dst)
	if err != nil || st.Mode().Perm() != 0o640 || st.Size() != int64(len(data)) {
		t.Fatalf("stat %v %v", st, err)
	}
	var got bytes.Buffer
	if err := c.Get(context.Background(), dst, &got, transport.Become{}); err != nil {
		t.Fatal(err)
	}
	if sha256.Sum256(got.Bytes()) != sha256.Sum256(data) {
		t.Fatal("checksum differs after round trip")
	}
	// Overwrite atomically, no temporary files left.
	if err := c.Put(context.Background(), dst, strings.NewReader("small"), 0o600, transport.Become{}); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("directory holds %d entries", len(ents))
	}
	if b, _ := os.ReadFile(dst); string(b) != "small" {
		t.Errorf("content %q", b)
	}
	if err := c.Get(context.Background(), filepath.Join(dir, "missing"), &got, transport.Become{}); err == nil || transport.IsUnreachable(err) {
		t.Errorf("missing file: %v", err)
	}
	if err := c.Put(context.Background(), "/nonexistent/dir/f", strings.NewReader("x"), 0o600, transport.Become{}); err == nil || transport.IsUnreachable(err) {
		t.Errorf("missing dir: %v", err)
	}
	if s := d.Stats(); s.Dials != 1 {
		t.Errorf("stats %+v", s)
	}
	if n := set.Servers[0].CountLog("subsystem 'sftp'"); n != 1 {
		t.Errorf("sftp opened %d times, want 1", n)
	}
}

var _ = become.DefaultUser
