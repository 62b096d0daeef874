#!/bin/sh
# Entry point (PID 1) of a swarmbook lab node: an sshd plus a dockerd, like a small VM.
#
# The image is key-agnostic: the lab's public key arrives at start time through the environment
# (SWARMBOOK_AUTHORIZED_KEYS, one or more lines) or a file mounted at /swarmbook/authorized_keys,
# and is installed for root and for the passwordless-sudo user "vagrant".
set -eu

install_keys() {
	keys=${SWARMBOOK_AUTHORIZED_KEYS:-}
	if [ -z "$keys" ] && [ -r /swarmbook/authorized_keys ]; then
		keys=$(cat /swarmbook/authorized_keys)
	fi
	if [ -z "$keys" ]; then
		echo "swarmbook-node: no SWARMBOOK_AUTHORIZED_KEYS and no /swarmbook/authorized_keys: nobody can log in" >&2
		return 0
	fi
	for home in /root /home/vagrant; do
		owner=root
		[ "$home" = /home/vagrant ] && owner=vagrant
		mkdir -p "$home/.ssh"
		printf '%s\n' "$keys" >"$home/.ssh/authorized_keys"
		chmod 700 "$home/.ssh"
		chmod 600 "$home/.ssh/authorized_keys"
		chown -R "$owner:$owner" "$home/.ssh"
	done
}

# Non-privileged containers get read-only cgroup v1 hierarchies; the nested dockerd must write them to run
# containers (SYS_ADMIN and apparmor=unconfined allow the remount). Failure is not fatal: swarm itself needs
# no cgroups. On cgroup v2 the loop finds no sub-mounts and does nothing.
writable_cgroups() {
	for d in /sys/fs/cgroup/*/; do
		[ -d "$d" ] || continue
		mount -o remount,bind,rw "$d" 2>/dev/null || true
	done
}

# The seed's roles (seed 002, written for CoreOS) read the node's address from the environment variable
# COREOS_PUBLIC_IPV4. Provide it: once the lab network (198.18.0.0/24; Vagrant attaches it after the
# container starts) gives this node an address, write it to /etc/environment, which sshd's pam_env puts
# into every SSH session, and let sudo keep it (sudo's PAM stack has no pam_env), so ansible_env carries
# it with and without become. Runs in the background for at most two minutes.
public_ipv4() {
	i=0
	while [ "$i" -lt 240 ]; do
		addr=$(ip -4 -o addr show 2>/dev/null | awk '{split($4, a, "/"); if (a[1] ~ /^198\.18\.0\./) {print a[1]; exit}}')
		if [ -n "$addr" ]; then
			grep -v '^COREOS_PUBLIC_IPV4=' /etc/environment 2>/dev/null >/etc/environment.swarmbook || true
			echo "COREOS_PUBLIC_IPV4=$addr" >>/etc/environment.swarmbook
			mv /etc/environment.swarmbook /etc/environment
			return 0
		fi
		i=$((i + 1))
		sleep 0.5
	done
	echo "swarmbook-node: no address in 198.18.0.0/24 after 120s: COREOS_PUBLIC_IPV4 not set" >&2
}

install_keys
writable_cgroups
printf 'Defaults env_keep += "COREOS_PUBLIC_IPV4"\n' >/etc/sudoers.d/swarmbook-env
chmod 440 /etc/sudoers.d/swarmbook-env
public_ipv4 &
mkdir -p /run/sshd
ssh-keygen -A >/dev/null
/usr/sbin/sshd -E /var/log/sshd.log

if [ "${SWARMBOOK_NODE_DOCKERD:-1}" = 0 ]; then
	exec sleep infinity
fi
# shellcheck disable=SC2086 # SWARMBOOK_DOCKERD_ARGS is a word list on purpose.
exec dockerd --storage-driver="${SWARMBOOK_STORAGE_DRIVER:-vfs}" ${SWARMBOOK_DOCKERD_ARGS:-}
