package wintest

import (
	"os"
	"testing"
)

// TestRealWindowsWinRM runs the module suite against the Windows host of
// SWARMBOOK_WINRM_HOST, _USER and _PASSWORD over WinRM (see winrmTarget
// for the optional variables). It is skipped, naming the variables,
// without them.
func TestRealWindowsWinRM(t *testing.T) {
	tg, why, ok := winrmTarget(os.Getenv)
	if !ok {
		t.Skip(why)
	}
	runRealSuite(t, tg)
}

// TestRealWindowsOpenSSH runs the module suite against the Windows host of
// SWARMBOOK_WINSSH_HOST and _USER (key or password) over OpenSSH with
// ansible_shell_type=powershell. It is skipped, naming the variables,
// without them.
func TestRealWindowsOpenSSH(t *testing.T) {
	tg, why, ok := winsshTarget(os.Getenv)
	if !ok {
		t.Skip(why)
	}
	runRealSuite(t, tg)
}

// ansiblePlaybook is Debian's ansible-playbook, for the comparison.
const ansiblePlaybook = "/usr/bin/ansible-playbook"

// ansibleBooks are the playbooks of the suite that use Ansible's modules
// only, so ansible-playbook can run them too.
func ansibleBooks() []string {
	return []string{"prepare.yml", "converge.yml", "verify_absent.yml", "cleanup.yml", "ping.yml"}
}

// runRealSuite is the suite against a real host:
//
//  1. prepare: an empty scratch directory C:\swarmbook-test-<random>;
//  2. --check --diff of converge.yml and hostsetup.yml on that fresh
//     state: no failure, changes reported, and verify_absent.yml then
//     finds nothing made (scratch still empty, no registry key, service or
//     firewall rule);
//  3. --diff run: changes, no failure (the playbooks' asserts check the
//     facts, the 20,000-character script's digest, the 5 MB file's SHA-1
//     and SHA-256, the template, Winmgmt's state);
//  4. second run: changed=0 (idempotence), and a --check --diff run on
//     the converged state: changed=0;
//  5. checkonly.yml under --check: openssh_server, and the docker
//     modules when SWARMBOOK_WIN_DOCKER=1;
//  6. with SWARMBOOK_WIN_COMPARE_ANSIBLE=1: converge.yml twice from a
//     fresh state with swarmbook and with /usr/bin/ansible-playbook, the
//     PLAY RECAP lines compared.
//
// cleanup.yml and cleanup_hostsetup.yml run in t.Cleanup, whatever failed.
func runRealSuite(t *testing.T, tg target) {
	bin := buildCLI(t)
	s := newSuite(t, tg, os.Getenv)
	t.Logf("target %s, scratch %s, registry %s, service %s, firewall port %v",
		tg.name, s.vars["scratch"], s.vars["reg_key"], s.vars["svc_name"], s.vars["fw_port"])
	t.Cleanup(func() { s.cleanup(t, bin) })
	converge := []string{playbook("converge.yml"), playbook("hostsetup.yml")}

	s.mustRun(t, bin, "prepare", playbook("prepare.yml"))

	check := s.mustRun(t, bin, "check on the fresh state", append([]string{"--check", "--diff"}, converge...)...)
	if check.recap.Changed == 0 {
		t.Errorf("check on the fresh state reported no change: %+v\n%s", check.recap, check.out)
	}
	s.mustRun(t, bin, "verify the check changed nothing", playbook("verify_absent.yml"))

	first := s.mustRun(t, bin, "first run", append([]string{"--diff"}, converge...)...)
	if first.recap.Changed == 0 {
		t.Errorf("first run changed nothing: %+v\n%s", first.recap, first.out)
	}
	second := s.mustRun(t, bin, "second run", converge...)
	if second.recap.Changed != 0 {
		t.Errorf("second run not idempotent: %+v\n%s", second.recap, second.out)
	}
	again := s.mustRun(t, bin, "check on the converged state", append([]string{"--check", "--diff"}, converge...)...)
	if again.recap.Changed != 0 {
		t.Errorf("check on the converged state reports changes: %+v\n%s", again.recap, again.out)
	}
	s.mustRun(t, bin, "check-only modules", "--check", playbook("checkonly.yml"))

	if os.Getenv("SWARMBOOK_WIN_COMPARE_ANSIBLE") == "1" {
		s.compareAnsible(t, bin)
	}
}

// mustRun runs swarmbook and fails the test unless every host was ok
// (exit 0, failed=0, unreachable=0).
func (s *suite) mustRun(t *testing.T, bin, what string, args ...string) runResult {
	t.Helper()
	res := s.run(t, bin, args...)
	if res.code != 0 || res.recap.Failed != 0 || res.recap.Unreachable != 0 {
		t.Fatalf("%s: exit %d, recap %+v\n%s", what, res.code, res.recap, res.out)
	}
	t.Logf("%s: %s", what, recapLine(res.out, "win1"))
	return res
}

// cleanup removes everything the suite made on the host.
func (s *suite) cleanup(t *testing.T, bin string) {
	res := s.run(t, bin, playbook("cleanup.yml"), playbook("cleanup_hostsetup.yml"))
	if res.code != 0 || res.recap.Ignored != 0 {
		t.Errorf("cleanup of %s left something behind: exit %d, recap %+v\n%s", s.vars["scratch"], res.code, res.recap, res.out)
	}
}

// compareAnsible runs converge.yml twice from a fresh state with swarmbook,
// then with Debian's ansible-playbook, and compares the PLAY RECAP lines
// of the first and of the second runs.
func (s *suite) compareAnsible(t *testing.T, bin string) {
	const ansible = ansiblePlaybook
	if _, err := os.Stat(ansible); err != nil {
		t.Errorf("SWARMBOOK_WIN_COMPARE_ANSIBLE=1 but %s is missing", ansible)
		return
	}
	fresh := func() {
		s.cleanup(t, bin)
		s.mustRun(t, bin, "prepare", playbook("prepare.yml"))
	}
	var ours, theirs [2]string
	fresh()
	for i := range ours {
		ours[i] = recapLine(s.run(t, bin, playbook("converge.yml")).out, "win1")
	}
	fresh()
	for i := range theirs {
		res := s.exec(t, ansible, "-i", "inventory.yml", "-e", "@vars.json", playbook("converge.yml"))
		theirs[i] = recapLine(res.out, "win1")
		if theirs[i] == "" {
			t.Errorf("ansible-playbook run %d: no recap (exit %d)\n%s", i+1, res.code, res.out)
		}
	}
	for i := range ours {
		if ours[i] != theirs[i] {
			t.Errorf("run %d: PLAY RECAP differs\nswarmbook:        %s\nansible-playbook: %s", i+1, ours[i], theirs[i])
		}
	}
}
