package ssh

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// auth is the authentication plan for one target: its methods and a
// description of what was tried, for the failure message (never secrets).
type auth struct {
	methods []ssh.AuthMethod
	tried   []string
	closers []func()
}

func (a *auth) close() {
	for _, c := range a.closers {
		c()
	}
}

// AuthError is an authentication failure.
type AuthError struct {
	User, Addr string
	Tried      []string
}

func (e *AuthError) Error() string {
	tried := "none"
	if len(e.Tried) > 0 {
		tried = strings.Join(e.Tried, ", ")
	}
	return fmt.Sprintf("ssh: authentication failed for user %q on %s (tried: %s)", e.User, e.Addr, tried)
}

// authFor builds the methods: public keys (explicit files, then the
// defaults when none is given, then ssh-agent unless IdentitiesOnly), then
// password and keyboard-interactive.
func (d *Dialer) authFor(ctx context.Context, t *target) *auth {
	a := &auth{}
	var signers []ssh.Signer
	var keyNames []string
	files := t.identities
	explicit := len(files) > 0
	if !explicit {
		for _, n := range []string{"id_rsa", "id_ecdsa", "id_ed25519"} {
			files = append(files, d.home()+"/.ssh/"+n)
		}
	}
	for _, f := range files {
		s, err := d.loadKey(ctx, f)
		if err != nil {
			if explicit || !errors.Is(err, os.ErrNotExist) {
				a.tried = append(a.tried, fmt.Sprintf("publickey (%s: %v)", d.tilde(f), errShort(err)))
			}
			continue
		}
		signers = append(signers, s)
		keyNames = append(keyNames, d.tilde(f))
	}
	if !t.identitiesOnly {
		if sock, ok := d.getenv("SSH_AUTH_SOCK"); ok && sock != "" {
			if c, err := net.Dial("unix", sock); err == nil {
				a.closers = append(a.closers, func() { c.Close() })
				if as, err := agent.NewClient(c).Signers(); err == nil && len(as) > 0 {
					signers = append(signers, as...)
					keyNames = append(keyNames, fmt.Sprintf("ssh-agent, %d keys", len(as)))
				}
			}
		}
	}
	if len(signers) > 0 {
		a.methods = append(a.methods, ssh.PublicKeys(signers...))
		a.tried = append(a.tried, "publickey ("+strings.Join(keyNames, ", ")+")")
	}
	pw := t.password
	if pw != "" {
		a.methods = append(a.methods, ssh.Password(pw), ssh.KeyboardInteractive(answerWith(pw)))
		a.tried = append(a.tried, "password", "keyboard-interactive")
	} else if d.opts.PasswordPrompt != nil {
		prompt := func() (string, error) { return d.opts.PasswordPrompt(ctx, t.user, t.addr()) }
		a.methods = append(a.methods, ssh.PasswordCallback(prompt))
		a.tried = append(a.tried, "password (prompted)")
	}
	return a
}

// answerWith answers keyboard-interactive password questions.
func answerWith(pw string) ssh.KeyboardInteractiveChallenge {
	return func(_, _ string, questions []string, echos []bool) ([]string, error) {
		answers := make([]string, len(questions))
		for i := range questions {
			if !echos[i] {
				answers[i] = pw
			}
		}
		return answers, nil
	}
}

// loadKey reads a private key, asking for its passphrase when encrypted.
func (d *Dialer) loadKey(ctx context.Context, path string) (ssh.Signer, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s, err := ssh.ParsePrivateKey(pem)
	var missing *ssh.PassphraseMissingError
	if !errors.As(err, &missing) {
		if err != nil {
			return nil, fmt.Errorf("unreadable key: %w", errShort(err))
		}
		return s, nil
	}
	pass, ok := d.getenv("SWARMBOOK_SSH_PASSPHRASE")
	if !ok && d.opts.PassphrasePrompt != nil {
		if pass, err = d.opts.PassphrasePrompt(ctx, path); err != nil {
			return nil, fmt.Errorf("passphrase: %w", err)
		}
		ok = true
	}
	if !ok {
		return nil, errors.New("encrypted, no passphrase (set SWARMBOOK_SSH_PASSPHRASE)")
	}
	s, err = ssh.ParsePrivateKeyWithPassphrase(pem, []byte(pass))
	if err != nil {
		return nil, errors.New("wrong passphrase")
	}
	return s, nil
}

// errShort drops the package prefix of parse errors (they never hold key
// material or passphrases).
func errShort(err error) error {
	if err == nil {
		return nil
	}
	return errors.New(strings.TrimPrefix(err.Error(), "ssh: "))
}

// tilde shows home-relative paths with ~.
func (d *Dialer) tilde(p string) string {
	if h := d.home(); h != "" && strings.HasPrefix(p, h+"/") {
		return "~" + p[len(h):]
	}
	return p
}
