package swarm

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/swarmbook/swarmbook/modules/shquote"
	"github.com/swarmbook/swarmbook/runner/transport"
)

// A script is a list of steps run in one round trip. Each step's output
// (stdout and stderr together) and exit status are framed by markers so that
// one answer carries many typed results. The same steps render to POSIX sh
// or to PowerShell (docker.exe on Windows): modules build steps, never
// dialect text.
type script struct {
	d     dialect
	steps []step
}

// step is one command of a script.
type step struct {
	key   string
	argv  []string // program and arguments, quoted by the dialect
	stdin bool     // the command reads the script's standard input (token, secret data)
	raw   string   // a dialect-specific line instead of argv (restart, file reads)
	// stopOnError: later steps are skipped when this one fails.
	stopOnError bool
}

// dialect renders steps for one shell.
type dialect interface {
	prologue() string
	// command renders one program invocation; stdin tells whether it reads
	// the script's standard input.
	command(argv []string, stdin bool) string
	// secretCommand renders argv with argv[i] replaced by one line read
	// from the script's standard input (join tokens never reach a command line).
	secretCommand(argv []string, i int) string
	// frame wraps a rendered command with the markers of key.
	frame(key, cmd string, stopOnError bool) string
	// readFile renders a command printing a file, or nothing when missing.
	readFile(path string) string
	// restartDocker renders the command restarting the Docker service.
	restartDocker() string
	// docker is the name of the Docker CLI.
	docker() string
	// daemonJSON is the path of the daemon configuration file.
	daemonJSON() string
	// tempFile returns a path for a temporary file named name.
	tempFile(name string) string
	// remove renders a command deleting path.
	remove(path string) string
	// mkdir renders a command creating a directory and its parents.
	mkdir(path string) string
	// dir returns the directory part of a path.
	dir(path string) string
}

// dialectFor picks the dialect of a connection.
func dialectFor(c transport.Conn) dialect {
	if c.Platform().Shell == transport.ShellPowerShell {
		return psDialect{}
	}
	return shDialect{}
}

const marker = "@@swarmbook:"

func newScript(d dialect) *script { return &script{d: d} }

// docker adds a docker invocation under key.
func (s *script) docker(key string, args ...string) *script {
	s.steps = append(s.steps, step{key: key, argv: append([]string{s.d.docker()}, args...)})
	return s
}

// dockerStdin adds a docker invocation that reads the script's stdin.
func (s *script) dockerStdin(key string, args ...string) *script {
	s.steps = append(s.steps, step{key: key, argv: append([]string{s.d.docker()}, args...), stdin: true})
	return s
}

// dockerSecretArg adds a docker invocation whose argument at index i (of
// args) is read from the script's stdin.
func (s *script) dockerSecretArg(key string, i int, args ...string) *script {
	argv := append([]string{s.d.docker()}, args...)
	s.steps = append(s.steps, step{key: key, raw: s.d.secretCommand(argv, i+1)})
	return s
}

// must marks the last step: when it fails, the rest is skipped.
func (s *script) must() *script {
	s.steps[len(s.steps)-1].stopOnError = true
	return s
}

// raw adds a dialect-rendered line under key.
func (s *script) raw(key, line string) *script {
	s.steps = append(s.steps, step{key: key, raw: line})
	return s
}

// String renders the whole script.
func (s *script) String() string {
	var b strings.Builder
	b.WriteString(s.d.prologue())
	for _, st := range s.steps {
		cmd := st.raw
		if cmd == "" {
			cmd = s.d.command(st.argv, st.stdin)
		}
		b.WriteString(s.d.frame(st.key, cmd, st.stopOnError))
	}
	return b.String()
}

// output is the answer of one step.
type output struct {
	Text string // stdout and stderr, trailing newlines trimmed
	RC   int
	Ran  bool
}

// OK reports whether the step ran and exited 0.
func (o output) OK() bool { return o.Ran && o.RC == 0 }

// Lines returns the non-empty lines of the output.
func (o output) Lines() []string {
	var out []string
	for _, l := range strings.Split(o.Text, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// parseOutput splits a script's stdout into the steps' outputs. Steps that
// did not run are absent.
func parseOutput(stdout string) map[string]output {
	res := map[string]output{}
	stdout = strings.ReplaceAll(stdout, "\r\n", "\n")
	var key string
	var body []string
	open := false
	for _, line := range strings.Split(stdout, "\n") {
		rest, ok := strings.CutPrefix(line, marker)
		if !ok {
			if open {
				body = append(body, line)
			}
			continue
		}
		if k, rc, isEnd := strings.Cut(rest, ":rc="); isEnd && open && k == key {
			n, err := strconv.Atoi(strings.TrimSpace(rc))
			if err != nil {
				n = -1
			}
			res[key] = output{Text: strings.Trim(strings.Join(body, "\n"), "\n"), RC: n, Ran: true}
			open = false
			continue
		}
		key, body, open = rest, nil, true
	}
	return res
}

// shDialect renders POSIX sh.
type shDialect struct{}

func (shDialect) prologue() string { return "LC_ALL=C; export LC_ALL\n" }
func (shDialect) docker() string   { return "docker" }
func (shDialect) command(argv []string, stdin bool) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = shquote.POSIX(a)
	}
	return strings.Join(q, " ")
}
func (shDialect) secretCommand(argv []string, i int) string {
	q := make([]string, len(argv))
	for j, a := range argv {
		q[j] = shquote.POSIX(a)
	}
	q[i] = `"$sb_secret"`
	return "IFS= read -r sb_secret; " + strings.Join(q, " ")
}
func (shDialect) frame(key, cmd string, stop bool) string {
	s := fmt.Sprintf("printf '%%s\\n' %s\n%s 2>&1\nrc=$?\nprintf '\\n%%s%%s\\n' %s \"$rc\"\n",
		shquote.POSIX(marker+key), cmd, shquote.POSIX(marker+key+":rc="))
	if stop {
		s += "[ \"$rc\" -eq 0 ] || exit 0\n"
	}
	return s
}
func (shDialect) readFile(path string) string {
	p := shquote.POSIX(path)
	return "if [ -e " + p + " ]; then cat " + p + "; else exit 3; fi"
}
func (shDialect) restartDocker() string {
	return "if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then systemctl restart docker; else service docker restart; fi"
}
func (shDialect) daemonJSON() string          { return "/etc/docker/daemon.json" }
func (shDialect) tempFile(name string) string { return "/tmp/" + name }
func (shDialect) remove(path string) string   { return "rm -f " + shquote.POSIX(path) }

// psDialect renders Windows PowerShell 5.1 (docker.exe).
type psDialect struct{}

func (psDialect) prologue() string {
	return "$ErrorActionPreference = 'Continue'\n$ProgressPreference = 'SilentlyContinue'\n[Console]::OutputEncoding = [Text.Encoding]::UTF8\n"
}
func (psDialect) docker() string { return "docker.exe" }
func (psDialect) command(argv []string, stdin bool) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = shquote.PowerShell(a)
	}
	cmd := "& " + strings.Join(q, " ")
	if stdin {
		cmd = "[Console]::In.ReadToEnd() | " + cmd
	}
	return cmd
}
func (psDialect) secretCommand(argv []string, i int) string {
	q := make([]string, len(argv))
	for j, a := range argv {
		q[j] = shquote.PowerShell(a)
	}
	q[i] = "$sbSecret"
	return "$sbSecret = [Console]::In.ReadLine(); & " + strings.Join(q, " ")
}
func (psDialect) frame(key, cmd string, stop bool) string {
	s := fmt.Sprintf("Write-Output %s\n$global:LASTEXITCODE = 0\ntry { & { %s } 2>&1 | ForEach-Object { \"$_\" } } catch { Write-Output \"$_\"; $global:LASTEXITCODE = 1 }\n$rc = $LASTEXITCODE\nWrite-Output ('' + [char]10 + %s + $rc)\n",
		shquote.PowerShell(marker+key), cmd, shquote.PowerShell(marker+key+":rc="))
	if stop {
		s += "if ($rc -ne 0) { exit 0 }\n"
	}
	return s
}
func (psDialect) readFile(path string) string {
	p := shquote.PowerShell(path)
	return "if (Test-Path -LiteralPath " + p + ") { Get-Content -Raw -LiteralPath " + p + " } else { $global:LASTEXITCODE = 3 }"
}
func (psDialect) restartDocker() string { return "Restart-Service -Name docker -ErrorAction Stop" }
func (psDialect) daemonJSON() string    { return `C:\ProgramData\docker\config\daemon.json` }
func (psDialect) tempFile(name string) string {
	return `C:\Windows\Temp\` + name
}
func (psDialect) remove(path string) string {
	return "Remove-Item -Force -ErrorAction SilentlyContinue -LiteralPath " + shquote.PowerShell(path)
}

func (shDialect) mkdir(p string) string { return "mkdir -p " + shquote.POSIX(p) }
func (shDialect) dir(p string) string {
	if i := strings.LastIndexByte(p, '/'); i > 0 {
		return p[:i]
	}
	return "/"
}
func (psDialect) mkdir(p string) string {
	return "New-Item -ItemType Directory -Force -Path " + shquote.PowerShell(p) + " | Out-Null"
}
func (psDialect) dir(p string) string {
	if i := strings.LastIndexAny(p, `\/`); i > 0 {
		return p[:i]
	}
	return p
}
