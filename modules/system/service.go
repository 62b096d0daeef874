package system

import (
	"context"
	"fmt"
	"strings"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/modules/shquote"
)

// serviceModule is ansible.builtin.service (systemd=false: systemd when the
// host runs it, else SysV init scripts / `service`) and
// ansible.builtin.systemd_service (systemd=true: systemctl only).
type serviceModule struct{ systemd bool }

func (m serviceModule) Spec() modules.Spec {
	p := []modules.Param{
		{Name: "name", Kind: modules.KindStr, Aliases: []string{"service", "unit"}},
		{Name: "state", Kind: modules.KindStr, Choices: []string{"started", "stopped", "restarted", "reloaded"}},
		{Name: "enabled", Kind: modules.KindBool},
	}
	if m.systemd {
		p = append(p,
			modules.Param{Name: "daemon_reload", Kind: modules.KindBool, Default: false, Aliases: []string{"daemon-reload"}},
			modules.Param{Name: "daemon_reexec", Kind: modules.KindBool, Default: false, Aliases: []string{"daemon-reexec"}},
			modules.Param{Name: "masked", Kind: modules.KindBool},
			modules.Param{Name: "scope", Kind: modules.KindStr, Default: "system", Choices: []string{"system", "user", "global"}},
			modules.Param{Name: "no_block", Kind: modules.KindBool, Default: false},
			modules.Param{Name: "force", Kind: modules.KindBool},
		)
		return modules.Spec{Params: p}
	}
	p = append(p,
		modules.Param{Name: "pattern", Kind: modules.KindStr},
		modules.Param{Name: "sleep", Kind: modules.KindInt},
		modules.Param{Name: "arguments", Kind: modules.KindStr, Default: "", Aliases: []string{"args"}},
		modules.Param{Name: "runlevel", Kind: modules.KindStr, Default: "default"},
		modules.Param{Name: "use", Kind: modules.KindStr, Default: "auto"},
	)
	return modules.Spec{Params: p, RequiredOneOf: [][]string{{"state", "enabled"}}}
}

// svcState is the answer of the state script.
type svcState struct {
	systemd   bool
	status    map[string]string // systemctl show
	isEnabled string            // systemctl is-enabled output
	enabledRC int
	initd     bool // /etc/init.d/<name> exists
	// SysV
	hasService bool
	running    bool
	sysvOn     bool   // S??name links in rc2-5.d
	enabler    string // update-rc.d, chkconfig, rc-update
}

// serviceStateScript reads a service's state in one round trip.
func serviceStateScript(name string, forceSystemd, daemonReload bool) string {
	q := shquote.POSIX(name)
	var b strings.Builder
	b.WriteString("n=" + q + "\n")
	b.WriteString("[ -x /etc/init.d/\"$n\" ] && echo initd=1\n")
	cond := `[ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1`
	if forceSystemd {
		cond = `command -v systemctl >/dev/null 2>&1`
	}
	b.WriteString("if " + cond + "; then\n echo mgr=systemd\n")
	if daemonReload {
		b.WriteString(" systemctl daemon-reload >/dev/null 2>&1 || { echo daemon_reload_failed=1; }\n")
	}
	b.WriteString(` e=$(systemctl is-enabled "$n" -l 2>/dev/null); echo "enabled_rc=$?"; echo "is_enabled=$(echo "$e" | head -n 1)"
 echo @@show; systemctl show "$n" --no-pager 2>/dev/null
else
 echo mgr=sysv
 command -v service >/dev/null 2>&1 && echo has_service=1
 for c in update-rc.d chkconfig rc-update; do command -v $c >/dev/null 2>&1 && { echo enabler=$c; break; }; done
 for f in /etc/rc[2345].d/S[0-9][0-9]"$n"; do [ -e "$f" ] && { echo sysv_on=1; break; }; done
 if [ -x /etc/init.d/"$n" ]; then /etc/init.d/"$n" status >/dev/null 2>&1; echo "status_rc=$?"
 elif command -v service >/dev/null 2>&1; then service "$n" status >/dev/null 2>&1; echo "status_rc=$?"; fi
fi
`)
	return b.String()
}

func parseServiceState(out []byte) svcState {
	head, show, _ := strings.Cut(string(out), "@@show\n")
	m := kv([]byte(head))
	st := svcState{
		systemd:    m["mgr"] == "systemd",
		isEnabled:  strings.TrimSpace(m["is_enabled"]),
		enabledRC:  atoiOr(m["enabled_rc"], 1),
		initd:      m["initd"] == "1",
		hasService: m["has_service"] == "1",
		running:    m["status_rc"] == "0",
		sysvOn:     m["sysv_on"] == "1",
		enabler:    m["enabler"],
		status:     map[string]string{},
	}
	for _, l := range strings.Split(show, "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			st.status[k] = v
		}
	}
	return st
}

func (m serviceModule) Run(ctx context.Context, t *modules.Target, args modules.Args) (modules.Outcome, error) {
	name := args.Str("name")
	if name == "" {
		return modules.Outcome{Failed: true, Msg: "missing required arguments: name"}, nil
	}
	if m.systemd && strings.ContainsAny(name, "*?[") {
		return modules.Outcome{Failed: true, Msg: fmt.Sprintf("This module does not currently support using glob patterns, found '%s' in service name: %s", string(name[strings.IndexAny(name, "*?[")]), name)}, nil
	}
	res, err := run(ctx, t, serviceStateScript(name, m.systemd, m.systemd && args.Bool("daemon_reload") && !t.Check), nil)
	if err != nil {
		return modules.Outcome{}, err
	}
	st := parseServiceState(res.Stdout)
	if m.systemd && !st.systemd {
		return modules.Outcome{Failed: true, Msg: "Failed to find required executable \"systemctl\" in paths: /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}, nil
	}
	var plan svcPlan
	if st.systemd {
		plan, err = planSystemd(name, st, args)
	} else {
		plan, err = planSysV(name, st, args)
	}
	if err != nil {
		return modules.Outcome{Failed: true, Msg: err.Error(), Fields: map[string]any{"name": name}}, nil
	}
	out := modules.Outcome{Changed: plan.changed, Fields: plan.fields}
	if t.Check || len(plan.steps) == 0 {
		return out, nil
	}
	var script strings.Builder
	for _, s := range plan.steps {
		fmt.Fprintf(&script, "o=$( (%s) 2>&1 ) || { printf '%%s\\n' %s \"$o\"; exit 1; }\n", s.cmd, shquote.POSIX(s.failMsg))
	}
	ares, err := run(ctx, t, script.String(), nil)
	if err != nil {
		return modules.Outcome{}, err
	}
	if ares.ExitCode != 0 {
		msgLine, detail, _ := strings.Cut(trimOut(ares.Stdout), "\n")
		out.Failed = true
		out.Msg = msgLine + ": " + detail
		return out, nil
	}
	return out, nil
}

type svcStep struct{ cmd, failMsg string }

type svcPlan struct {
	changed bool
	steps   []svcStep
	fields  map[string]any
}

func planSystemd(name string, st svcState, args modules.Args) (svcPlan, error) {
	q := shquote.POSIX(name)
	status := map[string]any{}
	for k, v := range st.status {
		status[k] = v
	}
	p := svcPlan{fields: map[string]any{"name": name, "status": status}}
	load := st.status["LoadState"]
	found := (load != "" && load != "not-found") || st.initd
	if !found {
		switch st.isEnabled {
		case "enabled", "enabled-runtime", "linked", "linked-runtime", "masked", "masked-runtime",
			"static", "indirect", "disabled", "generated", "transient":
			found = true
		}
	}
	missing := fmt.Errorf("Could not find the requested service %s: host", name)
	if load != "" && load != "not-found" && load != "masked" && st.status["LoadError"] != "" {
		return p, fmt.Errorf("Error loading unit file '%s': %s", name, st.status["LoadError"])
	}
	if args.Has("masked") {
		want := args.Bool("masked")
		if (st.isEnabled == "masked") != want {
			p.changed = true
			act := "unmask"
			if want {
				act = "mask"
			}
			p.steps = append(p.steps, svcStep{"systemctl " + act + " " + q, "Could not find the requested service " + name + ": host"})
		}
	}
	if args.Has("enabled") {
		if !found {
			return p, missing
		}
		want := args.Bool("enabled")
		enabled := st.enabledRC == 0 && st.isEnabled != "indirect" && st.isEnabled != "alias"
		p.fields["enabled"] = enabled
		if enabled != want {
			p.changed = true
			act := "disable"
			if want {
				act = "enable"
			}
			p.steps = append(p.steps, svcStep{"systemctl " + act + " " + q, "Unable to " + act + " service " + name})
			p.fields["enabled"] = want
		}
	}
	if state := args.Str("state"); state != "" {
		if !found {
			return p, missing
		}
		p.fields["state"] = state
		active := st.status["ActiveState"]
		if active == "" {
			return p, fmt.Errorf("Service is in unknown state")
		}
		running := active == "active" || active == "activating"
		act := ""
		switch state {
		case "started":
			if !running {
				act = "start"
			}
		case "stopped":
			if running || active == "deactivating" {
				act = "stop"
			}
		default:
			act = strings.TrimSuffix(state, "ed")
			if !running {
				act = "start"
			}
			p.fields["state"] = "started"
		}
		if act != "" {
			p.changed = true
			nb := ""
			if args.Bool("no_block") {
				nb = " --no-block"
			}
			p.steps = append(p.steps, svcStep{"systemctl" + nb + " " + act + " " + q, "Unable to " + act + " service " + name})
		}
	}
	return p, nil
}

func planSysV(name string, st svcState, args modules.Args) (svcPlan, error) {
	q := shquote.POSIX(name)
	p := svcPlan{fields: map[string]any{"name": name}}
	if !st.initd && !st.hasService {
		return p, fmt.Errorf("Could not find the requested service %s: host", name)
	}
	ctl := func(action string) string {
		extra := ""
		if a := args.Str("arguments"); a != "" {
			extra = " " + a
		}
		if st.initd {
			return "/etc/init.d/" + q + " " + action + extra
		}
		return "service " + q + " " + action + extra
	}
	if args.Has("enabled") {
		want := args.Bool("enabled")
		p.fields["enabled"] = want
		if st.sysvOn != want {
			p.changed = true
			var cmd string
			switch st.enabler {
			case "update-rc.d":
				cmd = "update-rc.d " + q + " defaults >/dev/null 2>&1; update-rc.d " + q + " disable"
				if want {
					cmd = "update-rc.d " + q + " defaults && update-rc.d " + q + " enable"
				}
			case "chkconfig":
				cmd = "chkconfig " + q + " off"
				if want {
					cmd = "chkconfig " + q + " on"
				}
			case "rc-update":
				cmd = "rc-update del " + q + " " + shquote.POSIX(args.Str("runlevel"))
				if want {
					cmd = "rc-update add " + q + " " + shquote.POSIX(args.Str("runlevel"))
				}
			default:
				return p, fmt.Errorf("no service or tool found for: %s", name)
			}
			p.steps = append(p.steps, svcStep{cmd, "Unable to set enabled state of service " + name})
		}
	}
	if state := args.Str("state"); state != "" {
		p.fields["state"] = state
		act := ""
		switch state {
		case "started":
			if !st.running {
				act = "start"
			}
		case "stopped":
			if st.running {
				act = "stop"
			}
		case "restarted":
			act = "restart"
		case "reloaded":
			act = "reload"
			if !st.running {
				act = "start"
			}
		}
		if act != "" {
			p.changed = true
			cmd := ctl(act)
			if act == "restart" {
				cmd = "{ " + ctl("restart") + "; } || { " + ctl("stop") + "; " + ctl("start") + "; }"
			}
			p.steps = append(p.steps, svcStep{cmd, "Unable to " + act + " service " + name})
		}
	}
	return p, nil
}
