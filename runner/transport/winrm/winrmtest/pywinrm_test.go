package winrmtest

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	StandInMain()
	os.Exit(m.Run())
}

const opensslLegacy = `openssl_conf = openssl_init
[openssl_init]
providers = provider_sect
[provider_sect]
default = default_sect
legacy = legacy_sect
[default_sect]
activate = 1
[legacy_sect]
activate = 1
`

const pyUser, pyPass = "vagrant", "Vagr'ant \"pw\""

// pywinrm runs testdata/pywinrm_scenarios.py with Debian's python3-winrm.
func pywinrm(t *testing.T, opts map[string]any) map[string]map[string]any {
	t.Helper()
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import winrm").Run(); err != nil {
		t.Skip("Debian's python3-winrm is not installed (apt-get install python3-winrm): ", err)
	}
	b, _ := json.Marshal(opts)
	cmd := exec.Command(py, filepath.Join("testdata", "pywinrm_scenarios.py"), string(b))
	// python ntlm-auth needs MD4, which OpenSSL 3 keeps in its legacy
	// provider (Debian 12 does not load it by default).
	conf := filepath.Join(t.TempDir(), "openssl.cnf")
	if err := os.WriteFile(conf, []byte(opensslLegacy), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd.Env = append(os.Environ(), "NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost", "OPENSSL_CONF="+conf)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("pywinrm: %v\n%s", err, out)
	}
	var res map[string]map[string]any
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		t.Fatalf("pywinrm output: %v\n%s", err, out)
	}
	return res
}

func startPy(t *testing.T, o Options) *Server {
	t.Helper()
	o.Users = map[string]string{pyUser: pyPass}
	o.PowerShell = os.Args[0]
	o.MaxOperationTimeout = 5 * time.Second
	s, err := Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func checkScenarios(t *testing.T, s *Server, res map[string]map[string]any) {
	t.Helper()
	if got := res["cmd"]; got["stdout"] != "ünï|cödé" || got["rc"] != 0.0 {
		t.Errorf("cmd: %v", got)
	}
	if got := res["exit"]; got["stderr"] != "oops\n" || got["rc"] != 3.0 {
		t.Errorf("exit: %v", got)
	}
	if got := res["big"]; got["ok"] != true {
		t.Errorf("big output: %v", got)
	}
	if got := res["ps"]; got["stdout"] != "from ps\r\n" || got["rc"] != 1.0 || !strings.Contains(got["stderr"].(string), "ps failed") {
		t.Errorf("ps: %v", got)
	}
	// One shell for the Protocol scenarios, one opened by Session.run_ps.
	if s.Creates() != 2 || s.OpenShells() != 0 {
		t.Errorf("creates=%d open=%d", s.Creates(), s.OpenShells())
	}
}

func TestPywinrmNTLMEncrypted(t *testing.T) {
	s := startPy(t, Options{}) // Windows defaults: plaintext refused
	res := pywinrm(t, map[string]any{"endpoint": s.URL, "transport": "ntlm", "username": pyUser, "password": pyPass,
		"message_encryption": "always", "operation_timeout_sec": 4, "read_timeout_sec": 6, "scenarios": []string{"cmd", "ps"}})
	checkScenarios(t, s, res)
	for _, r := range s.Requests() {
		if r.Action != "" && !r.Encrypted {
			t.Fatalf("plaintext request from pywinrm: %+v", r)
		}
	}
}

func TestPywinrmBasicHTTP(t *testing.T) {
	s := startPy(t, Options{AllowBasic: true, AllowUnencrypted: true})
	res := pywinrm(t, map[string]any{"endpoint": s.URL, "transport": "plaintext", "username": pyUser, "password": pyPass,
		"operation_timeout_sec": 4, "read_timeout_sec": 6, "scenarios": []string{"cmd", "ps"}})
	checkScenarios(t, s, res)
}

func TestPywinrmHTTPSAndCertificate(t *testing.T) {
	s := startPy(t, Options{TLS: true, AllowBasic: true, CertUsers: map[string]string{"py-client": pyUser}})
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	_ = os.WriteFile(ca, s.CA().PEM, 0o600)
	res := pywinrm(t, map[string]any{"endpoint": s.URL, "transport": "ssl", "username": pyUser, "password": pyPass,
		"ca_trust_path": ca, "operation_timeout_sec": 4, "read_timeout_sec": 6, "scenarios": []string{"cmd", "ps"}})
	checkScenarios(t, s, res)

	s2 := startPy(t, Options{TLS: true, CA: s.CA(), CertUsers: map[string]string{"py-client": pyUser}})
	c, k, err := s.CA().ClientCert("py-client")
	if err != nil {
		t.Fatal(err)
	}
	cp, kp := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	_ = os.WriteFile(cp, c, 0o600)
	_ = os.WriteFile(kp, k, 0o600)
	res = pywinrm(t, map[string]any{"endpoint": s2.URL, "transport": "certificate", "username": "", "password": "",
		"ca_trust_path": ca, "cert_pem": cp, "cert_key_pem": kp, "operation_timeout_sec": 4, "read_timeout_sec": 6,
		"scenarios": []string{"cmd", "ps"}})
	checkScenarios(t, s2, res)
}
