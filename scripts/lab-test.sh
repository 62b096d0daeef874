#!/bin/sh
# Run the lab integration test unattended: start the host dockerd when none answers (and stop it again
# afterwards, only if this script started it), build or reuse the node image, boot the lab, run the
# default scenario with ansible-playbook, form a swarm, destroy the lab.
#
#   scripts/lab-test.sh                         # 3 managers + 3 workers
#   SWARMBOOK_LAB_MANAGERS=2 SWARMBOOK_LAB_WORKERS=1 scripts/lab-test.sh
#
# Needs (Debian): docker.io debootstrap vagrant ansible openssh-client, and root.
set -eu
cd "$(dirname "$0")/.."

started=0
if ! molecule-test/dockerd.sh status >/dev/null 2>&1; then
	molecule-test/dockerd.sh start
	started=1
fi
stop() {
	if [ "$started" = 1 ]; then
		molecule-test/dockerd.sh stop
	fi
}
trap stop EXIT INT TERM

go test -tags lab -count=1 -timeout "${SWARMBOOK_LAB_TIMEOUT:-30m}" -v -run '^TestLab$' ./lab/
