// Package moleculetest holds the end-to-end tests of the lab cycle: the
// swarmbook binary boots the Vagrant lab, runs the Molecule-style scenarios
// and converges the reference swarm playbook on real sshd + dockerd
// machines, side by side with Debian's ansible-playbook. They run with
// `go test -tags lab ./molecule-test/` (make lab-test; CI) and need root,
// docker, vagrant and debootstrap.
package moleculetest
