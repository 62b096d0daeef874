package runner

// ansibleCase is a playbook run both by swarmbook (on the fake ssh
// transport) and, to make the goldens, by ansible-playbook 2.14 on local
// connections (see TestGenerateAnsibleGoldens). The golden is the
// normalised transcript: banners, per-host status lines and the recap.
type ansibleCase struct {
	name      string
	playbook  string
	files     map[string]string
	inventory string // default "[web]\nh1\nh2\n"
	tags      []string
	skipTags  []string
	limit     string
	skip      string // non-empty: known engine bug (see /tmp/engine-bugs.md)
	unordered bool   // free strategy: compare the recap only
}

const invThree = "[web]\nh1\nh2\nh3\n"
const invFive = "[web]\nh1\nh2\nh3\nh4\nh5\n"

var ansibleCases = []ansibleCase{
	{name: "block_rescue_always", playbook: `
- hosts: web
  gather_facts: false
  tasks:
    - block:
        - command: "{{ 'false' if inventory_hostname == 'h2' else 'true' }}"
        - debug: msg=after
      rescue:
        - debug: msg=rescue
      always:
        - debug: msg=always
    - debug: msg=end
`},
	{name: "nested_block_failure_propagates", playbook: `
- hosts: web
  gather_facts: false
  tasks:
    - block:
        - block:
            - command: "{{ 'false' if inventory_hostname == 'h1' else 'true' }}"
          always:
            - debug: msg=inner-always
        - debug: msg=not-for-h1
      always:
        - debug: msg=outer-always
    - debug: msg=never-for-h1
`},
	{name: "rescue_fails_too", playbook: `
- hosts: web
  gather_facts: false
  tasks:
    - block:
        - command: "false"
      rescue:
        - command: "{{ 'false' if inventory_hostname == 'h1' else 'true' }}"
      always:
        - debug: msg=always
    - debug: msg=end
`},
	{name: "nested_rescue", playbook: `
- hosts: web
  gather_facts: false
  tasks:
    - block:
        - block:
            - command: "false"
          rescue:
            - command: "{{ 'false' if inventory_hostname == 'h2' else 'true' }}"
      rescue:
        - debug: msg=outer-rescue
    - debug: msg=end
`},
	{name: "linear_include_per_host", inventory: "[web]\nh1 inc=a.yml\nh2 inc=b.yml\n", files: map[string]string{
		"a.yml": "- debug: msg=a1\n- debug: msg=a2\n",
		"b.yml": "- debug: msg=b1\n",
	}, playbook: `
- hosts: web
  gather_facts: false
  tasks:
    - include_tasks: "{{ inc }}"
    - include_tasks: a.yml
      when: inventory_hostname == 'h2'
    - debug: msg=end
`},
	{name: "include_loop", files: map[string]string{
		"a.yml": "- debug: msg={{ item }}\n",
	}, playbook: `
- hosts: web
  gather_facts: false
  tasks:
    - include_tasks: a.yml
      loop: [x, y]
`},
	{name: "free_strategy", unordered: true, inventory: invThree, playbook: `
- hosts: web
  gather_facts: false
  strategy: free
  tasks:
    - command: "{{ 'false' if inventory_hostname == 'h2' else 'true' }}"
    - debug: msg=x
    - command: "true"
      changed_when: false
`},
	{name: "serial_int", inventory: invFive, playbook: `
- hosts: web
  gather_facts: false
  serial: 2
  tasks:
    - debug: msg=x
    - command: "{{ 'false' if inventory_hostname == 'h3' else 'true' }}"
`},
	{name: "serial_percent_list", inventory: invFive, playbook: `
- hosts: web
  gather_facts: false
  serial: [1, "40%"]
  tasks:
    - debug: msg=x
`},
	{name: "serial_whole_batch_fails", inventory: invFive, playbook: `
- hosts: web
  gather_facts: false
  serial: 2
  tasks:
    - command: "{{ 'false' if inventory_hostname in ['h1', 'h2'] else 'true' }}"
    - debug: msg=after
`},
	{name: "any_errors_fatal", inventory: invThree, playbook: `
- hosts: web
  gather_facts: false
  any_errors_fatal: true
  tasks:
    - debug: msg=one
    - command: "{{ 'false' if inventory_hostname == 'h2' else 'true' }}"
    - debug: msg=never
`},
	{name: "any_errors_fatal_rescued", inventory: invThree, playbook: `
- hosts: web
  gather_facts: false
  any_errors_fatal: true
  tasks:
    - block:
        - command: "{{ 'false' if inventory_hostname == 'h2' else 'true' }}"
      rescue:
        - debug: msg=rescued
    - debug: msg=after
`},
	{name: "max_fail_percentage", inventory: invFive, playbook: `
- hosts: web
  gather_facts: false
  max_fail_percentage: 30
  tasks:
    - command: "{{ 'false' if inventory_hostname in ['h1', 'h2'] else 'true' }}"
    - debug: msg=after
`},
	{name: "max_fail_percentage_under", inventory: invFive, playbook: `
- hosts: web
  gather_facts: false
  max_fail_percentage: 30
  tasks:
    - command: "{{ 'false' if inventory_hostname in ['h1'] else 'true' }}"
    - debug: msg=after
`},
	{name: "handlers_listen_flush", playbook: `
- hosts: web
  gather_facts: false
  handlers:
    - name: h-a
      debug: msg=a
    - name: h-b
      debug: msg=b
      listen: topic
    - name: h-c
      debug: msg=c
      listen: topic
  tasks:
    - command: "true"
      notify: [h-a, topic]
    - command: "true"
      notify: h-a
      when: inventory_hostname == 'h2'
    - meta: flush_handlers
    - command: "true"
      notify: h-a
      changed_when: inventory_hostname == 'h1'
    - debug: msg=end
`},
	{name: "handlers_role_notify", files: map[string]string{
		"roles/r1/tasks/main.yml":    "- command: \"true\"\n  notify: restart r1\n",
		"roles/r1/handlers/main.yml": "- name: restart r1\n  debug: msg=restart\n",
	}, playbook: `
- hosts: web
  gather_facts: false
  roles: [r1]
  tasks:
    - command: "true"
      notify: restart r1
`},
	{name: "handler_failed_host", playbook: `
- hosts: web
  gather_facts: false
  handlers:
    - name: h
      debug: msg=h
  tasks:
    - command: "true"
      notify: h
    - command: "{{ 'false' if inventory_hostname == 'h1' else 'true' }}"
`},
	{name: "loops", inventory: "[web]\nh1\n", playbook: `
- hosts: web
  gather_facts: false
  tasks:
    - debug: msg="{{ i }} {{ idx }} {{ ansible_loop.first }} {{ ansible_loop.revindex }}"
      loop: [{n: a}, {n: b}]
      loop_control: {loop_var: i, index_var: idx, label: "{{ i.n }}", extended: true}
    - command: "echo {{ item }}"
      loop: [a, b, c]
      register: out
    - debug: msg="{{ out.results | map(attribute='item') | list }} {{ out.changed }} {{ out.msg }}"
    - debug: msg=x
      loop: [1, 2]
      when: false
      register: sk
    - debug: msg="{{ sk.skipped }} {{ sk.results | length }}"
    - command: "{{ item }}"
      loop: ["true", "false", "true"]
      ignore_errors: true
    - debug: msg=x
      loop: []
`},
	{name: "until_retries", inventory: "[web]\nh1\n", playbook: `
- hosts: web
  gather_facts: false
  tasks:
    - command: "true"
      register: r
      until: r.attempts >= 3
      retries: 5
      delay: 0
    - debug: msg="{{ r.attempts }}"
    - command: "false"
      register: r2
      until: r2.rc == 0
      retries: 2
      delay: 0
      ignore_errors: true
    - debug: msg="{{ r2.attempts }} {{ r2.failed }}"
`},
	{name: "changed_failed_when_ignore", playbook: `
- hosts: web
  gather_facts: false
  tasks:
    - command: "true"
      changed_when: false
    - command: "false"
      failed_when: false
    - command: "echo boom"
      register: r
      failed_when: "'boom' in r.stdout and inventory_hostname == 'h1'"
      ignore_errors: true
    - command: "false"
      ignore_errors: true
      changed_when: false
    - debug: msg=x
      changed_when: true
    - debug: msg=end
`},
	{name: "run_once_delegate", inventory: invThree, playbook: `
- hosts: web
  gather_facts: false
  tasks:
    - command: "echo once"
      run_once: true
      register: o
    - debug: msg="{{ o.stdout }}"
    - command: "true"
      delegate_to: h3
    - set_fact: {f: 1}
      run_once: true
    - debug: msg="{{ f }}"
    - debug: msg=x
      run_once: true
      when: inventory_hostname == 'h2'
`},
	{name: "precedence", inventory: "[web]\nh1 v_inv=inv v_all=inv\n[web:vars]\nv_grp=grp\n", files: map[string]string{
		"roles/r/defaults/main.yml": "v_def: def\nv_all: def\nv_rv: def\n",
		"roles/r/vars/main.yml":     "v_rv: rolevars\n",
		"roles/r/tasks/main.yml":    "- debug: msg=\"{{ v_def }} {{ v_all }} {{ v_rv }} {{ v_grp }} {{ v_inv }}\"\n",
		"vf.yml":                    "v_vf: vf\nv_pv: vf\n",
	}, playbook: `
- hosts: web
  gather_facts: false
  vars: {v_pv: play, v_all: play, v_blk: play}
  vars_files: [vf.yml]
  roles: [r]
  tasks:
    - block:
        - debug: msg="{{ v_pv }} {{ v_all }} {{ v_blk }} {{ v_vf }}"
          vars: {v_task: task}
        - set_fact: {v_blk: fact}
        - debug: msg="{{ v_blk }}"
      vars: {v_blk: block}
`},
	{name: "tags_plain", tags: []string{"a"}, playbook: tagsPlaybook, files: tagsFiles},
	{name: "tags_skip", skipTags: []string{"a"}, playbook: tagsPlaybook, files: tagsFiles},
	{name: "tags_never", tags: []string{"never"}, playbook: tagsPlaybook, files: tagsFiles},
	{name: "tags_tagged", tags: []string{"tagged"}, playbook: tagsPlaybook, files: tagsFiles},
	{name: "tags_untagged", tags: []string{"untagged"}, playbook: tagsPlaybook, files: tagsFiles},
	{name: "tags_all", tags: []string{"all"}, playbook: tagsPlaybook, files: tagsFiles},
	{name: "tags_default", playbook: tagsPlaybook, files: tagsFiles},
	{name: "tags_skip_always", skipTags: []string{"always"}, playbook: tagsPlaybook, files: tagsFiles},
	{name: "tags_role_block", tags: []string{"rt"}, playbook: tagsPlaybook, files: tagsFiles},
	{name: "tags_import", tags: []string{"imp"}, playbook: tagsPlaybook, files: tagsFiles},
	{name: "tags_include_only", tags: []string{"inc"}, playbook: tagsPlaybook, files: tagsFiles},
	{name: "tags_blk_skip_c", tags: []string{"blk"}, skipTags: []string{"c"}, playbook: tagsPlaybook, files: tagsFiles},
	{name: "unreachable_dial", inventory: "[web]\nh1\nbad ansible_host=127.0.0.1 ansible_port=1 ansible_connection=ssh\n", playbook: `
- hosts: web
  gather_facts: false
  tasks:
    - command: "true"
    - debug: msg=after
`},
	{name: "unreachable_ignored", inventory: "[web]\nh1\nbad ansible_host=127.0.0.1 ansible_port=1 ansible_connection=ssh\n", playbook: `
- hosts: web
  gather_facts: false
  ignore_unreachable: true
  tasks:
    - command: "true"
    - debug: msg=after
`},
	{name: "all_fail_stops_playbook", playbook: `
- hosts: web
  gather_facts: false
  tasks:
    - command: "false"
    - debug: msg=never
- hosts: web
  gather_facts: false
  tasks:
    - debug: msg=second
`},
	{name: "two_plays_failed_host_dropped", playbook: `
- hosts: web
  gather_facts: false
  tasks:
    - command: "{{ 'false' if inventory_hostname == 'h1' else 'true' }}"
- hosts: web
  gather_facts: false
  tasks:
    - debug: msg=second
`},
}

const tagsPlaybook = `
- hosts: web
  gather_facts: false
  roles:
    - role: r
      tags: [rt]
  tasks:
    - debug: msg=a
      tags: [a]
    - debug: msg=b
      tags: [b, a]
    - debug: msg=untagged
    - debug: msg=never
      tags: [never]
    - debug: msg=never-a
      tags: [never, a]
    - debug: msg=always
      tags: [always]
    - block:
        - debug: msg=in-block
        - debug: msg=in-block-c
          tags: [c]
      tags: [blk]
    - import_tasks: imp.yml
      tags: [imp]
    - include_tasks: inc.yml
      tags: [inc]
`

var tagsFiles = map[string]string{
	"roles/r/tasks/main.yml": "- debug: msg=role-task\n- debug: msg=role-c\n  tags: [c]\n",
	"imp.yml":                "- debug: msg=imported\n- debug: msg=imported-a\n  tags: [a]\n",
	"inc.yml":                "- debug: msg=included\n- debug: msg=included-a\n  tags: [a]\n",
}
