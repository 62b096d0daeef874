// Package pwsh holds what every transport to a PowerShell host shares: the
// fixed bootstrap command line that reads the real script from stdin, the
// stdin framing, the per-command prelude (environment and directory), the
// decoding of CLIXML error streams, and chunked file transfer with SHA-256
// verification built only on "run a script". WinRM and SSH (OpenSSH on
// Windows with ansible_shell_type=powershell) both use it.
package pwsh

import (
	"encoding/base64"
	"encoding/binary"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/swarmbook/swarmbook/modules/shquote"
	"github.com/swarmbook/swarmbook/runner/transport"
)

// Bootstrap is the small PowerShell program on the command line. It reads
// stdin as "<script byte length>\n<script><pipeline input>" in UTF-8, runs
// the script as a script block (pipeline input, if any, piped to it) and
// exits with the script's exit code. The script itself never touches the
// command line, so its length is unlimited (cmd.exe's 8191-character limit
// applies only to this fixed bootstrap).
const Bootstrap = `$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$utf8 = New-Object System.Text.UTF8Encoding $false
[Console]::OutputEncoding = $utf8
$stdin = [Console]::OpenStandardInput()
$buffer = New-Object System.IO.MemoryStream
$stdin.CopyTo($buffer)
$bytes = $buffer.ToArray()
$newline = [Array]::IndexOf($bytes, [byte]10)
$length = [int]$utf8.GetString($bytes, 0, $newline)
$script = $utf8.GetString($bytes, $newline + 1, $length)
$restStart = $newline + 1 + $length
$rest = $utf8.GetString($bytes, $restStart, $bytes.Length - $restStart)
$block = [ScriptBlock]::Create($script)
$global:LASTEXITCODE = 0
try {
    if ($rest.Length -gt 0) { $rest | & $block } else { & $block }
} catch {
    [Console]::Error.WriteLine(($_ | Out-String))
    exit 1
}
exit $LASTEXITCODE
`

// CommandLine is the command line that runs Bootstrap. It is valid both
// for cmd.exe (WinRS, OpenSSH's default shell) and for PowerShell as
// OpenSSH's DefaultShell.
func CommandLine() string {
	return "powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand " + EncodeCommand(Bootstrap)
}

// EncodeCommand is PowerShell's -EncodedCommand form: base64 of UTF-16LE.
func EncodeCommand(script string) string {
	u := utf16.Encode([]rune(script))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		binary.LittleEndian.PutUint16(b[2*i:], c)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// Frame builds the Bootstrap's stdin for script and its pipeline input.
func Frame(script string, input []byte) []byte {
	head := strconv.Itoa(len(script)) + "\n"
	out := make([]byte, 0, len(head)+len(script)+len(input))
	out = append(out, head...)
	out = append(out, script...)
	return append(out, input...)
}

// Stdin builds the Bootstrap's stdin for cmd: Prelude and cmd.Script as
// the script, everything cmd.Stdin holds (if set) as the pipeline input.
// An error is one reading cmd.Stdin.
func Stdin(cmd transport.Command) ([]byte, error) {
	var input []byte
	if cmd.Stdin != nil {
		b, err := io.ReadAll(cmd.Stdin)
		if err != nil {
			return nil, err
		}
		input = b
	}
	return Frame(Prelude(cmd)+cmd.Script, input), nil
}

// Prelude sets cmd's environment (sorted, for stable scripts) and working
// directory; it is put before cmd.Script.
func Prelude(cmd transport.Command) string {
	var b strings.Builder
	keys := make([]string, 0, len(cmd.Env))
	for k := range cmd.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b.WriteString("$env:" + k + " = " + shquote.PowerShell(cmd.Env[k]) + "\n")
	}
	if cmd.Dir != "" {
		b.WriteString("Set-Location -LiteralPath " + shquote.PowerShell(cmd.Dir) + "\n")
	}
	return b.String()
}
