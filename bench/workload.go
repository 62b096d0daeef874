package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// workload is one generated playbook directory: K tasks against N
// inventory hosts, with the inventory, the template and one ansible.cfg
// per Ansible setting.
type workload struct {
	dir      string
	hosts    int
	tasks    int
	root     string // where the hosts write: root/<inventory_hostname>/...
	inv      string
	commands int // tasks that never report changed (command + changed_when)
}

// playbook paths by variant.
func (w *workload) play(free, facts bool) string {
	name := "play"
	if free {
		name += "-free"
	}
	if facts {
		name += "-facts"
	}
	return filepath.Join(w.dir, name+".yml")
}

// expectedChanged is the changed count of a first run from a clean state.
func (w *workload) expectedChanged() int { return w.hosts * (w.tasks - w.commands) }

// hostName is inventory host i.
func hostName(i int) string { return fmt.Sprintf("h%04d", i) }

// writeWorkload generates the playbooks, template and inventory. Host i
// connects to addrs[i%len(addrs)], so several inventory hosts may share
// one sshd (the scale cell).
func writeWorkload(dir, root string, hosts, tasks int, addrs []string, keyFile, user, only string) (*workload, error) {
	w := &workload{dir: dir, hosts: hosts, tasks: tasks, root: root, inv: filepath.Join(dir, "inv.ini")}
	if err := os.MkdirAll(filepath.Join(dir, "templates"), 0o755); err != nil {
		return nil, err
	}
	tpl := `# task {{ idx }} on {{ inventory_hostname }}
a={{ v1 }} b={{ v2 }} c={{ v3 }} d={{ v4 }} e={{ v5 }}
{% for x in items %}
- {{ x }} {{ loop.index }} of {{ idx }}
{% endfor %}
end
`
	if err := os.WriteFile(filepath.Join(dir, "templates", "bench.j2"), []byte(tpl), 0o644); err != nil {
		return nil, err
	}
	for _, v := range []struct{ free, facts bool }{{false, false}, {true, false}, {false, true}} {
		body, commands := playbookYAML(tasks, v.free, v.facts, only)
		w.commands = commands
		if err := os.WriteFile(w.play(v.free, v.facts), []byte(body), 0o644); err != nil {
			return nil, err
		}
	}
	var inv strings.Builder
	inv.WriteString("[bench]\n")
	for i := 0; i < hosts; i++ {
		a := addrs[i%len(addrs)]
		ip, port, _ := strings.Cut(a, ":")
		fmt.Fprintf(&inv, "%s ansible_host=%s ansible_port=%s\n", hostName(i), ip, port)
	}
	fmt.Fprintf(&inv, "\n[bench:vars]\nansible_user=%s\nansible_ssh_private_key_file=%s\nansible_python_interpreter=/usr/bin/python3\nbench_root=%s\n", user, keyFile, root)
	if err := os.WriteFile(w.inv, []byte(inv.String()), 0o644); err != nil {
		return nil, err
	}
	return w, nil
}

// taskKinds is the fixed cycle of the generated playbooks.
var taskKinds = []string{"command", "file", "copy", "template"}

// playbookYAML is K tasks cycling command, file, copy, template (or only
// the kind named by only). It returns the YAML and how many command tasks
// (never changed) it holds.
func playbookYAML(k int, free, facts bool, only string) (string, int) {
	kind := func(i int) int { return i % 4 }
	for j, name := range taskKinds {
		if only == name {
			kind = func(int) int { return j }
		}
	}
	var b strings.Builder
	b.WriteString("- name: bench\n  hosts: bench\n")
	fmt.Fprintf(&b, "  gather_facts: %v\n", facts)
	if free {
		b.WriteString("  strategy: free\n")
	}
	b.WriteString(`  vars:
    d: "{{ bench_root }}/{{ inventory_hostname }}"
    v1: alpha
    v2: 2
    v3: [x, y]
    v4: "delta"
    v5: true
    items: [one, two, three, four]
  tasks:
`)
	commands := 0
	for i := 0; i < k; i++ {
		switch kind(i) {
		case 0:
			commands++
			fmt.Fprintf(&b, "    - name: t%03d command\n      command: /bin/true\n      changed_when: false\n", i)
		case 1:
			fmt.Fprintf(&b, "    - name: t%03d file\n      file:\n        path: \"{{ d }}/dir%03d\"\n        state: directory\n        mode: \"0755\"\n", i, i)
		case 2:
			fmt.Fprintf(&b, "    - name: t%03d copy\n      copy:\n        dest: \"{{ d }}/copy%03d.txt\"\n        mode: \"0644\"\n        content: |\n", i, i)
			for l := 0; l < 16; l++ { // 16 lines of 64 bytes: 1 KiB
				fmt.Fprintf(&b, "          %-63s\n", fmt.Sprintf("task %03d line %02d of the swarmbook benchmark payload", i, l))
			}
		case 3:
			fmt.Fprintf(&b, "    - name: t%03d template\n      template:\n        src: bench.j2\n        dest: \"{{ d }}/tpl%03d.txt\"\n        mode: \"0644\"\n      vars:\n        idx: %d\n", i, i, i)
		}
	}
	return b.String(), commands
}

// ansibleCfg writes an ansible.cfg. tuned: pipelining, forks = hosts,
// ControlPersist 60s. Stock: Ansible's defaults (forks 5, no pipelining,
// its default ssh_args, which also hold ControlPersist=60s). Both: no host
// key checking and ControlPaths in cpDir, so no master outlives its run.
func ansibleCfg(path, cpDir string, tuned bool, forks int) error {
	var b strings.Builder
	b.WriteString("[defaults]\nhost_key_checking = False\nretry_files_enabled = False\ninterpreter_python = /usr/bin/python3\n")
	if tuned {
		fmt.Fprintf(&b, "forks = %d\n", forks)
	}
	b.WriteString("\n[ssh_connection]\n")
	if tuned {
		b.WriteString("pipelining = True\nssh_args = -o ControlMaster=auto -o ControlPersist=60s -o UserKnownHostsFile=/dev/null\n")
	} else {
		b.WriteString("ssh_args = -C -o ControlMaster=auto -o ControlPersist=60s -o UserKnownHostsFile=/dev/null\n")
	}
	fmt.Fprintf(&b, "control_path_dir = %s\ncontrol_path = %s/%%%%h-%%%%p-%%%%r\n", cpDir, cpDir)
	return os.WriteFile(path, []byte(b.String()), 0o644)
}
