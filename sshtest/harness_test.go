package sshtest

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/swarmbook/swarmbook/runner/transport/sshdtest"
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
func swarmbookBin(t testing.TB) string {
	t.Helper()
	binary.once.Do(func() {
		dir, err := os.MkdirTemp("", "sshtest-bin")
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

// needAnsible skips t when ansible-playbook is not installed or in -short mode.
func needAnsible(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("skipping the ansible-playbook comparison in -short mode")
	}
	if _, err := os.Stat(ansiblePlaybook); err != nil {
		t.Skipf("skipping: %s not installed (apt-get install ansible)", ansiblePlaybook)
	}
}

// lab is a set of running sshd hosts plus what both tools need to reach them.
//
// Both tools log in as user, a throw-away account with /bin/sh and a
// password-less sudo rule, and become root (ansible_become in the
// inventories), so the playbooks run as root as before. Root itself is not
// a login: its ~/.bashrc on this machine runs `pyenv init`, which bash
// sources for every sshd session and which now and then writes "pyenv:
// cannot rehash" to the tasks' stderr, failing the registered-value
// comparison.
type lab struct {
	set  *sshdtest.Set
	user string // login account (sshdtest.AddUser)
	// ownFile is a 0600 file of the login account, fetched without become
	// (Ansible's fetch takes another path under become).
	ownFile string
	home    string // HOME for both tools (ansible's control sockets live here)
	http    string // URL of the test HTTP server on 127.0.0.1
	// noSSHArgsEnv leaves ANSIBLE_SSH_ARGS unset (it overrides ansible.cfg).
	noSSHArgsEnv bool
}

// startLab starts n sshd hosts and the HTTP server used by get_url/uri.
func startLab(t *testing.T, n int) *lab {
	t.Helper()
	set := sshdtest.Start(t, n, sshdtest.Options{})
	user := sshdtest.AddUser(t, sshdtest.UserOptions{Sudo: "NOPASSWD"})
	ownFile := writeOwned(t, user, "own.txt", "fetched as the login account\n")
	home := t.TempDir()
	mux := http.NewServeMux()
	mux.HandleFunc("/file.txt", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "downloaded content\n")
	})
	mux.HandleFunc("/data.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"answer": 42, "list": [1, 2]}`)
	})
	srv := httptest.NewServer(mux) // listens on 127.0.0.1
	t.Cleanup(srv.Close)
	return &lab{set: set, user: user, ownFile: ownFile, home: home, http: srv.URL}
}

// hostLine is one inventory line for server i with base under root.
func (l *lab) hostLine(i int, root string) string {
	s := l.set.Servers[i]
	return fmt.Sprintf("%s ansible_host=%s ansible_port=%d base=%s/%s", s.Alias, s.IP, s.Port, root, s.Alias)
}

// inventory writes an INI inventory of all servers whose hosts write under
// root/<alias>, with known_hosts and key as given (the Set's by default).
func (l *lab) inventory(t *testing.T, root, knownHosts, key string) string {
	t.Helper()
	if knownHosts == "" {
		knownHosts = l.set.KnownHostsFile
	}
	if key == "" {
		key = l.set.ClientKeyFile
	}
	var b strings.Builder
	b.WriteString("[targets]\n")
	for i := range l.set.Servers {
		b.WriteString(l.hostLine(i, root) + "\n")
	}
	fmt.Fprintf(&b, "\n[targets:vars]\n%sansible_ssh_private_key_file=%s\n"+
		"ansible_ssh_common_args='-o UserKnownHostsFile=%s'\nansible_python_interpreter=/usr/bin/python3\n",
		l.loginVars(), key, knownHosts)
	p := filepath.Join(t.TempDir(), "inventory.ini")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// writeOwned writes a 0600 file in the home of account and gives it to
// the account.
func writeOwned(t *testing.T, account, name, content string) string {
	t.Helper()
	u, err := user.Lookup(account)
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	p := filepath.Join(u.HomeDir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(p, uid, gid); err != nil {
		t.Fatal(err)
	}
	return p
}

// loginVars are the inventory lines that log in as the lab's account and
// become root.
func (l *lab) loginVars() string {
	return fmt.Sprintf("ansible_user=%s\nansible_become=true\n", l.user)
}

// sshConfig is the Set's ssh_config with the lab's account as every host's
// User.
func (l *lab) sshConfig(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(l.set.SSHConfigFor(t, l.user))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// env is the environment both tools run with.
func (l *lab) env() []string {
	var env []string
	for _, k := range []string{"PATH", "LANG", "LC_ALL", "TMPDIR", "USER", "LOGNAME"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	if !l.noSSHArgsEnv {
		env = append(env, "ANSIBLE_SSH_ARGS=-o ControlMaster=auto -o ControlPersist=20s")
	}
	return append(env,
		"HOME="+l.home,
		"ANSIBLE_NOCOLOR=1",
		"ANSIBLE_FORCE_COLOR=0",
		"ANSIBLE_RETRY_FILES_ENABLED=0",
		"ANSIBLE_LOCALHOST_WARNING=0",
		"ANSIBLE_PIPELINING=1",
		"ANSIBLE_LOCAL_TEMP="+filepath.Join(l.home, ".ansible", "tmp"),
	)
}

// runResult is what one tool run printed and returned.
type runResult struct {
	tool   string
	args   []string
	exit   int
	stdout string
	stderr string
	recap  map[string]string // host -> "ok=.. changed=.. ..."
}

func (r runResult) String() string {
	return fmt.Sprintf("%s exit=%d\n--- stdout\n%s\n--- stderr\n%s", r.tool, r.exit, r.stdout, r.stderr)
}

// run runs tool ("ansible" or "swarmbook") in dir with args.
func (l *lab) run(t *testing.T, tool, dir string, args ...string) runResult {
	t.Helper()
	r := runTool(l.env(), swarmbookBin(t), tool, dir, args...)
	if r.exit < 0 {
		t.Fatalf("running %s: %s", tool, r.stderr)
	}
	return r
}

// runTool runs tool in dir with env; a failure to start is exit -1.
func runTool(env []string, sb, tool, dir string, args ...string) runResult {
	var cmd *exec.Cmd
	switch tool {
	case "ansible":
		cmd = exec.Command("/usr/bin/python3", append([]string{ansiblePlaybook}, args...)...)
	case "swarmbook":
		cmd = exec.Command(sb, append([]string{"run"}, args...)...)
	default:
		return runResult{tool: tool, exit: -1, stderr: "unknown tool " + tool}
	}
	cmd.Dir = dir
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	res := runResult{tool: tool, args: args, stdout: out.String(), stderr: errb.String()}
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
		if strings.HasPrefix(f, key+"=") {
			return strings.TrimPrefix(f, key+"=")
		}
	}
	return "?"
}

// seedHosts creates the state the module playbook starts from under
// root/<alias> for every server: the directory skeleton, a file to delete,
// a file to remove with command removes=, a file to chmod, a file to edit.
func (l *lab) seedHosts(t *testing.T, root string) {
	t.Helper()
	for _, s := range l.set.Servers {
		base := filepath.Join(root, s.Alias)
		if err := os.MkdirAll(filepath.Join(root, "reg", s.Alias), 0o755); err != nil {
			t.Fatal(err)
		}
		for _, d := range []string{"cmd", "copy", "tpl", "edit", "net", "auth", "seed"} {
			if err := os.MkdirAll(filepath.Join(base, d), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		files := map[string]string{"gone": "gone\n", "seed/toremove": "x\n", "seed/modeme": "m\n", "edit/app.ini": "# config\nport=80\nname=old\n"}
		for name, mode := range map[string]os.FileMode{"gone": 0o644, "seed/toremove": 0o644, "seed/modeme": 0o666, "edit/app.ini": 0o644} {
			p := filepath.Join(base, name)
			if err := os.WriteFile(p, []byte(files[name]), mode); err != nil {
				t.Fatal(err)
			}
			os.Chmod(p, mode) // umask
		}
	}
}

var backupName = regexp.MustCompile(`\.\d+\.\d{4}-\d{2}-\d{2}@\d{2}:\d{2}:\d{2}~$`)

// tree lists root: relative path -> "mode sha1" (files), "mode dir", or
// "link -> target" with root masked. Backup names are masked.
func tree(t *testing.T, root string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = backupName.ReplaceAllString(rel, ".BACKUP~")
		info, err := os.Lstat(p)
		if err != nil {
			return err
		}
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			m[rel] = "link -> " + strings.ReplaceAll(target, root, "ROOT")
		case info.IsDir():
			m[rel] = fmt.Sprintf("%04o dir", info.Mode().Perm())
		default:
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum := sha1.Sum(bytes.ReplaceAll(b, []byte(root), []byte("ROOT")))
			m[rel] = fmt.Sprintf("%04o %s", info.Mode().Perm(), hex.EncodeToString(sum[:8]))
		}
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return m
}

// treeDiff describes how b differs from a ("" when equal).
func treeDiff(a, b map[string]string, an, bn string) string {
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	var ks []string
	for k := range keys {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	var out strings.Builder
	for _, k := range ks {
		if a[k] != b[k] {
			fmt.Fprintf(&out, "  %s: %s=%q %s=%q\n", k, an, a[k], bn, b[k])
		}
	}
	return out.String()
}
