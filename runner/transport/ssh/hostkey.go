package ssh

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// hostKeys verifies server host keys against known_hosts files and records
// new ones for accept-new, once per file and host, safely across goroutines
// (a mutex) and processes (flock).
type hostKeys struct {
	mu sync.Mutex
}

// HostKeyError is a host key that could not be verified.
type HostKeyError struct {
	Host     string // address as known_hosts names it ("[127.0.0.2]:2222")
	Unknown  bool   // no key is known for the host
	Offered  string // SHA256 fingerprint the server offered
	Expected []string
	Files    []string
}

func (e *HostKeyError) Error() string {
	if e.Unknown {
		return fmt.Sprintf("host key for %s is unknown (%s %s); add it with ssh-keyscan or set StrictHostKeyChecking=accept-new",
			e.Host, "offered", e.Offered)
	}
	return fmt.Sprintf("HOST KEY MISMATCH for %s: known_hosts (%s) expects %s but the server offered %s; "+
		"if the host was rebuilt, remove the old key with ssh-keygen -R",
		e.Host, strings.Join(e.Files, ", "), strings.Join(e.Expected, " or "), e.Offered)
}

// callback returns the host key callback for t and the key algorithms to
// ask for (those of the keys already known, so a host known by its RSA key
// is not offered as ed25519 and reported as changed). errp receives the
// verification failure.
func (h *hostKeys) callback(t *target, errp *error) (ssh.HostKeyCallback, []string) {
	if t.strict == "no" {
		return func(string, net.Addr, ssh.PublicKey) error { return nil }, nil
	}
	files := existing(t.knownHosts)
	check := func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		if len(files) == 0 {
			return &knownhosts.KeyError{}
		}
		cb, err := knownhosts.New(files...)
		if err != nil {
			return fmt.Errorf("reading known_hosts: %w", err)
		}
		return cb(hostname, remote, key)
	}
	algos := knownAlgorithms(check, t.addr())
	return func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		err := check(hostname, remote, key)
		var ke *knownhosts.KeyError
		if err == nil || !errors.As(err, &ke) {
			*errp = err
			return err
		}
		herr := &HostKeyError{Host: knownhosts.Normalize(hostname), Offered: ssh.FingerprintSHA256(key), Files: files}
		if len(ke.Want) == 0 {
			herr.Unknown = true
			if t.strict == "accept-new" {
				if err := h.add(t.knownHosts, hostname, key, check, remote); err != nil {
					*errp = err
					return err
				}
				return nil
			}
		}
		for _, w := range ke.Want {
			herr.Expected = append(herr.Expected, ssh.FingerprintSHA256(w.Key))
		}
		*errp = herr
		return herr
	}, algos
}

// add appends key for hostname to the first known_hosts file, unless a
// concurrent dial already did.
func (h *hostKeys) add(files []string, hostname string, key ssh.PublicKey,
	check func(string, net.Addr, ssh.PublicKey) error, remote net.Addr) error {
	if len(files) == 0 || files[0] == os.DevNull {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	path := files[0]
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("known_hosts: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("known_hosts: %w", err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("known_hosts: lock %s: %w", path, err)
	}
	defer syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	// Another dial (or process) may have added it meanwhile.
	if cb, err := knownhosts.New(path); err == nil {
		if err := cb(hostname, remote, key); err == nil {
			return nil
		}
	}
	line := knownhosts.Line([]string{knownhosts.Normalize(hostname)}, key)
	if _, err := f.WriteString(line + "\n"); err != nil {
		return fmt.Errorf("known_hosts: %w", err)
	}
	return nil
}

// knownAlgorithms lists the host key algorithms of the keys known for addr.
func knownAlgorithms(check func(string, net.Addr, ssh.PublicKey) error, addr string) []string {
	probe := probeKey{}
	var ke *knownhosts.KeyError
	if err := check(addr, &net.TCPAddr{}, probe); !errors.As(err, &ke) || len(ke.Want) == 0 {
		return nil
	}
	var algos []string
	seen := map[string]bool{}
	for _, w := range ke.Want {
		for _, a := range algorithmsFor(w.Key.Type()) {
			if !seen[a] {
				seen[a] = true
				algos = append(algos, a)
			}
		}
	}
	return algos
}

func algorithmsFor(keyType string) []string {
	if keyType == ssh.KeyAlgoRSA {
		return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
	}
	return []string{keyType}
}

// probeKey is a key no host has, used to learn which keys are known.
type probeKey struct{}

func (probeKey) Type() string                        { return "swarmbook-probe" }
func (probeKey) Marshal() []byte                     { return []byte("\x00\x00\x00\x0fswarmbook-probe") }
func (probeKey) Verify([]byte, *ssh.Signature) error { return errors.New("probe") }

func existing(files []string) []string {
	var out []string
	for _, f := range files {
		if f == os.DevNull {
			continue
		}
		if st, err := os.Stat(f); err == nil && st.Mode().IsRegular() {
			out = append(out, f)
		}
	}
	return out
}
