// Package sshtest proves swarmbook's remote modules over real OpenSSH servers
// (runner/transport/sshdtest) and compares them with Debian's
// ansible-playbook 2.14 on the same hosts. It holds tests and benchmarks
// only; see modules_test.go (idempotence, --check, --diff, differential),
// faults_test.go (host keys, auth, dead hosts, the ssh.config seed workflow)
// and bench_test.go (per-task cost, connections and sessions per task).
//
// The tests skip, with the reason, when not run as root or when sshd or
// ansible-playbook is missing; -short skips the ansible-playbook runs. On an
// idle 2-core machine the package takes about 2 minutes, dominated by
// Ansible; on a loaded one give it time: go test -timeout 20m ./sshtest.
package sshtest
