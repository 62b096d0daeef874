package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func envOf(m map[string]string) Env {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

const sample = `[defaults]
inventory = inventory.ini
roles_path = roles:~/shared-roles:/opt/roles
remote_user = core
forks = 20
host_key_checking = False
timeout = 30
private_key_file = keys/id_ed25519
retry_files_enabled = False

[privilege_escalation]
become = yes
become_method = su
become_user = admin
become_ask_pass = true

[ssh_connection]
ssh_args = -F ssh.config -o ControlMaster=auto
pipelining = True
control_path = /tmp/cp
`

func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	proj := filepath.Join(dir, "proj")
	write(t, filepath.Join(proj, "ansible.cfg"), sample)
	c, err := LoadFrom(envOf(nil), proj, "/home/u")
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		File:            filepath.Join(proj, "ansible.cfg"),
		RemoteUser:      "core",
		Inventory:       []string{filepath.Join(proj, "inventory.ini")},
		RolesPath:       []string{filepath.Join(proj, "roles"), "/home/u/shared-roles", "/opt/roles"},
		Forks:           20,
		HostKeyChecking: false,
		Timeout:         30 * time.Second,
		PrivateKeyFile:  filepath.Join(proj, "keys/id_ed25519"),
		Become:          Become{Enabled: true, Method: "su", User: "admin", AskPass: true},
		SSHArgs:         "-F ssh.config -o ControlMaster=auto",
		Pipelining:      true,
		Notes: []string{
			"setting [defaults] retry_files_enabled is ignored by swarmbook",
			"setting [ssh_connection] control_path is ignored by swarmbook",
		},
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("got  %+v\nwant %+v", c, want)
	}
}

func TestEnvOverrides(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "ansible.cfg"), sample)
	c, err := LoadFrom(envOf(map[string]string{
		"ANSIBLE_INVENTORY":         "a.ini,b.ini",
		"ANSIBLE_FORKS":             "3",
		"ANSIBLE_HOST_KEY_CHECKING": "yes",
		"ANSIBLE_REMOTE_USER":       "vagrant",
		"ANSIBLE_TIMEOUT":           "7",
		"ANSIBLE_BECOME":            "0",
		"ANSIBLE_BECOME_USER":       "postgres",
		"ANSIBLE_ROLES_PATH":        "/r1:/r2",
	}), dir, "/home/u")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Inventory; !reflect.DeepEqual(got, []string{filepath.Join(dir, "a.ini"), filepath.Join(dir, "b.ini")}) {
		t.Errorf("inventory %v", got)
	}
	if c.Forks != 3 || !c.HostKeyChecking || c.RemoteUser != "vagrant" || c.Timeout != 7*time.Second ||
		c.Become.Enabled || c.Become.User != "postgres" || !reflect.DeepEqual(c.RolesPath, []string{"/r1", "/r2"}) {
		t.Errorf("env not applied: %+v", c)
	}
}

func TestSearchOrder(t *testing.T) {
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	cwd := filepath.Join(dir, "cwd")
	explicit := filepath.Join(dir, "explicit.cfg")
	write(t, filepath.Join(home, ".ansible.cfg"), "[defaults]\nforks=2\n")
	write(t, filepath.Join(cwd, "ansible.cfg"), "[defaults]\nforks=3\n")
	write(t, explicit, "[defaults]\nforks=4\n")

	c, _ := LoadFrom(envOf(map[string]string{"ANSIBLE_CONFIG": explicit}), cwd, home)
	if c.Forks != 4 || c.File != explicit {
		t.Errorf("ANSIBLE_CONFIG: %d %s", c.Forks, c.File)
	}
	c, _ = LoadFrom(envOf(nil), cwd, home)
	if c.Forks != 3 {
		t.Errorf("./ansible.cfg: %d", c.Forks)
	}
	c, _ = LoadFrom(envOf(nil), dir, home)
	if c.Forks != 2 {
		t.Errorf("~/.ansible.cfg: %d", c.Forks)
	}
	os.Chmod(cwd, 0o777)
	c, _ = LoadFrom(envOf(nil), cwd, home)
	if c.Forks != 2 || len(c.Notes) == 0 || !strings.Contains(c.Notes[0], "world writable") {
		t.Errorf("world-writable cwd: forks %d notes %v", c.Forks, c.Notes)
	}
}

func TestDefaultsAndBadValues(t *testing.T) {
	dir := t.TempDir()
	c, err := LoadFrom(envOf(nil), dir, filepath.Join(dir, "nohome"))
	if err != nil {
		t.Fatal(err)
	}
	if c.File != "" && c.File != "/etc/ansible/ansible.cfg" {
		t.Errorf("unexpected file %s", c.File)
	}
	if c.File == "" && (c.Forks != 5 || !c.HostKeyChecking || c.Timeout != 10*time.Second || c.Become.Method != "sudo" || c.Become.User != "root") {
		t.Errorf("defaults: %+v", c)
	}
	write(t, filepath.Join(dir, "ansible.cfg"), "[defaults]\nforks = many\nhost_key_checking = maybe\n")
	c, err = LoadFrom(envOf(nil), dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if c.Forks != 5 || !c.HostKeyChecking || len(c.Notes) != 2 {
		t.Errorf("bad values: forks %d hkc %v notes %v", c.Forks, c.HostKeyChecking, c.Notes)
	}
}
