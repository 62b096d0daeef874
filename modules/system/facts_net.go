package system

import (
	"encoding/json"
	"net"
	"sort"
	"strconv"
	"strings"
)

// ipAddrJSON is the subset of `ip -j addr` output the facts use.
type ipAddrJSON struct {
	IfName   string `json:"ifname"`
	AddrInfo []struct {
		Family    string `json:"family"`
		Local     string `json:"local"`
		PrefixLen int    `json:"prefixlen"`
		Broadcast string `json:"broadcast"`
		Scope     string `json:"scope"`
		Label     string `json:"label"`
		Secondary bool   `json:"secondary"`
	} `json:"addr_info"`
}

type ipRouteJSON struct {
	Gateway string `json:"gateway"`
	Dev     string `json:"dev"`
	PrefSrc string `json:"prefsrc"`
}

// ifaceType maps /sys/class/net/X/type (ARPHRD_*) to Ansible's names.
func ifaceType(t, kind string) string {
	if kind != "" {
		return kind
	}
	switch t {
	case "1":
		return "ether"
	case "32":
		return "infiniband"
	case "512":
		return "ppp"
	case "772":
		return "loopback"
	case "65534":
		return "tunnel"
	}
	return "unknown"
}

func networkFacts(f map[string]any, secs map[string]string) {
	ifaces := map[string]map[string]any{}
	var names []string
	for _, l := range lines(secs["sysnet"]) {
		p := strings.Split(l, "|")
		if len(p) < 10 {
			continue
		}
		name := p[0]
		names = append(names, name)
		d := map[string]any{"device": name}
		if p[1] != "" && p[1] != "00:00:00:00:00:00" {
			d["macaddress"] = p[1]
		}
		if p[2] != "" {
			d["mtu"] = atoiOr(p[2], 0)
		}
		d["type"] = ifaceType(p[3], p[9])
		if flags, err := strconv.ParseInt(strings.TrimPrefix(p[4], "0x"), 16, 64); err == nil {
			d["promisc"] = flags&0x100 != 0
		}
		if p[5] != "" {
			d["active"] = p[5] != "down"
		}
		if p[6] != "" {
			d["speed"] = atoiOr(p[6], -1)
		}
		if p[7] != "" {
			d["pciid"] = p[7]
		}
		if p[8] != "" {
			d["module"] = p[8]
		}
		ifaces[name] = d
	}
	var all4, all6 []any
	var addrs []ipAddrJSON
	if err := json.Unmarshal([]byte(strings.TrimSpace(secs["ipaddr"])), &addrs); err == nil {
		for _, a := range addrs {
			d := ifaces[a.IfName]
			if d == nil {
				d = map[string]any{"device": a.IfName}
				ifaces[a.IfName] = d
				names = append(names, a.IfName)
			}
			var v6 []any
			var sec4 []any
			for _, ai := range a.AddrInfo {
				switch ai.Family {
				case "inet":
					v4 := ipv4Info(ai.Local, ai.PrefixLen, ai.Broadcast)
					all4 = append(all4, ai.Local)
					if _, has := d["ipv4"]; has || ai.Secondary {
						sec4 = append(sec4, v4)
					} else {
						d["ipv4"] = v4
					}
				case "inet6":
					all6 = append(all6, ai.Local)
					v6 = append(v6, map[string]any{"address": ai.Local, "prefix": strconv.Itoa(ai.PrefixLen), "scope": ai.Scope})
				}
			}
			if v6 != nil {
				d["ipv6"] = v6
			}
			if sec4 != nil {
				d["ipv4_secondaries"] = sec4
			}
		}
	}
	sort.Strings(names)
	f["interfaces"] = anyStrings(names)
	for _, n := range names {
		f[strings.NewReplacer("-", "_", ":", "_", ".", "_").Replace(n)] = ifaces[n]
	}
	if all4 == nil {
		all4 = []any{}
	}
	if all6 == nil {
		all6 = []any{}
	}
	// Ansible lists loopback addresses out of all_ipv*_addresses.
	f["all_ipv4_addresses"] = filterAddrs(all4, "127.")
	f["all_ipv6_addresses"] = filterAddrs(all6, "::1")
	f["default_ipv4"] = defaultRoute(secs["route4"], secs["procroute"], ifaces, "ipv4")
	f["default_ipv6"] = defaultRoute(secs["route6"], "", ifaces, "ipv6")
}

func filterAddrs(in []any, prefix string) []any {
	out := []any{}
	for _, a := range in {
		if s := a.(string); !strings.HasPrefix(s, prefix) {
			out = append(out, s)
		}
	}
	return out
}

func ipv4Info(addr string, prefix int, brd string) map[string]any {
	mask := net.CIDRMask(prefix, 32)
	ip := net.ParseIP(addr).To4()
	netw := ""
	if ip != nil {
		netw = ip.Mask(mask).String()
	}
	return map[string]any{
		"address":   addr,
		"broadcast": brd,
		"netmask":   net.IP(mask).String(),
		"network":   netw,
		"prefix":    strconv.Itoa(prefix),
	}
}

// defaultRoute builds default_ipv4/default_ipv6 from `ip route get` (or,
// for IPv4 without ip, /proc/net/route).
func defaultRoute(routeJSON, procRoute string, ifaces map[string]map[string]any, fam string) map[string]any {
	out := map[string]any{}
	var rt []ipRouteJSON
	if err := json.Unmarshal([]byte(strings.TrimSpace(routeJSON)), &rt); err == nil && len(rt) > 0 {
		out["interface"] = rt[0].Dev
		out["address"] = rt[0].PrefSrc
		if rt[0].Gateway != "" {
			out["gateway"] = rt[0].Gateway
		}
	} else if procRoute != "" {
		for _, l := range lines(procRoute)[1:] {
			fl := strings.Fields(l)
			if len(fl) >= 3 && fl[1] == "00000000" {
				out["interface"] = fl[0]
				if g, err := strconv.ParseUint(fl[2], 16, 32); err == nil {
					out["gateway"] = net.IPv4(byte(g), byte(g>>8), byte(g>>16), byte(g>>24)).String()
				}
				break
			}
		}
	}
	dev, _ := out["interface"].(string)
	d := ifaces[dev]
	if d == nil {
		return out
	}
	for _, k := range []string{"macaddress", "mtu", "type"} {
		if v, ok := d[k]; ok {
			out[k] = v
		}
	}
	if fam == "ipv4" {
		out["alias"] = dev
		if v4, ok := d["ipv4"].(map[string]any); ok {
			if out["address"] == nil || out["address"] == "" {
				out["address"] = v4["address"]
			}
			if out["address"] == v4["address"] {
				for _, k := range []string{"broadcast", "netmask", "network", "prefix"} {
					out[k] = v4[k]
				}
			}
		}
		return out
	}
	if v6, ok := d["ipv6"].([]any); ok {
		for _, a := range v6 {
			m := a.(map[string]any)
			if m["address"] == out["address"] {
				out["prefix"], out["scope"] = m["prefix"], m["scope"]
			}
		}
	}
	return out
}
