package winrm

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/xml"
	"strconv"
	"strings"
	"unicode/utf16"
)

// bootstrap is the small PowerShell program on the command line. It reads
// stdin as "<script byte length>\n<script><pipeline input>" in UTF-8, runs
// the script as a script block (pipeline input, if any, piped to it) and
// exits with the script's exit code. The script itself never touches the
// command line, so its length is unlimited (cmd.exe's 8191-character limit
// applies only to this fixed bootstrap).
const bootstrap = `$ErrorActionPreference = 'Stop'
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

// commandLine is the WinRS command line that runs bootstrap.
func commandLine() string {
	return "powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand " + encodeCommand(bootstrap)
}

// encodeCommand is PowerShell's -EncodedCommand form: base64 of UTF-16LE.
func encodeCommand(script string) string {
	u := utf16.Encode([]rune(script))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		binary.LittleEndian.PutUint16(b[2*i:], c)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// frame builds the bootstrap's stdin.
func frame(script string, input []byte) []byte {
	head := strconv.Itoa(len(script)) + "\n"
	out := make([]byte, 0, len(head)+len(script)+len(input))
	out = append(out, head...)
	out = append(out, script...)
	return append(out, input...)
}

// quote is a single-quoted PowerShell literal.
func quote(s string) string {
	r := strings.NewReplacer("'", "''", "\u2018", "\u2018\u2018", "\u2019", "\u2019\u2019",
		"\u201a", "\u201a\u201a", "\u201b", "\u201b\u201b")
	return "'" + r.Replace(s) + "'"
}

// DecodeCLIXML turns PowerShell's serialized error stream ("#< CLIXML"
// followed by an Objs document) into readable text: the Error-stream
// strings with _xHHHH_ escapes decoded; progress and other records are
// dropped. Input that is not CLIXML is returned unchanged; text before the
// marker is kept.
func DecodeCLIXML(b []byte) []byte {
	s := string(b)
	i := strings.Index(s, "#< CLIXML")
	if i < 0 {
		return b
	}
	out := s[:i]
	doc := strings.TrimLeft(s[i+len("#< CLIXML"):], "\r\n")
	dec := xml.NewDecoder(strings.NewReader(doc))
	var text strings.Builder
	inError := false
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			inError = false
			if t.Name.Local == "S" {
				for _, a := range t.Attr {
					if a.Name.Local == "S" && a.Value == "Error" {
						inError = true
					}
				}
			}
		case xml.CharData:
			if inError {
				text.WriteString(unescapeCLIXML(string(t)))
			}
		case xml.EndElement:
			inError = false
		}
	}
	return []byte(out + text.String())
}

// unescapeCLIXML decodes _xHHHH_ escapes.
func unescapeCLIXML(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "_x")
		if i < 0 || len(s) < i+7 || s[i+6] != '_' {
			b.WriteString(s)
			return b.String()
		}
		n, err := strconv.ParseUint(s[i+2:i+6], 16, 16)
		if err != nil {
			b.WriteString(s[:i+2])
			s = s[i+2:]
			continue
		}
		b.WriteString(s[:i])
		b.WriteRune(rune(n))
		s = s[i+7:]
	}
}
