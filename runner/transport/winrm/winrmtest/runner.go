package winrmtest

import (
	"crypto/rand"
	"os"
	"os/exec"
	"strings"
)

var randReader = rand.Reader

// RunEnv is what a Runner may use to build a process.
type RunEnv struct {
	Root       string   // the stand-in Windows file system
	Env        []string // shell environment (rsp:Environment)
	PowerShell string   // the stand-in executable, "" if none
}

// Runner turns a WinRS command line into a local process (not yet started).
type Runner func(cmdline string, env RunEnv) (*exec.Cmd, error)

// ExecRunner runs PowerShell command lines (powershell[.exe] ...) with the
// PowerShell stand-in (see StandInMain) and every other command line with
// /bin/sh -c. It does not pretend to be cmd.exe: tests use POSIX commands.
func ExecRunner(cmdline string, env RunEnv) (*exec.Cmd, error) {
	if IsPowerShell(cmdline) {
		if env.PowerShell == "" {
			c := exec.Command("/bin/sh", "-c", `echo "'powershell' is not recognized (winrmtest has no PowerShell stand-in configured)" >&2; exit 9009`)
			return c, nil
		}
		c := exec.Command(env.PowerShell)
		c.Env = append(os.Environ(), append(env.Env, standInVar+"=1", standInRoot+"="+env.Root, standInCmd+"="+cmdline)...)
		return c, nil
	}
	c := exec.Command("/bin/sh", "-c", cmdline)
	c.Env = append(os.Environ(), env.Env...)
	return c, nil
}

// IsPowerShell reports whether a command line starts powershell.exe or pwsh.
func IsPowerShell(cmdline string) bool {
	f := strings.Fields(cmdline)
	if len(f) == 0 {
		return false
	}
	exe := strings.ToLower(f[0])
	exe = exe[strings.LastIndexAny(exe, `\/`)+1:]
	exe = strings.TrimSuffix(exe, ".exe")
	return exe == "powershell" || exe == "pwsh"
}

// tooLong is the process that stands for cmd.exe refusing an over-long line.
func tooLong() *exec.Cmd {
	return exec.Command("/bin/sh", "-c", "echo 'The command line is too long.' >&2; exit 1")
}
