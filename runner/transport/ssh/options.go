// Package ssh is the SSH transport: one TCP connection per host for the whole
// run (x/crypto/ssh), every command a session channel on it, files over one
// lazily opened SFTP subsystem (pkg/sftp), with OpenSSH client configuration,
// known_hosts verification, ProxyJump chains and privilege escalation.
package ssh

import (
	"context"
	"time"
)

// Options are run-wide settings (ansible.cfg, CLI flags). Per-host settings
// come from the Endpoint's variables and the OpenSSH client configuration.
type Options struct {
	// SSHConfigFile replaces ~/.ssh/config (the CLI's --ssh-config); a -F
	// in SSHArgs or a host's ssh args wins over it.
	SSHConfigFile string
	// SSHArgs is ansible.cfg's [ssh_connection] ssh_args.
	SSHArgs string
	// RemoteUser and RemotePort are ansible.cfg's remote_user/remote_port.
	RemoteUser string
	RemotePort int
	// PrivateKeyFile is ansible.cfg's private_key_file.
	PrivateKeyFile string
	// HostKeyChecking is ansible.cfg's host_key_checking; nil means true.
	HostKeyChecking *bool
	// Timeout is the connect timeout (ansible.cfg timeout); default 10s.
	Timeout time.Duration
	// MaxSessions bounds concurrent session channels per connection
	// (OpenSSH's MaxSessions); default 10. The SFTP subsystem counts as one.
	MaxSessions int
	// Password is the connection password given for every host (-k);
	// ansible_password overrides it per host.
	Password string
	// PasswordPrompt, when set, is asked for a password when a server offers
	// password authentication and none is known.
	PasswordPrompt func(ctx context.Context, user, host string) (string, error)
	// PassphrasePrompt, when set, is asked for the passphrase of an
	// encrypted private key (after $SWARMBOOK_SSH_PASSPHRASE).
	PassphrasePrompt func(ctx context.Context, keyFile string) (string, error)
	// Home is the user's home directory (for ~ and default keys); default
	// from the environment.
	Home string
	// LocalUser is the local user name (for %u and the default remote
	// user); default from the environment.
	LocalUser string
	// Getenv reads the environment (SSH_AUTH_SOCK, SWARMBOOK_SSH_PASSPHRASE,
	// ANSIBLE_HOST_KEY_CHECKING); default os.LookupEnv.
	Getenv func(string) (string, bool)
	// ConnectAttempts is how many times refused or timed-out connections
	// are tried; default 3. Authentication and host key failures are never
	// retried.
	ConnectAttempts int
	// RetryDelay is the first backoff between attempts; default 500ms.
	RetryDelay time.Duration
}
