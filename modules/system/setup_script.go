package system

import "strings"

// Fact gathering is one sh script per host. It prints raw data in sections
// ("\n<marker> <name>\n" followed by the data) and the controller parses
// them; the marker carries a random nonce so no data can fake a section.

// factSubsets are the collector groups the script can gather.
type factSubsets struct {
	hardware, network, virtual bool
}

const scriptMin = `
LC_ALL=C; export LC_ALL
S() { printf '\n%s %s\n' "$M" "$1"; }
S uname; uname -s; uname -n; uname -r; uname -v; uname -m
S hostname; hostname 2>/dev/null || uname -n
S fqdn; h=$(hostname 2>/dev/null || uname -n); a=$(getent hosts "$h" 2>/dev/null | awk '{print $1; exit}')
[ -n "$a" ] && getent hosts "$a" 2>/dev/null | head -n 1
S osrelease; cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release 2>/dev/null
S debian_version; cat /etc/debian_version 2>/dev/null
S redhat_release; cat /etc/redhat-release 2>/dev/null
S alpine_release; cat /etc/alpine-release 2>/dev/null
S lsb; if command -v lsb_release >/dev/null 2>&1; then lsb_release -a 2>/dev/null; else cat /etc/lsb-release 2>/dev/null; fi
S id; id -un; id -u; id -g; id -ru 2>/dev/null || id -u; id -rg 2>/dev/null || id -g
S passwd; u=$(id -un); getent passwd "$u" 2>/dev/null || grep "^$u:" /etc/passwd
if env -0 >/dev/null 2>&1; then S env0; env -0; else S env; env; fi
S date; date '+%s %N %z %Z'
S pid1comm; cat /proc/1/comm 2>/dev/null
S sbininit; readlink /sbin/init 2>/dev/null
S paths; for p in /run/systemd/system/ /dev/.run/systemd/ /dev/.systemd/ /etc/init/ /sbin/openrc /etc/init.d/ \
 /.dockerenv /.dockerinit /proc/vz /proc/lve /proc/bc /run/ostree-booted \
 /usr/bin/rpm-ostree /usr/bin/yum /usr/bin/dnf /usr/bin/apt-get /usr/bin/zypper /usr/sbin/urpmi /usr/bin/pacman /bin/opkg /sbin/apk \
 /sys/kernel/security/apparmor /sys/fs/selinux/enforce; do [ -e "$p" ] && echo "$p"; done
S bins; for b in systemctl initctl; do command -v "$b" >/dev/null 2>&1 && echo "$b"; done
S resolv; cat /etc/resolv.conf 2>/dev/null
S machineid; cat /etc/machine-id 2>/dev/null || cat /var/lib/dbus/machine-id 2>/dev/null
S cmdline; cat /proc/cmdline 2>/dev/null
S fips; cat /proc/sys/crypto/fips_enabled 2>/dev/null
S sshkeys; for f in /etc/ssh/ssh_host_*_key.pub; do [ -r "$f" ] && { printf '%s ' "${f#/etc/ssh/ssh_host_}"; cat "$f"; }; done
S getconf; getconf LONG_BIT 2>/dev/null
`

const scriptHardware = `
S cpuinfo; cat /proc/cpuinfo 2>/dev/null
S nproc; nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null
S meminfo; cat /proc/meminfo 2>/dev/null
S uptime; cat /proc/uptime 2>/dev/null
S loadavg; cat /proc/loadavg 2>/dev/null
S mounts; cat /proc/mounts 2>/dev/null
S statfs; while read -r dev mnt fs rest; do case "$dev" in /*) s=$(stat -f -c '%S %b %f %a %c %d' "$mnt" 2>/dev/null) && printf '%s %s\n' "$mnt" "$s";; esac; done </proc/mounts
S dmi; for f in product_name sys_vendor product_version product_serial product_uuid bios_date bios_vendor bios_version board_asset_tag board_name board_serial board_vendor board_version chassis_asset_tag chassis_serial chassis_vendor chassis_version; do printf '%s=%s\n' "$f" "$(cat /sys/class/dmi/id/$f 2>/dev/null)"; done
`

const scriptNetwork = `
S ipaddr; ip -j addr 2>/dev/null
S route4; ip -j -4 route get 8.8.8.8 2>/dev/null
S route6; ip -j -6 route get 2404:6800:4003:c02::64 2>/dev/null
S procroute; cat /proc/net/route 2>/dev/null
S sysnet; for d in /sys/class/net/*; do [ -e "$d" ] || continue; n=${d##*/}
 dev=$(readlink "$d/device" 2>/dev/null); mod=$(readlink "$d/device/driver/module" 2>/dev/null)
 kind=; [ -d "$d/bridge" ] && kind=bridge; [ -d "$d/bonding" ] && kind=bonding
 printf '%s|%s|%s|%s|%s|%s|%s|%s|%s|%s\n' "$n" "$(cat "$d/address" 2>/dev/null)" "$(cat "$d/mtu" 2>/dev/null)" \
  "$(cat "$d/type" 2>/dev/null)" "$(cat "$d/flags" 2>/dev/null)" "$(cat "$d/operstate" 2>/dev/null)" \
  "$(cat "$d/speed" 2>/dev/null)" "${dev##*/}" "${mod##*/}" "$kind"; done
`

const scriptVirtual = `
S cgroup1; cat /proc/1/cgroup 2>/dev/null
S environ1; tr '\000' '\n' </proc/1/environ 2>/dev/null | grep '^container='
S systemdcontainer; cat /run/systemd/container 2>/dev/null
S virtdmi; cat /sys/class/dmi/id/product_name /sys/class/dmi/id/sys_vendor 2>/dev/null
S cpuflags; grep -m1 '^flags' /proc/cpuinfo 2>/dev/null
`

// factScript returns the gathering script for the given marker and subsets.
func factScript(marker string, s factSubsets) string {
	var b strings.Builder
	b.WriteString("M=" + marker + "\n")
	b.WriteString(scriptMin)
	if s.hardware {
		b.WriteString(scriptHardware)
	}
	if s.network {
		b.WriteString(scriptNetwork)
	}
	if s.virtual {
		b.WriteString(scriptVirtual)
	}
	b.WriteString("\nS end\nexit 0\n")
	return b.String()
}

// parseSections splits the script output into its sections.
func parseSections(out []byte, marker string) map[string]string {
	secs := map[string]string{}
	parts := strings.Split(string(out), "\n"+marker+" ")
	for _, p := range parts[1:] {
		name, body, _ := strings.Cut(p, "\n")
		secs[name] = body
	}
	return secs
}
