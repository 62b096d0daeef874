package ssh

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"github.com/swarmbook/swarmbook/modules/shquote"
	"github.com/swarmbook/swarmbook/runner/transport"
)

// sftpClient returns the connection's SFTP client, opening the subsystem on
// first use. It holds one session slot while open.
func (c *Conn) sftpClient(ctx context.Context) (*sftp.Client, error) {
	c.mu.Lock()
	if c.sftp != nil {
		sc := c.sftp
		c.mu.Unlock()
		return sc, nil
	}
	c.mu.Unlock()
	if err := c.acquire(ctx); err != nil {
		return nil, fmt.Errorf("ssh: %s: waiting for a session: %w", c.t.name, err)
	}
	s, cl, err := c.session(ctx)
	if err != nil {
		c.release()
		return nil, err
	}
	sc, err := newSFTP(s)
	if err != nil {
		c.release()
		s.Close()
		return nil, c.unreachable("ssh: %s: starting sftp: %w", c.t.name, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cl != cl || c.sftp != nil { // dropped meanwhile, or another caller won
		sc.Close()
		c.release()
		if c.sftp != nil {
			return c.sftp, nil
		}
		return nil, c.unreachable("ssh: %s: connection lost while starting sftp", c.t.name)
	}
	c.sftp = sc
	return sc, nil
}

func randomName(prefix string) string {
	b := make([]byte, 12)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// Put writes src to dst atomically with mode. Without escalation it goes
// through SFTP (temporary file in dst's directory, chmod, rename). Under
// become the bytes are streamed to `cat` running as the become user, into a
// temporary file beside dst that is then chmodded and renamed, so the file
// is owned by the become user from the start.
func (c *Conn) Put(ctx context.Context, dst string, src io.Reader, mode fs.FileMode, b transport.Become) error {
	b = c.escalation(b)
	if b.Enabled {
		return c.putBecome(ctx, dst, src, mode, b)
	}
	sc, err := c.sftpClient(ctx)
	if err != nil {
		return err
	}
	tmp := path.Join(path.Dir(dst), randomName(".swarmbook-tmp-"))
	f, err := sc.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL)
	if err != nil {
		return c.fileErr("put", dst, err)
	}
	ok := false
	defer func() {
		if !ok {
			f.Close()
			sc.Remove(tmp)
		}
	}()
	if err := f.Chmod(0o600); err != nil {
		return c.fileErr("put", dst, err)
	}
	if _, err := f.ReadFrom(src); err != nil {
		return c.fileErr("put", dst, err)
	}
	if err := f.Chmod(mode.Perm()); err != nil {
		return c.fileErr("put", dst, err)
	}
	if err := f.Close(); err != nil {
		return c.fileErr("put", dst, err)
	}
	if err := sc.PosixRename(tmp, dst); err != nil {
		return c.fileErr("put", dst, err)
	}
	ok = true
	return nil
}

// fileErr reports a file transfer failure: Unreachable when the connection
// broke, a plain error (permission denied, no such directory) otherwise.
func (c *Conn) fileErr(op, p string, err error) error {
	c.mu.Lock()
	alive := c.cl != nil
	c.mu.Unlock()
	if !alive || err == sftp.ErrSSHFxConnectionLost || err == io.ErrUnexpectedEOF {
		return c.unreachable("ssh: %s: %s %s: connection lost: %w", c.t.name, op, p, err)
	}
	return fmt.Errorf("%s %s: %w", op, p, err)
}

// putScript writes the output of reader (a command) to dst atomically.
func putScript(dst string, mode fs.FileMode, reader string) string {
	q := shquote.POSIX(dst)
	tmp := "\"$(dirname -- " + q + ")/" + randomName(".swarmbook-tmp-") + "\""
	return "set -e\nt=" + tmp + "\ntrap 'rm -f -- \"$t\"' EXIT\numask 077\n" + reader + " > \"$t\"\n" +
		fmt.Sprintf("chmod %04o \"$t\"\n", mode.Perm()) + "mv -f -- \"$t\" " + q + "\ntrap - EXIT\n"
}

func (c *Conn) putBecome(ctx context.Context, dst string, src io.Reader, mode fs.FileMode, b transport.Become) error {
	var res transport.Result
	var err error
	if needsPTY(b) {
		// A pty mangles binary input: stage privately, then copy as the
		// become user.
		staged, cleanup, serr := c.stage(ctx, src, b.User != "" && b.User != "root")
		if serr != nil {
			return serr
		}
		defer cleanup()
		res, err = c.Run(ctx, transport.Command{Script: putScript(dst, mode, "cat -- "+shquote.POSIX(staged)), Become: b})
	} else {
		res, err = c.Run(ctx, transport.Command{Script: putScript(dst, mode, "cat"), Stdin: src, Become: b})
	}
	if err != nil {
		return err
	}
	if res.ExitCode != 0 {
		return fmt.Errorf("put %s: %s", dst, strings.TrimSpace(string(res.Stderr)))
	}
	return nil
}

// Get copies the host file src into dst: through SFTP, or `cat` as the
// become user (base64 through a pty).
func (c *Conn) Get(ctx context.Context, src string, dst io.Writer, b transport.Become) error {
	b = c.escalation(b)
	if b.Enabled {
		script := "cat -- " + shquote.POSIX(src)
		pty := needsPTY(b)
		if pty {
			script = "base64 < " + shquote.POSIX(src)
		}
		res, err := c.Run(ctx, transport.Command{Script: script, Become: b})
		if err != nil {
			return err
		}
		if res.ExitCode != 0 {
			return fmt.Errorf("get %s: %s", src, strings.TrimSpace(string(res.Stderr)+string(res.Stdout)))
		}
		out := res.Stdout
		if pty {
			clean := bytes.Map(func(r rune) rune {
				if r == '\r' || r == '\n' {
					return -1
				}
				return r
			}, out)
			if out, err = base64.StdEncoding.DecodeString(string(clean)); err != nil {
				return fmt.Errorf("get %s: decoding: %w", src, err)
			}
		}
		_, err = dst.Write(out)
		return err
	}
	sc, err := c.sftpClient(ctx)
	if err != nil {
		return err
	}
	f, err := sc.Open(src)
	if err != nil {
		return c.fileErr("get", src, err)
	}
	defer f.Close()
	if _, err := f.WriteTo(dst); err != nil {
		return c.fileErr("get", src, err)
	}
	return nil
}

// stage writes content to a new private directory in /tmp over SFTP and
// returns the file's path and a cleanup. With shared set, the directory is
// 0711 and the file 0644 under an unguessable name, so another become user
// can read it (as Ansible's world-readable temporary files); otherwise 0700
// and 0600.
func (c *Conn) stage(ctx context.Context, content io.Reader, shared bool) (string, func(), error) {
	sc, err := c.sftpClient(ctx)
	if err != nil {
		return "", nil, err
	}
	dir := "/tmp/" + randomName(".swarmbook-")
	if err := sc.Mkdir(dir); err != nil {
		return "", nil, c.fileErr("stage", dir, err)
	}
	cleanup := func() {
		sc.RemoveAll(dir)
	}
	dmode, fmode := fs.FileMode(0o700), fs.FileMode(0o600)
	if shared {
		dmode, fmode = 0o711, 0o644
	}
	if err := sc.Chmod(dir, dmode); err != nil {
		cleanup()
		return "", nil, c.fileErr("stage", dir, err)
	}
	p := path.Join(dir, randomName("s"))
	f, err := sc.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL)
	if err == nil {
		err = f.Chmod(fmode)
		if err == nil {
			_, err = f.ReadFrom(content)
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		cleanup()
		return "", nil, c.fileErr("stage", p, err)
	}
	return p, cleanup, nil
}

// stageScript stages a long script for `sh file`.
func (c *Conn) stageScript(ctx context.Context, script string, b transport.Become) (string, func(), error) {
	b = c.escalation(b)
	shared := b.Enabled && b.User != "" && b.User != "root"
	return c.stage(ctx, strings.NewReader(script), shared)
}

// newSFTP starts the sftp subsystem on s.
func newSFTP(s *ssh.Session) (*sftp.Client, error) {
	w, err := s.StdinPipe()
	if err != nil {
		return nil, err
	}
	r, err := s.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := s.RequestSubsystem("sftp"); err != nil {
		return nil, err
	}
	return sftp.NewClientPipe(r, w, sftp.UseConcurrentWrites(true))
}
