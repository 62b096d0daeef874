package wintest

import (
	"encoding/json"
	"fmt"
	"strings"
)

// target is one way of reaching the Windows host: the inventory variables
// of host win1 and the secret that must never reach the test log.
type target struct {
	name   string            // winrm or winssh
	vars   map[string]string // inventory variables of win1
	secret string            // password, scrubbed from logged output
	env    []string          // extra environment of swarmbook and ansible-playbook
}

// winrmRequired names the variables of the WinRM target.
func winrmRequired() []string {
	return []string{"SWARMBOOK_WINRM_HOST", "SWARMBOOK_WINRM_USER", "SWARMBOOK_WINRM_PASSWORD"}
}

// winsshRequired names the variables of the OpenSSH target
// (plus SWARMBOOK_WINSSH_KEY or SWARMBOOK_WINSSH_PASSWORD).
func winsshRequired() []string { return []string{"SWARMBOOK_WINSSH_HOST", "SWARMBOOK_WINSSH_USER"} }

// winrmTarget reads the WinRM target from getenv; ok is false (with the
// reason) when a required variable is unset. SWARMBOOK_WINRM_PASSWORD is
// not required with SWARMBOOK_WINRM_TRANSPORT=certificate, which needs
// SWARMBOOK_WINRM_CERT_PEM and SWARMBOOK_WINRM_CERT_KEY_PEM instead.
func winrmTarget(getenv func(string) string) (target, string, bool) {
	required := winrmRequired()
	if getenv("SWARMBOOK_WINRM_TRANSPORT") == "certificate" {
		required = []string{"SWARMBOOK_WINRM_HOST", "SWARMBOOK_WINRM_USER", "SWARMBOOK_WINRM_CERT_PEM", "SWARMBOOK_WINRM_CERT_KEY_PEM"}
	}
	if missing := unset(getenv, required...); missing != "" {
		return target{}, "real-Windows WinRM suite skipped: set " + strings.Join(winrmRequired(), ", ") +
			" (optional: SWARMBOOK_WINRM_PORT, SWARMBOOK_WINRM_SCHEME http|https, SWARMBOOK_WINRM_TRANSPORT ntlm|basic|certificate" +
			" with SWARMBOOK_WINRM_CERT_PEM and SWARMBOOK_WINRM_CERT_KEY_PEM, SWARMBOOK_WINRM_CERT_VALIDATION ignore," +
			" SWARMBOOK_WINRM_CA_TRUST_PATH); unset: " + missing, false
	}
	v := map[string]string{
		"ansible_connection":      "winrm",
		"ansible_host":            getenv("SWARMBOOK_WINRM_HOST"),
		"ansible_user":            getenv("SWARMBOOK_WINRM_USER"),
		"ansible_winrm_transport": "ntlm",
		"ansible_port":            "5985",
		"ansible_winrm_scheme":    "http",
	}
	if getenv("SWARMBOOK_WINRM_SCHEME") == "https" {
		v["ansible_port"] = "5986"
	}
	for env, key := range map[string]string{
		"SWARMBOOK_WINRM_PASSWORD": "ansible_password",
		"SWARMBOOK_WINRM_SCHEME":   "ansible_winrm_scheme", "SWARMBOOK_WINRM_PORT": "ansible_port",
		"SWARMBOOK_WINRM_TRANSPORT": "ansible_winrm_transport", "SWARMBOOK_WINRM_CERT_VALIDATION": "ansible_winrm_server_cert_validation",
		"SWARMBOOK_WINRM_CERT_PEM": "ansible_winrm_cert_pem", "SWARMBOOK_WINRM_CERT_KEY_PEM": "ansible_winrm_cert_key_pem",
		"SWARMBOOK_WINRM_CA_TRUST_PATH": "ansible_winrm_ca_trust_path",
	} {
		if x := getenv(env); x != "" {
			v[key] = x
		}
	}
	return target{name: "winrm", vars: v, secret: v["ansible_password"]}, "", true
}

// winsshTarget reads the OpenSSH target from getenv.
func winsshTarget(getenv func(string) string) (target, string, bool) {
	missing := unset(getenv, winsshRequired()...)
	if missing == "" && getenv("SWARMBOOK_WINSSH_KEY") == "" && getenv("SWARMBOOK_WINSSH_PASSWORD") == "" {
		missing = "SWARMBOOK_WINSSH_KEY or SWARMBOOK_WINSSH_PASSWORD"
	}
	if missing != "" {
		return target{}, "real-Windows OpenSSH suite skipped: set " + strings.Join(winsshRequired(), ", ") +
			" and SWARMBOOK_WINSSH_KEY (a private key file) or SWARMBOOK_WINSSH_PASSWORD (optional: SWARMBOOK_WINSSH_PORT, " +
			"SWARMBOOK_WINSSH_KNOWN_HOSTS; without it host keys are not checked); unset: " + missing, false
	}
	v := map[string]string{
		"ansible_connection": "ssh",
		"ansible_shell_type": "powershell",
		"ansible_host":       getenv("SWARMBOOK_WINSSH_HOST"),
		"ansible_user":       getenv("SWARMBOOK_WINSSH_USER"),
		"ansible_port":       "22",
	}
	if p := getenv("SWARMBOOK_WINSSH_PORT"); p != "" {
		v["ansible_port"] = p
	}
	if k := getenv("SWARMBOOK_WINSSH_KEY"); k != "" {
		v["ansible_ssh_private_key_file"] = k
	}
	if p := getenv("SWARMBOOK_WINSSH_PASSWORD"); p != "" {
		v["ansible_password"] = p
	}
	tg := target{name: "winssh", vars: v, secret: v["ansible_password"]}
	if kh := getenv("SWARMBOOK_WINSSH_KNOWN_HOSTS"); kh != "" {
		v["ansible_ssh_common_args"] = "-o UserKnownHostsFile=" + kh
	} else {
		tg.env = []string{"ANSIBLE_HOST_KEY_CHECKING=False"}
	}
	return tg, "", true
}

// unset returns the first of names that getenv leaves empty, or "".
func unset(getenv func(string) string, names ...string) string {
	for _, n := range names {
		if getenv(n) == "" {
			return n
		}
	}
	return ""
}

// inventory renders a YAML inventory (in JSON, which YAML includes, so
// every value, password included, arrives byte for byte): host win1 in
// group windows with the target's variables.
func (tg target) inventory() ([]byte, error) {
	inv := map[string]any{"windows": map[string]any{"hosts": map[string]any{"win1": tg.vars}}}
	b, err := json.MarshalIndent(inv, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("inventory: %w", err)
	}
	return b, nil
}

// scrub removes the target's secret from text meant for the test log.
func (tg target) scrub(text string) string {
	if tg.secret == "" {
		return text
	}
	return strings.ReplaceAll(text, tg.secret, "********")
}
