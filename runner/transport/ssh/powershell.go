package ssh

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/swarmbook/swarmbook/runner/transport"
	"github.com/swarmbook/swarmbook/runner/transport/become"
	"github.com/swarmbook/swarmbook/runner/transport/pwsh"
)

// Windows over OpenSSH: a host whose ansible_shell_type is powershell
// (OpenSSH's DefaultShell set to PowerShell, as Ansible requires for that
// shell type) runs the same PowerShell scripts as WinRM. Each command is
// one session whose exec request is the fixed pwsh bootstrap command line;
// the script (prelude + script) and its input travel framed on stdin, and
// CLIXML on stderr is decoded. Files move with the shared chunked
// PowerShell transfer over those commands; SFTP is not used on Windows.

// psChunkSize is the number of file bytes per transfer command. SSH stdin
// is a plain stream (no WS-Man envelope limit), so chunks are larger than
// WinRM's 200 KiB: fewer PowerShell processes per file.
const psChunkSize = 1 << 20

// psBecomeMessage answers become on a PowerShell host.
const psBecomeMessage = "become is not supported on Windows hosts over SSH (Ansible would use runas; swarmbook runs commands as ansible_user); remove become from this task or host"

// shellOf reads ansible_shell_type: PowerShell for powershell (and pwsh),
// POSIX for everything else; cmd is refused, swarmbook's Windows modules
// need PowerShell.
func shellOf(ep transport.Endpoint) (transport.Shell, error) {
	switch st := strings.ToLower(str(ep.Vars, "ansible_shell_type")); st {
	case "powershell", "pwsh":
		return transport.ShellPowerShell, nil
	case "cmd":
		return "", fmt.Errorf("ssh: %s: ansible_shell_type=cmd is not supported; set OpenSSH's DefaultShell on the host to PowerShell and use ansible_shell_type=powershell", ep.Name)
	}
	return transport.ShellPOSIX, nil
}

// withShell returns c as the Conn for shell: c itself for POSIX hosts, a
// PowerShell view of it otherwise.
func withShell(c *Conn, shell transport.Shell) transport.Conn {
	if shell == transport.ShellPowerShell {
		return &psConn{Conn: c, chunk: psChunkSize}
	}
	return c
}

// psConn is an SSH connection to a Windows host whose commands run in
// PowerShell. It shares the connection, its session limit and its
// reconnects with Conn.
type psConn struct {
	*Conn
	chunk int // file bytes per transfer command
}

// Platform reports a PowerShell host on Windows.
func (c *psConn) Platform() transport.Platform {
	return transport.Platform{Shell: transport.ShellPowerShell, OSFamily: "windows"}
}

// Run runs a PowerShell script in a new session. Become is refused with a
// failed Result (exit code 1), as on WinRM.
func (c *psConn) Run(ctx context.Context, cmd transport.Command) (transport.Result, error) {
	if cmd.Become.Enabled {
		return transport.Result{ExitCode: 1, Stderr: []byte(psBecomeMessage)}, nil
	}
	stdin, err := pwsh.Stdin(cmd)
	if err != nil {
		return transport.Result{}, fmt.Errorf("ssh: %s: reading command input: %w", c.t.name, err)
	}
	if cmd.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cmd.Timeout)
		defer cancel()
	}
	if err := c.acquire(ctx); err != nil {
		return transport.Result{}, fmt.Errorf("ssh: %s: waiting for a session: %w", c.t.name, err)
	}
	defer c.release()
	res, err := c.exec(ctx, become.Plan{Command: pwsh.CommandLine()}, bytes.NewReader(stdin))
	res.Stderr = pwsh.DecodeCLIXML(res.Stderr)
	return res, err
}

func (c *psConn) transfer() pwsh.Transfer {
	return pwsh.Transfer{Runner: c, ChunkSize: c.chunk, Name: "ssh"}
}

// Put uploads src to the Windows path dst in chunks and checks its SHA-256
// on the host before moving it into place. mode is ignored (Windows has
// no POSIX modes); become is refused.
func (c *psConn) Put(ctx context.Context, dst string, src io.Reader, _ fs.FileMode, b transport.Become) error {
	if b.Enabled {
		return fmt.Errorf("ssh: %s: %s", c.t.name, psBecomeMessage)
	}
	return c.transfer().Put(ctx, dst, src)
}

// Get downloads the Windows file src into dst in chunks and checks its
// SHA-256; become is refused.
func (c *psConn) Get(ctx context.Context, src string, dst io.Writer, b transport.Become) error {
	if b.Enabled {
		return fmt.Errorf("ssh: %s: %s", c.t.name, psBecomeMessage)
	}
	return c.transfer().Get(ctx, src, dst)
}
