#!/usr/bin/env bash
# Installs the Debian packages swarmbook's tests and lab use. Idempotent; run as root.
set -euo pipefail
need=()
for p in ansible openssh-server openssh-client sudo python3-winrm sshpass docker.io debootstrap iproute2 iptables nftables cifs-utils curl ca-certificates git make; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || need+=("$p")
done
if ((${#need[@]})); then
	echo "deps: installing ${need[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
if ! command -v vagrant >/dev/null; then
	echo "deps: installing vagrant (without recommends)"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends vagrant >/dev/null
fi
