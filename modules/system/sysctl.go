package system

import (
	"context"
	"fmt"
	"strings"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/modules/shquote"
)

// sysctlModule is ansible.posix.sysctl.
type sysctlModule struct{}

func (sysctlModule) Spec() modules.Spec {
	return modules.Spec{Params: []modules.Param{
		{Name: "name", Kind: modules.KindStr, Required: true, Aliases: []string{"key"}},
		{Name: "value", Kind: modules.KindStr, Aliases: []string{"val"}},
		{Name: "state", Kind: modules.KindStr, Default: "present", Choices: []string{"present", "absent"}},
		{Name: "reload", Kind: modules.KindBool, Default: true},
		{Name: "sysctl_file", Kind: modules.KindPath, Default: "/etc/sysctl.conf"},
		{Name: "sysctl_set", Kind: modules.KindBool, Default: false},
		{Name: "ignoreerrors", Kind: modules.KindBool, Default: false},
	}}
}

// normSysctl normalises a value for comparison as Ansible does: booleans
// become 1/0 and runs of whitespace collapse to one space.
func normSysctl(v string) string {
	v = strings.TrimSpace(v)
	switch strings.ToLower(v) {
	case "true", "yes", "on":
		return "1"
	case "false", "no", "off":
		return "0"
	}
	return strings.Join(strings.Fields(v), " ")
}

// sysctlFileEdit rewrites the sysctl file content: the last definition of
// key is set to value (others removed), or appended; absent removes it.
// It returns the new content and the value the file held ("" if none).
func sysctlFileEdit(content, key, value string, absent bool) (string, string, bool) {
	var out []string
	found := false
	cur := ""
	ls := strings.Split(strings.TrimSuffix(content, "\n"), "\n")
	if content == "" {
		ls = nil
	}
	for _, l := range ls {
		s := strings.TrimSpace(l)
		if s == "" || s[0] == '#' || s[0] == ';' || !strings.Contains(s, "=") {
			out = append(out, l)
			continue
		}
		k, v, _ := strings.Cut(s, "=")
		if strings.TrimSpace(k) != key {
			out = append(out, l)
			continue
		}
		cur = strings.TrimSpace(v)
		if absent || found {
			continue
		}
		found = true
		out = append(out, key+"="+value)
	}
	if !absent && !found {
		out = append(out, key+"="+value)
	}
	res := strings.Join(out, "\n")
	if len(out) > 0 {
		res += "\n"
	}
	return res, cur, res != content
}

func (m sysctlModule) Run(ctx context.Context, t *modules.Target, args modules.Args) (modules.Outcome, error) {
	args = withDefaults(args, m.Spec())
	key := strings.TrimSpace(args.Str("name"))
	state := args.Str("state")
	value := args.Str("value")
	if state == "present" && !args.Has("value") {
		return modules.Outcome{Failed: true, Msg: "value cannot be None"}, nil
	}
	if state == "present" && strings.TrimSpace(value) == "" {
		return modules.Outcome{Failed: true, Msg: fmt.Sprintf("Failed to set %s: value is empty", key)}, nil
	}
	file := args.Str("sysctl_file")
	marker, err := newMarker()
	if err != nil {
		return modules.Outcome{}, err
	}
	read := fmt.Sprintf("printf 'proc=%%s\\n' \"$(sysctl -n %s 2>/dev/null | tr '\\t' ' ')\"\nprintf '%%s\\n' %s\n[ -f %s ] && cat %s\n",
		shquote.POSIX(key), marker, shquote.POSIX(file), shquote.POSIX(file))
	res, err := run(ctx, t, read, nil)
	if err != nil {
		return modules.Outcome{}, err
	}
	head, content, _ := strings.Cut(string(res.Stdout), marker+"\n")
	proc := kv([]byte(head))["proc"]
	newContent, fileVal, fileChanged := sysctlFileEdit(content, key, strings.TrimSpace(value), state == "absent")
	if state == "present" && normSysctl(fileVal) == normSysctl(value) && fileVal != "" {
		// same value written differently: leave the file alone
		newContent, fileChanged = content, false
	}
	setProc := state == "present" && args.Bool("sysctl_set") && normSysctl(proc) != normSysctl(value)
	changed := fileChanged || setProc
	out := modules.Outcome{Changed: changed}
	if t.Diff && fileChanged {
		out.Diffs = []modules.Diff{{BeforeHeader: file, AfterHeader: file, Before: content, After: newContent}}
	}
	if !changed || t.Check {
		return out, nil
	}
	var s strings.Builder
	if setProc {
		fmt.Fprintf(&s, "o=$(sysctl -w %s 2>&1) || { printf 'setting %s failed: %%s\\n' \"$o\" >&2; exit 1; }\n",
			shquote.POSIX(key+"="+strings.TrimSpace(value)), key)
	}
	if fileChanged {
		fmt.Fprintf(&s, "f=%s; tmp=\"$f.sb.$$\"; cat >\"$tmp\" && { [ -f \"$f\" ] && chmod --reference=\"$f\" \"$tmp\" 2>/dev/null; mv -f \"$tmp\" \"$f\"; } || exit 1\n", shquote.POSIX(file))
		if args.Bool("reload") {
			ign := ""
			if args.Bool("ignoreerrors") {
				ign = "-e "
			}
			fmt.Fprintf(&s, "o=$(sysctl %s-p \"$f\" 2>&1) || { printf 'Failed to reload sysctl: %%s\\n' \"$o\" >&2; exit 1; }\n", ign)
		}
	}
	ares, err := run(ctx, t, s.String(), strings.NewReader(newContent))
	if err != nil {
		return modules.Outcome{}, err
	}
	if ares.ExitCode != 0 {
		out.Failed = true
		out.Msg = trimOut(ares.Stderr)
	}
	return out, nil
}
