package ssh

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/swarmbook/swarmbook/runner/transport"
	"github.com/swarmbook/swarmbook/runner/transport/pwsh"
	"github.com/swarmbook/swarmbook/runner/transport/sshdtest"
	"github.com/swarmbook/swarmbook/runner/transport/winrm/winrmtest"
)

// The tests below run against a real sshd whose `powershell.exe` is the
// winrmtest PowerShell stand-in (this test binary re-executed, running a
// documented subset of PowerShell). They prove what travels over SSH
// (command line, framed stdin, exit codes, stdout, CLIXML stderr, chunked
// files) and how many connections are used; they do not prove PowerShell
// or Windows OpenSSH semantics.

func TestMain(m *testing.M) {
	winrmtest.StandInMain()
	os.Exit(m.Run())
}

// psLab is one sshd whose PATH starts with a powershell.exe stand-in,
// and a throw-away login account (login shell /bin/sh) that owns the
// stand-in's file system.
type psLab struct {
	set  *sshdtest.Set
	user string
	root string // the stand-in's Windows file system (C:\x is root/C/x)
	bin  string // directory holding powershell.exe and the stand-in binary
}

func startPSLab(t testing.TB) *psLab {
	t.Helper()
	l := &psLab{user: sshdtest.AddUser(t, sshdtest.UserOptions{})}
	home := filepath.Join("/home", l.user)
	l.root, l.bin = filepath.Join(home, "root"), filepath.Join(home, "bin")
	// The account runs a copy of this test binary as the stand-in.
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(l.root, "C", "Temp"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(l.bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("cp", exe, filepath.Join(l.bin, "standin")).CombinedOutput(); err != nil {
		t.Fatalf("copying the stand-in: %v: %s", err, out)
	}
	if err := winrmtest.WriteStandInCommand(filepath.Join(l.bin, "powershell.exe"), filepath.Join(l.bin, "standin"), l.root); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("chown", "-R", l.user, home).CombinedOutput(); err != nil {
		t.Fatalf("chown: %v: %s", err, out)
	}
	l.set = sshdtest.Start(t, 1, sshdtest.Options{Extra: "SetEnv PATH=" + l.bin + ":/usr/bin:/bin"})
	return l
}

func (l *psLab) dial(t testing.TB, vars map[string]any) transport.Conn {
	t.Helper()
	v := map[string]any{"ansible_shell_type": "powershell", "ansible_user": l.user}
	for k, x := range vars {
		v[k] = x
	}
	c, err := dialerFor(t, l.set, Options{}).Dial(context.Background(), transport.Endpoint{Name: "h0", Vars: v})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func psRun(t testing.TB, c transport.Conn, cmd transport.Command) transport.Result {
	t.Helper()
	r, err := c.Run(context.Background(), cmd)
	if err != nil {
		t.Fatalf("run %q: %v", cmd.Script, err)
	}
	return r
}

func psDigest(script string) string {
	sum := sha256.Sum256([]byte(script))
	return fmt.Sprintf("length=%d sha256=%s\r\n", len(script), hex.EncodeToString(sum[:]))
}

func TestPowerShellOverSSHRun(t *testing.T) {
	l := startPSLab(t)
	c := l.dial(t, nil)
	if p := c.Platform(); p.Shell != transport.ShellPowerShell || p.OSFamily != "windows" {
		t.Fatalf("platform %+v", p)
	}
	envCmd := transport.Command{
		Script: "#standin:digest\nWrite-Output $env:GREETING\n",
		Env:    map[string]string{"GREETING": "it's 'quoted' $x `y"},
		Dir:    `C:\it's dir`,
	}
	cases := []struct {
		name           string
		cmd            transport.Command
		rc             int
		stdout, stderr string
	}{
		{"stdout and exit code", transport.Command{Script: "Write-Output 'héllo ✓'\nexit 3\n"}, 3, "héllo ✓\r\n", ""},
		{"exit zero", transport.Command{Script: "exit 0\n"}, 0, "", ""},
		{"CLIXML stderr decoded", transport.Command{Script: "Write-Error 'disk <C:> is full & \"gone\"'\n"}, 1, "", "disk <C:> is full & \"gone\"\r\n"},
		{"plain stderr kept", transport.Command{Script: "[Console]::Error.WriteLine('plain')\n"}, 0, "", "plain\r\n"},
		{"pipeline input", transport.Command{Script: "$input | Write-Output\n", Stdin: strings.NewReader("line1\nüñí\n")}, 0, "line1\nüñí\n", ""},
		// The stand-in receives the prelude ($env:, Set-Location) before
		// the script: its digest covers exactly pwsh.Prelude + script.
		{"env and dir", envCmd, 0, psDigest(pwsh.Prelude(envCmd)+envCmd.Script) + "it's 'quoted' $x `y\r\n", ""},
		{"outside the stand-in's subset", transport.Command{Script: "Get-Unknown-Thing\n"}, 99, "", "stand-in: statement outside the supported subset: Get-Unknown-Thing\r\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := psRun(t, c, tc.cmd)
			if r.ExitCode != tc.rc || string(r.Stdout) != tc.stdout || string(r.Stderr) != tc.stderr {
				t.Fatalf("rc=%d stdout=%q stderr=%q; want rc=%d stdout=%q stderr=%q", r.ExitCode, r.Stdout, r.Stderr, tc.rc, tc.stdout, tc.stderr)
			}
		})
	}
	if !strings.Contains(pwsh.Prelude(envCmd), "Set-Location -LiteralPath 'C:\\it''s dir'\n") {
		t.Fatal("prelude lacks the Set-Location line")
	}
}

func TestPowerShellOverSSHLongScriptIntact(t *testing.T) {
	l := startPSLab(t)
	c := l.dial(t, nil)
	var b strings.Builder
	b.WriteString("#standin:digest\n")
	for b.Len() < 250000 {
		b.WriteString("# ünïcode padding line that makes the script long — 0123456789\n")
	}
	b.WriteString("Write-Output 'end'\n")
	script := b.String()
	r := psRun(t, c, transport.Command{Script: script})
	if r.ExitCode != 0 || string(r.Stdout) != psDigest(script)+"end\r\n" {
		t.Fatalf("long script: rc=%d stdout=%q stderr=%q", r.ExitCode, r.Stdout, r.Stderr)
	}
}

// TestPowerShellOverSSHFilesOneConnection uploads and downloads a
// multi-megabyte file and runs many commands, all on one TCP connection.
func TestPowerShellOverSSHFilesOneConnection(t *testing.T) {
	l := startPSLab(t)
	c := l.dial(t, nil)
	ctx := context.Background()
	data := make([]byte, 5<<20+123)
	_, _ = rand.Read(data)
	start := time.Now()
	if err := c.Put(ctx, `C:\Temp\blob.bin`, bytes.NewReader(data), 0o644, transport.Become{}); err != nil {
		t.Fatal(err)
	}
	putTime := time.Since(start)
	got, err := os.ReadFile(filepath.Join(l.root, "C", "Temp", "blob.bin"))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("uploaded file differs (err=%v, %d bytes)", err, len(got))
	}
	if left, _ := filepath.Glob(filepath.Join(l.root, "C", "Temp", "*.tmp")); len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
	start = time.Now()
	var back bytes.Buffer
	if err := c.Get(ctx, `C:\Temp\blob.bin`, &back, transport.Become{}); err != nil {
		t.Fatal(err)
	}
	getTime := time.Since(start)
	if !bytes.Equal(back.Bytes(), data) {
		t.Fatalf("downloaded %d bytes, differ from the upload", back.Len())
	}
	if err := c.Get(ctx, `C:\Temp\missing.bin`, &back, transport.Become{}); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	// A Put whose path the host cannot write fails with the host's message.
	err = c.Put(ctx, `C:\NoSuchDir\x`, strings.NewReader("x"), 0o644, transport.Become{})
	if err == nil || !strings.Contains(err.Error(), `Could not find a part of the path`) {
		t.Fatalf("put into a missing directory: %v", err)
	}
	const n = 20
	start = time.Now()
	for i := 0; i < n; i++ {
		if r := psRun(t, c, transport.Command{Script: fmt.Sprintf("exit %d\n", i)}); r.ExitCode != i {
			t.Fatalf("command %d: rc=%d", i, r.ExitCode)
		}
	}
	t.Logf("5 MiB put %v, get %v, %v per command (sshd + stand-in process)", putTime, getTime, time.Since(start)/n)
	if got := l.set.Servers[0].CountLog("Connection from"); got != 1 {
		t.Fatalf("TCP connections = %d, want 1", got)
	}
}

func TestPowerShellOverSSHBecomeRefused(t *testing.T) {
	l := startPSLab(t)
	c := l.dial(t, nil)
	b := transport.Become{Enabled: true, User: "Administrator"}
	r := psRun(t, c, transport.Command{Script: "exit 0\n", Become: b})
	if r.ExitCode != 1 || !strings.Contains(string(r.Stderr), "become is not supported on Windows hosts over SSH") {
		t.Fatalf("become: rc=%d stderr=%q", r.ExitCode, r.Stderr)
	}
	if err := c.Put(context.Background(), `C:\Temp\x`, strings.NewReader("x"), 0o644, b); err == nil || !strings.Contains(err.Error(), "become is not supported") {
		t.Fatalf("put with become: %v", err)
	}
	if err := c.Get(context.Background(), `C:\Temp\x`, &bytes.Buffer{}, b); err == nil || !strings.Contains(err.Error(), "become is not supported") {
		t.Fatalf("get with become: %v", err)
	}
	if _, err := os.Stat(filepath.Join(l.root, "C", "Temp", "x")); !os.IsNotExist(err) {
		t.Fatalf("a refused put wrote the file: %v", err)
	}
}

func TestPowerShellOverSSHShellTypes(t *testing.T) {
	l := startPSLab(t)
	d := dialerFor(t, l.set, Options{})
	_, err := d.Dial(context.Background(), transport.Endpoint{Name: "h0", Vars: map[string]any{"ansible_shell_type": "cmd", "ansible_user": l.user}})
	if !transport.IsUnreachable(err) || !strings.Contains(err.Error(), "ansible_shell_type=cmd is not supported") {
		t.Fatalf("cmd: %v", err)
	}
	if n := l.set.Servers[0].CountLog("Connection from"); n != 0 {
		t.Fatalf("refused shell type still connected (%d connections)", n)
	}
	for _, st := range []string{"", "sh", "PowerShell", "pwsh"} {
		c, err := d.Dial(context.Background(), transport.Endpoint{Name: "h0", Vars: map[string]any{"ansible_shell_type": st, "ansible_user": l.user}})
		if err != nil {
			t.Fatalf("%q: %v", st, err)
		}
		want := transport.ShellPOSIX
		if st == "PowerShell" || st == "pwsh" {
			want = transport.ShellPowerShell
		}
		if got := c.Platform().Shell; got != want {
			t.Fatalf("%q: shell %s, want %s", st, got, want)
		}
		c.Close()
	}
}

// BenchmarkPowerShellCommand measures one PowerShell command over SSH
// (a session, the exec request, the framed script, the stand-in process).
func BenchmarkPowerShellCommand(b *testing.B) {
	l := startPSLab(b)
	c := l.dial(b, nil)
	for b.Loop() {
		if r := psRun(b, c, transport.Command{Script: "Write-Output 'x'\n"}); r.ExitCode != 0 {
			b.Fatal(r)
		}
	}
}
