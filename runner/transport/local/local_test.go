package local

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/swarmbook/swarmbook/runner/transport"
)

func dial(t *testing.T) transport.Conn {
	t.Helper()
	c, err := Dialer{}.Dial(context.Background(), transport.Endpoint{Name: "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestRun(t *testing.T) {
	c := dial(t)
	dir := t.TempDir()
	long := "echo " + strings.Repeat("x", 200<<10) + " | wc -c"
	cases := []struct {
		name        string
		cmd         transport.Command
		rc          int
		out, errOut string
	}{
		{name: "stdout", cmd: transport.Command{Script: "echo hello"}, out: "hello\n"},
		{name: "stderr and rc", cmd: transport.Command{Script: "echo oops >&2; exit 3"}, rc: 3, errOut: "oops\n"},
		{name: "env", cmd: transport.Command{Script: `printf %s "$FOO"`, Env: map[string]string{"FOO": "a 'b' $c"}}, out: "a 'b' $c"},
		{name: "dir", cmd: transport.Command{Script: "pwd", Dir: dir}, out: dir + "\n"},
		{name: "missing dir", cmd: transport.Command{Script: "pwd", Dir: dir + "/nope"}, rc: 1},
		{name: "stdin", cmd: transport.Command{Script: "cat", Stdin: strings.NewReader("in put")}, out: "in put"},
		{name: "long script", cmd: transport.Command{Script: long}, out: "204801\n"},
		{name: "signal", cmd: transport.Command{Script: "kill -TERM $$"}, rc: -15},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := c.Run(context.Background(), tc.cmd)
			if err != nil {
				t.Fatal(err)
			}
			if res.ExitCode != tc.rc {
				t.Errorf("rc = %d, want %d (stderr %q)", res.ExitCode, tc.rc, res.Stderr)
			}
			if tc.out != "" && strings.TrimLeft(string(res.Stdout), " ") != tc.out {
				t.Errorf("stdout = %q, want %q", res.Stdout, tc.out)
			}
			if tc.errOut != "" && string(res.Stderr) != tc.errOut {
				t.Errorf("stderr = %q, want %q", res.Stderr, tc.errOut)
			}
		})
	}
}

func TestRunTimeoutKillsGroup(t *testing.T) {
	c := dial(t)
	marker := filepath.Join(t.TempDir(), "late")
	start := time.Now()
	_, err := c.Run(context.Background(), transport.Command{
		Script:  "(sleep 2; touch " + marker + ") & sleep 30",
		Timeout: 300 * time.Millisecond,
	})
	if err == nil || !strings.Contains(err.Error(), "timed out") {
		t.Fatalf("err = %v", err)
	}
	if transport.IsUnreachable(err) {
		t.Error("a timeout is not a transport failure")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s", d)
	}
	time.Sleep(2500 * time.Millisecond)
	if _, err := os.Stat(marker); err == nil {
		t.Error("background child survived the kill")
	}
}

func TestRunContextCancel(t *testing.T) {
	c := dial(t)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(200 * time.Millisecond); cancel() }()
	_, err := c.Run(ctx, transport.Command{Script: "sleep 30"})
	if err == nil {
		t.Fatal("no error after cancel")
	}
}

func TestRunInvalidEnvName(t *testing.T) {
	c := dial(t)
	if _, err := c.Run(context.Background(), transport.Command{Script: "true", Env: map[string]string{"A;rm": "x"}}); err == nil {
		t.Fatal("invalid env name accepted")
	}
}

func TestPutGet(t *testing.T) {
	c := dial(t)
	dst := filepath.Join(t.TempDir(), "f.txt")
	for _, content := range []string{"first", "second version"} {
		if err := c.Put(context.Background(), dst, strings.NewReader(content), 0o640, transport.Become{}); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := c.Get(context.Background(), dst, &buf, transport.Become{}); err != nil {
			t.Fatal(err)
		}
		if buf.String() != content {
			t.Errorf("got %q, want %q", buf.String(), content)
		}
	}
	st, err := os.Stat(dst)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o640 {
		t.Errorf("mode = %o", st.Mode().Perm())
	}
	entries, _ := os.ReadDir(filepath.Dir(dst))
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
	if err := c.Put(context.Background(), "/nonexistent-dir/x", strings.NewReader("x"), 0o644, transport.Become{}); err == nil {
		t.Error("put into a missing directory succeeded")
	}
	if err := c.Get(context.Background(), "/nonexistent-file", &bytes.Buffer{}, transport.Become{}); err == nil {
		t.Error("get of a missing file succeeded")
	}
}

func TestBecomeToSelfRunsDirectly(t *testing.T) {
	u, err := user.Current()
	if err != nil {
		t.Skip(err)
	}
	c := dial(t)
	res, err := c.Run(context.Background(), transport.Command{
		Script: "id -un", Become: transport.Become{Enabled: true, User: u.Username, Method: "nosuchmethod"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(string(res.Stdout)) != u.Username {
		t.Errorf("stdout = %q", res.Stdout)
	}
}

func TestBecomeOtherUserIsWrapped(t *testing.T) {
	c := dial(t)
	_, err := c.Run(context.Background(), transport.Command{
		Script: "true", Become: transport.Become{Enabled: true, User: "nobody-else-xyz", Method: "nosuchmethod"},
	})
	if err == nil || !strings.Contains(err.Error(), "nosuchmethod") {
		t.Fatalf("err = %v", err)
	}
}

func TestBecomeSudoNobody(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to sudo without a password")
	}
	if _, err := exec.LookPath("sudo"); err != nil {
		t.Skip("sudo not installed")
	}
	c := dial(t)
	b := transport.Become{Enabled: true, User: "nobody"}
	res, err := c.Run(context.Background(), transport.Command{Script: "id -un; cat", Stdin: strings.NewReader("fed"), Become: b})
	if err != nil {
		t.Fatal(err)
	}
	if string(res.Stdout) != "nobody\nfed" {
		t.Errorf("stdout = %q", res.Stdout)
	}
	shared, err := os.MkdirTemp("", "swarmbook-become-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(shared) })
	os.Chmod(shared, 0o777)
	dst := filepath.Join(shared, "owned")
	if err := c.Put(context.Background(), dst, strings.NewReader("data"), 0o600, b); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := c.Get(context.Background(), dst, &buf, b); err != nil || buf.String() != "data" {
		t.Fatalf("get: %q %v", buf.String(), err)
	}
	u, _ := user.Lookup("nobody")
	st, _ := os.Stat(dst)
	if fmt.Sprint(st.Sys().(*syscall.Stat_t).Uid) != u.Uid {
		t.Errorf("file not owned by nobody")
	}
}
