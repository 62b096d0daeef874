package system

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/modules/shquote"
)

// userModule is ansible.builtin.user (Linux useradd/usermod/userdel).
type userModule struct{}

func (userModule) Spec() modules.Spec {
	return modules.Spec{Params: []modules.Param{
		{Name: "name", Kind: modules.KindStr, Required: true, Aliases: []string{"user"}},
		{Name: "state", Kind: modules.KindStr, Default: "present", Choices: []string{"absent", "present"}},
		{Name: "uid", Kind: modules.KindInt},
		{Name: "non_unique", Kind: modules.KindBool, Default: false},
		{Name: "group", Kind: modules.KindStr},
		{Name: "groups", Kind: modules.KindList, Elements: modules.KindStr},
		{Name: "append", Kind: modules.KindBool, Default: false},
		{Name: "comment", Kind: modules.KindStr},
		{Name: "home", Kind: modules.KindPath},
		{Name: "shell", Kind: modules.KindStr},
		{Name: "password", Kind: modules.KindStr, NoLog: true},
		{Name: "update_password", Kind: modules.KindStr, Default: "always", Choices: []string{"always", "on_create"}},
		{Name: "create_home", Kind: modules.KindBool, Default: true, Aliases: []string{"createhome"}},
		{Name: "move_home", Kind: modules.KindBool, Default: false},
		{Name: "system", Kind: modules.KindBool, Default: false},
		{Name: "force", Kind: modules.KindBool, Default: false},
		{Name: "remove", Kind: modules.KindBool, Default: false},
		{Name: "skeleton", Kind: modules.KindStr},
		{Name: "password_lock", Kind: modules.KindBool},
	}}
}

// userState is what the state script learns about a user.
type userState struct {
	exists     bool
	passwd     []string // getent passwd fields
	members    []string // supplementary groups (member lists of /etc/group)
	gids       map[string]string
	missing    []string // groups that do not exist
	pwSame     bool
	locked     bool
	homeExists bool
	ownGroup   bool // a group named like the user exists
}

func userStateScript(name string, groups []string, group, password string) string {
	q := shquote.POSIX(name)
	var b strings.Builder
	b.WriteString("n=" + q + "\n")
	b.WriteString(`if l=$(getent passwd "$n"); then printf 'passwd=%s\n' "$l"; h=$(printf '%s' "$l" | cut -d: -f6); [ -d "$h" ] && echo home_exists=1; fi
getent group "$n" >/dev/null 2>&1 && echo own_group=1
getent group | awk -F: -v u="$n" '{k=split($4,m,","); for(i=1;i<=k;i++) if(m[i]==u) print "member=" $1}'
s=$(getent shadow "$n" 2>/dev/null | cut -d: -f2)
case "$s" in '!'*) echo locked=1;; esac
`)
	if password != "" {
		fmt.Fprintf(&b, "[ \"${s#!}\" = %s ] && echo pw_same=1\n", shquote.POSIX(strings.TrimPrefix(password, "!")))
	}
	all := append([]string{}, groups...)
	if group != "" {
		all = append(all, group)
	}
	for _, g := range all {
		qg := shquote.POSIX(g)
		fmt.Fprintf(&b, "if e=$(getent group %s); then printf 'gid=%%s|%%s\\n' %s \"$(printf '%%s' \"$e\" | cut -d: -f3)\"; else printf 'missing=%%s\\n' %s; fi\n", qg, qg, qg)
	}
	return b.String()
}

func parseUserState(out []byte) userState {
	st := userState{gids: map[string]string{}}
	for _, l := range strings.Split(string(out), "\n") {
		k, v, _ := strings.Cut(l, "=")
		switch k {
		case "passwd":
			st.exists = true
			st.passwd = strings.Split(v, ":")
			for len(st.passwd) < 7 {
				st.passwd = append(st.passwd, "")
			}
		case "member":
			st.members = append(st.members, v)
		case "gid":
			g, id, _ := strings.Cut(v, "|")
			st.gids[g] = id
		case "missing":
			st.missing = append(st.missing, v)
		case "pw_same":
			st.pwSame = true
		case "locked":
			st.locked = true
		case "home_exists":
			st.homeExists = true
		case "own_group":
			st.ownGroup = true
		}
	}
	return st
}

// userPlan computes the useradd/usermod/userdel command (empty: no change).
func userPlan(args modules.Args, st userState) (cmd string, err error) {
	name := args.Str("name")
	if args.Str("state") == "absent" {
		if !st.exists {
			return "", nil
		}
		c := "userdel"
		if args.Bool("force") {
			c += " -f"
		}
		if args.Bool("remove") {
			c += " -r"
		}
		return c + " " + shquote.POSIX(name), nil
	}
	groups := args.StrList("groups")
	for _, g := range append(append([]string{}, groups...), args.Str("group")) {
		if g != "" && contains(st.missing, g) {
			return "", fmt.Errorf("Group %s does not exist", g)
		}
	}
	var opts []string
	add := func(o ...string) {
		for _, x := range o {
			opts = append(opts, shquote.POSIX(x))
		}
	}
	if !st.exists {
		if args.Has("uid") {
			add("-u", strconv.Itoa(args.Int("uid")))
			if args.Bool("non_unique") {
				add("-o")
			}
		}
		if g := args.Str("group"); g != "" {
			add("-g", g)
		} else if st.ownGroup {
			add("-g", name)
		}
		if len(groups) > 0 && strings.Join(groups, "") != "" {
			add("-G", strings.Join(groups, ","))
		}
		if args.Has("comment") {
			add("-c", args.Str("comment"))
		}
		if args.Has("home") {
			add("-d", args.Str("home"))
		}
		if args.Has("shell") {
			add("-s", args.Str("shell"))
		}
		if args.Has("password") {
			pw := args.Str("password")
			if args.Bool("password_lock") {
				pw = "!" + pw
			}
			add("-p", pw)
		}
		if args.Bool("create_home") {
			add("-m")
			if args.Has("skeleton") {
				add("-k", args.Str("skeleton"))
			}
		} else {
			add("-M")
		}
		if args.Bool("system") {
			add("-r")
		}
		return "useradd " + strings.Join(opts, " ") + " " + shquote.POSIX(name), nil
	}
	p := st.passwd
	if args.Has("uid") && p[2] != strconv.Itoa(args.Int("uid")) {
		add("-u", strconv.Itoa(args.Int("uid")))
		if args.Bool("non_unique") {
			add("-o")
		}
	}
	if g := args.Str("group"); g != "" && st.gids[g] != p[3] {
		add("-g", st.gids[g])
	}
	if args.Has("groups") {
		want := map[string]bool{}
		for _, g := range groups {
			if g = strings.TrimSpace(g); g != "" {
				want[g] = true
			}
		}
		cur := setOf(st.members)
		var diff []string
		for g := range want {
			if !cur[g] {
				diff = append(diff, g)
			}
		}
		removed := false
		for g := range cur {
			if !want[g] {
				removed = true
			}
		}
		wantList := sortedSet(want)
		switch {
		case args.Bool("append") && len(diff) > 0:
			add("-a", "-G", strings.Join(wantList, ","))
		case !args.Bool("append") && (len(diff) > 0 || removed):
			add("-G", strings.Join(wantList, ","))
		}
	}
	if args.Has("comment") && p[4] != args.Str("comment") {
		add("-c", args.Str("comment"))
	}
	if args.Has("home") && p[5] != args.Str("home") {
		add("-d", args.Str("home"))
		if args.Bool("move_home") {
			add("-m")
		}
	}
	if args.Has("shell") && p[6] != args.Str("shell") {
		add("-s", args.Str("shell"))
	}
	pwChange := args.Has("password") && args.Str("update_password") != "on_create" && !st.pwSame
	if !pwChange && args.Has("password_lock") {
		if args.Bool("password_lock") && !st.locked {
			add("-L")
		} else if !args.Bool("password_lock") && st.locked {
			add("-U")
		}
	}
	if pwChange {
		pw := args.Str("password")
		if args.Bool("password_lock") {
			pw = "!" + pw
		}
		add("-p", pw)
	}
	if len(opts) == 0 {
		return "", nil
	}
	return "usermod " + strings.Join(opts, " ") + " " + shquote.POSIX(name), nil
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (m userModule) Run(ctx context.Context, t *modules.Target, args modules.Args) (modules.Outcome, error) {
	args = withDefaults(args, m.Spec())
	name := args.Str("name")
	state := args.Str("state")
	var secrets []string
	if pw := args.Str("password"); pw != "" {
		secrets = append(secrets, pw)
	}
	res, err := run(ctx, t, userStateScript(name, args.StrList("groups"), args.Str("group"), args.Str("password")), nil)
	if err != nil {
		return modules.Outcome{}, err
	}
	st := parseUserState(res.Stdout)
	fields := map[string]any{"name": name, "state": state}
	if t.Check && state == "present" && !st.exists {
		// Ansible's user module reports the creation in check mode before it
		// looks at the groups (which an earlier check-mode task may only
		// have pretended to create).
		return modules.Outcome{Changed: true, Fields: fields, Secrets: secrets}, nil
	}
	cmd, perr := userPlan(args, st)
	if perr != nil {
		return modules.Outcome{Failed: true, Msg: perr.Error(), Fields: fields, Secrets: secrets}, nil
	}
	needHome := state == "present" && st.exists && !st.homeExists && args.Bool("create_home") && cmd == ""
	changed := cmd != "" || needHome
	if t.Check {
		return modules.Outcome{Changed: changed, Fields: fields, Secrets: secrets}, nil
	}
	if state == "absent" {
		if cmd == "" {
			return modules.Outcome{Fields: fields}, nil
		}
	}
	script := ""
	if cmd != "" {
		script = cmd + " || exit $?\n"
	}
	if state == "present" {
		if needHome {
			script += `h=$(getent passwd ` + shquote.POSIX(name) + ` | cut -d: -f6); if [ -n "$h" ] && [ ! -d "$h" ]; then mkdir -p "$h" && { [ -d /etc/skel ] && cp -a /etc/skel/. "$h" 2>/dev/null; chown -R ` + shquote.POSIX(name) + `: "$h"; chmod 0700 "$h"; }; fi
`
		}
		script += "echo; printf 'passwd=%s\\n' \"$(getent passwd " + shquote.POSIX(name) + ")\"\n"
	}
	ares, err := run(ctx, t, script, nil)
	if err != nil {
		return modules.Outcome{}, err
	}
	if ares.ExitCode != 0 {
		fields["rc"] = ares.ExitCode
		return modules.Outcome{Failed: true, Msg: redact(trimOut(ares.Stderr), secrets), Fields: fields, Secrets: secrets}, nil
	}
	if state == "absent" {
		fields["force"] = args.Bool("force")
		fields["remove"] = args.Bool("remove")
		return modules.Outcome{Changed: true, Fields: fields}, nil
	}
	after := parseUserState(ares.Stdout)
	if after.exists {
		p := after.passwd
		fields["uid"] = atoiOr(p[2], -1)
		fields["group"] = atoiOr(p[3], -1)
		fields["comment"] = p[4]
		fields["home"] = p[5]
		fields["shell"] = p[6]
	}
	if args.Has("groups") {
		fields["groups"] = strings.Join(args.StrList("groups"), ",")
	}
	if cmd != "" && !st.exists {
		fields["system"] = args.Bool("system")
		fields["create_home"] = args.Bool("create_home")
	} else {
		fields["append"] = args.Bool("append")
		fields["move_home"] = args.Bool("move_home")
	}
	if args.Has("password") {
		fields["password"] = "NOT_LOGGING_PASSWORD"
	}
	if s := redact(trimOut(ares.Stderr), secrets); s != "" && cmd != "" {
		fields["stderr"] = s
	}
	return modules.Outcome{Changed: changed, Fields: fields, Secrets: secrets}, nil
}

// redact removes secret values from a message.
func redact(s string, secrets []string) string {
	for _, x := range secrets {
		if x != "" {
			s = strings.ReplaceAll(s, x, "********")
		}
	}
	return s
}
