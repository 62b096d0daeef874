package system

import (
	"context"
	"strconv"
	"strings"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/modules/shquote"
)

// groupModule is ansible.builtin.group (groupadd/groupmod/groupdel).
type groupModule struct{}

func (groupModule) Spec() modules.Spec {
	return modules.Spec{Params: []modules.Param{
		{Name: "name", Kind: modules.KindStr, Required: true},
		{Name: "state", Kind: modules.KindStr, Default: "present", Choices: []string{"absent", "present"}},
		{Name: "gid", Kind: modules.KindInt},
		{Name: "system", Kind: modules.KindBool, Default: false},
		{Name: "non_unique", Kind: modules.KindBool, Default: false},
		{Name: "force", Kind: modules.KindBool, Default: false},
		{Name: "local", Kind: modules.KindBool, Default: false},
	}}
}

// groupPlan returns the command that brings the group to the wanted state
// given its current gid ("" when the group does not exist).
func groupPlan(args modules.Args, curGID string) string {
	q := shquote.POSIX(args.Str("name"))
	if args.Str("state") == "absent" {
		if curGID == "" {
			return ""
		}
		if args.Bool("force") {
			return "groupdel -f " + q
		}
		return "groupdel " + q
	}
	var opts []string
	if args.Has("gid") {
		if curGID != "" && curGID == strconv.Itoa(args.Int("gid")) {
			return ""
		}
		opts = append(opts, "-g", strconv.Itoa(args.Int("gid")))
		if args.Bool("non_unique") {
			opts = append(opts, "-o")
		}
	}
	if curGID != "" {
		if len(opts) == 0 {
			return ""
		}
		return "groupmod " + strings.Join(opts, " ") + " " + q
	}
	if args.Bool("system") {
		opts = append(opts, "-r")
	}
	return strings.TrimSpace("groupadd "+strings.Join(opts, " ")) + " " + q
}

func (m groupModule) Run(ctx context.Context, t *modules.Target, args modules.Args) (modules.Outcome, error) {
	args = withDefaults(args, m.Spec())
	name, state := args.Str("name"), args.Str("state")
	q := shquote.POSIX(name)
	read := "getent group " + q + " | cut -d: -f3"
	res, err := run(ctx, t, read, nil)
	if err != nil {
		return modules.Outcome{}, err
	}
	cur := strings.TrimSpace(string(res.Stdout))
	cmd := groupPlan(args, cur)
	fields := map[string]any{"name": name, "state": state}
	if state == "present" {
		fields["system"] = args.Bool("system")
		if cur != "" {
			fields["gid"] = atoiOr(cur, -1)
		}
	}
	if cmd == "" {
		return modules.Outcome{Fields: fields}, nil
	}
	if t.Check {
		if args.Has("gid") && state == "present" {
			fields["gid"] = args.Int("gid")
		}
		return modules.Outcome{Changed: true, Fields: fields}, nil
	}
	ares, err := run(ctx, t, cmd+" || exit $?\n"+read, nil)
	if err != nil {
		return modules.Outcome{}, err
	}
	if ares.ExitCode != 0 {
		return modules.Outcome{Failed: true, Msg: trimOut(ares.Stderr), Fields: fields}, nil
	}
	if state == "present" {
		fields["gid"] = atoiOr(strings.TrimSpace(string(ares.Stdout)), -1)
	}
	return modules.Outcome{Changed: true, Fields: fields}, nil
}
