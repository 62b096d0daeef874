// Package systest proves swarmbook's system modules (setup facts, apt and
// package, service, user, group, authorized_key, sysctl, hostname,
// lineinfile, wait_for) over SSH on throwaway Debian containers of the lab's
// full node image, and compares them with Debian's ansible-playbook 2.14 on a
// second, fresh pair of containers.
//
// The tests skip, with the reason, when not run as root, when the docker
// daemon does not answer (TestMain starts it with molecule-test/dockerd.sh and
// stops it afterwards only if it started it), or when the node image is
// missing (molecule-test/image/build.sh all builds it). -short skips the
// ansible-playbook comparison. The containers live on their own docker
// network and are removed by ID when the test ends. See system_test.go for
// what is compared and known_test.go for the differences still open.
package systest

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestMain starts the host dockerd when none answers and stops it at the end
// only if it was started here.
func TestMain(m *testing.M) {
	started := false
	if os.Geteuid() == 0 && !dockerAnswers() {
		if _, err := exec.LookPath("dockerd"); err == nil {
			out, err := exec.Command("../molecule-test/dockerd.sh", "start").CombinedOutput()
			switch {
			case err != nil:
				fmt.Fprintf(os.Stderr, "systest: molecule-test/dockerd.sh start: %v\n%s", err, out)
			case !strings.Contains(string(out), "already running"):
				started = true
			}
		}
	}
	code := m.Run()
	if started {
		if out, err := exec.Command("../molecule-test/dockerd.sh", "stop").CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "systest: molecule-test/dockerd.sh stop: %v\n%s", err, out)
		}
	}
	os.Exit(code)
}

// dockerAnswers reports whether the docker daemon answers.
func dockerAnswers() bool {
	return exec.Command("docker", "version", "--format", "{{.Server.Version}}").Run() == nil
}
