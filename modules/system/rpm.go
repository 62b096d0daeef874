package system

import (
	"context"
	"fmt"
	"strings"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/modules/shquote"
)

// rpmModule is ansible.builtin.dnf / ansible.builtin.yum for named packages.
type rpmModule struct{ tool string }

func (rpmModule) Spec() modules.Spec {
	return modules.Spec{Params: []modules.Param{
		{Name: "name", Kind: modules.KindList, Elements: modules.KindStr, Aliases: []string{"pkg"}, Default: []any{}},
		{Name: "state", Kind: modules.KindStr, Choices: []string{"absent", "present", "installed", "removed", "latest"}},
		{Name: "update_cache", Kind: modules.KindBool, Default: false, Aliases: []string{"expire-cache"}},
		{Name: "disable_gpg_check", Kind: modules.KindBool, Default: false},
		{Name: "enablerepo", Kind: modules.KindList, Elements: modules.KindStr, Default: []any{}},
		{Name: "disablerepo", Kind: modules.KindList, Elements: modules.KindStr, Default: []any{}},
		{Name: "install_weak_deps", Kind: modules.KindBool, Default: true},
		{Name: "autoremove", Kind: modules.KindBool, Default: false},
	}}
}

// rpmQueryScript reports, per package, whether rpm knows it as installed
// and (for latest) whether an update is available.
func rpmQueryScript(tool string, names []string, latest bool) string {
	var b strings.Builder
	b.WriteString("LC_ALL=C; export LC_ALL\n")
	fmt.Fprintf(&b, "command -v %s >/dev/null 2>&1 || echo notool=1\n", tool)
	for _, n := range names {
		q := shquote.POSIX(n)
		fmt.Fprintf(&b, "v=$(rpm -q --whatprovides --qf '%%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH} ' %s 2>/dev/null) || v=\n", q)
		upd := ""
		if latest {
			fmt.Fprintf(&b, "u=; %s -q check-update %s >/dev/null 2>&1; [ $? -eq 100 ] && u=1\n", tool, q)
			upd = "$u"
		}
		fmt.Fprintf(&b, "printf 'pkg|%%s|%%s|%%s\\n' %s \"$v\" \"%s\"\n", q, upd)
	}
	return b.String()
}

func (m rpmModule) Run(ctx context.Context, t *modules.Target, args modules.Args) (modules.Outcome, error) {
	names := args.StrList("name")
	state := args.Str("state")
	switch state {
	case "":
		state = "present"
		if len(names) == 0 {
			return modules.Outcome{Failed: true, Msg: "missing required arguments: name"}, nil
		}
	case "installed":
		state = "present"
	case "removed":
		state = "absent"
	}
	res, err := run(ctx, t, rpmQueryScript(m.tool, names, state == "latest"), nil)
	if err != nil {
		return modules.Outcome{}, err
	}
	inst := map[string]string{}
	upd := map[string]bool{}
	for _, l := range strings.Split(string(res.Stdout), "\n") {
		if l == "notool=1" {
			return modules.Outcome{Failed: true, Msg: fmt.Sprintf("Failed to find required executable %q", m.tool)}, nil
		}
		if p := strings.Split(l, "|"); len(p) == 4 && p[0] == "pkg" {
			inst[p[1]] = strings.TrimSpace(p[2])
			upd[p[1]] = p[3] == "1"
		}
	}
	var todo, results []string
	for _, n := range names {
		switch state {
		case "absent":
			if inst[n] != "" {
				todo = append(todo, n)
				results = append(results, "Removed: "+inst[n])
			}
		case "latest":
			if inst[n] == "" || upd[n] {
				todo = append(todo, n)
				results = append(results, "Installed: "+n)
			}
		default:
			if inst[n] == "" {
				todo = append(todo, n)
				results = append(results, "Installed: "+n)
			}
		}
	}
	fields := map[string]any{"rc": 0, "results": anyStrings(results), "msg": ""}
	if len(todo) == 0 {
		fields["msg"] = "Nothing to do"
		return modules.Outcome{Msg: "Nothing to do", Fields: fields}, nil
	}
	if t.Check {
		return modules.Outcome{Changed: true, Fields: fields}, nil
	}
	cmd := m.tool + " -y"
	if args.Bool("disable_gpg_check") {
		cmd += " --nogpgcheck"
	}
	if args.Bool("update_cache") {
		cmd += " --refresh"
	}
	if !args.Bool("install_weak_deps") && args.Has("install_weak_deps") {
		cmd += " --setopt=install_weak_deps=False"
	}
	for _, r := range args.StrList("enablerepo") {
		cmd += " --enablerepo=" + shquote.POSIX(r)
	}
	for _, r := range args.StrList("disablerepo") {
		cmd += " --disablerepo=" + shquote.POSIX(r)
	}
	switch state {
	case "absent":
		cmd += " remove"
	case "latest":
		cmd += " install" // installs missing packages and upgrades installed ones to the latest
	default:
		cmd += " install"
	}
	for _, n := range todo {
		cmd += " " + shquote.POSIX(n)
	}
	if state == "latest" {
		cmd = cmd + " && " + strings.Replace(cmd, " install", " upgrade", 1)
	}
	ares, err := run(ctx, t, cmd, nil)
	if err != nil {
		return modules.Outcome{}, err
	}
	fields["rc"] = ares.ExitCode
	if ares.ExitCode != 0 {
		fields["failures"] = anyStrings(lines(string(ares.Stderr)))
		return modules.Outcome{Failed: true, Msg: "Failed to install some of the specified packages", Fields: fields}, nil
	}
	return modules.Outcome{Changed: true, Fields: fields}, nil
}

// packageModule is ansible.builtin.package: it dispatches to the host's
// package manager (the pkg_mgr fact, or detected on the host).
type packageModule struct{}

func (packageModule) Spec() modules.Spec {
	return modules.Spec{NeedsVars: true, Params: []modules.Param{
		{Name: "name", Kind: modules.KindList, Elements: modules.KindStr, Required: true},
		{Name: "state", Kind: modules.KindStr, Required: true},
		{Name: "use", Kind: modules.KindStr, Default: "auto"},
	}}
}

func (packageModule) Run(ctx context.Context, t *modules.Target, args modules.Args) (modules.Outcome, error) {
	mgr := args.Str("use")
	if mgr == "" || mgr == "auto" {
		mgr = factPkgMgr(t.Vars)
	}
	if mgr == "" || mgr == "auto" {
		res, err := run(ctx, t, `m=unknown
for p in /usr/bin/yum:yum /usr/bin/dnf:dnf /usr/bin/apt-get:apt; do [ -e "${p%%:*}" ] && m=${p#*:}; done
echo "$m"`, nil)
		if err != nil {
			return modules.Outcome{}, err
		}
		mgr = strings.TrimSpace(string(res.Stdout))
	}
	inner := modules.Args{"name": args["name"], "state": args["state"]}
	var mod modules.Module
	switch mgr {
	case "apt":
		mod = aptModule{}
		inner["state"] = aptStateFor(args.Str("state"))
		inner["dpkg_options"] = "force-confdef,force-confold"
	case "dnf", "yum":
		mod = rpmModule{tool: mgr}
	default:
		return modules.Outcome{Failed: true, Msg: fmt.Sprintf("Could not find a matching action for the %q package manager.", mgr)}, nil
	}
	return mod.Run(ctx, t, inner)
}

// aptStateFor maps the generic package states to apt's.
func aptStateFor(s string) string {
	switch s {
	case "installed":
		return "present"
	case "removed":
		return "absent"
	}
	return s
}

// factPkgMgr reads the pkg_mgr fact from the host's variables, if gathered.
func factPkgMgr(vars map[string]any) string {
	if s, ok := vars["ansible_pkg_mgr"].(string); ok {
		return s
	}
	if f, ok := vars["ansible_facts"].(map[string]any); ok {
		if s, ok := f["pkg_mgr"].(string); ok {
			return s
		}
	}
	return ""
}
