package files

import (
	"context"
	"strconv"
	"strings"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/modules/shquote"
)

type statMod struct{}

func (statMod) Spec() modules.Spec {
	return modules.Spec{
		Params: []modules.Param{
			{Name: "path", Kind: modules.KindPath, Required: true, Aliases: []string{"dest", "name"}},
			{Name: "follow", Kind: modules.KindBool, Default: false},
			{Name: "get_checksum", Kind: modules.KindBool, Default: true},
			{Name: "checksum_algorithm", Kind: modules.KindStr, Default: "sha1",
				Choices: []string{"md5", "sha1", "sha224", "sha256", "sha384", "sha512"}, Aliases: []string{"checksum", "checksum_algo"}},
			{Name: "get_md5", Kind: modules.KindBool, Default: false},
			{Name: "get_mime", Kind: modules.KindBool, Default: true, Aliases: []string{"mime", "mime_type", "mime-type"}},
			{Name: "get_attributes", Kind: modules.KindBool, Default: true, Aliases: []string{"attr", "attributes"}},
		},
	}
}

// statFormat: mode(hex) perms uid gid size nlink inode dev atime mtime
// ctime blocks blksize major(hex) minor(hex) user group.
const statFormat = `%f %a %u %g %s %h %i %d %.9X %.9Y %.9Z %b %o %t %T %U %G`

func (statMod) Run(ctx context.Context, t *modules.Target, a modules.Args) (modules.Outcome, error) {
	p := a.Str("path")
	q := shquote.POSIX(p)
	flag := ""
	if a.Bool("follow") {
		flag = "-L "
	}
	algo := strings.TrimSpace(a.Str("checksum_algorithm"))
	if algo == "" {
		algo = "sha1"
	}
	script := "if [ ! -e " + q + " ] && [ ! -L " + q + " ]; then echo missing; exit 0; fi\n" +
		"stat " + flag + "-c '" + statFormat + "' -- " + q + " || exit 1\n" +
		"r=; [ -r " + q + " ] && r=1; w=; [ -w " + q + " ] && w=1; x=; [ -x " + q + " ] && x=1\n" +
		"echo \"access $r $w $x\"\n" +
		"if [ -L " + q + " ]; then printf 'lnk %s\\n' \"$(readlink -- " + q + ")\"; printf 'real %s\\n' \"$(readlink -f -- " + q + ")\"; fi\n"
	if a.Bool("get_checksum") {
		script += "if [ -f " + q + " ] && [ -r " + q + " ]; then printf 'sum '; " + algo + "sum < " + q + " | cut -d' ' -f1; fi\n"
	}
	res, err := run(ctx, t, script)
	if err != nil {
		return modules.Outcome{}, err
	}
	if res.ExitCode != 0 {
		return fail(nil, "%s", strings.TrimSpace(string(res.Stderr)))
	}
	out := strings.Split(strings.TrimRight(string(res.Stdout), "\n"), "\n")
	if out[0] == "missing" {
		return modules.Outcome{Fields: map[string]any{"stat": map[string]any{"exists": false}}}, nil
	}
	return modules.Outcome{Fields: map[string]any{"stat": statDict(p, out)}}, nil
}

// statDict builds the stat module's result from the script's lines.
func statDict(p string, lines []string) map[string]any {
	f := strings.Fields(lines[0])
	for len(f) < 17 {
		f = append(f, "")
	}
	u := func(i, base int) uint64 { v, _ := strconv.ParseUint(f[i], base, 64); return v }
	fl := func(i int) float64 { v, _ := strconv.ParseFloat(f[i], 64); return v }
	raw := uint32(u(0, 16))
	perm := uint32(u(1, 8))
	ft := raw & sIFMT
	major, minor := u(13, 16), u(14, 16)
	rdev := (major&0xfff)<<8 | minor&0xff | (minor&^0xff)<<12 | (major&^0xfff)<<32
	st := map[string]any{
		"exists": true, "path": p, "mode": fmtMode(perm),
		"isdir": ft == sIFDIR, "ischr": ft == 0o020000, "isblk": ft == 0o060000, "isreg": ft == sIFREG,
		"isfifo": ft == 0o010000, "islnk": ft == sIFLNK, "issock": ft == 0o140000,
		"uid": int(u(2, 10)), "gid": int(u(3, 10)), "size": int64(u(4, 10)), "nlink": int(u(5, 10)),
		"inode": int64(u(6, 10)), "dev": int64(u(7, 10)),
		"atime": fl(8), "mtime": fl(9), "ctime": fl(10),
		"blocks": int64(u(11, 10)), "block_size": int64(u(12, 10)), "device_type": int64(rdev),
		"wusr": perm&0o200 != 0, "rusr": perm&0o400 != 0, "xusr": perm&0o100 != 0,
		"wgrp": perm&0o020 != 0, "rgrp": perm&0o040 != 0, "xgrp": perm&0o010 != 0,
		"woth": perm&0o002 != 0, "roth": perm&0o004 != 0, "xoth": perm&0o001 != 0,
		"isuid": perm&sISUID != 0, "isgid": perm&sISGID != 0,
		"pw_name": f[15], "gr_name": f[16],
	}
	for _, l := range lines[1:] {
		k, v, _ := strings.Cut(l, " ")
		switch k {
		case "access":
			acc := strings.Split(v, " ")
			for len(acc) < 3 {
				acc = append(acc, "")
			}
			st["readable"], st["writeable"], st["executable"] = acc[0] == "1", acc[1] == "1", acc[2] == "1"
		case "lnk":
			st["lnk_target"] = v
		case "real":
			st["lnk_source"] = v
		case "sum":
			st["checksum"] = v
		}
	}
	return st
}
