package pwsh

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

	"github.com/swarmbook/swarmbook/modules/shquote"
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

func quote(s string) string { return shquote.PowerShell(s) }

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

// Runner runs one PowerShell script on a host; a transport's Conn.
type Runner interface {
	Run(ctx context.Context, cmd transport.Command) (transport.Result, error)
}

// Transfer moves files to and from a PowerShell host with scripts only:
// chunks travel base64-encoded inside the scripts, the whole file's
// SHA-256 is checked on the host before it is moved into place (Put) and
// on the controller after the last chunk (Get).
type Transfer struct {
	Runner    Runner
	ChunkSize int    // file bytes per command; must be positive
	Name      string // transport name that starts error messages ("winrm", "ssh")
}

// runScript runs a transfer script and turns a failure into an error.
func (x Transfer) runScript(ctx context.Context, what, script string) ([]byte, error) {
	res, err := x.Runner.Run(ctx, transport.Command{Script: script})
	if err != nil {
		return nil, err
	}
	if res.ExitCode != 0 {
		return nil, fmt.Errorf("%s: %s failed (rc=%d): %s", x.Name, what, res.ExitCode, strings.TrimSpace(string(res.Stderr)))
	}
	return res.Stdout, nil
}

// Put uploads src to dst through a temporary file next to it, one command
// per chunk, then checks the SHA-256 of the whole file on the host before
// moving it into place.
func (x Transfer) Put(ctx context.Context, dst string, src io.Reader) error {
	var suffix [6]byte
	_, _ = rand.Read(suffix[:])
	tmp := dst + ".swarmbook-" + hex.EncodeToString(suffix[:]) + ".tmp"
	h := sha256.New()
	buf := make([]byte, x.ChunkSize)
	first := true
	for {
		n, rerr := io.ReadFull(src, buf)
		if n > 0 || first {
			h.Write(buf[:n])
			if _, err := x.runScript(ctx, "uploading "+dst, putChunkScript(tmp, buf[:n], first)); err != nil {
				return err
			}
			first = false
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			return fmt.Errorf("%s: reading upload source for %s: %w", x.Name, dst, rerr)
		}
	}
	_, err := x.runScript(ctx, "verifying "+dst, putCommitScript(tmp, dst, hex.EncodeToString(h.Sum(nil))))
	return err
}

// fileInfo is what Swarmbook-FileInfo prints.
type fileInfo struct {
	Exists bool   `json:"exists"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Get downloads src into dst, one command per chunk, and checks its
// SHA-256. A missing file is an error wrapping fs.ErrNotExist.
func (x Transfer) Get(ctx context.Context, src string, dst io.Writer) error {
	out, err := x.runScript(ctx, "reading "+src, fileInfoScript(src))
	if err != nil {
		return err
	}
	var info fileInfo
	if err := json.Unmarshal(bytes.TrimSpace(out), &info); err != nil {
		return fmt.Errorf("%s: reading %s: unexpected answer %q", x.Name, src, bytes.TrimSpace(out))
	}
	if !info.Exists {
		return fmt.Errorf("%s: %s: %w", x.Name, src, fs.ErrNotExist)
	}
	h := sha256.New()
	w := io.MultiWriter(dst, h)
	for off := int64(0); off < info.Size; {
		n := int(min(int64(x.ChunkSize), info.Size-off))
		out, err := x.runScript(ctx, "downloading "+src, getChunkScript(src, off, n))
		if err != nil {
			return err
		}
		b, err := base64.StdEncoding.DecodeString(string(bytes.TrimSpace(out)))
		if err != nil || len(b) == 0 {
			return fmt.Errorf("%s: downloading %s: bad chunk at offset %d", x.Name, src, off)
		}
		if _, err := w.Write(b); err != nil {
			return fmt.Errorf("%s: writing download of %s: %w", x.Name, src, err)
		}
		off += int64(len(b))
	}
	if got := hex.EncodeToString(h.Sum(nil)); !strings.EqualFold(got, info.SHA256) {
		return fmt.Errorf("%s: downloading %s: checksum mismatch (host %s, received %s)", x.Name, src, info.SHA256, got)
	}
	return nil
}
