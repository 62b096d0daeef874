package hostsetup

import (
	"context"
	"fmt"
	"strings"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/modules/shquote"
)

const linuxSSHConfig = "/etc/ssh/sshd_config"

// sshReadPOSIX reads the package state, the sshd binary, the config and the
// authorized_keys of each user (content base64-encoded).
func sshReadPOSIX(cfg string, users []string) string {
	var s strings.Builder
	fmt.Fprintf(&s, "f=%s\n", shquote.POSIX(cfg))
	s.WriteString(`if command -v dpkg-query >/dev/null 2>&1; then
  echo pkgmgr=apt
  case "$(dpkg-query -W -f='${Status}' openssh-server 2>/dev/null)" in
    *" installed") echo pkg=installed ;;
    *) echo pkg=missing ;;
  esac
elif command -v rpm >/dev/null 2>&1; then
  if command -v dnf >/dev/null 2>&1; then echo pkgmgr=dnf; else echo pkgmgr=yum; fi
  if rpm -q openssh-server >/dev/null 2>&1; then echo pkg=installed; else echo pkg=missing; fi
else
  echo pkgmgr=none
  if [ -x /usr/sbin/sshd ]; then echo pkg=installed; else echo pkg=missing; fi
fi
for s in /usr/sbin/sshd /usr/local/sbin/sshd "$(command -v sshd 2>/dev/null)"; do
  if [ -n "$s" ] && [ -x "$s" ]; then echo "sshd=$s"; break; fi
done
if [ -f "$f" ]; then echo "config=$(base64 < "$f" | tr -d '\n')"; fi
`)
	for i, u := range users {
		fmt.Fprintf(&s, "h=$(getent passwd %s | cut -d: -f6)\necho \"home_%d=$h\"\n", shquote.POSIX(u), i)
		fmt.Fprintf(&s, "if [ -n \"$h\" ] && [ -f \"$h/.ssh/authorized_keys\" ]; then echo \"keys_%d=$(base64 < \"$h/.ssh/authorized_keys\" | tr -d '\\n')\"; fi\n", i)
	}
	return s.String()
}

// sshInstallPOSIX installs the package with the host's package manager.
func sshInstallPOSIX(pkgmgr string) (string, error) {
	switch pkgmgr {
	case "apt":
		return "DEBIAN_FRONTEND=noninteractive apt-get install -y -q openssh-server >/dev/null\n", nil
	case "dnf", "yum":
		return pkgmgr + " -y -q install openssh-server >/dev/null\n", nil
	}
	return "", fmt.Errorf("openssh-server is missing and no supported package manager (apt, dnf, yum) was found")
}

// keysWrite is one authorized_keys file to write.
type keysWrite struct{ User, Home, Content string }

// sshApplyPOSIX renders the apply script: keys first (so a key exists
// before a setting such as PasswordAuthentication no takes effect), then the
// config through a temporary copy validated with sshd -t, replaced, and
// restored when the reload fails.
func sshApplyPOSIX(cfg, sshd string, newConfig *string, keys []keysWrite, reload bool) string {
	var s strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&s, "u=%s; h=%s\n", shquote.POSIX(k.User), shquote.POSIX(k.Home))
		s.WriteString(`g=$(id -gn "$u") || exit 1
if [ ! -d "$h/.ssh" ]; then mkdir -p "$h/.ssh" && chmod 700 "$h/.ssh" && chown "$u:$g" "$h/.ssh" || exit 1; fi
t="$h/.ssh/authorized_keys.swarmbook.$$"
`)
		s.WriteString(posixWrite(`"$t"`, k.Content) + " || { rm -f \"$t\"; exit 1; }\n")
		s.WriteString("chmod 600 \"$t\" && chown \"$u:$g\" \"$t\" && mv -f \"$t\" \"$h/.ssh/authorized_keys\" || { rm -f \"$t\"; exit 1; }\n")
	}
	if newConfig == nil {
		return s.String()
	}
	fmt.Fprintf(&s, "f=%s; sshd=%s\n", shquote.POSIX(cfg), shquote.POSIX(sshd))
	s.WriteString("tmp=\"$f.swarmbook.$$\"\n")
	s.WriteString(posixWrite(`"$tmp"`, *newConfig) + " || { rm -f \"$tmp\"; exit 1; }\n")
	s.WriteString(`if [ -f "$f" ]; then chmod --reference="$f" "$tmp" 2>/dev/null; chown --reference="$f" "$tmp" 2>/dev/null; else chmod 644 "$tmp"; fi
[ -d /run/sshd ] || mkdir -p /run/sshd 2>/dev/null
if ! out=$("$sshd" -t -f "$tmp" 2>&1); then
  rm -f "$tmp"
  printf 'sshd -t rejected the new configuration, %s was left unchanged: %s\n' "$f" "$out" >&2
  exit 3
fi
had=0
if [ -f "$f" ]; then cp -p "$f" "$f.swarmbook-bak" || exit 1; had=1; fi
mv -f "$tmp" "$f" || exit 1
`)
	if reload {
		s.WriteString(`sb_reload() {
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    for u in ssh sshd; do
      if systemctl is-active --quiet "$u.service" 2>/dev/null; then systemctl reload "$u.service"; return; fi
    done
    return 0
  fi
  for p in /run/sshd.pid /var/run/sshd.pid; do
    if [ -f "$p" ]; then kill -HUP "$(cat "$p")"; return; fi
  done
  return 0
}
if ! out=$(sb_reload 2>&1); then
  if [ "$had" = 1 ]; then mv -f "$f.swarmbook-bak" "$f"; else rm -f "$f"; fi
  sb_reload >/dev/null 2>&1
  printf 'reloading sshd failed, the previous %s was restored: %s\n' "$f" "$out" >&2
  exit 4
fi
`)
	}
	s.WriteString("rm -f \"$f.swarmbook-bak\"\n")
	return s.String()
}

// sshPlan is the decision shared by both dialects.
type sshPlan struct {
	NewConfig *string // nil: unchanged
	Changed   []string
	Keys      []keysWrite
	Diffs     []modules.Diff
}

// planSSH decides the config and keys changes from what was read.
func planSSH(cfgPath, config string, settings []sshSetting, crlf bool, users []string, homes, curKeys map[string]string,
	want map[string][]string, exclusive bool) (sshPlan, error) {
	var p sshPlan
	if len(settings) > 0 {
		nc, changed := editSSHDConfig(config, settings, crlf)
		if len(changed) > 0 {
			p.NewConfig, p.Changed = &nc, changed
			p.Diffs = append(p.Diffs, modules.Diff{BeforeHeader: cfgPath, AfterHeader: cfgPath, Before: config, After: nc})
		}
	}
	for _, u := range users {
		if homes[u] == "" {
			return p, fmt.Errorf("authorized_keys: user %s does not exist (no home directory)", u)
		}
		nk, changed := mergeKeys(curKeys[u], want[u], exclusive)
		if changed {
			p.Keys = append(p.Keys, keysWrite{User: u, Home: homes[u], Content: nk})
			path := homes[u] + "/.ssh/authorized_keys"
			p.Diffs = append(p.Diffs, modules.Diff{BeforeHeader: path, AfterHeader: path, Before: curKeys[u], After: nk})
		}
	}
	return p, nil
}

func (opensshServerModule) runPOSIX(ctx context.Context, t *modules.Target, args modules.Args, settings []sshSetting) (modules.Outcome, error) {
	if args.Has("admin_keys") {
		return failed("admin_keys is for Windows hosts; use authorized_keys on Linux")
	}
	cfg := args.Str("sshd_config_path")
	if cfg == "" {
		cfg = linuxSSHConfig
	}
	users, want, err := keysArg(args.Dict("authorized_keys"))
	if err != nil {
		return failed(err.Error())
	}
	read := sshReadPOSIX(cfg, users)
	res, err := run(ctx, t, read)
	if err != nil {
		return modules.Outcome{}, err
	}
	f := parseFacts(res.Stdout)
	out := modules.Outcome{Fields: map[string]any{}}
	if f.get("pkg") != "installed" {
		if !args.Bool("install") {
			return failed("openssh-server is not installed on the host (set install: true to install it)")
		}
		out.Changed = true
		out.Fields["installed"] = true
		if t.Check {
			out.Msg = "openssh-server would be installed"
			return out, nil
		}
		inst, err := sshInstallPOSIX(f.get("pkgmgr"))
		if err != nil {
			return failed(err.Error())
		}
		ires, err := run(ctx, t, inst)
		if err != nil {
			return modules.Outcome{}, err
		}
		if ires.ExitCode != 0 {
			return scriptFailure(out, ires, "installing openssh-server"), nil
		}
		// The package brought its own config: read again before editing.
		if res, err = run(ctx, t, read); err != nil {
			return modules.Outcome{}, err
		}
		f = parseFacts(res.Stdout)
	}
	sshd := f.get("sshd")
	if sshd == "" && len(settings) > 0 {
		return failed("sshd binary not found on the host; cannot validate the configuration")
	}
	config, _ := f.decoded("config")
	homes, cur := map[string]string{}, map[string]string{}
	for i, u := range users {
		homes[u] = f.get(fmt.Sprintf("home_%d", i))
		cur[u], _ = f.decoded(fmt.Sprintf("keys_%d", i))
	}
	p, err := planSSH(cfg, config, settings, false, users, homes, cur, want, args.Bool("exclusive"))
	if err != nil {
		return failed(err.Error())
	}
	return applySSH(ctx, t, out, p, func() string {
		return sshApplyPOSIX(cfg, sshd, p.NewConfig, p.Keys, args.Bool("reload"))
	})
}

// applySSH fills the outcome from the plan and runs the apply script unless
// nothing changes or in check mode.
func applySSH(ctx context.Context, t *modules.Target, out modules.Outcome, p sshPlan, script func() string) (modules.Outcome, error) {
	out.Fields["changed_settings"] = anyStrings(p.Changed)
	var ku []string
	for _, k := range p.Keys {
		ku = append(ku, k.User)
	}
	out.Fields["changed_keys"] = anyStrings(ku)
	if p.NewConfig != nil || len(p.Keys) > 0 {
		out.Changed = true
	}
	if t.Diff {
		out.Diffs = append(out.Diffs, p.Diffs...)
	}
	s := script()
	if strings.TrimSpace(s) == "" || t.Check {
		return out, nil
	}
	ares, err := run(ctx, t, s)
	if err != nil {
		return modules.Outcome{}, err
	}
	if ares.ExitCode != 0 {
		return scriptFailure(out, ares, "configuring the OpenSSH server"), nil
	}
	return out, nil
}
