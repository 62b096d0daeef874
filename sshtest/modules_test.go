package sshtest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
)

// modulesPlaybook is the module playbook under testdata.
const modulesPlaybook = "testdata/modules/site.yml"

// expectChanged are the tasks of the module playbook that must report
// changed on every host on the first run (and, like every task, ok on the
// second).
var expectChanged = []string{
	"file directory", "file touch via copy", "file link", "file absent", "file mode",
	"command creates", "command removes", "command chdir", "shell stdin", "script creates",
	"copy content", "copy src file", "copy src directory", "copy backup", "template",
	"lineinfile replace line", "lineinfile insertafter", "lineinfile absent", "lineinfile create",
	"blockinfile", "replace", "fetch", "fetch without become", "get_url", "authorized_key", "sysctl",
}

// expectDiff are lines --diff must print on the first run (per module).
var expectDiff = map[string][]string{
	"copy content":  {"+line one", "+line two"},
	"copy src file": {"+hello plain"},
	"template":      {"+host=h0", "+listen=443", "+HELLO"},
	"lineinfile":    {"-port=80", "+port=8080", "+debug=true", "-name=old"},
	"blockinfile":   {"+# BEGIN ANSIBLE MANAGED BLOCK", "+key=value", "+# END ANSIBLE MANAGED BLOCK"},
}

// volatileKeys are removed (at any depth) from registered values before
// comparing the two tools: times, temp paths, HTTP headers that carry dates.
var volatileKeys = map[string]bool{
	"start": true, "end": true, "delta": true, "invocation": true, "src": true, "backup_file": true,
	"elapsed": true, "tmp_src": true, "atime": true, "mtime": true, "ctime": true, "inode": true,
	"dev": true, "date": true, "server": true, "cookies_string": true, "cookies": true,
	"connection": true, "content_length": true, "last_modified": true, "redirected": true,
	"version": true, "blocks": true, "block_size": true, "uid": false,
}

// knownDifferences records where swarmbook differs from ansible-playbook on
// the module playbook. Keys are "reg:<var>.<path>", "tree:<path>",
// "recap1", "recap2"; values name the bug (see /tmp/ssh-bugs.md). A listed
// difference is logged, not failed; a listed key that matches is reported
// so the entry can go.
var knownDifferences = map[string]string{
	"tree:fetch":         "bug 6: fetch writes 0644 instead of the source's mode",
	"reg:*.diff":         "bug 7: registered diff has another shape (strings/dict vs dicts/list)",
	"reg:r_authkey":      "bug 8: authorized_key result lacks Ansible's path info (state: file, mode, owner, size...)",
	"reg:r_wait_path":    "bug 8: wait_for path= result lacks Ansible's path info (state: file, ...)",
	"reg:r_stat.stat":    "bug 9: stat lacks mimetype, charset, attributes, attr_flags",
	"reg:r_uri_404.body": "bug 10: uri with an accepted non-2xx status has no body",
	"reg:r_raw":          "11: Ansible runs raw under a PTY (\\r\\n, 'Shared connection ... closed.' on stderr)",
	"reg:r_script":       "11: Ansible runs script under a PTY (\\r\\n, 'Shared connection ... closed.' on stderr)",
}

// runRoot is one tool's working area: the hosts' bases, reg/ and fetch/.
type runRoot struct {
	root string
	inv  string
}

func (l *lab) newRoot(t *testing.T) runRoot {
	t.Helper()
	root := t.TempDir()
	l.seedHosts(t, root)
	return runRoot{root: root, inv: l.inventory(t, root, "", "")}
}

// args are the playbook arguments for r plus extra flags.
func (l *lab) args(t *testing.T, r runRoot, extra ...string) []string {
	pb, err := filepath.Abs(modulesPlaybook)
	if err != nil {
		t.Fatal(err)
	}
	return append([]string{pb, "-i", r.inv, "-e", "http=" + l.http, "-e", "own_file=" + l.ownFile,
		"-e", "reg_dir=" + filepath.Join(r.root, "reg"), "-e", "fetch_dir=" + filepath.Join(r.root, "fetch")}, extra...)
}

// taskStatuses parses stdout into task name -> host -> status
// (ok/changed/skipping/failed/fatal).
func taskStatuses(stdout string) map[string]map[string]string {
	m := map[string]map[string]string{}
	task := ""
	taskRe := regexp.MustCompile(`^TASK \[(.*)\] \*+$`)
	statRe := regexp.MustCompile(`^(ok|changed|skipping|failed|fatal): \[([^\]\s]+)`)
	for _, line := range strings.Split(stdout, "\n") {
		if g := taskRe.FindStringSubmatch(line); g != nil {
			task = g[1]
			m[task] = map[string]string{}
			continue
		}
		if g := statRe.FindStringSubmatch(line); g != nil && task != "" {
			if prev := m[task][g[2]]; prev != "changed" { // loops: changed wins
				m[task][g[2]] = g[1]
			}
		}
	}
	return m
}

// sectionOf returns the output of the task named name (up to the next TASK).
func sectionOf(stdout, name string) string {
	i := strings.Index(stdout, "TASK ["+name+"]")
	if i < 0 {
		return ""
	}
	rest := stdout[i+1:]
	if j := strings.Index(rest, "\nTASK ["); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// TestModules runs the module playbook over three real sshd hosts with
// swarmbook: first run changes, second run changes nothing, --check on a
// fresh tree changes nothing, --diff shows the expected lines; then, when
// ansible-playbook is installed, the same runs with Ansible on fresh trees and
// a comparison of the host files, registered values and recaps.
func TestModules(t *testing.T) {
	t.Parallel()
	l := startLab(t, 3)
	swarmbookBin(t)
	hosts := []string{"h0", "h1", "h2"}

	sb := l.newRoot(t)
	an := l.newRoot(t)
	chk := l.newRoot(t)
	withAnsible := true
	if _, err := os.Stat(ansiblePlaybook); err != nil {
		withAnsible = false
	}

	// Ansible's first run goes alongside swarmbook's runs: it is ~20x slower.
	var wg sync.WaitGroup
	var an1, an2 runResult
	dir1, dir2 := t.TempDir(), t.TempDir()
	if withAnsible && !testing.Short() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			an1 = l.exec("ansible", dir1, l.args(t, an, "--diff", "--limit", "h0")...)
			an2 = l.exec("ansible", dir2, l.args(t, an, "--skip-tags", "reg", "--limit", "h0")...)
		}()
	}

	sb1 := l.run(t, "swarmbook", t.TempDir(), l.args(t, sb, "--diff")...)
	sb2 := l.run(t, "swarmbook", t.TempDir(), l.args(t, sb, "--skip-tags", "reg")...)
	before := tree(t, chk.root)
	sbc := l.run(t, "swarmbook", t.TempDir(), l.args(t, chk, "--check", "--diff")...)
	after := tree(t, chk.root)

	t.Run("first_run", func(t *testing.T) {
		checkRun(t, sb1, hosts)
		st := taskStatuses(sb1.stdout)
		for _, name := range expectChanged {
			for _, h := range hosts {
				if st[name][h] != "changed" {
					t.Errorf("task %q on %s: got %q on the first run, want changed", name, h, st[name][h])
				}
			}
		}
		if t.Failed() {
			t.Log(sb1)
		}
	})
	t.Run("second_run_unchanged", func(t *testing.T) {
		checkRun(t, sb2, hosts)
		for _, h := range hosts {
			if c := count(sb2.recap, h, "changed"); c != "0" {
				t.Errorf("%s: changed=%s on the second run, want 0", h, c)
			}
		}
		for name, hs := range taskStatuses(sb2.stdout) {
			for h, s := range hs {
				if s == "changed" {
					t.Errorf("task %q on %s changed on the second run", name, h)
				}
			}
		}
	})
	t.Run("check_changes_nothing", func(t *testing.T) {
		checkRun(t, sbc, hosts)
		if d := treeDiff(before, after, "before", "after"); d != "" {
			t.Errorf("--check changed the hosts' files:\n%s", d)
		}
		for _, h := range hosts {
			if c := count(sbc.recap, h, "changed"); c == "0" || c == "?" {
				t.Errorf("%s: --check reported changed=%s, want the pending changes", h, c)
			}
		}
	})
	t.Run("diff_output", func(t *testing.T) {
		for _, r := range []runResult{sb1, sbc} {
			for task, lines := range expectDiff {
				sec := ""
				for name := range taskStatuses(r.stdout) {
					if strings.HasPrefix(name, task) {
						sec += sectionOf(r.stdout, name)
					}
				}
				for _, want := range lines {
					if !strings.Contains(sec, want) {
						if why, ok := knownDifferences["diff:"+task]; ok {
							t.Logf("known difference (%s): %s lacks %q", why, task, want)
							continue
						}
						t.Errorf("%s (args %v): --diff output of %q lacks %q:\n%s", r.tool, r.args, task, want, sec)
					}
				}
			}
		}
	})

	if !withAnsible || testing.Short() {
		t.Logf("skipping the differential part: %s not installed or -short", ansiblePlaybook)
		return
	}
	wg.Wait()
	t.Run("differential", func(t *testing.T) {
		// Ansible runs on h0 only (it costs ~5 s per task and host under load).
		hosts := []string{"h0"}
		checkRun(t, an1, hosts)
		checkRun(t, an2, hosts)
		sb1, sb2 := onlyHosts(sb1, hosts), onlyHosts(sb2, hosts)
		var diffs []string
		diffs = append(diffs, compareRecap("recap1", an1, sb1)...)
		diffs = append(diffs, compareRecap("recap2", an2, sb2)...)
		ta, ts := tree(t, an.root), tree(t, sb.root)
		keep := func(k string) bool {
			return k == "h0" || strings.HasPrefix(k, "h0/") || k == "fetch/h0-plain.txt" || k == "fetch/h0-own.txt"
		}
		for k := range ta {
			if !keep(k) {
				delete(ta, k)
			}
		}
		for k := range ts {
			if !keep(k) {
				delete(ts, k)
			}
		}
		for _, line := range strings.Split(strings.TrimRight(treeDiff(ta, ts, "ansible", "swarmbook"), "\n"), "\n") {
			if line != "" {
				path := strings.TrimSpace(line[:strings.Index(line, ": ")])
				diffs = append(diffs, "tree:"+path+" "+line)
			}
		}
		for _, h := range hosts {
			diffs = append(diffs, compareRegs(t, filepath.Join(an.root, "reg", h), filepath.Join(sb.root, "reg", h), h)...)
		}
		reportDiffs(t, diffs, true)
	})
}

// exec is run without the testing.T (safe from goroutines): errors become
// exit -1 with the error in stderr.
func (l *lab) exec(tool, dir string, args ...string) runResult {
	return runTool(l.env(), binary.path, tool, dir, args...)
}

// checkRun fails t unless r exited 0 with a recap for every host and no
// failed/unreachable host.
func checkRun(t *testing.T, r runResult, hosts []string) {
	t.Helper()
	bad := r.exit != 0
	for _, h := range hosts {
		if r.recap[h] == "" || count(r.recap, h, "failed") != "0" || count(r.recap, h, "unreachable") != "0" {
			bad = true
		}
	}
	if bad {
		t.Fatalf("%s %v: exit %d, recap %v\n%s", r.tool, r.args, r.exit, r.recap, r)
	}
}

// compareRecap lists the hosts whose recap lines differ.
func compareRecap(key string, a, s runResult) []string {
	var out []string
	var hs []string
	for h := range a.recap {
		hs = append(hs, h)
	}
	sort.Strings(hs)
	for _, h := range hs {
		if a.recap[h] != s.recap[h] {
			out = append(out, fmt.Sprintf("%s %s: ansible %q swarmbook %q", key, h, a.recap[h], s.recap[h]))
		}
	}
	return out
}

// compareRegs compares the registered values dumped by both tools for one
// host, after removing volatile keys. Each difference is
// "reg:<var>.<path> ...".
func compareRegs(t *testing.T, adir, sdir, host string) []string {
	t.Helper()
	ents, err := os.ReadDir(adir)
	if err != nil {
		t.Fatalf("ansible's registered values: %v", err)
	}
	var out []string
	for _, e := range ents {
		name := strings.TrimSuffix(e.Name(), ".json")
		var a, s any
		if err := readJSON(filepath.Join(adir, e.Name()), &a); err != nil {
			t.Fatal(err)
		}
		if err := readJSON(filepath.Join(sdir, e.Name()), &s); err != nil {
			out = append(out, fmt.Sprintf("reg:%s missing from swarmbook on %s: %v", name, host, err))
			continue
		}
		a, s = stripVolatile(a, host), stripVolatile(s, host)
		out = append(out, jsonDiff("reg:"+name, a, s)...)
	}
	return out
}

func readJSON(p string, v any) error {
	b, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

var tmpRoot = regexp.MustCompile(`/tmp/TestModules[^/]*/\d+`)

// stripVolatile drops volatile keys and masks the per-run root in strings.
func stripVolatile(v any, host string) any {
	switch x := v.(type) {
	case map[string]any:
		m := map[string]any{}
		for k, e := range x {
			if !volatileKeys[k] {
				m[k] = stripVolatile(e, host)
			}
		}
		return m
	case []any:
		for i := range x {
			x[i] = stripVolatile(x[i], host)
		}
		return x
	case string:
		return tmpRoot.ReplaceAllString(x, "ROOT")
	}
	return v
}

// jsonDiff lists the paths where a (ansible) and s (swarmbook) differ.
func jsonDiff(path string, a, s any) []string {
	am, aok := a.(map[string]any)
	sm, sok := s.(map[string]any)
	if aok && sok {
		var keys []string
		seen := map[string]bool{}
		for k := range am {
			keys, seen[k] = append(keys, k), true
		}
		for k := range sm {
			if !seen[k] {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		var out []string
		for _, k := range keys {
			av, ain := am[k]
			sv, sin := sm[k]
			switch {
			case !sin:
				out = append(out, fmt.Sprintf("%s.%s missing in swarmbook (ansible: %s)", path, k, short(av)))
			case !ain:
				out = append(out, fmt.Sprintf("%s.%s extra in swarmbook (%s)", path, k, short(sv)))
			default:
				out = append(out, jsonDiff(path+"."+k, av, sv)...)
			}
		}
		return out
	}
	if !reflect.DeepEqual(a, s) {
		return []string{fmt.Sprintf("%s ansible %s swarmbook %s", path, short(a), short(s))}
	}
	return nil
}

func short(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 200 {
		return string(b[:200]) + "..."
	}
	return string(b)
}

// reportDiffs fails t for every difference not in knownDifferences (keys
// match by prefix of the difference's first word); with all, it also
// reports known differences that did not show up.
func reportDiffs(t *testing.T, diffs []string, all bool) {
	t.Helper()
	seenKnown := map[string]bool{}
	for _, d := range diffs {
		key := strings.Fields(d)[0]
		known := ""
		for k, why := range knownDifferences {
			if knownMatch(k, key) {
				known, seenKnown[k] = why, true
			}
		}
		if known != "" {
			t.Logf("known difference (%s): %s", known, d)
			continue
		}
		t.Errorf("difference: %s", d)
	}
	for k := range knownDifferences {
		if all && !seenKnown[k] {
			t.Logf("known difference %q did not show up: remove the entry?", k)
		}
	}
}

// knownMatch reports whether difference key (e.g. "reg:r_stat.stat.mimetype")
// falls under known entry k ("reg:r_stat.stat", "reg:*.failed", "tree:fetch").
// "*" stands for one path element.
func knownMatch(k, key string) bool {
	re := "^" + strings.ReplaceAll(regexp.QuoteMeta(k), `\*`, `[^./]+`) + `($|[./])`
	return regexp.MustCompile(re).MatchString(key)
}

// onlyHosts keeps hosts' recap lines only.
func onlyHosts(r runResult, hosts []string) runResult {
	m := map[string]string{}
	for _, h := range hosts {
		m[h] = r.recap[h]
	}
	r.recap = m
	return r
}
