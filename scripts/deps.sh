#!/usr/bin/env bash
# Installs the Debian packages swarmbook's tests and lab use. Idempotent; run as root.
set -euo pipefail
need=()
for p in ansible openssh-server openssh-client sudo python3-winrm sshpass docker.io debootstrap iproute2 iptables nftables cifs-utils dpkg-dev curl ca-certificates git make; do
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

# The PowerShell grammar the Windows tests syntax-check generated scripts with
# (npm registry; kept outside the repository). Without node and the grammar
# those tests skip, so install Debian's nodejs and npm where neither is there.
if ! command -v npm >/dev/null; then
	echo "deps: installing nodejs and npm"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
pss="${HOME:-/root}/.cache/swarmbook/pssyntax"
if [ ! -d "$pss/node_modules/tree-sitter-powershell" ]; then
	echo "deps: installing tree-sitter-powershell into $pss"
	mkdir -p "$pss"
	(cd "$pss" && npm install --silent --no-audit --no-fund --ignore-scripts web-tree-sitter@0.25.10 tree-sitter-powershell@0.26.4 >/dev/null)
fi
