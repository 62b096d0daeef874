// Package transport holds the contract between the engine, the modules and the
// connection implementations (local, ssh, winrm): one live connection to one
// host, kept for the whole run.
package transport

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"time"
)

// Shell names the command dialect a host speaks.
type Shell string

const (
	ShellPOSIX      Shell = "sh"
	ShellPowerShell Shell = "powershell"
)

// Platform describes the host at the other end of a Conn.
type Platform struct {
	Shell    Shell  // dialect of Command.Script
	OSFamily string // "linux" or "windows" (lower case); refined later by facts
}

// Become describes privilege escalation for one command.
type Become struct {
	Enabled  bool
	Method   string // sudo (default), su, doas
	User     string // default root
	Password string // never placed on a command line
	Flags    string
}

// Command is one command to run on a host.
//
// Script is a complete script in the host's dialect (POSIX sh or PowerShell).
// The transport decides how to deliver it (argument to `sh -c`, stdin, a
// staged file); callers never worry about command-line length limits.
type Command struct {
	Script string
	Stdin  io.Reader         // optional input for the script
	Env    map[string]string // extra environment
	Dir    string            // working directory; empty: the login directory
	Become Become
	// Timeout bounds the command; zero means the context alone bounds it.
	Timeout time.Duration
}

// Result is what a command produced. A non-zero ExitCode is data, not an error.
type Result struct {
	ExitCode int
	Stdout   []byte
	Stderr   []byte
}

// Conn is one live connection to one host.
//
// A non-nil error from any method means the transport failed and the host is
// UNREACHABLE for this task (wrap or return ErrUnreachable-compatible errors);
// a command that ran and failed returns a Result with a non-zero ExitCode and a
// nil error.
type Conn interface {
	Run(ctx context.Context, cmd Command) (Result, error)
	// Put writes src to the file dst on the host with the given mode,
	// atomically (temporary file + rename). Under become it stages privately
	// and moves the file into place as the become user.
	Put(ctx context.Context, dst string, src io.Reader, mode fs.FileMode, become Become) error
	// Get copies the host file src into dst.
	Get(ctx context.Context, src string, dst io.Writer, become Become) error
	Platform() Platform
	Close() error
}

// Unreachable marks a transport failure: the host could not be reached,
// authenticated, or the connection broke during the command.
type Unreachable struct {
	Host string
	Err  error
}

func (e *Unreachable) Error() string { return e.Err.Error() }
func (e *Unreachable) Unwrap() error { return e.Err }

// IsUnreachable reports whether err is (or wraps) an *Unreachable.
func IsUnreachable(err error) bool {
	var u *Unreachable
	return errors.As(err, &u)
}

// Endpoint is what a dialer needs to reach one host: its inventory name and
// its resolved variables (ansible_host, ansible_port, ansible_user,
// ansible_password, ansible_ssh_private_key_file, ansible_ssh_common_args,
// ansible_winrm_*, ... as Ansible names them). Values are already templated.
type Endpoint struct {
	Name string
	Vars map[string]any
}

// Dialer opens a Conn to one host. Each transport package provides one.
type Dialer interface {
	Dial(ctx context.Context, ep Endpoint) (Conn, error)
}
