package lab

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// fakeRunner returns canned reports, one per call, and records the requests.
type fakeRunner struct {
	reports []RunReport
	reqs    []RunRequest
}

func (f *fakeRunner) Run(_ context.Context, req RunRequest) (RunReport, error) {
	f.reqs = append(f.reqs, req)
	r := f.reports[0]
	f.reports = f.reports[1:]
	return r, nil
}

func clean(changed int) RunReport {
	return RunReport{Recap: map[string]Counts{"swarm-manager-01": {OK: 5, Changed: changed}}}
}

// fakeLab is a lab directory whose machines are "up" (ssh.config exists), for steps that need no vagrant.
func fakeLab(t *testing.T) (Options, *Scenario) {
	t.Helper()
	dir := writeScenario(t, "playbook: play.yml\nverify: {tags: [smoke]}\nplatforms: [{name: swarm-manager-01, groups: [swarm-leader]}]\nextra_vars: {a: 1}\n")
	if err := os.WriteFile(filepath.Join(dir, "ssh.config"), []byte("Host x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sc, err := LoadScenario(dir, "s")
	if err != nil {
		t.Fatal(err)
	}
	return Options{Dir: dir}, sc
}

func TestTestPasses(t *testing.T) {
	lo, sc := fakeLab(t)
	fr := &fakeRunner{reports: []RunReport{clean(3), clean(0), clean(0)}}
	results := t.TempDir()
	rep, err := Test(context.Background(), sc, []Step{StepVerify, StepConverge, StepIdempotence}, TestOptions{Lab: lo, Runner: fr, ResultsDir: results})
	if err != nil {
		t.Fatal(err)
	}
	var got []Step
	for _, s := range rep.Steps {
		got = append(got, s.Step)
		if s.Status != StatusPassed {
			t.Errorf("step %s: %s %s", s.Step, s.Status, s.Error)
		}
	}
	if want := []Step{StepConverge, StepIdempotence, StepVerify}; !reflect.DeepEqual(got, want) {
		t.Errorf("steps ran in order %v, want %v", got, want)
	}
	if len(fr.reqs) != 3 || fr.reqs[2].Tags[0] != "smoke" || fr.reqs[0].Tags != nil || fr.reqs[0].ExtraVars["a"] == nil {
		t.Errorf("requests: %+v", fr.reqs)
	}
	inv, err := os.ReadFile(fr.reqs[0].Inventory[0])
	if err != nil || !strings.Contains(string(inv), "-F "+filepath.Join(lo.Dir, "ssh.config")) {
		t.Errorf("inventory %s: %v\n%s", fr.reqs[0].Inventory, err, inv)
	}
	var sum Report
	data, err := os.ReadFile(filepath.Join(results, "summary.json"))
	if err != nil || json.Unmarshal(data, &sum) != nil || !sum.Passed || len(sum.Steps) != 3 {
		t.Errorf("summary.json: %v\n%s", err, data)
	}
	for _, s := range []Step{StepConverge, StepIdempotence, StepVerify} {
		if !exists(filepath.Join(results, string(s)+".log")) {
			t.Errorf("no %s.log", s)
		}
	}
}

func TestTestIdempotenceNamesChangedTasks(t *testing.T) {
	lo, sc := fakeLab(t)
	second := RunReport{
		Recap: map[string]Counts{"swarm-manager-01": {OK: 5, Changed: 1}, "swarm-worker-01": {OK: 5, Changed: 1}},
		Changed: []TaskResult{
			{Host: "swarm-manager-01", Task: "Deliberately non-idempotent task", Pos: "/r/tasks/configure.yml:40"},
			{Host: "swarm-worker-01", Task: "Deliberately non-idempotent task", Pos: "/r/tasks/configure.yml:40"},
		},
	}
	fr := &fakeRunner{reports: []RunReport{clean(3), second}}
	results := t.TempDir()
	rep, err := Test(context.Background(), sc, []Step{StepConverge, StepIdempotence, StepVerify, StepDestroy},
		TestOptions{Lab: lo, Runner: fr, ResultsDir: results, Destroy: DestroyNever})
	if err == nil {
		t.Fatal("Test passed with a non-idempotent second converge")
	}
	for _, want := range []string{"swarm-manager-01: Deliberately non-idempotent task (/r/tasks/configure.yml:40)", "swarm-worker-01: Deliberately"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	wantStatus := map[Step]StepStatus{StepConverge: StatusPassed, StepIdempotence: StatusFailed, StepVerify: StatusSkipped, StepDestroy: StatusSkipped}
	for s, st := range wantStatus {
		if got := rep.Step(s); got == nil || got.Status != st {
			t.Errorf("step %s: %+v, want %s", s, got, st)
		}
	}
	var suites struct {
		Suite struct {
			Tests    int `xml:"tests,attr"`
			Failures int `xml:"failures,attr"`
			Skipped  int `xml:"skipped,attr"`
			Cases    []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	data, _ := os.ReadFile(filepath.Join(results, "junit.xml"))
	if err := xml.Unmarshal(data, &suites); err != nil {
		t.Fatalf("junit.xml: %v\n%s", err, data)
	}
	s := suites.Suite
	if s.Tests != 4 || s.Failures != 1 || s.Skipped != 2 || s.Cases[1].Failure == nil ||
		!strings.Contains(s.Cases[1].Failure.Message, "non-idempotent task") {
		t.Errorf("junit.xml: %+v\n%s", s, data)
	}
}

func TestTestConvergeFailureSkipsRest(t *testing.T) {
	lo, sc := fakeLab(t)
	failed := RunReport{ExitCode: 2, Recap: map[string]Counts{"swarm-manager-01": {OK: 1, Failed: 1}},
		Failed: []TaskResult{{Host: "swarm-manager-01", Task: "Docker is running", Msg: "Assertion failed"}}}
	fr := &fakeRunner{reports: []RunReport{failed}}
	rep, err := Test(context.Background(), sc, Sequence[1:4], TestOptions{Lab: lo, Runner: fr, ResultsDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "swarm-manager-01: Docker is running: Assertion failed") {
		t.Fatalf("error = %v", err)
	}
	if len(fr.reqs) != 1 || rep.Step(StepVerify).Status != StatusSkipped {
		t.Errorf("runs after a failed converge: %d, verify %s", len(fr.reqs), rep.Step(StepVerify).Status)
	}
}

func TestTestNeedsLab(t *testing.T) {
	lo, sc := fakeLab(t)
	os.Remove(filepath.Join(lo.Dir, "ssh.config"))
	_, err := Test(context.Background(), sc, []Step{StepConverge}, TestOptions{Lab: lo, Runner: &fakeRunner{}, ResultsDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "the lab is not up") {
		t.Fatalf("error = %v", err)
	}
}

func TestParseSteps(t *testing.T) {
	if s, err := ParseSteps("all"); err != nil || !reflect.DeepEqual(s, Sequence) {
		t.Errorf("all: %v %v", s, err)
	}
	if s, err := ParseSteps("converge, verify"); err != nil || !reflect.DeepEqual(s, []Step{StepConverge, StepVerify}) {
		t.Errorf("converge, verify: %v %v", s, err)
	}
	if _, err := ParseSteps("lint"); err == nil {
		t.Error("lint accepted")
	}
}

func TestTestDestroysAfterCancel(t *testing.T) {
	lo, sc := fakeLab(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// Down on a lab with no vagrant machines only removes the state files: ssh.config must go.
	t.Setenv("PATH", fakeBin(t, map[string]string{"docker": "exit 1"}))
	rep, err := Test(ctx, sc, []Step{StepDestroy}, TestOptions{Lab: lo, ResultsDir: t.TempDir()})
	if err != nil || rep.Step(StepDestroy).Status != StatusPassed {
		t.Fatalf("destroy after cancel: %v, %+v", err, rep.Steps)
	}
	if exists(filepath.Join(lo.Dir, "ssh.config")) {
		t.Error("ssh.config survived the destroy step")
	}
}
