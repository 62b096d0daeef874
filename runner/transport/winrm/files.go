package winrm

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/swarmbook/swarmbook/runner/transport"
)

// fileHelpers are the PowerShell functions the file transfer scripts call.
const fileHelpers = `function Swarmbook-PutChunk {
    param([string]$Path, [string]$Data, [string]$Mode)
    $bytes = [Convert]::FromBase64String($Data)
    $fileMode = [IO.FileMode]::Append
    if ($Mode -eq 'Create') { $fileMode = [IO.FileMode]::Create }
    $fs = [IO.File]::Open($Path, $fileMode, [IO.FileAccess]::Write)
    try { $fs.Write($bytes, 0, $bytes.Length) } finally { $fs.Dispose() }
}
function Swarmbook-PutCommit {
    param([string]$Temp, [string]$Path, [string]$Checksum)
    $actual = (Get-FileHash -LiteralPath $Temp -Algorithm SHA256).Hash
    if ($actual -ne $Checksum) {
        Remove-Item -LiteralPath $Temp -Force
        throw "checksum mismatch for ${Path}: expected $Checksum, got $actual"
    }
    Move-Item -LiteralPath $Temp -Destination $Path -Force
}
function Swarmbook-GetChunk {
    param([string]$Path, [long]$Offset, [int]$Count)
    $fs = [IO.File]::Open($Path, [IO.FileMode]::Open, [IO.FileAccess]::Read, [IO.FileShare]::ReadWrite)
    try {
        $null = $fs.Seek($Offset, [IO.SeekOrigin]::Begin)
        $buf = New-Object byte[] $Count
        $n = 0
        while ($n -lt $Count) {
            $r = $fs.Read($buf, $n, $Count - $n)
            if ($r -le 0) { break }
            $n += $r
        }
        [Console]::Out.Write([Convert]::ToBase64String($buf, 0, $n))
    } finally { $fs.Dispose() }
}
function Swarmbook-FileInfo {
    param([string]$Path)
    if (Test-Path -LiteralPath $Path -PathType Leaf) {
        $item = Get-Item -LiteralPath $Path
        $hash = (Get-FileHash -LiteralPath $Path -Algorithm SHA256).Hash
        Write-Output (@{ exists = $true; size = $item.Length; sha256 = $hash } | ConvertTo-Json -Compress)
    } else {
        Write-Output '{"exists":false}'
    }
}
`

// putChunkScript appends (or, first, creates) one chunk of a temporary file.
func putChunkScript(tmp string, chunk []byte, first bool) string {
	mode := "Append"
	if first {
		mode = "Create"
	}
	return fileHelpers + "Swarmbook-PutChunk -Path " + quote(tmp) + " -Data " +
		quote(base64.StdEncoding.EncodeToString(chunk)) + " -Mode " + mode + "\n"
}

// putCommitScript verifies the temporary file's SHA-256 and moves it into place.
func putCommitScript(tmp, dst, sum string) string {
	return fileHelpers + "Swarmbook-PutCommit -Temp " + quote(tmp) + " -Path " + quote(dst) +
		" -Checksum " + quote(strings.ToUpper(sum)) + "\n"
}

func getChunkScript(src string, off int64, n int) string {
	return fmt.Sprintf("%sSwarmbook-GetChunk -Path %s -Offset %d -Count %d\n", fileHelpers, quote(src), off, n)
}

func fileInfoScript(p string) string {
	return fileHelpers + "Swarmbook-FileInfo -Path " + quote(p) + "\n"
}

// runScript runs a transfer script and turns a failure into an error.
func (c *Conn) runScript(ctx context.Context, what, script string) ([]byte, error) {
	res, err := c.Run(ctx, transport.Command{Script: script})
	if err != nil {
		return nil, err
	}
	if res.ExitCode != 0 {
		return nil, fmt.Errorf("winrm: %s failed (rc=%d): %s", what, res.ExitCode, strings.TrimSpace(string(res.Stderr)))
	}
	return res.Stdout, nil
}

// Put uploads src to dst in chunks through stdin, then checks the SHA-256 of
// the whole file on the host before moving it into place. mode is ignored
// (Windows has no POSIX modes); become is not supported.
func (c *Conn) Put(ctx context.Context, dst string, src io.Reader, _ fs.FileMode, become transport.Become) error {
	if become.Enabled {
		return fmt.Errorf("winrm: %s", becomeMessage)
	}
	var suffix [6]byte
	_, _ = rand.Read(suffix[:])
	tmp := dst + ".swarmbook-" + hex.EncodeToString(suffix[:]) + ".tmp"
	h := sha256.New()
	buf := make([]byte, c.opts.ChunkSize)
	first := true
	for {
		n, rerr := io.ReadFull(src, buf)
		if n > 0 || first {
			h.Write(buf[:n])
			if _, err := c.runScript(ctx, "uploading "+dst, putChunkScript(tmp, buf[:n], first)); err != nil {
				return err
			}
			first = false
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			return fmt.Errorf("winrm: reading upload source for %s: %w", dst, rerr)
		}
	}
	_, err := c.runScript(ctx, "verifying "+dst, putCommitScript(tmp, dst, hex.EncodeToString(h.Sum(nil))))
	return err
}

// fileInfo is what Swarmbook-FileInfo prints.
type fileInfo struct {
	Exists bool   `json:"exists"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Get downloads src into dst in chunks and checks its SHA-256.
func (c *Conn) Get(ctx context.Context, src string, dst io.Writer, become transport.Become) error {
	if become.Enabled {
		return fmt.Errorf("winrm: %s", becomeMessage)
	}
	out, err := c.runScript(ctx, "reading "+src, fileInfoScript(src))
	if err != nil {
		return err
	}
	var info fileInfo
	if err := json.Unmarshal(bytes.TrimSpace(out), &info); err != nil {
		return fmt.Errorf("winrm: reading %s: unexpected answer %q", src, bytes.TrimSpace(out))
	}
	if !info.Exists {
		return fmt.Errorf("winrm: %s: %w", src, fs.ErrNotExist)
	}
	h := sha256.New()
	w := io.MultiWriter(dst, h)
	for off := int64(0); off < info.Size; {
		n := int(min(int64(c.opts.ChunkSize), info.Size-off))
		out, err := c.runScript(ctx, "downloading "+src, getChunkScript(src, off, n))
		if err != nil {
			return err
		}
		b, err := base64.StdEncoding.DecodeString(string(bytes.TrimSpace(out)))
		if err != nil || len(b) == 0 {
			return fmt.Errorf("winrm: downloading %s: bad chunk at offset %d", src, off)
		}
		if _, err := w.Write(b); err != nil {
			return fmt.Errorf("winrm: writing download of %s: %w", src, err)
		}
		off += int64(len(b))
	}
	if got := hex.EncodeToString(h.Sum(nil)); !strings.EqualFold(got, info.SHA256) {
		return fmt.Errorf("winrm: downloading %s: checksum mismatch (host %s, received %s)", src, info.SHA256, got)
	}
	return nil
}
