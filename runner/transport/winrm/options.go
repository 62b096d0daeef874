package winrm

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Options tune a Dialer; the zero value uses Ansible's defaults.
type Options struct {
	// ChunkSize is the number of file bytes sent per upload command
	// (default 200 KiB).
	ChunkSize int
}

// auth modes this transport supports.
const (
	authBasic       = "basic"
	authNTLM        = "ntlm"
	authCertificate = "certificate"
)

// config is one host's connection settings, resolved from Ansible's
// variables (ansible_winrm_* and friends).
type config struct {
	host          string
	port          int
	https         bool
	auth          string
	user          string
	password      string
	insecure      bool
	caPEM         []byte
	certPEM       []byte
	keyPEM        []byte
	encryption    string // auto, always, never
	opTimeout     time.Duration
	readTimeout   time.Duration
	tlsServerName string
}

// vars reads string-ish values of an Endpoint's variables.
type vars map[string]any

func (v vars) str(keys ...string) string {
	for _, k := range keys {
		if x, ok := v[k]; ok && x != nil {
			return strings.TrimSpace(fmt.Sprint(x))
		}
	}
	return ""
}

// parseConfig resolves the settings of host name from its variables, with
// Ansible's defaults: port 5986, scheme http only for port 5985, Basic
// authentication (pywinrm's plaintext/ssl), certificate validation on.
func parseConfig(name string, v vars) (*config, error) {
	c := &config{host: v.str("ansible_host"), port: 5986, encryption: "auto",
		opTimeout: 20 * time.Second, readTimeout: 30 * time.Second}
	if c.host == "" {
		c.host = name
	}
	if p := v.str("ansible_port", "ansible_winrm_port"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n <= 0 || n > 65535 {
			return nil, fmt.Errorf("invalid ansible_port %q", p)
		}
		c.port = n
	}
	scheme := strings.ToLower(v.str("ansible_winrm_scheme"))
	if scheme == "" {
		scheme = "https"
		if c.port == 5985 {
			scheme = "http"
		}
	}
	switch scheme {
	case "http":
	case "https":
		c.https = true
	default:
		return nil, fmt.Errorf("invalid ansible_winrm_scheme %q (http or https)", scheme)
	}
	c.user = v.str("ansible_user", "ansible_winrm_user", "ansible_ssh_user")
	c.password = v.str("ansible_password", "ansible_winrm_password", "ansible_pass", "ansible_ssh_pass")

	transports := strings.ToLower(v.str("ansible_winrm_transport"))
	transports = strings.Trim(transports, "[]")
pick:
	for _, t := range strings.Split(transports, ",") {
		t = strings.Trim(strings.TrimSpace(t), `'"`)
		switch t {
		case "":
			continue
		case "basic", "plaintext", "ssl":
			c.auth = authBasic
		case "ntlm", "negotiate":
			c.auth = authNTLM
		case "certificate":
			c.auth = authCertificate
		case "kerberos", "credssp":
			return nil, fmt.Errorf("ansible_winrm_transport %s is not supported by swarmbook (use ntlm, basic or certificate)", t)
		default:
			return nil, fmt.Errorf("unknown ansible_winrm_transport %q", t)
		}
		break pick
	}
	if c.auth == "" {
		c.auth = authBasic
	}

	switch val := strings.ToLower(v.str("ansible_winrm_server_cert_validation")); val {
	case "", "validate":
	case "ignore":
		c.insecure = true
	default:
		return nil, fmt.Errorf("invalid ansible_winrm_server_cert_validation %q (validate or ignore)", val)
	}
	if p := v.str("ansible_winrm_ca_trust_path"); p != "" {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("ansible_winrm_ca_trust_path: %w", err)
		}
		c.caPEM = b
	}
	if c.auth == authCertificate {
		cp, kp := v.str("ansible_winrm_cert_pem"), v.str("ansible_winrm_cert_key_pem")
		if cp == "" || kp == "" {
			return nil, fmt.Errorf("certificate authentication needs ansible_winrm_cert_pem and ansible_winrm_cert_key_pem")
		}
		var err error
		if c.certPEM, err = os.ReadFile(cp); err != nil {
			return nil, fmt.Errorf("ansible_winrm_cert_pem: %w", err)
		}
		if c.keyPEM, err = os.ReadFile(kp); err != nil {
			return nil, fmt.Errorf("ansible_winrm_cert_key_pem: %w", err)
		}
		if !c.https {
			return nil, fmt.Errorf("certificate authentication needs ansible_winrm_scheme=https")
		}
	}
	c.tlsServerName = v.str("ansible_winrm_server_name")
	switch e := strings.ToLower(v.str("ansible_winrm_message_encryption")); e {
	case "", "auto":
	case "always", "never":
		c.encryption = e
	default:
		return nil, fmt.Errorf("invalid ansible_winrm_message_encryption %q", e)
	}
	if c.encryption == "always" && c.auth != authNTLM {
		return nil, fmt.Errorf("ansible_winrm_message_encryption=always needs ansible_winrm_transport=ntlm")
	}
	seconds := func(key string, into *time.Duration) error {
		if s := v.str(key); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n <= 0 {
				return fmt.Errorf("invalid %s %q", key, s)
			}
			*into = time.Duration(n) * time.Second
		}
		return nil
	}
	if err := seconds("ansible_winrm_operation_timeout_sec", &c.opTimeout); err != nil {
		return nil, err
	}
	if err := seconds("ansible_winrm_read_timeout_sec", &c.readTimeout); err != nil {
		return nil, err
	}
	if c.readTimeout <= c.opTimeout {
		c.readTimeout = c.opTimeout + 10*time.Second
	}
	return c, nil
}
