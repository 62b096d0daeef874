package winrm

import (
	"context"
	"fmt"
	"io"
	"io/fs"

	"github.com/swarmbook/swarmbook/runner/transport"
	"github.com/swarmbook/swarmbook/runner/transport/pwsh"
)

// transfer moves files with the shared PowerShell chunk scripts.
func (c *Conn) transfer() pwsh.Transfer {
	return pwsh.Transfer{Runner: c, ChunkSize: c.opts.ChunkSize, Name: "winrm"}
}

// Put uploads src to dst in chunks through stdin, then checks the SHA-256 of
// the whole file on the host before moving it into place. mode is ignored
// (Windows has no POSIX modes); become is not supported.
func (c *Conn) Put(ctx context.Context, dst string, src io.Reader, _ fs.FileMode, become transport.Become) error {
	if become.Enabled {
		return fmt.Errorf("winrm: %s", becomeMessage)
	}
	return c.transfer().Put(ctx, dst, src)
}

// Get downloads src into dst in chunks and checks its SHA-256.
func (c *Conn) Get(ctx context.Context, src string, dst io.Writer, become transport.Become) error {
	if become.Enabled {
		return fmt.Errorf("winrm: %s", becomeMessage)
	}
	return c.transfer().Get(ctx, src, dst)
}
