package playbook

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestKeywords(t *testing.T) {
	pb, err := (&Loader{Modules: testSpecs}).LoadPlaybook("testdata/keywords/play.yml")
	if err != nil {
		t.Fatal(err)
	}
	p := pb.Plays[0]
	if p.Hosts != "web,db" || *p.GatherFacts || p.Strategy != "free" || !p.AnyErrorsFatal || *p.MaxFailPercentage != 30 ||
		!reflect.DeepEqual(p.Serial, []any{1, "50%"}) || p.Order != "sorted" || !p.ForceHandlers || *p.Keywords.Become != true ||
		p.Keywords.BecomeUser != "root" || p.Keywords.RemoteUser != "core" || p.Keywords.IgnoreErrors != "{{ ie }}" ||
		len(p.VarsFiles) != 2 || len(p.VarsFiles[1].Candidates) != 2 || p.Vars.Values["a"] != 1 || p.Tags[0] != "play" {
		t.Errorf("play: %+v", p)
	}
	full := p.Tasks[0]
	if full.Action != "command" || full.ActionAs != "ansible.builtin.command" ||
		!reflect.DeepEqual(full.Args, map[string]any{"_raw_params": "echo {{ x }}", "chdir": "/tmp", "creates": "/tmp/done"}) {
		t.Errorf("args %#v", full.Args)
	}
	if len(full.When) != 2 || full.When[1].Expr != "true" || full.Register != "out" || full.ChangedWhen[0].Expr != "false" ||
		full.Loop.Kind != "loop" || full.LoopControl.LoopVar != "it" || full.LoopControl.IndexVar != "idx" || !full.LoopControl.Extended ||
		full.Retries != 3 || full.Delay != 2 || full.Keywords.DelegateTo != "{{ groups['db'][0] }}" || !*full.Keywords.DelegateFacts ||
		full.Keywords.RunOnce != true || !reflect.DeepEqual(full.Notify, []string{"restart"}) || !reflect.DeepEqual(full.Tags, []string{"a", "b"}) ||
		len(full.Keywords.Environment) != 2 || full.Keywords.CheckMode != "{{ cm }}" || full.Keywords.Port != 2222 ||
		full.Keywords.Connection != "local" || full.Keywords.Throttle != 2 {
		t.Errorf("task: %+v", full)
	}
	if full.Pos.Line != 31 || full.Pos.Col != 7 || full.When[0].Pos.Line != 36 || full.When[0].Pos.Col != 11 {
		t.Errorf("positions %v %v", full.Pos, full.When[0].Pos)
	}
	la := p.Tasks[1]
	if la.Action != "shell" || la.Keywords.DelegateTo != "localhost" || la.Args["_raw_params"] != "echo hi" {
		t.Errorf("local_action %+v", la)
	}
	if a := p.Tasks[2]; a.Action != "file" || a.Args["state"] != "touch" {
		t.Errorf("action: %+v", a)
	}
	if w := p.Tasks[3]; w.Loop.Kind != "dict" || w.LoopControl.LoopVar != "item" {
		t.Errorf("with_dict %+v", w.Loop)
	}
	blk := p.Tasks[4]
	if !blk.IsBlock() || blk.Block[0].Parent != blk || blk.Rescue[0].Args["_raw_params"] != "clear_host_errors" ||
		blk.Always[0].Action != "meta" || !reflect.DeepEqual(blk.Block[0].EffectiveTags(), []string{"blk"}) {
		t.Errorf("block %+v", blk)
	}
	if sf := p.Tasks[5]; !reflect.DeepEqual(sf.Args, map[string]any{"a": "1", "b": "two words"}) {
		t.Errorf("set_fact %#v", sf.Args)
	}
	if inc := p.Tasks[6]; inc.Action != "include_tasks" || inc.IsBlock() {
		t.Errorf("include_tasks %+v", inc)
	}
	if inc := p.Tasks[7]; inc.Action != "include" || inc.IsBlock() {
		t.Errorf("templated include must stay dynamic: %+v", inc)
	}
	if h := p.Handlers[0]; !h.Handler || !reflect.DeepEqual(h.Listen, []string{"web restart", "other"}) {
		t.Errorf("handler %+v", h)
	}
}

func TestRoleOrder(t *testing.T) {
	pb, err := (&Loader{Modules: testSpecs}).LoadPlaybook("testdata/roles_order/site.yml")
	if err != nil {
		t.Fatal(err)
	}
	p := pb.Plays[0]
	var got []string
	walk(p.Tasks, func(tk *Task) {
		got = append(got, tk.Args["msg"].(string)+"["+strings.Join(tk.EffectiveTags(), ",")+"]")
	})
	want := "common[dep,ta] a[ta] common[] b[] common[] task[] common[]"
	if strings.Join(got, " ") != want {
		t.Errorf("order:\n got  %s\n want %s", strings.Join(got, " "), want)
	}
	// a's dependency inherits a's conditional through the block chain
	var dep *Task
	walk(p.Tasks[:1], func(tk *Task) {
		if dep == nil {
			dep = tk
		}
	})
	var conds []string
	for q := dep; q != nil; q = q.Parent {
		for _, c := range q.When {
			conds = append(conds, c.Expr)
		}
	}
	if !reflect.DeepEqual(conds, []string{"x is defined"}) || dep.Role.Name != "common" {
		t.Errorf("dep conds %v role %v", conds, dep.Role.Name)
	}
	if len(p.Roles) != 3 || p.Roles[0].Params.Values["param1"] != 1 || p.Roles[0].Deps[0].Name != "common" {
		t.Errorf("roles %+v", p.Roles)
	}
	// b's dependency and the roles: entry are the same instance: one
	// *Role, run once by the engine; import_role makes another (from_include)
	if p.Roles[1].Deps[0] != p.Tasks[2].Role || p.Tasks[4].Role == p.Tasks[2].Role || p.Roles[0].Deps[0] == p.Tasks[2].Role {
		t.Errorf("role instance identity wrong")
	}
	var hs []string
	for _, h := range p.Handlers {
		hs = append(hs, h.Name)
	}
	if strings.Join(hs, ",") != "common handler,a handler,common handler,common handler,play handler" {
		t.Errorf("handlers %v", hs)
	}
}

func TestCycle(t *testing.T) {
	_, err := (&Loader{Modules: testSpecs}).LoadPlaybook("testdata/cycle/play.yml")
	if err == nil || !strings.Contains(err.Error(), "recursive include detected") ||
		!strings.Contains(err.Error(), "one.yml -> ") || !strings.Contains(err.Error(), "two.yml -> ") {
		t.Fatalf("want cycle error, got %v", err)
	}
}

func TestErrors(t *testing.T) {
	cases := []struct {
		name, src string
		line, col int
		msg       string
	}{
		{"unknown keyword", "- hosts: all\n  tasks:\n    - name: x\n      debug: msg=hi\n      bogus: 1\n", 5, 7, "'bogus' is not a valid attribute for a Task"},
		{"near miss", "- hosts: all\n  tasks:\n    - debug: msg=hi\n      whne: x\n", 4, 7, "did you mean 'when'?"},
		{"unknown module", "- hosts: all\n  tasks:\n    - foo: bar\n", 3, 7, "couldn't resolve module/action 'foo'"},
		{"two modules", "- hosts: all\n  tasks:\n    - debug: msg=x\n      command: ls\n", 4, 7, "conflicting action statements: debug, command"},
		{"unsupported param", "- hosts: all\n  tasks:\n    - file:\n        path: /x\n        bogus: 1\n", 3, 7, "Unsupported parameters for (file) module: bogus. Supported parameters include: mode, owner, path (dest, name), recurse, state."},
		{"missing required", "- hosts: all\n  tasks:\n    - file: state=touch\n", 3, 7, "missing required arguments: path"},
		{"bad choice", "- hosts: all\n  tasks:\n    - file: path=/x state=bogus\n", 3, 7, "value of state must be one of: absent, directory, file, hard, link, touch, got: bogus"},
		{"templated choice ok, bad bool", "- hosts: all\n  tasks:\n    - file: path=/x state={{ s }} recurse=maybe\n", 3, 7, "unable to convert to bool"},
		{"mutually exclusive", "- hosts: all\n  tasks:\n    - debug: msg=a var=b\n", 3, 7, "parameters are mutually exclusive: msg|var"},
		{"extra params", "- hosts: all\n  tasks:\n    - debug: hello\n", 3, 7, "this task 'debug' has extra params"},
		{"bad meta", "- hosts: all\n  tasks:\n    - meta: bogus\n", 3, 7, "invalid meta action requested: bogus"},
		{"play keyword", "- hosts: all\n  tsks: []\n", 2, 3, "'tsks' is not a valid attribute for a Play (did you mean 'tasks'?)"},
		{"no hosts", "- name: x\n  tasks: []\n", 1, 3, "the field 'hosts' is required but was not set"},
		{"block keyword", "- hosts: all\n  tasks:\n    - block: []\n      register: x\n", 4, 7, "'register' is not a valid attribute for a Block"},
		{"module_defaults", "- hosts: all\n  module_defaults: {file: {mode: '0644'}}\n  tasks: []\n", 2, 21, "'module_defaults' is not supported"},
		{"vars_prompt", "- hosts: all\n  vars_prompt:\n    - name: x\n", 2, 3, "'vars_prompt' is not supported"},
		{"loop twice", "- hosts: all\n  tasks:\n    - debug: msg=x\n      loop: [1]\n      with_items: [2]\n", 5, 7, "only one loop"},
		{"bad var name", "- hosts: all\n  vars:\n    bad-name: 1\n", 3, 5, "'bad-name' is not a valid variable name"},
		{"import loop", "- hosts: all\n  tasks:\n    - import_tasks: x.yml\n      loop: [1]\n", 4, 7, "You cannot use loops on 'import_tasks'"},
		{"missing role", "- hosts: all\n  roles: [nope]\n", 2, 11, "the role 'nope' was not found in"},
		{"yaml syntax", "- hosts: all\n  tasks:\n  - debug: msg=x\n   bad: indent\n", 4, 4, "Syntax Error while loading YAML"},
		{"not a list", "hosts: all\n", 1, 1, "A playbook must be a list of plays"},
		{"listen on task", "- hosts: all\n  tasks:\n    - debug: msg=x\n      listen: y\n", 4, 7, "'listen' is not a valid attribute for a Task"},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".yml")
			if err := os.WriteFile(path, []byte(c.src), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := (&Loader{Modules: testSpecs}).LoadPlaybook(path)
			var pe *Error
			if !errors.As(err, &pe) {
				var es Errors
				if errors.As(err, &es) {
					pe = es[0]
				} else {
					t.Fatalf("got %T %v", err, err)
				}
			}
			if !strings.Contains(pe.Msg, c.msg) || pe.Pos.Line != c.line || pe.Pos.Col != c.col {
				t.Errorf("got %d:%d %q\nwant %d:%d containing %q", pe.Pos.Line, pe.Pos.Col, pe.Msg, c.line, c.col, c.msg)
			}
			if !strings.Contains(err.Error(), "^ here") || !strings.Contains(err.Error(), "The error appears to be in '"+path+"'") {
				t.Errorf("rendering:\n%s", err)
			}
		})
	}
}

func TestErrorRendering(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "play.yml")
	os.WriteFile(path, []byte("- hosts: all\n  tasks:\n    - name: x\n      debug: msg=x\n      bogus: 1\n      whne: 2\n"), 0o644)
	_, err := (&Loader{Modules: testSpecs}).LoadPlaybook(path)
	want := "ERROR! 'bogus' is not a valid attribute for a Task\n" +
		"The error appears to be in '" + path + "': line 5, column 7\n" +
		"   4 |       debug: msg=x\n" +
		"   5 |       bogus: 1\n" +
		"     |       ^ here\n\n" +
		"ERROR! 'whne' is not a valid attribute for a Task (did you mean 'when'?)"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("got\n%v\nwant prefix\n%s", err, want)
	}
}

func TestLoadTasksAndRole(t *testing.T) {
	l := &Loader{Modules: testSpecs}
	pb, err := l.LoadPlaybook("testdata/seed/swarm.yml")
	if err != nil {
		t.Fatal(err)
	}
	parent := &Task{Action: "include_tasks", File: "testdata/seed/swarm.yml"}
	tasks, err := l.LoadTasks("testdata/seed/roles/configure/swarm-leader/tasks/test.yml", parent, nil)
	if err != nil || len(tasks) != 2 || tasks[0].Parent != parent || tasks[1].Action != "assert" {
		t.Fatalf("LoadTasks: %v %+v", err, tasks)
	}
	r, blk, err := l.LoadRole(RoleRef{Name: "configure/swarm-leader", TasksFrom: "test"}, pb.Plays[1], parent)
	if err != nil || r.Path == "" || len(blk.Block) != 2 || blk.Parent != parent || blk.Block[0].Role != r {
		t.Fatalf("LoadRole: %v %+v", err, blk)
	}
	if _, err := LoadVarsFile("testdata/seed/roles/configure/swarm-leader/defaults/main.yml"); err != nil {
		t.Fatal(err)
	}
}
