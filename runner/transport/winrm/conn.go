// Package winrm is swarmbook's WinRM transport: one WS-Management shell per
// host, reused for every command, PowerShell scripts delivered through
// stdin (no command-line length limit), NTLM with message encryption, Basic
// and TLS client certificates, and chunked file transfer with SHA-256
// verification. It is built on github.com/masterzen/winrm with per-host
// parameters (the library's DefaultParameters are never touched).
package winrm

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	mzwinrm "github.com/masterzen/winrm"

	"github.com/swarmbook/swarmbook/runner/transport"
	"github.com/swarmbook/swarmbook/runner/transport/pwsh"
)

// Dialer opens WinRM connections.
type Dialer struct{ opts Options }

// NewDialer returns a Dialer with opts.
func NewDialer(opts Options) *Dialer {
	if opts.ChunkSize <= 0 {
		opts.ChunkSize = 200 * 1024
	}
	return &Dialer{opts: opts}
}

// Conn is a live WinRM connection to one host with its one remote shell.
type Conn struct {
	host  string
	cfg   *config
	opts  Options
	mu    sync.Mutex // one command at a time on the shell
	cli   *mzwinrm.Client
	shell *mzwinrm.Shell
}

// Dial connects to the host of ep and opens its remote shell.
func (d *Dialer) Dial(ctx context.Context, ep transport.Endpoint) (transport.Conn, error) {
	cfg, err := parseConfig(ep.Name, ep.Vars)
	if err != nil {
		return nil, &transport.Unreachable{Host: ep.Name, Err: fmt.Errorf("winrm: %w", err)}
	}
	cli, err := newClient(cfg)
	if err != nil {
		return nil, &transport.Unreachable{Host: ep.Name, Err: fmt.Errorf("winrm: %w", err)}
	}
	c := &Conn{host: ep.Name, cfg: cfg, opts: d.opts, cli: cli}
	if err := c.openShell(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// newClient builds the masterzen client for cfg with its own Parameters.
func newClient(cfg *config) (*mzwinrm.Client, error) {
	ep := &mzwinrm.Endpoint{
		Host: cfg.host, Port: cfg.port, HTTPS: cfg.https, Insecure: cfg.insecure,
		TLSServerName: cfg.tlsServerName, CACert: cfg.caPEM, Cert: cfg.certPEM, Key: cfg.keyPEM,
		Timeout: cfg.readTimeout,
	}
	params := mzwinrm.NewParameters(fmt.Sprintf("PT%dS", int(cfg.opTimeout.Seconds())), "en-US", 153600)
	switch cfg.auth {
	case authNTLM:
		if cfg.https && cfg.encryption != "always" || cfg.encryption == "never" {
			params.TransportDecorator = func() mzwinrm.Transporter { return &mzwinrm.ClientNTLM{} }
		} else {
			if cfg.https {
				return nil, errors.New("NTLM message encryption over HTTPS is not supported; use ansible_winrm_message_encryption=auto")
			}
			params.TransportDecorator = func() mzwinrm.Transporter { return newSealedNTLM(cfg.user, cfg.password) }
		}
	case authCertificate:
		params.TransportDecorator = func() mzwinrm.Transporter { return &mzwinrm.ClientAuthRequest{} }
	}
	cli, err := mzwinrm.NewClientWithParameters(ep, cfg.user, cfg.password, params)
	if err != nil {
		return nil, fmt.Errorf("client setup for %s: %w", endpointURL(cfg), err)
	}
	return cli, nil
}

func endpointURL(cfg *config) string {
	scheme := "http"
	if cfg.https {
		scheme = "https"
	}
	return fmt.Sprintf("%s://%s:%d/wsman", scheme, cfg.host, cfg.port)
}

// openShell creates the host's shell (one WS-Man Create).
func (c *Conn) openShell(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return &transport.Unreachable{Host: c.host, Err: err}
	}
	sh, err := c.cli.CreateShell()
	if err != nil {
		return c.unreachable("opening the remote shell", err)
	}
	c.shell = sh
	return nil
}

// unreachable wraps a protocol error with a readable explanation.
func (c *Conn) unreachable(what string, err error) error {
	msg := err.Error()
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var ci x509.CertificateInvalidError
	var cv *tls.CertificateVerificationError
	switch {
	case errors.As(err, &ua), errors.As(err, &hn), errors.As(err, &ci), errors.As(err, &cv):
		return &transport.Unreachable{Host: c.host, Err: fmt.Errorf(
			"winrm: %s at %s: server certificate validation failed (%v); trust its CA with ansible_winrm_ca_trust_path or set ansible_winrm_server_cert_validation=ignore",
			what, endpointURL(c.cfg), err)}
	case strings.Contains(msg, "http error 401"), strings.Contains(msg, "http response error: 401"):
		return &transport.Unreachable{Host: c.host, Err: fmt.Errorf(
			"winrm: %s at %s: authentication failed (401) for user %q with transport %s", what, endpointURL(c.cfg), c.cfg.user, c.cfg.auth)}
	}
	return &transport.Unreachable{Host: c.host, Err: fmt.Errorf("winrm: %s at %s: %w", what, endpointURL(c.cfg), err)}
}

// Platform reports a PowerShell host.
func (c *Conn) Platform() transport.Platform {
	return transport.Platform{Shell: transport.ShellPowerShell, OSFamily: "windows"}
}

// Close deletes the remote shell.
func (c *Conn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.shell == nil {
		return nil
	}
	err := c.shell.Close()
	c.shell = nil
	return err
}

// becomeMessage is the answer to a command that asks for become.
const becomeMessage = "become is not supported on WinRM connections (swarmbook runs commands as ansible_user); remove become from this task or host"

// Run runs a PowerShell script on the host's shell.
func (c *Conn) Run(ctx context.Context, cmd transport.Command) (transport.Result, error) {
	if cmd.Become.Enabled {
		return transport.Result{ExitCode: 1, Stderr: []byte(becomeMessage)}, nil
	}
	stdin, err := pwsh.Stdin(cmd)
	if err != nil {
		return transport.Result{}, fmt.Errorf("winrm: reading command input: %w", err)
	}
	if cmd.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cmd.Timeout)
		defer cancel()
	}
	return c.exec(ctx, pwsh.CommandLine(), stdin)
}

// exec runs one command line with stdin on the shell, re-creating the
// shell once if the host forgot it (idle timeout, service restart).
func (c *Conn) exec(ctx context.Context, line string, stdin []byte) (transport.Result, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.shell == nil {
		if err := c.openShell(ctx); err != nil {
			return transport.Result{}, err
		}
	}
	cmd, err := c.shell.ExecuteWithContext(ctx, line)
	if err != nil && isShellGone(err) {
		if err = c.openShell(ctx); err == nil {
			cmd, err = c.shell.ExecuteWithContext(ctx, line)
		}
	}
	if err != nil {
		return transport.Result{}, c.unreachable("starting a command", err)
	}
	var stdout, stderr bytes.Buffer
	var wg sync.WaitGroup
	wg.Add(3)
	var sendErr error
	go func() {
		defer wg.Done()
		if len(stdin) > 0 {
			if _, err := cmd.Stdin.Write(stdin); err != nil {
				sendErr = err
			}
		}
		_ = cmd.Stdin.Close()
	}()
	go func() { defer wg.Done(); _, _ = io.Copy(&stdout, cmd.Stdout) }()
	go func() { defer wg.Done(); _, _ = io.Copy(&stderr, cmd.Stderr) }()
	cmd.Wait()
	wg.Wait()
	runErr := cmd.Error()
	_ = cmd.Close() // Signal terminate, as MS-WSMV asks after the final output
	if runErr != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return transport.Result{}, &transport.Unreachable{Host: c.host, Err: fmt.Errorf("winrm: command interrupted: %w", ctxErr)}
		}
		return transport.Result{}, c.unreachable("running a command", runErr)
	}
	if sendErr != nil {
		return transport.Result{}, c.unreachable("sending command input", sendErr)
	}
	return transport.Result{ExitCode: cmd.ExitCode(), Stdout: stdout.Bytes(), Stderr: pwsh.DecodeCLIXML(stderr.Bytes())}, nil
}

// isShellGone reports the fault of an unknown ShellId.
func isShellGone(err error) bool {
	var ece *mzwinrm.ExecuteCommandError
	if errors.As(err, &ece) {
		return strings.Contains(ece.Body, "InvalidSelectors") || strings.Contains(ece.Body, "2150858843")
	}
	return strings.Contains(err.Error(), "InvalidSelectors")
}
