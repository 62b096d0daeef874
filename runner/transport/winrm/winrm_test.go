package winrm

import (
	"bytes"
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/swarmbook/swarmbook/runner/transport"
	"github.com/swarmbook/swarmbook/runner/transport/pwsh"
	"github.com/swarmbook/swarmbook/runner/transport/winrm/winrmtest"
)

func TestMain(m *testing.M) {
	winrmtest.StandInMain()
	os.Exit(m.Run())
}

const testUser, testPass = "vagrant", "P@ss w0rd'\"$`"

// startServer starts a test server with the stand-in and the test user.
func startServer(t testing.TB, opts winrmtest.Options) *winrmtest.Server {
	t.Helper()
	opts.Users = map[string]string{testUser: testPass}
	opts.PowerShell = os.Args[0]
	if opts.MaxOperationTimeout == 0 {
		opts.MaxOperationTimeout = 5 * time.Second
	}
	s, err := winrmtest.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// endpoint returns Ansible variables that reach s.
func endpoint(s *winrmtest.Server, extra map[string]any) transport.Endpoint {
	scheme := "http"
	if strings.HasPrefix(s.URL, "https") {
		scheme = "https"
	}
	v := map[string]any{
		"ansible_connection": "winrm", "ansible_host": s.Host, "ansible_port": s.Port,
		"ansible_winrm_scheme": scheme, "ansible_user": testUser, "ansible_password": testPass,
		"ansible_winrm_operation_timeout_sec": 5,
	}
	for k, x := range extra {
		v[k] = x
	}
	return transport.Endpoint{Name: "win1", Vars: v}
}

func dial(t testing.TB, s *winrmtest.Server, extra map[string]any) transport.Conn {
	t.Helper()
	c, err := NewDialer(Options{}).Dial(context.Background(), endpoint(s, extra))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func run(t *testing.T, c transport.Conn, cmd transport.Command) transport.Result {
	t.Helper()
	res, err := c.Run(context.Background(), cmd)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestLifecycleNTLMEncryptedReusesOneShell(t *testing.T) {
	s := startServer(t, winrmtest.Options{}) // Windows defaults: no Basic, no plaintext
	c := dial(t, s, map[string]any{"ansible_winrm_transport": "ntlm"})
	for i := 0; i < 3; i++ {
		res := run(t, c, transport.Command{Script: "Write-Output 'héllo ✓'\nexit 3\n"})
		if res.ExitCode != 3 || string(res.Stdout) != "héllo ✓\r\n" {
			t.Fatalf("run %d: rc=%d stdout=%q stderr=%q", i, res.ExitCode, res.Stdout, res.Stderr)
		}
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if n := s.Creates(); n != 1 {
		t.Fatalf("Create calls = %d, want 1", n)
	}
	if n := s.OpenShells(); n != 0 {
		t.Fatalf("open shells after Close = %d", n)
	}
	var verbs []string
	for _, r := range s.Requests() {
		if r.Action == "" {
			continue
		}
		if !r.Encrypted {
			t.Fatalf("plaintext SOAP request %+v: encryption was downgraded", r)
		}
		if len(verbs) == 0 || verbs[len(verbs)-1] != r.Action {
			verbs = append(verbs, r.Action)
		}
	}
	got := strings.Join(verbs, " ")
	want := "Create Command Send Receive Signal Command Send Receive Signal Command Send Receive Signal Delete"
	if got != want {
		t.Fatalf("verbs:\n got %s\nwant %s", got, want)
	}
}

func TestStdinStderrAndCLIXML(t *testing.T) {
	s := startServer(t, winrmtest.Options{AllowBasic: true, AllowUnencrypted: true})
	c := dial(t, s, map[string]any{"ansible_winrm_transport": "basic"})
	res := run(t, c, transport.Command{Script: "$input | Write-Output\n", Stdin: strings.NewReader("line1\nüñí\n")})
	if string(res.Stdout) != "line1\nüñí\n" || res.ExitCode != 0 {
		t.Fatalf("stdin echo: %q rc=%d", res.Stdout, res.ExitCode)
	}
	res = run(t, c, transport.Command{Script: "Write-Error 'disk <C:> is full & \"gone\"'\n"})
	if res.ExitCode != 1 || string(res.Stderr) != "disk <C:> is full & \"gone\"\r\n" {
		t.Fatalf("CLIXML stderr not decoded: rc=%d %q", res.ExitCode, res.Stderr)
	}
	res = run(t, c, transport.Command{Script: "Write-Output $env:GREETING\n", Env: map[string]string{"GREETING": "it's 'quoted'"}})
	if string(res.Stdout) != "it's 'quoted'\r\n" {
		t.Fatalf("env: %q %q", res.Stdout, res.Stderr)
	}
	res = run(t, c, transport.Command{Script: "Get-Unknown-Thing\n"})
	if res.ExitCode != 99 {
		t.Fatalf("stand-in accepted a statement outside its subset: rc=%d", res.ExitCode)
	}
}

func TestLongScriptIntact(t *testing.T) {
	s := startServer(t, winrmtest.Options{AllowBasic: true, AllowUnencrypted: true})
	c := dial(t, s, map[string]any{"ansible_winrm_transport": "basic"})
	var b strings.Builder
	b.WriteString("#standin:digest\n")
	for b.Len() < 25000 {
		b.WriteString("# ünïcode padding line that makes the script long — 0123456789\n")
	}
	b.WriteString("Write-Output 'end'\n")
	script := b.String()
	res := run(t, c, transport.Command{Script: script})
	want := digestLine(pwsh.Prelude(transport.Command{}) + script)
	if res.ExitCode != 0 || string(res.Stdout) != want+"end\r\n" {
		t.Fatalf("long script: rc=%d stdout=%q stderr=%q", res.ExitCode, res.Stdout, res.Stderr)
	}
	if len(script) < 20000 {
		t.Fatal("script too short for the test")
	}
	for _, r := range s.Requests() {
		_ = r
	}
}

func TestPutGet5MB(t *testing.T) {
	s := startServer(t, winrmtest.Options{})
	c := dial(t, s, map[string]any{"ansible_winrm_transport": "ntlm"})
	data := make([]byte, 5<<20+123)
	_, _ = rand.Read(data)
	if err := os.MkdirAll(filepath.Join(s.Root(), "C", "Temp"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := c.Put(context.Background(), `C:\Temp\blob.bin`, bytes.NewReader(data), 0o644, transport.Become{}); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(s.Root(), "C", "Temp", "blob.bin"))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("uploaded file differs (err=%v, %d bytes)", err, len(got))
	}
	var back bytes.Buffer
	if err := c.Get(context.Background(), `C:\Temp\blob.bin`, &back, transport.Become{}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(back.Bytes(), data) {
		t.Fatal("downloaded file differs")
	}
	if s.Creates() != 1 {
		t.Fatalf("Create calls = %d", s.Creates())
	}
	// A missing directory fails with a message, not silently.
	if err := c.Put(context.Background(), `C:\Nope\x.txt`, strings.NewReader("x"), 0o644, transport.Become{}); err == nil || !strings.Contains(err.Error(), "uploading") {
		t.Fatalf("upload into a missing directory: %v", err)
	}
	if err := c.Get(context.Background(), `C:\Temp\absent.txt`, &back, transport.Become{}); err == nil {
		t.Fatal("download of a missing file succeeded")
	}
}

func TestPlaintextRefusedByDefault(t *testing.T) {
	s := startServer(t, winrmtest.Options{AllowBasic: true}) // AllowUnencrypted=false
	_, err := NewDialer(Options{}).Dial(context.Background(), endpoint(s, map[string]any{"ansible_winrm_transport": "basic"}))
	if err == nil || !transport.IsUnreachable(err) {
		t.Fatalf("basic over HTTP accepted by an AllowUnencrypted=false host: %v", err)
	}
	if strings.Contains(err.Error(), testPass) {
		t.Fatal("password in error")
	}
}

func TestBasicDisabledByDefault(t *testing.T) {
	s := startServer(t, winrmtest.Options{AllowUnencrypted: true})
	_, err := NewDialer(Options{}).Dial(context.Background(), endpoint(s, map[string]any{"ansible_winrm_transport": "basic"}))
	if err == nil || !strings.Contains(err.Error(), "authentication failed (401)") {
		t.Fatalf("want 401, got %v", err)
	}
}

func TestWrongPasswordNTLM(t *testing.T) {
	s := startServer(t, winrmtest.Options{})
	_, err := NewDialer(Options{}).Dial(context.Background(), endpoint(s, map[string]any{
		"ansible_winrm_transport": "ntlm", "ansible_password": "wrong"}))
	if err == nil || !transport.IsUnreachable(err) {
		t.Fatalf("wrong NTLM password accepted: %v", err)
	}
	if s.Creates() != 0 {
		t.Fatal("a shell was created without authentication")
	}
}

func TestHTTPSValidation(t *testing.T) {
	s := startServer(t, winrmtest.Options{TLS: true, AllowBasic: true})
	_, err := NewDialer(Options{}).Dial(context.Background(), endpoint(s, map[string]any{"ansible_winrm_transport": "basic"}))
	if err == nil || !strings.Contains(err.Error(), "certificate validation failed") ||
		!strings.Contains(err.Error(), "ansible_winrm_server_cert_validation=ignore") {
		t.Fatalf("untrusted certificate: %v", err)
	}
	c := dial(t, s, map[string]any{"ansible_winrm_transport": "basic", "ansible_winrm_server_cert_validation": "ignore"})
	if res := run(t, c, transport.Command{Script: "Write-Output 'tls'\n"}); string(res.Stdout) != "tls\r\n" {
		t.Fatalf("%q", res.Stdout)
	}
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, s.CA().PEM, 0o600); err != nil {
		t.Fatal(err)
	}
	c = dial(t, s, map[string]any{"ansible_winrm_transport": "ntlm", "ansible_winrm_ca_trust_path": ca})
	if res := run(t, c, transport.Command{Script: "exit 7\n"}); res.ExitCode != 7 {
		t.Fatalf("rc=%d", res.ExitCode)
	}
}

func TestClientCertificate(t *testing.T) {
	ca, err := winrmtest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	s := startServer(t, winrmtest.Options{TLS: true, CA: ca, CertUsers: map[string]string{"ansible-client": testUser}})
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	certPEM, keyPEM, err := ca.ClientCert("ansible-client")
	if err != nil {
		t.Fatal(err)
	}
	c := dial(t, s, map[string]any{"ansible_winrm_transport": "certificate", "ansible_winrm_ca_trust_path": write("ca.pem", ca.PEM),
		"ansible_winrm_cert_pem": write("c.pem", certPEM), "ansible_winrm_cert_key_pem": write("k.pem", keyPEM), "ansible_password": nil})
	if res := run(t, c, transport.Command{Script: "Write-Output 'cert'\n"}); string(res.Stdout) != "cert\r\n" {
		t.Fatalf("%q", res.Stdout)
	}
	other, _ := winrmtest.NewCA()
	oc, ok, _ := other.ClientCert("ansible-client")
	_, err = NewDialer(Options{}).Dial(context.Background(), endpoint(s, map[string]any{"ansible_winrm_transport": "certificate",
		"ansible_winrm_ca_trust_path": write("ca.pem", ca.PEM), "ansible_winrm_cert_pem": write("o.pem", oc), "ansible_winrm_cert_key_pem": write("ok.pem", ok)}))
	if err == nil {
		t.Fatal("a certificate from an unknown CA was accepted")
	}
}

func TestBecomeRefused(t *testing.T) {
	s := startServer(t, winrmtest.Options{})
	c := dial(t, s, map[string]any{"ansible_winrm_transport": "ntlm"})
	res := run(t, c, transport.Command{Script: "exit 0\n", Become: transport.Become{Enabled: true}})
	if res.ExitCode == 0 || !strings.Contains(string(res.Stderr), "become is not supported") {
		t.Fatalf("%+v", res)
	}
}

func TestShellRecreatedAfterLoss(t *testing.T) {
	s := startServer(t, winrmtest.Options{})
	c := dial(t, s, map[string]any{"ansible_winrm_transport": "ntlm"}).(*Conn)
	c.shell = c.cli.NewShell("00000000-0000-0000-0000-000000000000") // a shell the host no longer knows
	res := run(t, c, transport.Command{Script: "exit 4\n"})
	if res.ExitCode != 4 || s.Creates() != 2 {
		t.Fatalf("rc=%d creates=%d", res.ExitCode, s.Creates())
	}
}
