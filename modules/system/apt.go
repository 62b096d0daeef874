package system

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/modules/shquote"
)

// aptModule is ansible.builtin.apt for named packages (no deb, no upgrade).
type aptModule struct{}

func (aptModule) Spec() modules.Spec {
	return modules.Spec{Params: []modules.Param{
		{Name: "name", Kind: modules.KindList, Elements: modules.KindStr, Aliases: []string{"package", "pkg"}},
		{Name: "state", Kind: modules.KindStr, Default: "present", Choices: []string{"absent", "build-dep", "latest", "present", "fixed"}},
		{Name: "update_cache", Kind: modules.KindBool, Aliases: []string{"update-cache"}},
		{Name: "update_cache_retries", Kind: modules.KindInt, Default: 5},
		{Name: "update_cache_retry_max_delay", Kind: modules.KindInt, Default: 12},
		{Name: "cache_valid_time", Kind: modules.KindInt, Default: 0},
		{Name: "purge", Kind: modules.KindBool, Default: false},
		{Name: "install_recommends", Kind: modules.KindBool, Aliases: []string{"install-recommends"}},
		{Name: "force", Kind: modules.KindBool, Default: false},
		{Name: "autoremove", Kind: modules.KindBool, Default: false},
		{Name: "default_release", Kind: modules.KindStr, Aliases: []string{"default-release"}},
		{Name: "dpkg_options", Kind: modules.KindStr, Default: "force-confdef,force-confold"},
		{Name: "allow_unauthenticated", Kind: modules.KindBool, Default: false},
		{Name: "allow_downgrade", Kind: modules.KindBool, Default: false},
		{Name: "only_upgrade", Kind: modules.KindBool, Default: false},
		{Name: "lock_timeout", Kind: modules.KindInt, Default: 60},
	}, RequiredOneOf: [][]string{{"name", "update_cache"}}}
}

// aptPkg is one package's state as read on the host.
type aptPkg struct {
	name, status, version, candidate string
}

func (p aptPkg) installed() bool { return strings.HasSuffix(p.status, " installed") }

// aptSpec splits "name=version" (version may contain a glob).
func aptSpec(s string) (name, version string) {
	name, version, _ = strings.Cut(strings.TrimSpace(s), "=")
	return name, version
}

// aptQueryScript updates the cache when asked (and stale) and reports each
// package's dpkg status, installed version and candidate.
func aptQueryScript(names []string, update bool, validTime int, check bool) string {
	var b strings.Builder
	b.WriteString("export DEBIAN_FRONTEND=noninteractive LC_ALL=C\n")
	b.WriteString(`stamp() { for f in /var/lib/apt/periodic/update-success-stamp /var/lib/apt/lists; do [ -e "$f" ] && { stat -c %Y "$f"; return; }; done; echo 0; }` + "\n")
	b.WriteString("t0=$(stamp); echo cache_time=$t0\n")
	if update {
		fmt.Fprintf(&b, "now=$(date +%%s); if [ $((t0 + %d)) -lt \"$now\" ] || [ %d -eq 0 ]; then\n", validTime, validTime)
		if check {
			b.WriteString(" echo cache_updated=1\n")
		} else {
			b.WriteString(" o=$(apt-get update -q 2>&1) || { echo update_failed=1; printf '%s\\n' \"$o\" | tail -n 5 | sed 's/^/err=/'; exit 0; }\n")
			b.WriteString(" t1=$(stamp); echo cache_time=$t1; [ \"$t1\" != \"$t0\" ] && echo cache_updated=1\n")
		}
		b.WriteString("fi\n")
	}
	for _, n := range names {
		q := shquote.POSIX(n)
		// A package dpkg has never seen prints nothing: keep the field count.
		fmt.Fprintf(&b, "s=$(dpkg-query -W -f='${Status}|${Version}\\n' %s 2>/dev/null | head -n 1)\n[ -n \"$s\" ] || s='|'\n", q)
		fmt.Fprintf(&b, "c=$(apt-cache policy %s 2>/dev/null | awk '/Candidate:/{print $2; exit}')\n", q)
		fmt.Fprintf(&b, "printf 'pkg|%%s|%%s|%%s\\n' %s \"$s\" \"$c\"\n", q)
	}
	return b.String()
}

type aptState struct {
	cacheTime    int
	cacheUpdated bool
	updateFailed bool
	updateErr    string
	pkgs         map[string]aptPkg
}

func parseAptState(out []byte) aptState {
	st := aptState{pkgs: map[string]aptPkg{}}
	var errs []string
	for _, l := range strings.Split(string(out), "\n") {
		switch {
		case strings.HasPrefix(l, "cache_time="):
			st.cacheTime = atoiOr(strings.TrimPrefix(l, "cache_time="), 0)
		case l == "cache_updated=1":
			st.cacheUpdated = true
		case l == "update_failed=1":
			st.updateFailed = true
		case strings.HasPrefix(l, "err="):
			errs = append(errs, strings.TrimPrefix(l, "err="))
		case strings.HasPrefix(l, "pkg|"):
			p := strings.Split(l, "|")
			if len(p) >= 5 {
				st.pkgs[p[1]] = aptPkg{name: p[1], status: p[2], version: p[3], candidate: p[4]}
			}
		}
	}
	st.updateErr = strings.Join(errs, "\n")
	return st
}

// aptPlan decides which package specs to install or remove.
func aptPlan(specs []string, state string, purge bool, st aptState) (todo []string, missing string) {
	for _, s := range specs {
		name, ver := aptSpec(s)
		p := st.pkgs[name]
		switch state {
		case "absent":
			if p.installed() || (purge && strings.Contains(p.status, "config-files")) {
				todo = append(todo, name)
			}
		default:
			if !p.installed() && (p.candidate == "" || p.candidate == "(none)") && !strings.ContainsAny(name, "*?[") {
				return nil, name
			}
			switch {
			case !p.installed():
				todo = append(todo, s)
			case ver != "":
				if ok, _ := path.Match(ver, p.version); !ok && ver != p.version {
					todo = append(todo, s)
				}
			case state == "latest":
				if p.candidate != "" && p.candidate != "(none)" && p.candidate != p.version {
					todo = append(todo, s)
				}
			}
		}
	}
	return todo, ""
}

func (aptModule) Run(ctx context.Context, t *modules.Target, args modules.Args) (modules.Outcome, error) {
	specs := args.StrList("name")
	state := args.Str("state")
	if state == "" {
		state = "present"
	}
	var names []string
	for _, s := range specs {
		if strings.Count(s, "=") > 1 {
			return modules.Outcome{Failed: true, Msg: "invalid package spec: " + s}, nil
		}
		n, _ := aptSpec(s)
		names = append(names, n)
	}
	update := args.Bool("update_cache") || args.Int("cache_valid_time") > 0
	res, err := run(ctx, t, aptQueryScript(names, update, args.Int("cache_valid_time"), t.Check), nil)
	if err != nil {
		return modules.Outcome{}, err
	}
	st := parseAptState(res.Stdout)
	fields := map[string]any{"cache_updated": st.cacheUpdated, "cache_update_time": st.cacheTime}
	if st.updateFailed {
		return modules.Outcome{Failed: true, Msg: "Failed to update apt cache: " + orUnknown(st.updateErr)}, nil
	}
	if len(specs) == 0 {
		return modules.Outcome{Changed: st.cacheUpdated, Fields: fields}, nil
	}
	todo, missing := aptPlan(specs, state, args.Bool("purge"), st)
	if missing != "" {
		return modules.Outcome{Failed: true, Msg: fmt.Sprintf("No package matching '%s' is available", missing), Fields: fields}, nil
	}
	if len(todo) == 0 {
		return modules.Outcome{Fields: fields}, nil
	}
	if t.Check {
		return modules.Outcome{Changed: true, Fields: fields}, nil
	}
	cmd := aptCommand(args, state, todo)
	ares, err := run(ctx, t, "export DEBIAN_FRONTEND=noninteractive\n"+cmd, nil)
	if err != nil {
		return modules.Outcome{}, err
	}
	for k, v := range cmdFields(ares) {
		if k != "rc" {
			fields[k] = v
		}
	}
	if ares.ExitCode != 0 {
		fields["rc"] = ares.ExitCode
		msg := fmt.Sprintf("'%s' failed: %s", cmd, trimOut(ares.Stderr))
		if state == "absent" {
			msg = fmt.Sprintf("'apt-get remove %s' failed: %s", strings.Join(todo, " "), trimOut(ares.Stderr))
		}
		return modules.Outcome{Failed: true, Msg: msg, Fields: fields}, nil
	}
	// apt-get reports a no-op install as "0 upgraded, 0 newly installed";
	// a removal of installed packages always changes the host.
	changed := state == "absent" || !strings.Contains(string(ares.Stdout), "\n0 upgraded, 0 newly installed")
	return modules.Outcome{Changed: changed, Fields: fields}, nil
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown reason"
	}
	return s
}

// aptCommand builds the apt-get command line that applies the plan.
func aptCommand(args modules.Args, state string, pkgs []string) string {
	var b strings.Builder
	b.WriteString("/usr/bin/apt-get -y")
	for _, o := range strings.Split(args.Str("dpkg_options"), ",") {
		if o = strings.TrimSpace(o); o != "" {
			b.WriteString(" -o " + shquote.POSIX("Dpkg::Options::=--"+o))
		}
	}
	if args.Bool("force") {
		b.WriteString(" --force-yes")
	}
	if args.Bool("allow_unauthenticated") {
		b.WriteString(" --allow-unauthenticated")
	}
	if args.Bool("allow_downgrade") {
		b.WriteString(" --allow-downgrades")
	}
	if args.Has("default_release") {
		b.WriteString(" -t " + shquote.POSIX(args.Str("default_release")))
	}
	switch state {
	case "absent":
		if args.Bool("purge") {
			b.WriteString(" --purge")
		}
		if args.Bool("autoremove") {
			b.WriteString(" --auto-remove")
		}
		b.WriteString(" remove")
	case "build-dep":
		b.WriteString(" build-dep")
	default:
		if args.Has("install_recommends") {
			if args.Bool("install_recommends") {
				b.WriteString(" -o APT::Install-Recommends=yes")
			} else {
				b.WriteString(" -o APT::Install-Recommends=no")
			}
		}
		if args.Bool("only_upgrade") {
			b.WriteString(" --only-upgrade")
		}
		b.WriteString(" install")
	}
	for _, p := range pkgs {
		b.WriteString(" " + shquote.POSIX(p))
	}
	return b.String()
}
