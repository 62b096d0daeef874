#!/bin/sh
# Start or stop the host Docker daemon used by the swarmbook lab.
#
#   molecule-test/dockerd.sh start   # start dockerd in the background unless a daemon already answers
#   molecule-test/dockerd.sh stop    # stop the dockerd this script started (by its pid file), nothing else
#   molecule-test/dockerd.sh status  # exit 0 when the daemon answers
#
# State lives in $SWARMBOOK_DOCKERD_DIR (default /var/run/swarmbook-dockerd): dockerd.pid and dockerd.log.
set -eu

state=${SWARMBOOK_DOCKERD_DIR:-/var/run/swarmbook-dockerd}
sock=${SWARMBOOK_DOCKER_SOCK:-/var/run/docker.sock}
pidfile=$state/dockerd.pid
log=$state/dockerd.log
timeout=${SWARMBOOK_DOCKERD_TIMEOUT:-60}

answers() {
	[ -S "$sock" ] && docker -H "unix://$sock" version --format '{{.Server.Version}}' >/dev/null 2>&1
}

ours() {
	[ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

start() {
	if answers; then
		echo "dockerd already running ($sock)"
		return 0
	fi
	if ! command -v dockerd >/dev/null 2>&1; then
		echo "dockerd not found: install it with 'apt-get install -y docker.io'" >&2
		return 1
	fi
	mkdir -p "$state"
	if ours; then
		echo "dockerd (pid $(cat "$pidfile")) is running but $sock does not answer yet; waiting"
	else
		rm -f "$pidfile"
		# setsid: the daemon must outlive the shell (and the job control group) that started it.
		setsid dockerd -H "unix://$sock" --pidfile "$pidfile" >>"$log" 2>&1 </dev/null &
	fi
	i=0
	while ! answers; do
		i=$((i + 1))
		if [ "$i" -gt "$((timeout * 5))" ]; then
			echo "dockerd did not answer on $sock within ${timeout}s; last log lines:" >&2
			tail -n 20 "$log" >&2 || true
			return 1
		fi
		sleep 0.2
	done
	echo "dockerd running (pid $(cat "$pidfile" 2>/dev/null || echo '?'), socket $sock, log $log)"
}

stop() {
	if ! [ -f "$pidfile" ]; then
		echo "no dockerd started by this script ($pidfile missing)"
		return 0
	fi
	pid=$(cat "$pidfile")
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid"
		i=0
		while kill -0 "$pid" 2>/dev/null; do
			i=$((i + 1))
			if [ "$i" -gt 150 ]; then
				echo "dockerd (pid $pid) still running after 30s; sending KILL" >&2
				kill -KILL "$pid" 2>/dev/null || true
				break
			fi
			sleep 0.2
		done
	fi
	rm -f "$pidfile"
	echo "dockerd (pid $pid) stopped"
}

case ${1:-} in
start) start ;;
stop) stop ;;
status) if answers; then echo "dockerd answers on $sock"; else echo "dockerd not answering on $sock"; exit 1; fi ;;
*) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
