package wintest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// counts is one host's PLAY RECAP line.
type counts struct {
	OK          int `json:"ok"`
	Changed     int `json:"changed"`
	Unreachable int `json:"unreachable"`
	Failed      int `json:"failed"`
	Skipped     int `json:"skipped"`
	Rescued     int `json:"rescued"`
	Ignored     int `json:"ignored"`
}

// runResult is one finished `swarmbook run`.
type runResult struct {
	code  int    // exit status
	out   string // stdout and stderr, secret scrubbed
	recap counts // win1's counts from the --report-file recap
}

// buildCLI builds the swarmbook binary from ./cmd/swarmbook into a
// temporary directory.
func buildCLI(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "swarmbook")
	build := exec.Command("go", "build", "-o", bin, "./cmd/swarmbook")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building swarmbook: %v\n%s", err, out)
	}
	return bin
}

// playbook is the path of a playbook of the suite.
func playbook(name string) string {
	p, err := filepath.Abs(filepath.Join("testdata", name))
	if err != nil {
		panic(err) // Abs fails only when the working directory is gone
	}
	return p
}

// env is the environment of swarmbook and ansible-playbook: a private
// HOME, no colour, and no host key checking unless a known_hosts file was
// given for the OpenSSH target.
func (s *suite) env() []string {
	env := []string{"HOME=" + s.dir, "PATH=" + os.Getenv("PATH"), "ANSIBLE_NOCOLOR=1", "ANSIBLE_FORCE_COLOR=0",
		"ANSIBLE_RETRY_FILES_ENABLED=0"}
	return append(env, s.tg.env...)
}

// run runs `swarmbook run -i inventory.yml -e @vars.json args...` in the
// suite's directory and reads win1's recap from its --report-file.
func (s *suite) run(t *testing.T, bin string, args ...string) runResult {
	t.Helper()
	report := filepath.Join(s.dir, fmt.Sprintf("report-%d.jsonl", time.Now().UnixNano()))
	argv := append([]string{"run", "-i", "inventory.yml", "-e", "@vars.json", "--report-file", report}, args...)
	res := s.exec(t, bin, argv...)
	if c, err := reportRecap(report, "win1"); err == nil {
		res.recap = c
	} else if res.code != 1 {
		t.Errorf("swarmbook %s: report: %v\n%s", strings.Join(args, " "), err, res.out)
	}
	return res
}

// exec runs name with argv in the suite's directory, with a time limit.
func (s *suite) exec(t *testing.T, name string, argv ...string) runResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, argv...)
	cmd.Dir = s.dir
	cmd.Env = s.env()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	res := runResult{out: s.tg.scrub(out.String())}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		res.code = exit.ExitCode()
	default:
		t.Fatalf("%s: %v", filepath.Base(name), err)
	}
	return res
}

// reportRecap reads host's counts from the recap event of a JSON-lines
// report.
func reportRecap(path, host string) (counts, error) {
	f, err := os.Open(path)
	if err != nil {
		return counts{}, fmt.Errorf("recap: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var ev struct {
			Event string            `json:"event"`
			Hosts map[string]counts `json:"hosts"`
		}
		if json.Unmarshal(sc.Bytes(), &ev) != nil || ev.Event != "recap" {
			continue
		}
		if c, ok := ev.Hosts[host]; ok {
			return c, nil
		}
		return counts{}, fmt.Errorf("recap of %s: host not in the recap", host)
	}
	if err := sc.Err(); err != nil {
		return counts{}, fmt.Errorf("recap of %s: %w", host, err)
	}
	return counts{}, fmt.Errorf("recap of %s: no recap event in %s", host, filepath.Base(path))
}

// recapLine is host's PLAY RECAP line of ansible-playbook style output,
// with runs of blanks folded to one ("win1 : ok=3 changed=1 ...").
func recapLine(out, host string) string {
	i := strings.LastIndex(out, "PLAY RECAP")
	if i < 0 {
		return ""
	}
	for _, line := range strings.Split(out[i:], "\n") {
		f := strings.Fields(line)
		if len(f) > 1 && f[0] == host && f[1] == ":" {
			return strings.Join(f, " ")
		}
	}
	return ""
}
