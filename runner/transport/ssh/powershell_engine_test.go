package ssh

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestPowerShellOverSSHPlaybook runs `swarmbook run` (the real CLI, built
// from ./cmd/swarmbook) on a playbook of Windows modules against a host
// reached with the default connection (ssh) and
// ansible_shell_type=powershell, its powershell.exe being the stand-in. It
// proves the inventory-to-transport dispatch and that win_ping, win_shell
// and win_copy (its destination query, chunked upload and idempotent
// rerun) run their PowerShell over SSH on one TCP connection; the
// stand-in executes only the statements these modules send, natively.
func TestPowerShellOverSSHPlaybook(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the swarmbook binary")
	}
	l := startPSLab(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "swarmbook")
	build := exec.Command("go", "build", "-o", bin, "./cmd/swarmbook")
	build.Dir = filepath.Join("..", "..", "..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building swarmbook: %v\n%s", err, out)
	}
	srv := l.set.Servers[0]
	inv := fmt.Sprintf("[windows]\nwin1 ansible_host=%s ansible_port=%d\n\n[windows:vars]\nansible_user=%s\n"+
		"ansible_shell_type=powershell\nansible_ssh_private_key_file=%s\nansible_ssh_common_args='-o UserKnownHostsFile=%s'\n",
		srv.IP, srv.Port, l.user, l.set.ClientKeyFile, l.set.KnownHostsFile)
	play := `- hosts: windows
  gather_facts: false
  tasks:
    - name: ping
      win_ping:
      register: pong
    - name: ping that throws on the host
      win_ping:
        data: crash
      register: crashed
      ignore_errors: true
    - name: shell
      win_shell: Write-Output 'from the stand-in'
      register: shell
    - name: copy
      win_copy:
        content: "hello from swarmbook\n"
        dest: C:\Temp\hello.txt
      register: copied
    - name: copy again
      win_copy:
        content: "hello from swarmbook\n"
        dest: C:\Temp\hello.txt
      register: again
    - assert:
        that:
          - copied is changed
          - again is not changed
          - copied.checksum == again.checksum
          - pong.ping == 'pong'
          - crashed is failed
          - "'boom' in crashed.msg"
          - shell.rc == 0
          - shell.stdout == 'from the stand-in\r\n'
`
	for name, text := range map[string]string{"inventory.ini": inv, "play.yml": play} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(bin, "run", "-i", "inventory.ini", "play.yml")
	cmd.Dir = dir
	cmd.Env = []string{"HOME=" + dir, "PATH=" + os.Getenv("PATH"), "ANSIBLE_NOCOLOR=1"}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil {
		t.Fatalf("swarmbook run: %v\n%s", err, out.String())
	}
	_, recap, found := strings.Cut(out.String(), "PLAY RECAP")
	if !found || !strings.Contains(strings.Join(strings.Fields(recap), " "), "win1 : ok=6 changed=2 unreachable=0 failed=0 skipped=0 rescued=0 ignored=1") {
		t.Fatalf("recap:\n%s", out.String())
	}
	if b, err := os.ReadFile(filepath.Join(l.root, "C", "Temp", "hello.txt")); err != nil || string(b) != "hello from swarmbook\n" {
		t.Fatalf("copied file: %q, %v", b, err)
	}
	if n := srv.CountLog("Connection from"); n != 1 {
		t.Fatalf("TCP connections = %d, want 1", n)
	}
	t.Logf("%s", out.String())
}
