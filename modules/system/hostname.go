package system

import (
	"context"
	"fmt"
	"strings"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/modules/shquote"
)

// hostnameModule is ansible.builtin.hostname.
type hostnameModule struct{}

func (hostnameModule) Spec() modules.Spec {
	return modules.Spec{Params: []modules.Param{
		{Name: "name", Kind: modules.KindStr, Required: true},
		{Name: "use", Kind: modules.KindStr, Choices: []string{"alpine", "debian", "freebsd", "generic", "macos", "macosx", "darwin", "openbsd", "openrc", "redhat", "sles", "solaris", "systemd"}},
	}}
}

func (hostnameModule) Run(ctx context.Context, t *modules.Target, args modules.Args) (modules.Outcome, error) {
	name := args.Str("name")
	use := args.Str("use")
	read := `echo "current=$(hostname 2>/dev/null || uname -n)"
[ -r /etc/hostname ] && echo "permanent=$(head -n 1 /etc/hostname)"
[ -d /run/systemd/system ] && command -v hostnamectl >/dev/null 2>&1 && { echo systemd=1; echo "permanent=$(hostnamectl --static 2>/dev/null)"; }
`
	res, err := run(ctx, t, read, nil)
	if err != nil {
		return modules.Outcome{}, err
	}
	st := kv(res.Stdout)
	if use == "" {
		use = "generic"
		if st["systemd"] == "1" {
			use = "systemd"
		}
	}
	short, _, _ := strings.Cut(name, ".")
	_, domain, _ := strings.Cut(name, ".")
	facts := map[string]any{
		"ansible_hostname": short,
		"ansible_nodename": name,
		"ansible_fqdn":     name,
		"ansible_domain":   domain,
	}
	fields := map[string]any{"name": name, "ansible_facts": facts}
	changed := st["current"] != name || st["permanent"] != name
	out := modules.Outcome{Changed: changed, Fields: fields, Facts: facts}
	if t.Diff && changed {
		out.Diffs = []modules.Diff{{Before: "hostname = " + st["current"] + "\n", After: "hostname = " + name + "\n"}}
	}
	if !changed || t.Check {
		return out, nil
	}
	q := shquote.POSIX(name)
	var apply string
	switch use {
	case "systemd":
		apply = "hostnamectl --transient set-hostname " + q + " && hostnamectl set-hostname " + q
	default:
		apply = "printf '%s\\n' " + q + " > /etc/hostname && { [ \"$(hostname)\" = " + q + " ] || hostname " + q + "; }"
	}
	ares, err := run(ctx, t, apply, nil)
	if err != nil {
		return modules.Outcome{}, err
	}
	if ares.ExitCode != 0 {
		msg := fmt.Sprintf("Command failed rc=%d, out=%s, err=%s", ares.ExitCode, trimOut(ares.Stdout), trimOut(ares.Stderr))
		if strings.Contains(string(ares.Stderr), "ermission") || strings.Contains(string(ares.Stderr), "must be root") ||
			strings.Contains(string(ares.Stderr), "Read-only") {
			msg += " (the host name cannot be changed here; in a container set it from outside, e.g. docker run --hostname)"
		}
		return modules.Outcome{Failed: true, Msg: msg, Fields: map[string]any{"name": name}}, nil
	}
	return out, nil
}
