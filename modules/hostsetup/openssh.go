package hostsetup

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/swarmbook/swarmbook/modules"
)

// opensshServerModule installs and configures the OpenSSH server: the
// package (Linux) or capability (Windows), sshd_config settings validated
// with sshd -t before the file is replaced and rolled back when the reload
// fails, and authorized keys.
type opensshServerModule struct{}

// Windows defaults.
const (
	winSSHCapability  = "OpenSSH.Server~~~~0.0.1.0"
	winSSHConfig      = `C:\ProgramData\ssh\sshd_config`
	winAdminKeys      = `C:\ProgramData\ssh\administrators_authorized_keys`
	winDefaultShell   = `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`
	winSSHD           = `C:\Windows\System32\OpenSSH\sshd.exe`
	sidAdministrators = "S-1-5-32-544"
	sidSystem         = "S-1-5-18"
	fullControl       = "2032127" // FileSystemRights.FullControl
)

func (opensshServerModule) Spec() modules.Spec {
	return modules.Spec{Params: []modules.Param{
		{Name: "settings", Kind: modules.KindDict},
		{Name: "sshd_config_path", Kind: modules.KindPath},
		{Name: "install", Kind: modules.KindBool, Default: false},
		{Name: "reload", Kind: modules.KindBool, Default: true},
		{Name: "authorized_keys", Kind: modules.KindDict},
		{Name: "admin_keys", Kind: modules.KindList, Elements: modules.KindStr},
		{Name: "exclusive", Kind: modules.KindBool, Default: false},
		{Name: "default_shell", Kind: modules.KindStr, Default: winDefaultShell},
		{Name: "firewall", Kind: modules.KindBool, Default: true},
	}}
}

// sshSetting is one sshd_config keyword and its wanted value.
type sshSetting struct{ Key, Value string }

// settingsOf returns the settings argument in a stable order. Values are
// converted as Ansible prints them, except booleans, which sshd spells
// yes/no.
func settingsOf(d map[string]any) ([]sshSetting, error) {
	var out []sshSetting
	for k, v := range d {
		var s string
		switch b := v.(type) {
		case bool:
			s = "no"
			if b {
				s = "yes"
			}
		case nil:
			return nil, fmt.Errorf("setting %s has no value", k)
		default:
			s = modules.PyStr(v)
		}
		if strings.ContainsAny(k, " \t\r\n=#") || k == "" {
			return nil, fmt.Errorf("invalid sshd_config keyword %q", k)
		}
		if strings.ContainsAny(s, "\r\n") || strings.TrimSpace(s) == "" {
			return nil, fmt.Errorf("invalid value for sshd_config keyword %s: one non-empty line expected", k)
		}
		out = append(out, sshSetting{k, strings.Join(strings.Fields(s), " ")})
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].Key) < strings.ToLower(out[j].Key) })
	return out, nil
}

// sshdKeyword splits an sshd_config line into its keyword and value
// ("Key value", "Key=value"); ok is false for blank and comment lines.
func sshdKeyword(line string) (string, string, bool) {
	s := strings.TrimSpace(line)
	if s == "" || s[0] == '#' {
		return "", "", false
	}
	i := strings.IndexAny(s, " \t=")
	if i < 0 {
		return s, "", true
	}
	k, rest := s[:i], strings.TrimLeft(s[i:], " \t")
	rest = strings.TrimPrefix(rest, "=")
	return k, strings.Join(strings.Fields(rest), " "), true
}

// editSSHDConfig applies settings to the global section of an sshd_config:
// the first line of a keyword (case-insensitive) before any Match block is
// replaced, or "Key value" is inserted before the first Match line (at the
// end when there is none). sshd uses the first value it reads, so later
// duplicates are left alone. It returns the new content and the keywords
// that changed.
func editSSHDConfig(content string, settings []sshSetting, crlf bool) (string, []string) {
	nl := "\n"
	if crlf {
		nl = "\r\n"
	}
	lines := strings.Split(strings.ReplaceAll(content, "\r\n", "\n"), "\n")
	trailing := strings.HasSuffix(content, "\n")
	if trailing {
		lines = lines[:len(lines)-1]
	}
	if content == "" {
		lines = nil
	}
	matchAt := len(lines)
	for i, l := range lines {
		if k, _, ok := sshdKeyword(l); ok && strings.EqualFold(k, "Match") {
			matchAt = i
			break
		}
	}
	var changed, insert []string
	for _, st := range settings {
		found := false
		for i := 0; i < matchAt; i++ {
			k, v, ok := sshdKeyword(lines[i])
			if !ok || !strings.EqualFold(k, st.Key) {
				continue
			}
			found = true
			if v != st.Value {
				lines[i] = st.Key + " " + st.Value
				changed = append(changed, st.Key)
			}
			break
		}
		if !found {
			insert = append(insert, st.Key+" "+st.Value)
			changed = append(changed, st.Key)
		}
	}
	if len(changed) == 0 {
		return content, nil
	}
	out := append([]string{}, lines[:matchAt]...)
	out = append(out, insert...)
	out = append(out, lines[matchAt:]...)
	return strings.Join(out, nl) + nl, changed
}

// sshKeyID is the identity of an authorized_keys line: key type and blob,
// whatever its options and comment.
func sshKeyID(line string) string {
	f := strings.Fields(line)
	for i, x := range f {
		if (strings.HasPrefix(x, "ssh-") || strings.HasPrefix(x, "ecdsa-") || strings.HasPrefix(x, "sk-")) && i+1 < len(f) {
			return x + " " + f[i+1]
		}
	}
	return strings.TrimSpace(line)
}

// mergeKeys computes the new authorized_keys content: with exclusive, the
// given keys exactly (in order); else the current content with the missing
// keys appended. Keys already present (same type and blob) are kept as they
// are. Comparison ignores blank lines and comments.
func mergeKeys(current string, keys []string, exclusive bool) (string, bool) {
	cur := strings.ReplaceAll(current, "\r\n", "\n")
	have := map[string]bool{}
	var curKeys []string
	for _, l := range strings.Split(cur, "\n") {
		s := strings.TrimSpace(l)
		if s == "" || s[0] == '#' {
			continue
		}
		have[sshKeyID(s)] = true
		curKeys = append(curKeys, s)
	}
	var want []string
	seen := map[string]bool{}
	for _, k := range keys {
		for _, l := range splitNonEmpty(k) {
			if id := sshKeyID(l); !seen[id] {
				seen[id] = true
				want = append(want, l)
			}
		}
	}
	if exclusive {
		if strings.Join(curKeys, "\n") == strings.Join(want, "\n") {
			return current, false
		}
		return joinLines(want), true
	}
	var add []string
	for _, w := range want {
		if !have[sshKeyID(w)] {
			add = append(add, w)
		}
	}
	if len(add) == 0 {
		return current, false
	}
	base := cur
	if base != "" && !strings.HasSuffix(base, "\n") {
		base += "\n"
	}
	return base + joinLines(add), true
}

// keysArg returns the authorized_keys argument as user -> keys, users sorted.
func keysArg(d map[string]any) ([]string, map[string][]string, error) {
	users := make([]string, 0, len(d))
	out := map[string][]string{}
	for u, v := range d {
		if u == "" || strings.ContainsAny(u, " \t\r\n:/'\"$`\\") {
			return nil, nil, fmt.Errorf("invalid user name %q in authorized_keys", u)
		}
		switch t := v.(type) {
		case string:
			out[u] = []string{t}
		case []any:
			for _, e := range t {
				s, ok := e.(string)
				if !ok {
					return nil, nil, fmt.Errorf("authorized_keys for %s: keys must be strings", u)
				}
				out[u] = append(out[u], s)
			}
		default:
			return nil, nil, fmt.Errorf("authorized_keys for %s: want a list of keys", u)
		}
		users = append(users, u)
	}
	sort.Strings(users)
	return users, out, nil
}

func (m opensshServerModule) Run(ctx context.Context, t *modules.Target, args modules.Args) (modules.Outcome, error) {
	args = withDefaults(args, m.Spec())
	settings, err := settingsOf(args.Dict("settings"))
	if err != nil {
		return failed(err.Error())
	}
	if windows(t) {
		return m.runWindows(ctx, t, args, settings)
	}
	return m.runPOSIX(ctx, t, args, settings)
}
