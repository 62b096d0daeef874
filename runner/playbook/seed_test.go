package playbook

import (
	"strings"
	"testing"
)

// walk lists tasks depth-first with their effective tags, as --list-tasks
// shows them (blocks themselves are not listed).
func walk(tasks []*Task, f func(*Task)) {
	for _, t := range tasks {
		if t.IsBlock() {
			walk(t.Block, f)
			walk(t.Rescue, f)
			walk(t.Always, f)
			continue
		}
		f(t)
	}
}

func TestSeedLayout(t *testing.T) {
	l := &Loader{Modules: testSpecs}
	pb, err := l.LoadPlaybook("testdata/seed/swarm.yml")
	if err != nil {
		t.Fatal(err)
	}
	if len(pb.Plays) != 2 {
		t.Fatalf("plays: %d", len(pb.Plays))
	}
	type row struct{ name, tags string }
	var got []string
	walk(pb.Plays[1].Tasks, func(tk *Task) {
		got = append(got, tk.Name+" TAGS:["+strings.Join(tk.EffectiveTags(), ",")+"]")
	})
	want := []string{
		"Check if Swarm Mode is already activated TAGS:[swarm-leader]",
		"Create Swarm Manager Leader if it is not activated TAGS:[swarm-leader]",
		"Disable Leader scheduling TAGS:[swarm-leader]",
		"Check if Manager node is Leader TAGS:[test,swarm-leader]",
		"Fail if Manager node is not Leader TAGS:[test,swarm-leader]",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("tasks:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	r := pb.Plays[1].Roles[0]
	if r.Name != "configure/swarm-leader" || r.Defaults.Values["disable_leader_scheduling"] != true {
		t.Errorf("role %+v", r)
	}
	var first []string
	walk(pb.Plays[0].Tasks, func(tk *Task) { first = append(first, tk.Action) })
	if strings.Join(first, ",") != "raw,raw,setup" {
		t.Errorf("bootstrap actions %v", first)
	}
	var cmd *Task
	walk(pb.Plays[1].Tasks, func(tk *Task) {
		if cmd == nil && tk.Action == "command" {
			cmd = tk
		}
	})
	if cmd.Args["_raw_params"] != "docker info" || cmd.Role != r || cmd.Pos.Line != 2 {
		t.Errorf("command task %+v", cmd)
	}
}
