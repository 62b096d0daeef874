// Package difftest runs the same playbooks with Debian's ansible-playbook 2.14
// and with swarmbook, and compares what the two report and write.
//
// Every scenario lives in testdata/<dir>/ (site.yml, optional inventory.ini,
// group_vars/, host_vars/, roles/, files/, templates/). All hosts use the local
// connection and every playbook writes only under the directory passed as the
// extra var "out". For each case the test compares:
//
//  1. the PLAY RECAP text, exactly;
//  2. the exit code;
//  3. the tree written under out (relative paths, modes, content hashes, with
//     the out path itself masked);
//  4. (informational only) stdout after masking out paths and sorting the lines
//     inside each TASK section, since host order there is not deterministic.
//
// Cases listed in knownDifferences are run and reported but do not fail the
// test; each entry says which swarmbook bug it records.
package difftest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

const ansiblePlaybook = "/usr/bin/ansible-playbook"

// testCase is one run of one scenario with one set of ansible-playbook flags.
type testCase struct {
	name     string   // unique case name, also the subtest name
	dir      string   // scenario directory under testdata/
	args     []string // extra ansible-playbook flags
	playbook string   // playbook file inside dir; site.yml when empty
	// listOnly marks --list-tasks/--list-hosts/--list-tags cases: the whole
	// stdout is compared instead of the recap.
	listOnly bool
}

// cases is the default set.
var cases = []testCase{
	{name: "inventory", dir: "inventory"},
	{name: "inventory_limit", dir: "inventory", args: []string{"--limit", "web:&prod"}},
	{name: "inventory_limit_not", dir: "inventory", args: []string{"--limit", "all:!db*"}},
	{name: "precedence", dir: "precedence"},
	{name: "precedence_extra", dir: "precedence", args: []string{"-e", "v16=extra_vars"}},
	{name: "magic", dir: "magic"},
	{name: "magic_check", dir: "magic", args: []string{"--check"}},
	{name: "conditions", dir: "conditions"},
	{name: "blocks", dir: "blocks"},
	{name: "seed", dir: "seed"},
	{name: "seed_tags_test", dir: "seed", args: []string{"--tags", "test"}},
	{name: "filters", dir: "filters"},
	{name: "loops", dir: "loops"},
	{name: "roles_tags", dir: "roles_tags"},
	{name: "roles_tags_test", dir: "roles_tags", args: []string{"--tags", "test,imp"}},
	{name: "roles_tags_skip", dir: "roles_tags", args: []string{"--skip-tags", "leader,blk,inc"}},
	{name: "roles_tags_never", dir: "roles_tags", args: []string{"--tags", "never"}},
	{name: "roles_list_tasks", dir: "roles_tags", args: []string{"--list-tasks"}, listOnly: true},
	{name: "execution", dir: "execution"},
	{name: "execution_limit", dir: "execution", args: []string{"--limit", "web[0:1],db2"}},
	{name: "files_modules", dir: "files_modules"},
	{name: "seed_list_tasks_test", dir: "seed", args: []string{"--tags", "test", "--list-tasks"}, listOnly: true},

	// One swarmbook bug each (fixed ones stay as regression cases); see knownDifferences.
	{name: "bug_vars_files", dir: "bug_vars_files"},
	{name: "bug_ansible_host", dir: "bug_ansible_host"},
	{name: "bug_include_role", dir: "bug_include_role"},
	{name: "bug_check_banner", dir: "bug_check_banner", args: []string{"--check"}},
	{name: "bug_register_skipped", dir: "bug_register_skipped"},
	{name: "bug_until_attempts", dir: "bug_until_attempts"},
	{name: "bug_end_host_play_hosts", dir: "bug_end_host_play_hosts"},
	{name: "bug_parse_exit", dir: "bug_parse_exit"},
	{name: "bug_test_kwargs", dir: "bug_test_kwargs"},
	{name: "bug_lookup_search_path", dir: "bug_lookup_search_path"},
	{name: "bug_filters_missing", dir: "bug_filters_missing"},
	{name: "bug_dict_order", dir: "bug_dict_order"},
	{name: "bug_set_fact_loop", dir: "bug_set_fact_loop"},
	{name: "bug_dup_role_handler", dir: "bug_dup_role_handler"},
	{name: "bug_include_apply", dir: "bug_include_apply", args: []string{"--tags", "applied"}},
	{name: "bug_become_vars", dir: "bug_become_vars"},
}

// knownDifferences maps case names to the swarmbook bug that makes them
// differ. They still run; a mismatch is logged, not failed, and a match is
// reported so the entry can be removed.
var knownDifferences = map[string]string{
	"bug_parse_exit": "deliberate: a YAML syntax error exits 1 (Ansible: 4, which swarmbook keeps for unreachable hosts; docs/differences.md)",
	"bug_dict_order": "dict insertion order is lost (dict2items, to_json, keys())",
}

// result is what one tool did for one case.
type result struct {
	exit   int
	stdout string
	stderr string
	recap  string
	tree   map[string]string
}

// caseReport is one line of .results/summary.json.
type caseReport struct {
	Name        string   `json:"name"`
	Args        []string `json:"args,omitempty"`
	Match       bool     `json:"match"`
	StdoutMatch bool     `json:"stdout_match"`
	Known       string   `json:"known_difference,omitempty"`
	Diffs       []string `json:"diffs,omitempty"`
	AnsibleSecs float64  `json:"ansible_seconds"`
	SwarmSecs   float64  `json:"swarmbook_seconds"`
}

func TestDifferential(t *testing.T) {
	if _, err := os.Stat(ansiblePlaybook); err != nil {
		t.Skipf("skipping: %s is not installed (%v); install Debian's ansible package to run the differential suite", ansiblePlaybook, err)
	}
	if testing.Short() {
		t.Skip("skipping the differential suite in -short mode")
	}
	tmp := t.TempDir()
	sb := filepath.Join(tmp, "swarmbook")
	build := exec.Command("go", "build", "-o", sb, "./cmd/swarmbook")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building swarmbook: %v\n%s", err, out)
	}
	home := filepath.Join(tmp, "home")
	if err := os.MkdirAll(home, 0o755); err != nil {
		t.Fatal(err)
	}
	env := runEnv(home)

	var (
		mu      sync.Mutex
		reports []caseReport
	)
	sem := make(chan struct{}, 2)
	t.Run("cases", func(t *testing.T) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				sem <- struct{}{}
				defer func() { <-sem }()
				rep := runCase(t, c, sb, env)
				mu.Lock()
				reports = append(reports, rep)
				mu.Unlock()
			})
		}
	})

	sort.Slice(reports, func(i, j int) bool { return reports[i].Name < reports[j].Name })
	match := 0
	for _, r := range reports {
		if r.Match {
			match++
		}
	}
	t.Logf("difftest: %d scenarios, %d match", len(reports), match)
	writeSummary(t, reports, match)
}

// runEnv is the environment both tools run with.
func runEnv(home string) []string {
	keep := []string{"PATH", "LANG", "LC_ALL", "TMPDIR", "USER", "LOGNAME"}
	var env []string
	for _, k := range keep {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return append(env,
		"HOME="+home,
		"ANSIBLE_NOCOLOR=1",
		"ANSIBLE_FORCE_COLOR=0",
		"ANSIBLE_LOCALHOST_WARNING=0",
		"ANSIBLE_INVENTORY_UNPARSED_WARNING=0",
		"ANSIBLE_RETRY_FILES_ENABLED=0",
		"ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3",
		"ANSIBLE_PIPELINING=1", // faster local runs; no effect on results
		"ANSIBLE_LOCAL_TEMP="+filepath.Join(home, ".ansible", "tmp"),
	)
}

// runCase runs both tools for c and compares them.
func runCase(t *testing.T, c testCase, sb string, env []string) caseReport {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("testdata", c.dir))
	if err != nil {
		t.Fatal(err)
	}
	inv := filepath.Join(dir, "inventory.ini")
	if _, err := os.Stat(inv); err != nil {
		inv, _ = filepath.Abs(filepath.Join("testdata", "default_inventory.ini"))
	}
	pb := c.playbook
	if pb == "" {
		pb = "site.yml"
	}
	base := t.TempDir()
	run := func(tool string, argv0 []string) (result, time.Duration) {
		out := filepath.Join(base, tool)
		if err := os.MkdirAll(out, 0o755); err != nil {
			t.Fatal(err)
		}
		args := append(append([]string{}, argv0[1:]...), pb, "-i", inv, "-e", "out="+out)
		args = append(args, c.args...)
		// generous: ansible-playbook alone takes over a minute for the
		// larger scenarios on a busy 2-core machine
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, argv0[0], args...)
		cmd.Dir = dir
		cmd.Env = env
		var so, se bytes.Buffer
		cmd.Stdout, cmd.Stderr = &so, &se
		start := time.Now()
		err := cmd.Run()
		took := time.Since(start)
		r := result{stdout: mask(so.String(), out, dir), stderr: mask(se.String(), out, dir)}
		var ee *exec.ExitError
		switch {
		case err == nil:
		case errors.As(err, &ee):
			r.exit = ee.ExitCode()
		default:
			t.Fatalf("%s: %v", tool, err)
		}
		r.recap = recap(r.stdout)
		r.tree = tree(t, out)
		return r, took
	}
	a, aTook := run("ansible", []string{"/usr/bin/python3", ansiblePlaybook})
	s, sTook := run("swarmbook", []string{sb, "run"})

	var diffs []string
	if a.exit != s.exit {
		diffs = append(diffs, fmt.Sprintf("exit code: ansible %d, swarmbook %d", a.exit, s.exit))
	}
	if c.listOnly {
		if a.stdout != s.stdout {
			diffs = append(diffs, "stdout:\n"+lineDiff(a.stdout, s.stdout))
		}
	} else {
		if a.recap != s.recap {
			diffs = append(diffs, "PLAY RECAP:\n"+lineDiff(a.recap, s.recap))
		}
		if d := treeDiff(a.tree, s.tree); d != "" {
			diffs = append(diffs, "files:\n"+d)
		}
	}
	stdoutMatch := normalizeStdout(a.stdout) == normalizeStdout(s.stdout)
	rep := caseReport{
		Name: c.name, Args: c.args, Match: len(diffs) == 0, StdoutMatch: stdoutMatch,
		Known: knownDifferences[c.name], Diffs: diffs,
		AnsibleSecs: aTook.Seconds(), SwarmSecs: sTook.Seconds(),
	}
	if len(diffs) == 0 {
		if rep.Known != "" {
			t.Logf("%s now matches; remove it from knownDifferences (%s)", c.name, rep.Known)
		}
		if !stdoutMatch {
			t.Logf("stdout differs (informational):\n%s", lineDiff(normalizeStdout(a.stdout), normalizeStdout(s.stdout)))
		}
		return rep
	}
	msg := fmt.Sprintf("%s (%s %s) differs:\n%s\n--- ansible stdout:\n%s\n--- ansible stderr:\n%s\n--- swarmbook stdout:\n%s\n--- swarmbook stderr:\n%s",
		c.name, c.dir, strings.Join(c.args, " "), strings.Join(diffs, "\n"), a.stdout, a.stderr, s.stdout, s.stderr)
	if rep.Known != "" {
		t.Logf("known difference (%s): %s", rep.Known, msg)
		return rep
	}
	t.Error(msg)
	return rep
}

// mask replaces the per-run output directory and the scenario directory so
// outputs of the two tools can be compared.
func mask(s, out, dir string) string {
	s = strings.ReplaceAll(s, out, "OUT")
	return strings.ReplaceAll(s, dir, "SCENARIO")
}

// recap returns the text after the PLAY RECAP header.
func recap(stdout string) string {
	i := strings.Index(stdout, "PLAY RECAP")
	if i < 0 {
		return ""
	}
	rest := stdout[i:]
	if j := strings.IndexByte(rest, '\n'); j >= 0 {
		return rest[j+1:]
	}
	return ""
}

// tree maps every path under root to its type, mode and content hash.
func tree(t *testing.T, root string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if rel == "." {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			m[rel] = fmt.Sprintf("dir %v", info.Mode().Perm())
		case d.Type()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			m[rel] = "link " + mask(target, root, "\x00")
		default:
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			b = []byte(mask(string(b), root, "\x00"))
			sum := sha256.Sum256(b)
			m[rel] = fmt.Sprintf("file %v %s %q", info.Mode().Perm(), hex.EncodeToString(sum[:6]), preview(b))
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walking %s: %v", root, err)
	}
	return m
}

// preview is the start of a file's content, shown in diffs.
func preview(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}

// treeDiff describes how two trees differ, or returns "".
func treeDiff(a, s map[string]string) string {
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range s {
		keys[k] = true
	}
	var names []string
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, k := range names {
		av, aok := a[k]
		sv, sok := s[k]
		switch {
		case !aok:
			fmt.Fprintf(&b, "  %s: only swarmbook wrote it: %s\n", k, sv)
		case !sok:
			fmt.Fprintf(&b, "  %s: only ansible wrote it: %s\n", k, av)
		case av != sv:
			fmt.Fprintf(&b, "  %s:\n    ansible   %s\n    swarmbook %s\n", k, av, sv)
		}
	}
	return b.String()
}

// lineDiff shows the lines of a and b that the other lacks.
func lineDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out strings.Builder
	n := max(len(al), len(bl))
	for i := 0; i < n; i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			fmt.Fprintf(&out, "  line %d:\n    ansible   %q\n    swarmbook %q\n", i+1, x, y)
		}
	}
	return out.String()
}

var sectionStart = regexp.MustCompile(`^(PLAY|TASK|RUNNING HANDLER|PLAY RECAP)\b`)

// normalizeStdout sorts the lines within each section of stdout so that host
// interleaving does not count as a difference.
func normalizeStdout(s string) string {
	var out []string
	var sec []string
	flush := func() {
		sort.Strings(sec)
		out = append(out, sec...)
		sec = nil
	}
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimRight(line, " ")
		if sectionStart.MatchString(line) {
			flush()
			out = append(out, line)
			continue
		}
		if line != "" {
			sec = append(sec, line)
		}
	}
	flush()
	return strings.Join(out, "\n")
}

// writeSummary stores the reports in .results/summary.json.
func writeSummary(t *testing.T, reports []caseReport, match int) {
	t.Helper()
	if err := os.MkdirAll(".results", 0o755); err != nil {
		t.Logf("summary: %v", err)
		return
	}
	b, err := json.MarshalIndent(struct {
		Summary string       `json:"summary"`
		Cases   []caseReport `json:"cases"`
	}{fmt.Sprintf("difftest: %d scenarios, %d match", len(reports), match), reports}, "", "  ")
	if err != nil {
		t.Logf("summary: %v", err)
		return
	}
	if err := os.WriteFile(filepath.Join(".results", "summary.json"), append(b, '\n'), 0o644); err != nil {
		t.Logf("summary: %v", err)
	}
}
