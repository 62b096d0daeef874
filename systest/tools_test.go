package systest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

const ansiblePlaybook = "/usr/bin/ansible-playbook"

// binary builds swarmbook once per test binary.
var binary = struct {
	once sync.Once
	path string
	err  error
	out  []byte
}{}

// swarmbookBin returns the path of a freshly built swarmbook.
func swarmbookBin(t *testing.T) string {
	t.Helper()
	binary.once.Do(func() {
		dir, err := os.MkdirTemp("", "systest-bin")
		if err != nil {
			binary.err = err
			return
		}
		binary.path = filepath.Join(dir, "swarmbook")
		cmd := exec.Command("go", "build", "-o", binary.path, "./cmd/swarmbook")
		cmd.Dir = ".."
		binary.out, binary.err = cmd.CombinedOutput()
	})
	if binary.err != nil {
		t.Fatalf("building swarmbook: %v\n%s", binary.err, binary.out)
	}
	return binary.path
}

// target is a pair plus the files both tools use to reach it.
type target struct {
	*pair
	home      string // HOME for the tools
	inventory string
	extraVars string // -e @file with pubkey
}

// newTarget writes the inventory (root, the test key, accept-new into a
// temporary known_hosts) and the extra-vars file for p.
func newTarget(t *testing.T, p *pair, k keys) *target {
	t.Helper()
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("[nodes]\n")
	for i, n := range p.nodes {
		peer := p.nodes[1-i]
		fmt.Fprintf(&b, "%s ansible_host=%s peer_ip=%s\n", n.name, n.ip, peer.ip)
	}
	fmt.Fprintf(&b, "\n[nodes:vars]\nansible_user=root\nansible_ssh_private_key_file=%s\n"+
		"ansible_ssh_common_args='-o StrictHostKeyChecking=accept-new -o UserKnownHostsFile=%s'\n"+
		"ansible_python_interpreter=/usr/bin/python3\n", k.private, filepath.Join(dir, "known_hosts"))
	inv := filepath.Join(dir, "inventory.ini")
	if err := os.WriteFile(inv, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	vars := filepath.Join(dir, "vars.yml")
	if err := os.WriteFile(vars, []byte(fmt.Sprintf("pubkey: %q\n", k.public)), 0o644); err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(dir, "home")
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}
	return &target{pair: p, home: home, inventory: inv, extraVars: vars}
}

// env is the environment both tools run with.
func (tg *target) env() []string {
	var env []string
	for _, k := range []string{"PATH", "LANG", "LC_ALL", "TMPDIR", "USER", "LOGNAME"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return append(env,
		"HOME="+tg.home,
		"ANSIBLE_NOCOLOR=1",
		"ANSIBLE_FORCE_COLOR=0",
		"ANSIBLE_RETRY_FILES_ENABLED=0",
		"ANSIBLE_PIPELINING=1",
		"ANSIBLE_SSH_ARGS=-o ControlMaster=auto -o ControlPersist=30s",
		"ANSIBLE_LOCAL_TEMP="+filepath.Join(tg.home, ".ansible", "tmp"),
	)
}

// runResult is what one tool run printed and returned.
type runResult struct {
	tool    string
	args    []string
	exit    int
	elapsed time.Duration
	stdout  string
	stderr  string
	recap   map[string]string // host -> "ok=.. changed=.. ..."
}

func (r runResult) String() string {
	return fmt.Sprintf("%s %v exit=%d (%s)\n--- stdout\n%s\n--- stderr\n%s", r.tool, r.args, r.exit, r.elapsed.Round(time.Millisecond), r.stdout, r.stderr)
}

// run runs tool ("ansible" or "swarmbook") with the system playbook against
// tg plus extra flags; a failure to start is exit -1.
func (tg *target) run(sb, tool string, extra ...string) runResult {
	return tg.runPlaybook(sb, tool, "testdata/system/site.yml", extra...)
}

// runPlaybook runs tool with playbook (relative to the package) against tg.
func (tg *target) runPlaybook(sb, tool, playbook string, extra ...string) runResult {
	pb, _ := filepath.Abs(playbook)
	args := append([]string{pb, "-i", tg.inventory, "-e", "@" + tg.extraVars}, extra...)
	var cmd *exec.Cmd
	switch tool {
	case "ansible":
		cmd = exec.Command("/usr/bin/python3", append([]string{ansiblePlaybook}, args...)...)
	default:
		cmd = exec.Command(sb, append([]string{"run"}, args...)...)
	}
	cmd.Dir = filepath.Dir(pb)
	cmd.Env = tg.env()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	res := runResult{tool: tool, args: extra, elapsed: time.Since(start), stdout: out.String(), stderr: errb.String()}
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			res.exit, res.stderr = -1, err.Error()
			return res
		}
		res.exit = ee.ExitCode()
	}
	res.recap = parseRecap(res.stdout)
	return res
}

var recapLine = regexp.MustCompile(`^(\S+)\s+:\s+(ok=.*)$`)

// parseRecap reads the PLAY RECAP block: host -> counts with single spaces.
func parseRecap(stdout string) map[string]string {
	i := strings.LastIndex(stdout, "PLAY RECAP")
	if i < 0 {
		return nil
	}
	m := map[string]string{}
	for _, line := range strings.Split(stdout[i:], "\n")[1:] {
		if g := recapLine.FindStringSubmatch(strings.TrimSpace(line)); g != nil {
			m[g[1]] = strings.Join(strings.Fields(g[2]), " ")
		}
	}
	return m
}

// count extracts one counter ("changed") of host from a recap.
func count(recap map[string]string, host, key string) string {
	for _, f := range strings.Fields(recap[host]) {
		if v, ok := strings.CutPrefix(f, key+"="); ok {
			return v
		}
	}
	return "?"
}

// taskStatuses parses stdout into task name -> host -> status
// (ok/changed/skipping/failed/fatal); "RUNNING HANDLER" sections count as
// tasks named "handler <name>".
func taskStatuses(stdout string) map[string]map[string]string {
	m := map[string]map[string]string{}
	task := ""
	taskRe := regexp.MustCompile(`^(TASK|RUNNING HANDLER) \[(.*)\] \*+$`)
	statRe := regexp.MustCompile(`^(ok|changed|skipping|failed|fatal): \[([^\]\s]+)`)
	for _, line := range strings.Split(stdout, "\n") {
		if g := taskRe.FindStringSubmatch(line); g != nil {
			task = g[2]
			if g[1] != "TASK" {
				task = "handler " + task
			}
			m[task] = map[string]string{}
			continue
		}
		if g := statRe.FindStringSubmatch(line); g != nil && task != "" {
			m[task][g[2]] = g[1]
		}
	}
	return m
}

// markedLines returns the debug lines of stdout that start with prefix
// ("FACTS ", "HOSTNAME "), per host, in the order printed.
func markedLines(stdout, prefix string) map[string]string {
	m := map[string]string{}
	host := ""
	hostRe := regexp.MustCompile(`^ok: \[([^\]\s]+)\]`)
	msgRe := regexp.MustCompile(`^\s+"msg": "(.*)"$`)
	for _, line := range strings.Split(stdout, "\n") {
		if g := hostRe.FindStringSubmatch(line); g != nil {
			host = g[1]
			continue
		}
		if g := msgRe.FindStringSubmatch(line); g != nil && strings.HasPrefix(g[1], prefix) && host != "" {
			m[host] = g[1]
		}
	}
	return m
}

// snapshot runs script on every node of p: host -> output with the pair's
// addresses replaced by NODE1/NODE2 so pairs can be compared.
func snapshot(t *testing.T, p *pair, script string) map[string]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	m := map[string]string{}
	for _, n := range p.nodes {
		out, err := n.exec(ctx, script)
		if err != nil && !strings.Contains(err.Error(), "exit status") {
			t.Fatalf("snapshot: %v\n%s", err, out)
		}
		for i, o := range p.nodes {
			out = strings.ReplaceAll(out, o.ip, fmt.Sprintf("NODE%d", i+1))
		}
		m[n.name] = out
	}
	return m
}
