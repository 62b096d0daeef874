package system

import (
	"strconv"
	"strings"
)

func hardwareFacts(f map[string]any, secs map[string]string) {
	cpuFacts(f, secs["cpuinfo"], strings.TrimSpace(secs["nproc"]))
	memFacts(f, secs["meminfo"])
	if up := strings.Fields(secs["uptime"]); len(up) > 0 {
		if v, err := strconv.ParseFloat(up[0], 64); err == nil {
			f["uptime_seconds"] = int(v)
		}
	}
	if la := strings.Fields(secs["loadavg"]); len(la) >= 3 {
		m := map[string]any{}
		for i, k := range []string{"1m", "5m", "15m"} {
			v, _ := strconv.ParseFloat(la[i], 64)
			m[k] = v
		}
		f["loadavg"] = m
	}
	f["mounts"] = mountFacts(secs["mounts"], secs["statfs"])
	dmi := kv([]byte(secs["dmi"]))
	na := func(k string) string {
		if v := strings.TrimSpace(dmi[k]); v != "" {
			return v
		}
		return "NA"
	}
	f["product_name"] = na("product_name")
	f["system_vendor"] = na("sys_vendor")
	f["product_version"] = na("product_version")
	f["product_serial"] = na("product_serial")
	f["product_uuid"] = na("product_uuid")
	f["bios_date"] = na("bios_date")
	f["bios_vendor"] = na("bios_vendor")
	f["bios_version"] = na("bios_version")
	for _, k := range []string{"board_asset_tag", "board_name", "board_serial", "board_vendor", "board_version",
		"chassis_asset_tag", "chassis_serial", "chassis_vendor", "chassis_version"} {
		f[k] = na(k)
	}
}

// cpuFacts follows Ansible's Linux /proc/cpuinfo interpretation.
func cpuFacts(f map[string]any, cpuinfo, nproc string) {
	if strings.TrimSpace(cpuinfo) == "" {
		return
	}
	procs := []any{}
	i, vendorN, modelN, procN := 0, 0, 0, 0
	physid, coreid := "0", "0"
	sockets := map[string]int{}
	var sockOrder []string
	cores := map[string]int{}
	var coreOrder []string
	explicitCores := -1
	for _, l := range strings.Split(cpuinfo, "\n") {
		k, v, _ := strings.Cut(l, ":")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch k {
		case "model name", "Processor", "vendor_id", "cpu", "Vendor", "processor":
			procs = append(procs, v)
			switch k {
			case "vendor_id":
				vendorN++
			case "model name":
				modelN++
			case "processor":
				procN++
			}
			i++
		case "physical id":
			physid = v
			if _, ok := sockets[physid]; !ok {
				sockets[physid] = 1
				sockOrder = append(sockOrder, physid)
			}
		case "core id":
			coreid = v
			if _, ok := sockets[coreid]; !ok {
				if _, seen := cores[coreid]; !seen {
					coreOrder = append(coreOrder, coreid)
				}
				cores[coreid] = 1
			}
		case "cpu cores":
			if _, ok := sockets[physid]; !ok {
				sockOrder = append(sockOrder, physid)
			}
			sockets[physid] = atoiOr(v, 1)
		case "siblings":
			if _, ok := cores[coreid]; !ok {
				coreOrder = append(coreOrder, coreid)
			}
			cores[coreid] = atoiOr(v, 1)
		case "# processors":
			explicitCores = atoiOr(v, 1)
		}
	}
	if vendorN > 0 && vendorN == modelN {
		i = vendorN
	}
	if a, _ := f["architecture"].(string); strings.HasPrefix(a, "armv") || strings.HasPrefix(a, "aarch") || strings.HasPrefix(a, "ppc") {
		i = procN
	}
	f["processor"] = procs
	count := i
	if len(sockets) > 0 {
		count = len(sockets)
	}
	coresPer := 1
	if len(sockOrder) > 0 {
		coresPer = sockets[sockOrder[0]]
	}
	if explicitCores > 0 {
		coresPer = explicitCores
	}
	threads := 1 / coresPer
	if len(coreOrder) > 0 {
		threads = cores[coreOrder[0]] / coresPer
	}
	f["processor_count"] = count
	f["processor_cores"] = coresPer
	f["processor_threads_per_core"] = threads
	f["processor_vcpus"] = threads * count * coresPer
	if n, err := strconv.Atoi(nproc); err == nil {
		f["processor_nproc"] = n
	} else {
		f["processor_nproc"] = procN
	}
}

func memFacts(f map[string]any, meminfo string) {
	m := map[string]int{}
	for _, l := range lines(meminfo) {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		fl := strings.Fields(v)
		if len(fl) > 0 {
			m[k] = atoiOr(fl[0], 0) / 1024
		}
	}
	if len(m) == 0 {
		return
	}
	f["memtotal_mb"] = m["MemTotal"]
	f["memfree_mb"] = m["MemFree"]
	f["swaptotal_mb"] = m["SwapTotal"]
	f["swapfree_mb"] = m["SwapFree"]
	nocacheFree := m["MemFree"] + m["Buffers"] + m["Cached"]
	f["memory_mb"] = map[string]any{
		"real":    map[string]any{"total": m["MemTotal"], "free": m["MemFree"], "used": m["MemTotal"] - m["MemFree"]},
		"nocache": map[string]any{"free": nocacheFree, "used": m["MemTotal"] - nocacheFree},
		"swap": map[string]any{"total": m["SwapTotal"], "free": m["SwapFree"],
			"used": m["SwapTotal"] - m["SwapFree"], "cached": m["SwapCached"]},
	}
}

// unescapeMount decodes the octal escapes of /proc/mounts fields.
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// mountFacts lists block-device mounts with their statfs sizes.
func mountFacts(mounts, statfs string) []any {
	stats := map[string][]int64{}
	for _, l := range lines(statfs) {
		fl := strings.Fields(l)
		if len(fl) != 7 {
			continue
		}
		var nums []int64
		for _, x := range fl[1:] {
			n, _ := strconv.ParseInt(x, 10, 64)
			nums = append(nums, n)
		}
		stats[fl[0]] = nums
	}
	out := []any{}
	seen := map[string]bool{}
	for _, l := range lines(mounts) {
		fl := strings.Fields(l)
		if len(fl) < 4 {
			continue
		}
		dev, mnt, fstype, opts := unescapeMount(fl[0]), unescapeMount(fl[1]), fl[2], fl[3]
		if (!strings.HasPrefix(dev, "/") && !strings.Contains(dev, ":/")) || fstype == "none" {
			continue
		}
		st, ok := stats[fl[1]]
		if !ok || seen[mnt] {
			continue
		}
		seen[mnt] = true
		bsize, blocks, bavail, files, ffree := st[0], st[1], st[3], st[4], st[5]
		out = append(out, map[string]any{
			"mount": mnt, "device": dev, "fstype": fstype, "options": opts, "uuid": "N/A",
			"size_total": bsize * blocks, "size_available": bsize * bavail,
			"block_size": bsize, "block_total": blocks, "block_available": bavail, "block_used": blocks - bavail,
			"inode_total": files, "inode_available": ffree, "inode_used": files - ffree,
		})
	}
	return out
}
