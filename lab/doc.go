// Package lab drives swarmbook's local test lab: machines named swarm-manager-NN and swarm-worker-NN,
// made by Vagrant (molecule-test/Vagrantfile) from a node image with sshd and dockerd, on the private
// network 198.18.0.0/24. It also runs Molecule-style scenarios on that lab: create, converge, idempotence,
// verify and destroy, through a playbook Runner supplied by the caller.
//
// Everything runs unattended: no terminal is needed, every external command is bounded by the caller's
// context, and Down removes every container, network and state file the lab made.
package lab
