#!/bin/sh
# Build the swarmbook lab node images from Debian packages, with no registry.
#
#   molecule-test/image/build.sh [full|nopy|all]        ensure the image(s) exist; print their tags
#   molecule-test/image/build.sh --tag [full|nopy]      print the tag only (no docker, no build)
#   molecule-test/image/build.sh --force [full|nopy|all] rebuild even when cached
#
# Tags carry a hash of the recipe (this file and node-init.sh): swarmbook-node:<hash> (with python3,
# so ansible-playbook can run on the same hosts) and swarmbook-node:nopy-<hash> (no python3: proves
# swarmbook needs none; it also lacks ufw and cifs-utils, which depend on python3 in Debian).
# An image is rebuilt only when its tag is missing from the local dockerd (`docker image inspect`).
#
# Environment: SWARMBOOK_MIRROR (debootstrap mirror, default: debootstrap's own),
#              SWARMBOOK_BUILD_DIR (scratch directory, default: a fresh one under ${TMPDIR:-/tmp}).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo_name=swarmbook-node
suite=bookworm

# Packages of both variants. Keep in sync with the header comment.
base_packages=openssh-server,docker.io,sudo,iproute2,iptables,nftables,smbclient,procps,ca-certificates,curl,less
# Added for the full variant only (each of them pulls python3).
full_packages="python3 ufw cifs-utils"

recipe_hash() {
	cat "$here/build.sh" "$here/node-init.sh" | sha256sum | cut -c1-12
}

tag_of() {
	case $1 in
	full) echo "$repo_name:$(recipe_hash)" ;;
	nopy) echo "$repo_name:nopy-$(recipe_hash)" ;;
	*) echo "unknown variant '$1' (want full or nopy)" >&2; return 2 ;;
	esac
}

have() {
	docker image inspect "$1" >/dev/null 2>&1
}

log() {
	echo "build.sh: $*" >&2
}

force=0
mode=build
while [ $# -gt 0 ]; do
	case $1 in
	--tag) mode=tag ;;
	--force) force=1 ;;
	-h | --help) sed -n '2,15p' "$0"; exit 0 ;;
	-*) echo "unknown flag $1" >&2; exit 2 ;;
	*) break ;;
	esac
	shift
done
want=${1:-full}
case $want in
all) variants="full nopy" ;;
full | nopy) variants=$want ;;
*) echo "unknown variant '$want' (want full, nopy or all)" >&2; exit 2 ;;
esac

if [ "$mode" = tag ]; then
	for v in $variants; do tag_of "$v"; done
	exit 0
fi

if ! docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then
	echo "docker daemon not running: start it with 'molecule-test/dockerd.sh start' or 'make lab-up'" >&2
	exit 1
fi

missing=""
for v in $variants; do
	if [ "$force" = 1 ] || ! have "$(tag_of "$v")"; then
		missing="$missing $v"
	fi
done
if [ -z "$missing" ]; then
	for v in $variants; do tag_of "$v"; done
	exit 0
fi

for tool in debootstrap chroot tar; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "$tool not found: install it with 'apt-get install -y debootstrap'" >&2
		exit 1
	fi
done
if [ "$(id -u)" != 0 ]; then
	echo "building the node image needs root (debootstrap, chroot)" >&2
	exit 1
fi

work=${SWARMBOOK_BUILD_DIR:-}
if [ -z "$work" ]; then
	work=$(mktemp -d "${TMPDIR:-/tmp}/swarmbook-node-build.XXXXXX")
else
	mkdir -p "$work"
fi
root=$work/rootfs
cleanup() {
	umount "$root/proc" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

start=$(date +%s)
log "debootstrap $suite (minbase) into $root"
# shellcheck disable=SC2086 # optional mirror argument
debootstrap --variant=minbase --include="$base_packages" "$suite" "$root" ${SWARMBOOK_MIRROR:-} >"$work/debootstrap.log" 2>&1 || {
	tail -n 30 "$work/debootstrap.log" >&2
	exit 1
}

# Never start services inside the chroot.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"

# Node setup shared by both variants.
chroot "$root" /bin/sh -eu <<'SETUP'
useradd -m -s /bin/bash vagrant
usermod -p '*' vagrant
usermod -aG docker vagrant
echo 'vagrant ALL=(ALL) NOPASSWD:ALL' >/etc/sudoers.d/vagrant
chmod 440 /etc/sudoers.d/vagrant
# Containers cannot always write /proc/self/loginuid.
sed -i 's/^session\s\+required\s\+pam_loginuid.so/session optional pam_loginuid.so/' /etc/pam.d/sshd
printf 'UseDNS no\nPasswordAuthentication no\nPermitRootLogin prohibit-password\n' >/etc/ssh/sshd_config.d/swarmbook.conf
# Host keys are made per container at start (ssh-keygen -A), never shared through the image.
rm -f /etc/ssh/ssh_host_*
SETUP
install -m 755 "$here/node-init.sh" "$root/usr/local/sbin/swarmbook-node-init"

slim() {
	rm -rf "$1/var/cache/apt/archives/"*.deb "$1/var/lib/apt/lists/"* "$1/usr/sbin/policy-rc.d" \
		"$1/etc/resolv.conf" "$1/etc/hostname"
	: >"$1/etc/resolv.conf"
}

import() {
	# $1 variant, $2 rootfs
	tag=$(tag_of "$1")
	log "importing $tag"
	tar -C "$2" --numeric-owner -c . | docker import \
		-c 'CMD ["/usr/local/sbin/swarmbook-node-init"]' \
		-c 'ENV LANG=C.UTF-8' \
		-c "LABEL org.swarmbook.recipe=$(recipe_hash) org.swarmbook.variant=$1" \
		- "$tag" >/dev/null
}

case $missing in
*nopy*)
	cp -a "$root" "$work/nopy"
	slim "$work/nopy"
	import nopy "$work/nopy"
	rm -rf "$work/nopy"
	;;
esac

case $missing in
*full*)
	log "adding $full_packages for the full variant"
	mount -t proc proc "$root/proc"
	# shellcheck disable=SC2086 # word list
	DEBIAN_FRONTEND=noninteractive chroot "$root" apt-get install -y --no-install-recommends $full_packages \
		>"$work/apt.log" 2>&1 || {
		tail -n 30 "$work/apt.log" >&2
		exit 1
	}
	umount "$root/proc"
	slim "$root"
	import full "$root"
	;;
esac

log "built$missing in $(($(date +%s) - start))s"

# Drop images of older recipes (about 600 MB each); images still used by a container stay.
current=$(recipe_hash)
docker image ls --filter "reference=$repo_name" --format '{{.Repository}}:{{.Tag}}' | while read -r ref; do
	case $ref in
	"$repo_name:$current" | "$repo_name:nopy-$current") ;;
	*) docker rmi "$ref" >/dev/null 2>&1 && log "removed stale $ref" || true ;;
	esac
done
for v in $variants; do tag_of "$v"; done
