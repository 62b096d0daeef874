package winrmtest

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/swarmbook/swarmbook/modules/shquote"
)

// The PowerShell stand-in.
//
// There is no PowerShell on the test machines, so PowerShell command lines
// run a stand-in: a real child process (the test binary re-executed, see
// StandInMain) with real pipes and exit codes that executes a small,
// documented subset of PowerShell. It proves that scripts, input and
// output travel intact and that exit codes and error streams are handled;
// it does not prove PowerShell semantics.
//
// Invocation: `powershell.exe ... -EncodedCommand <base64 UTF-16LE>`. When
// the decoded command reads its script from standard input (it mentions
// OpenStandardInput, as swarmbook's bootstrap does), stdin is framed as
// "<script byte length>\n<script><pipeline input>"; otherwise the decoded
// command is the script. `-Command -` reads the whole of stdin as the script.
//
// Statements, one per line (blank lines and # comments are skipped,
// `function Name ... { ... }` blocks are skipped):
//
//	$name = '<literal>'          $env:NAME = '<literal>'
//	Write-Output <arg>           (arg: '<literal>', $name, $env:NAME)
//	[Console]::Out.Write(<arg>)  [Console]::Error.WriteLine(<arg>)
//	Write-Error <arg>            error record as CLIXML on stderr, exit 1
//	$input | Write-Output        copies the pipeline input to stdout
//	exit <n>                     Set-Location -LiteralPath <arg> (accepted, no effect)
//	#standin:digest              prints "length=<bytes> sha256=<hex>" of the script
//	Swarmbook-PutChunk -Path <arg> -Data <base64 arg> -Mode Create|Append
//	Swarmbook-PutCommit -Temp <arg> -Path <arg> -Checksum <hex arg>
//	Swarmbook-GetChunk -Path <arg> -Offset <n> -Count <n>
//	Swarmbook-FileInfo -Path <arg>
//	throw <arg>                  message on stderr, exit 1
//	if (<cond>) { <statement> }  then `elseif (<cond>) { <statement> }` and
//	                             `else { <statement> }` lines; cond is
//	                             <arg> -eq <arg> (case-insensitive) or
//	                             $var.PSIsContainer; $null is ''
//	$var = Get-Item -LiteralPath <arg> -Force -ErrorAction SilentlyContinue
//	                             the mapped path, or '' when it is missing
//	Write-Output (ConvertTo-Json -Compress @{ k = <value>; ... })
//	                             value: <arg>, $true, $false or
//	                             (Get-FileHash -LiteralPath <arg> -Algorithm SHA256).Hash
//
// The Swarmbook-* helpers (swarmbook's file transfer functions) are done
// natively with Windows paths mapped below the server's Root (C:\a\b ->
// Root/C/a/b). Any other statement fails with exit 99, so a script outside
// the subset cannot pass unnoticed.

const (
	standInVar  = "WINRMTEST_POWERSHELL_STANDIN"
	standInRoot = "WINRMTEST_ROOT"
	standInCmd  = "WINRMTEST_CMDLINE"
)

// StandInMain makes a test binary act as the PowerShell stand-in when the
// server started it; call it first in TestMain. It returns without effect
// otherwise.
func StandInMain() {
	if os.Getenv(standInVar) != "1" {
		return
	}
	os.Exit(runStandIn(os.Getenv(standInCmd), os.Getenv(standInRoot), os.Stdin, os.Stdout, os.Stderr))
}

type standIn struct {
	root string
	vars map[string]string
	// readInput returns the pipeline input ($input).
	readInput func() []byte
	script    string
	stdout    io.Writer
	stderr    io.Writer
	// chainDone: a branch of the current if/elseif/else chain ran.
	chainDone bool
}

// WriteStandInCommand writes an executable shell script at path that runs
// the stand-in the way a server starting `powershell.exe <args>` would:
// exe is a test binary whose TestMain calls StandInMain, its arguments
// become the command line, root holds the stand-in's Windows file system.
// Put it on the PATH of a server that runs command lines through a shell
// (sshd with OpenSSH's DefaultShell role played by /bin/sh).
func WriteStandInCommand(path, exe, root string) error {
	script := "#!/bin/sh\n" + standInVar + "=1 " + standInRoot + "=" + shquote.POSIX(root) +
		" " + standInCmd + "=\"powershell.exe $*\" exec " + shquote.POSIX(exe) + "\n"
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		return fmt.Errorf("winrmtest: writing the stand-in command: %w", err)
	}
	return nil
}

func runStandIn(cmdline, root string, stdin io.Reader, stdout, stderr io.Writer) int {
	// stdin is read only when the invocation takes its script from it;
	// otherwise (like powershell.exe) the stand-in does not wait for input
	// a client may never close, and $input reads it on demand.
	readAll := func() []byte {
		in, err := io.ReadAll(stdin)
		if err != nil {
			fmt.Fprintln(stderr, "stand-in: reading stdin:", err)
		}
		return in
	}
	s := &standIn{readInput: readAll, root: root, vars: map[string]string{}, stdout: stdout, stderr: stderr}
	f := strings.Fields(cmdline)
	enc := ""
	for i := 1; i < len(f); i++ {
		switch strings.ToLower(f[i]) {
		case "-encodedcommand", "-enc", "-e", "-ec":
			if i+1 < len(f) {
				enc = f[i+1]
			}
		case "-command", "-c":
			if i+1 < len(f) && f[i+1] == "-" {
				s.script = string(readAll())
			}
		}
	}
	if enc != "" {
		raw, err := base64.StdEncoding.DecodeString(enc)
		if err != nil || len(raw)%2 != 0 {
			fmt.Fprintln(stderr, "stand-in: -EncodedCommand is not base64 UTF-16LE")
			return 98
		}
		u := make([]uint16, len(raw)/2)
		for i := range u {
			u[i] = binary.LittleEndian.Uint16(raw[2*i:])
		}
		decoded := string(utf16.Decode(u))
		if strings.Contains(decoded, "OpenStandardInput") {
			head, rest, ok := bytes.Cut(readAll(), []byte("\n"))
			n, err := strconv.Atoi(string(head))
			if !ok || err != nil || n > len(rest) {
				fmt.Fprintln(stderr, "stand-in: stdin is not framed as '<length>\\n<script>'")
				return 98
			}
			input := rest[n:]
			s.script, s.readInput = string(rest[:n]), func() []byte { return input }
		} else {
			s.script = decoded
		}
	}
	return s.run()
}

func (s *standIn) run() int {
	lines := strings.Split(strings.ReplaceAll(s.script, "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		switch {
		case line == "#standin:digest":
			sum := sha256.Sum256([]byte(s.script))
			fmt.Fprintf(s.stdout, "length=%d sha256=%s\r\n", len(s.script), hex.EncodeToString(sum[:]))
			continue
		case line == "" || strings.HasPrefix(line, "#"):
			continue
		case strings.HasPrefix(strings.ToLower(line), "function "):
			depth := 0
			for ; i < len(lines); i++ {
				depth += strings.Count(lines[i], "{") - strings.Count(lines[i], "}")
				if depth == 0 && strings.Contains(lines[i], "}") {
					break
				}
			}
			continue
		}
		if code, stop := s.statement(line); stop {
			return code
		}
	}
	return 0
}

// statement runs one line; stop reports that the script ended with code.
func (s *standIn) statement(line string) (int, bool) {
	toks, err := tokens(line)
	if err != nil || len(toks) == 0 {
		return s.unsupported(line)
	}
	word := strings.ToLower(toks[0].text)
	switch {
	case len(toks) == 3 && toks[0].kind == tokVar && toks[1].text == "=" && !toks[0].quoted:
		v, ok := s.value(toks[2])
		if !ok {
			return s.unsupported(line)
		}
		s.vars[strings.ToLower(toks[0].text)] = v
		return 0, false
	case word == "write-output" && len(toks) == 2:
		v, ok := s.value(toks[1])
		if !ok {
			return s.unsupported(line)
		}
		fmt.Fprint(s.stdout, v+"\r\n")
		return 0, false
	case word == "write-error" && len(toks) == 2:
		v, ok := s.value(toks[1])
		if !ok {
			return s.unsupported(line)
		}
		fmt.Fprint(s.stderr, CLIXMLError(v))
		return 1, true
	case strings.HasPrefix(line, "[Console]::Out.Write(") && strings.HasSuffix(line, ")"),
		strings.HasPrefix(line, "[Console]::Error.WriteLine(") && strings.HasSuffix(line, ")"):
		open := strings.Index(line, "(")
		inner, err := tokens(line[open+1 : len(line)-1])
		if err != nil || len(inner) != 1 {
			return s.unsupported(line)
		}
		v, ok := s.value(inner[0])
		if !ok {
			return s.unsupported(line)
		}
		if strings.HasPrefix(line, "[Console]::Out") {
			fmt.Fprint(s.stdout, v)
		} else {
			fmt.Fprint(s.stderr, v+"\r\n")
		}
		return 0, false
	case line == "$input | Write-Output":
		_, _ = s.stdout.Write(s.readInput())
		return 0, false
	case word == "exit" && len(toks) == 2:
		n, err := strconv.Atoi(toks[1].text)
		if err != nil {
			return s.unsupported(line)
		}
		return n, true
	case word == "set-location":
		return 0, false
	case word == "if" || word == "elseif" || word == "else":
		return s.branch(word, line)
	case word == "throw" && len(toks) == 2:
		msg, ok := s.value(toks[1])
		if !ok {
			return s.unsupported(line)
		}
		fmt.Fprint(s.stderr, msg+"\r\n") // as swarmbook's bootstrap reports a throw
		return 1, true
	case len(toks) == 8 && toks[0].kind == tokVar && toks[1].text == "=" && strings.EqualFold(toks[2].text, "Get-Item") &&
		strings.EqualFold(strings.Join([]string{toks[3].text, toks[5].text, toks[6].text, toks[7].text}, " "), "-LiteralPath -Force -ErrorAction SilentlyContinue"):
		p, ok := s.value(toks[4])
		if !ok {
			return s.unsupported(line)
		}
		item := ""
		if _, err := os.Stat(s.hostPath(p)); err == nil {
			item = s.hostPath(p)
		}
		s.vars[strings.ToLower(toks[0].text)] = item
		return 0, false
	case word == "write-output" && strings.HasPrefix(line, "Write-Output (ConvertTo-Json -Compress @{") && strings.HasSuffix(line, "})"):
		return s.jsonObject(line)
	case strings.HasPrefix(word, "swarmbook-"):
		return s.helper(word, toks[1:], line)
	}
	return s.unsupported(line)
}

// branch runs one line of an if/elseif/else chain whose body is one
// statement.
func (s *standIn) branch(word, line string) (int, bool) {
	rest := strings.TrimSpace(line[len(word):])
	cond := ""
	if word != "else" {
		c, body, ok := strings.Cut(strings.TrimPrefix(rest, "("), ") {")
		if !ok || !strings.HasPrefix(rest, "(") {
			return s.unsupported(line)
		}
		cond, rest = c, "{"+body
	}
	if !strings.HasPrefix(rest, "{") || !strings.HasSuffix(rest, "}") {
		return s.unsupported(line)
	}
	body := strings.TrimSpace(rest[1 : len(rest)-1])
	if word == "if" {
		s.chainDone = false
	}
	if s.chainDone {
		return 0, false
	}
	run := true
	if word != "else" {
		v, ok := s.condition(cond)
		if !ok {
			return s.unsupported(line)
		}
		run = v
	}
	if !run {
		return 0, false
	}
	s.chainDone = true
	return s.statement(body)
}

// condition evaluates `<arg> -eq <arg>` or `$var.PSIsContainer`.
func (s *standIn) condition(cond string) (bool, bool) {
	toks, err := tokens(cond)
	if err != nil {
		return false, false
	}
	if len(toks) == 1 && toks[0].kind == tokVar && strings.HasSuffix(toks[0].text, ".PSIsContainer") {
		p, ok := s.vars[strings.ToLower(strings.TrimSuffix(toks[0].text, ".PSIsContainer"))]
		st, err := os.Stat(p)
		return ok && p != "" && err == nil && st.IsDir(), ok
	}
	if len(toks) != 3 || !strings.EqualFold(toks[1].text, "-eq") {
		return false, false
	}
	a, ok1 := s.value(toks[0])
	b, ok2 := s.value(toks[2])
	return strings.EqualFold(a, b), ok1 && ok2
}

// jsonObject runs `Write-Output (ConvertTo-Json -Compress @{ k = <arg>; ... })`
// for string values.
func (s *standIn) jsonObject(line string) (int, bool) {
	inner := strings.TrimSuffix(strings.TrimPrefix(line, "Write-Output (ConvertTo-Json -Compress @{"), "})")
	obj := map[string]any{}
	for _, pair := range strings.Split(inner, ";") {
		k, v, ok := strings.Cut(pair, "=")
		if !ok {
			return s.unsupported(line)
		}
		val, ok := s.jsonValue(strings.TrimSpace(v))
		if !ok {
			return s.unsupported(line)
		}
		obj[strings.TrimSpace(k)] = val
	}
	b, _ := json.Marshal(obj)
	fmt.Fprint(s.stdout, string(b)+"\r\n")
	return 0, false
}

// jsonValue is one value of a ConvertTo-Json hashtable.
func (s *standIn) jsonValue(v string) (any, bool) {
	switch strings.ToLower(v) {
	case "$true":
		return true, true
	case "$false":
		return false, true
	}
	if inner, ok := strings.CutPrefix(v, "(Get-FileHash -LiteralPath "); ok {
		arg, ok := strings.CutSuffix(inner, " -Algorithm SHA256).Hash")
		toks, err := tokens(arg)
		if !ok || err != nil || len(toks) != 1 {
			return nil, false
		}
		p, ok := s.value(toks[0])
		if !ok {
			return nil, false
		}
		sum, err := fileSHA256(s.hostPath(p))
		return strings.ToUpper(sum), ok && err == nil
	}
	toks, err := tokens(v)
	if err != nil || len(toks) != 1 {
		return nil, false
	}
	return s.value(toks[0])
}

func (s *standIn) unsupported(line string) (int, bool) {
	fmt.Fprintf(s.stderr, "stand-in: statement outside the supported subset: %s\r\n", line)
	return 99, true
}

// value resolves an argument token.
func (s *standIn) value(t token) (string, bool) {
	switch t.kind {
	case tokString:
		return t.text, true
	case tokVar:
		name := strings.ToLower(t.text)
		if name == "$null" {
			return "", true
		}
		if env, ok := strings.CutPrefix(name, "$env:"); ok {
			for k, v := range s.vars {
				if strings.EqualFold(k, "$env:"+env) {
					return v, true
				}
			}
			return os.Getenv(t.text[5:]), true
		}
		v, ok := s.vars[name]
		return v, ok
	case tokWord:
		return t.text, true
	}
	return "", false
}

// namedArgs parses -Name value pairs.
func (s *standIn) namedArgs(toks []token) (map[string]string, bool) {
	out := map[string]string{}
	for i := 0; i+1 < len(toks); i += 2 {
		if toks[i].kind != tokWord || !strings.HasPrefix(toks[i].text, "-") {
			return nil, false
		}
		v, ok := s.value(toks[i+1])
		if !ok {
			return nil, false
		}
		out[strings.ToLower(toks[i].text[1:])] = v
	}
	return out, len(toks)%2 == 0
}

// hostPath maps a Windows path below root.
func (s *standIn) hostPath(p string) string {
	p = strings.ReplaceAll(p, `\`, "/")
	if len(p) >= 2 && p[1] == ':' {
		p = strings.ToUpper(p[:1]) + p[2:]
	}
	return filepath.Join(s.root, filepath.FromSlash(p))
}

func (s *standIn) fail(msg string) (int, bool) {
	fmt.Fprint(s.stderr, CLIXMLError(msg))
	return 1, true
}

func (s *standIn) helper(name string, args []token, line string) (int, bool) {
	a, ok := s.namedArgs(args)
	if !ok {
		return s.unsupported(line)
	}
	switch name {
	case "swarmbook-putchunk":
		data, err := base64.StdEncoding.DecodeString(a["data"])
		if err != nil {
			return s.fail("Exception calling FromBase64String: invalid data")
		}
		flag := os.O_WRONLY | os.O_CREATE | os.O_APPEND
		if strings.EqualFold(a["mode"], "Create") {
			flag = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
		}
		p := s.hostPath(a["path"])
		f, err := os.OpenFile(p, flag, 0o644)
		if err != nil {
			return s.fail(fmt.Sprintf("Could not find a part of the path '%s'.", a["path"]))
		}
		_, err = f.Write(data)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return s.fail(err.Error())
		}
	case "swarmbook-putcommit":
		tmp, dst := s.hostPath(a["temp"]), s.hostPath(a["path"])
		got, err := fileSHA256(tmp)
		if err != nil {
			return s.fail(fmt.Sprintf("Cannot find path '%s' because it does not exist.", a["temp"]))
		}
		if !strings.EqualFold(got, a["checksum"]) {
			_ = os.Remove(tmp)
			return s.fail(fmt.Sprintf("checksum mismatch for %s: expected %s, got %s", a["path"], a["checksum"], strings.ToUpper(got)))
		}
		if err := os.Rename(tmp, dst); err != nil {
			return s.fail(err.Error())
		}
	case "swarmbook-getchunk":
		off, err1 := strconv.ParseInt(a["offset"], 10, 64)
		n, err2 := strconv.Atoi(a["count"])
		f, err := os.Open(s.hostPath(a["path"]))
		if err1 != nil || err2 != nil || err != nil {
			return s.fail(fmt.Sprintf("Could not find file '%s'.", a["path"]))
		}
		defer f.Close()
		buf := make([]byte, n)
		m, _ := f.ReadAt(buf, off)
		fmt.Fprint(s.stdout, base64.StdEncoding.EncodeToString(buf[:m]))
	case "swarmbook-fileinfo":
		p := s.hostPath(a["path"])
		info := map[string]any{"exists": false}
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			sum, _ := fileSHA256(p)
			info = map[string]any{"exists": true, "size": st.Size(), "sha256": strings.ToUpper(sum)}
		}
		b, _ := json.Marshal(info)
		fmt.Fprint(s.stdout, string(b)+"\r\n")
	default:
		return s.unsupported(line)
	}
	return 0, false
}

func fileSHA256(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// CLIXMLError renders msg as PowerShell 5.1 writes an error record to a
// redirected stderr: "#< CLIXML" and an Objs document with an Error stream
// string (CR and LF escaped as _x000D_ and _x000A_).
func CLIXMLError(msg string) string {
	esc := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "_x", "_x005F_x", "\r", "_x000D_", "\n", "_x000A_").Replace(msg + "\r\n")
	return "#< CLIXML\r\n" + `<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04"><S S="Error">` +
		esc + `</S></Objs>`
}

type tokKind int

const (
	tokWord tokKind = iota
	tokString
	tokVar
)

type token struct {
	kind   tokKind
	text   string
	quoted bool
}

// tokens splits a line into single-quoted strings (” escapes a quote),
// $variables and bare words.
func tokens(line string) ([]token, error) {
	var out []token
	r := []rune(line)
	for i := 0; i < len(r); {
		switch c := r[i]; {
		case c == ' ' || c == '\t':
			i++
		case c == '\'':
			var b strings.Builder
			i++
			for {
				if i >= len(r) {
					return nil, fmt.Errorf("unterminated string")
				}
				if r[i] == '\'' {
					if i+1 < len(r) && r[i+1] == '\'' {
						b.WriteRune('\'')
						i += 2
						continue
					}
					i++
					break
				}
				b.WriteRune(r[i])
				i++
			}
			out = append(out, token{kind: tokString, text: b.String()})
		default:
			j := i
			for j < len(r) && r[j] != ' ' && r[j] != '\t' {
				j++
			}
			w := string(r[i:j])
			k := tokWord
			if c == '$' {
				k = tokVar
			}
			if strings.ContainsAny(w, `"`+"`") {
				return nil, fmt.Errorf("unsupported quoting")
			}
			out = append(out, token{kind: k, text: w})
			i = j
		}
	}
	return out, nil
}
