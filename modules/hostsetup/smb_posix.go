package hostsetup

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/modules/shquote"
)

// smbReadPOSIX reads cifs-utils, fstab, the credentials file's checksum and
// mode (never its content), the current mount and the mount point.
func smbReadPOSIX(s smbSpec, fstab string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "p=%s; fstab=%s; cred=%s; mp=%s\n", shquote.POSIX(s.Path), shquote.POSIX(fstab),
		shquote.POSIX(s.CredPath), shquote.POSIX(fstabEscape(s.Path)))
	b.WriteString(`if command -v mount.cifs >/dev/null 2>&1 || [ -x /sbin/mount.cifs ] || [ -x /usr/sbin/mount.cifs ]; then echo cifs=yes; else echo cifs=no; fi
if command -v apt-get >/dev/null 2>&1; then echo pkgmgr=apt
elif command -v dnf >/dev/null 2>&1; then echo pkgmgr=dnf
elif command -v yum >/dev/null 2>&1; then echo pkgmgr=yum
fi
if [ -f "$fstab" ]; then echo "fstab=$(base64 < "$fstab" | tr -d '\n')"; fi
if [ -f "$cred" ]; then
  echo "cred_sum=$(sha256sum < "$cred" | cut -d ' ' -f 1)"
  echo "cred_stat=$(stat -c '%a %u %g' "$cred")"
fi
MP="$mp" awk '$2 == ENVIRON["MP"] { print "mount=" $1 " " $3 }' /proc/self/mounts
if [ -d "$p" ]; then echo dir=yes; fi
`)
	return b.String()
}

func parseSMBLinux(f facts) smbLinuxState {
	st := smbLinuxState{CIFS: f.get("cifs") == "yes", PkgMgr: f.get("pkgmgr"), CredSum: f.get("cred_sum"),
		CredStat: f.get("cred_stat"), DirExists: f.get("dir") == "yes"}
	st.Fstab, _ = f.decoded("fstab")
	if m := f.get("mount"); m != "" {
		src, typ, _ := strings.Cut(m, " ")
		st.MountedSrc, st.MountedType = fstabUnescape(src), typ
	}
	return st
}

// smbApplyPOSIX renders the apply script. The credentials file's content is
// read from stdin, so no secret is ever part of a script.
func smbApplyPOSIX(s smbSpec, p smbLinuxPlan, fstab, pkgmgr string) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "p=%s; fstab=%s; cred=%s\n", shquote.POSIX(s.Path), shquote.POSIX(fstab), shquote.POSIX(s.CredPath))
	if p.Install {
		switch pkgmgr {
		case "apt":
			b.WriteString("DEBIAN_FRONTEND=noninteractive apt-get install -y -q cifs-utils >/dev/null || exit 1\n")
		case "dnf", "yum":
			b.WriteString(pkgmgr + " -y -q install cifs-utils >/dev/null || exit 1\n")
		default:
			return "", fmt.Errorf("cifs-utils is missing and no supported package manager (apt, dnf, yum) was found")
		}
	}
	if p.Unmount {
		b.WriteString("if ! out=$(umount \"$p\" 2>&1); then printf 'unmounting %s failed: %s\\n' \"$p\" \"$out\" >&2; exit 1; fi\n")
	}
	if p.WriteCred {
		fmt.Fprintf(&b, "mkdir -p %s && chmod 755 %s || exit 1\n", shquote.POSIX(path.Dir(s.CredPath)), shquote.POSIX(path.Dir(s.CredPath)))
		b.WriteString(`t="$cred.swarmbook.$$"
( umask 077; cat > "$t" ) && chown 0:0 "$t" && chmod 600 "$t" && mv -f "$t" "$cred" || { rm -f "$t"; exit 1; }
`)
	}
	if p.NewFstab != nil {
		b.WriteString("t=\"$fstab.swarmbook.$$\"\n")
		b.WriteString(posixWrite(`"$t"`, *p.NewFstab) + " || { rm -f \"$t\"; exit 1; }\n")
		b.WriteString("if [ -f \"$fstab\" ]; then chmod --reference=\"$fstab\" \"$t\"; chown --reference=\"$fstab\" \"$t\"; else chmod 644 \"$t\"; fi\nmv -f \"$t\" \"$fstab\" || exit 1\n")
	}
	if p.RemoveCred {
		b.WriteString("rm -f \"$cred\"\n")
	}
	if p.RemoveDir {
		b.WriteString("rmdir \"$p\" 2>/dev/null || true\n")
	}
	if p.Mkdir {
		b.WriteString("mkdir -p \"$p\" || exit 1\n")
	}
	if p.Mount {
		fmt.Fprintf(&b, "if ! out=$(mount -t cifs -o %s %s \"$p\" 2>&1); then printf 'mounting %%s on %%s failed (the credentials file and the fstab entry are in place): %%s\\n' %s \"$p\" \"$out\" >&2; exit 2; fi\n",
			shquote.POSIX(s.mountOpts()), shquote.POSIX(s.Src), shquote.POSIX(s.Src))
	}
	return b.String(), nil
}

func (smbMountModule) runPOSIX(ctx context.Context, t *modules.Target, args modules.Args, s smbSpec) (modules.Outcome, error) {
	fstab := args.Str("fstab")
	res, err := run(ctx, t, smbReadPOSIX(s, fstab))
	if err != nil {
		return modules.Outcome{}, err
	}
	if res.ExitCode != 0 {
		return scriptFailure(modules.Outcome{}, res, "reading the mount state"), nil
	}
	st := parseSMBLinux(parseFacts(res.Stdout))
	if st.MountedSrc != "" && st.MountedType != "cifs" && st.MountedType != "smb3" {
		return failed(fmt.Sprintf("%s is a mount point of %s (%s), not of an SMB share; refusing to touch it", s.Path, st.MountedSrc, st.MountedType))
	}
	p, err := planSMBLinux(s, st, fstab, args.Bool("install"))
	if err != nil {
		return failed(err.Error())
	}
	out := modules.Outcome{Changed: p.changed(), Fields: map[string]any{
		"path": s.Path, "src": s.Src, "state": s.State, "credentials_file": s.CredPath,
		"actions": anyStrings(p.Description),
	}}
	if t.Diff {
		out.Diffs = p.Diffs
	}
	if !p.changed() || t.Check {
		return out, nil
	}
	script, err := smbApplyPOSIX(s, p, fstab, st.PkgMgr)
	if err != nil {
		return failed(err.Error())
	}
	cmd := script
	ares, err := runStdin(ctx, t, cmd, s.credContent(), p.WriteCred)
	if err != nil {
		return modules.Outcome{}, err
	}
	if ares.ExitCode != 0 {
		return scriptFailure(out, ares, "smb_mount"), nil
	}
	return out, nil
}
