package winrm

import (
	"bytes"
	"context"
	"crypto/rand"
	"os"
	"strings"
	"testing"

	"github.com/swarmbook/swarmbook/runner/transport"
)

// TestRealWindows runs the transport against a real Windows host when
// SWARMBOOK_WINRM_HOST, SWARMBOOK_WINRM_USER and SWARMBOOK_WINRM_PASSWORD
// are set (optional: SWARMBOOK_WINRM_PORT, SWARMBOOK_WINRM_SCHEME,
// SWARMBOOK_WINRM_TRANSPORT (default ntlm), SWARMBOOK_WINRM_CERT_VALIDATION,
// SWARMBOOK_WINRM_CA_TRUST_PATH). It is skipped otherwise: nothing in this
// package has been run against real Windows unless this test was.
func TestRealWindows(t *testing.T) {
	host, user, pass := os.Getenv("SWARMBOOK_WINRM_HOST"), os.Getenv("SWARMBOOK_WINRM_USER"), os.Getenv("SWARMBOOK_WINRM_PASSWORD")
	if host == "" || user == "" || pass == "" {
		t.Skip("real-Windows suite skipped: set SWARMBOOK_WINRM_HOST, SWARMBOOK_WINRM_USER and SWARMBOOK_WINRM_PASSWORD to run it")
	}
	vars := map[string]any{"ansible_host": host, "ansible_user": user, "ansible_password": pass,
		"ansible_winrm_transport": "ntlm", "ansible_port": "5985"}
	for env, key := range map[string]string{"SWARMBOOK_WINRM_PORT": "ansible_port", "SWARMBOOK_WINRM_SCHEME": "ansible_winrm_scheme",
		"SWARMBOOK_WINRM_TRANSPORT": "ansible_winrm_transport", "SWARMBOOK_WINRM_CERT_VALIDATION": "ansible_winrm_server_cert_validation",
		"SWARMBOOK_WINRM_CA_TRUST_PATH": "ansible_winrm_ca_trust_path"} {
		if v := os.Getenv(env); v != "" {
			vars[key] = v
		}
	}
	ctx := context.Background()
	c, err := NewDialer(Options{}).Dial(ctx, transport.Endpoint{Name: host, Vars: vars})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	res := run(t, c, transport.Command{Script: "Write-Output 'héllo ✓'\nexit 3\n"})
	if res.ExitCode != 3 || strings.TrimSpace(string(res.Stdout)) != "héllo ✓" {
		t.Errorf("exit/stdout: %d %q %q", res.ExitCode, res.Stdout, res.Stderr)
	}
	res = run(t, c, transport.Command{Script: "$input | ForEach-Object { $_.ToUpper() }\n", Stdin: strings.NewReader("abc")})
	if strings.TrimSpace(string(res.Stdout)) != "ABC" {
		t.Errorf("stdin: %q %q", res.Stdout, res.Stderr)
	}
	res = run(t, c, transport.Command{Script: "Write-Error 'boom'\n"})
	if res.ExitCode == 0 || !strings.Contains(string(res.Stderr), "boom") || strings.Contains(string(res.Stderr), "CLIXML") {
		t.Errorf("error stream: %d %q", res.ExitCode, res.Stderr)
	}
	var long strings.Builder
	for long.Len() < 25000 {
		long.WriteString("$x = 'padding padding padding padding padding padding'\n")
	}
	long.WriteString("Write-Output 'end'\n")
	if res = run(t, c, transport.Command{Script: long.String()}); strings.TrimSpace(string(res.Stdout)) != "end" {
		t.Errorf("long script: %q %q", res.Stdout, res.Stderr)
	}
	res = run(t, c, transport.Command{Script: "Write-Output $env:TEMP\n"})
	dst := strings.TrimSpace(string(res.Stdout)) + `\swarmbook-it.bin`
	data := make([]byte, 1<<20+7)
	_, _ = rand.Read(data)
	if err := c.Put(ctx, dst, bytes.NewReader(data), 0o644, transport.Become{}); err != nil {
		t.Fatal(err)
	}
	var back bytes.Buffer
	if err := c.Get(ctx, dst, &back, transport.Become{}); err != nil || !bytes.Equal(back.Bytes(), data) {
		t.Errorf("download: %v", err)
	}
	run(t, c, transport.Command{Script: "Remove-Item -LiteralPath '" + strings.ReplaceAll(dst, "'", "''") + "' -Force\n"})
}
