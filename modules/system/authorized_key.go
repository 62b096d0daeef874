package system

import (
	"context"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/modules/shquote"
)

// authorizedKeyModule is ansible.posix.authorized_key.
type authorizedKeyModule struct{}

func (authorizedKeyModule) Spec() modules.Spec {
	return modules.Spec{Params: []modules.Param{
		{Name: "user", Kind: modules.KindStr, Required: true},
		{Name: "key", Kind: modules.KindStr, Required: true},
		{Name: "path", Kind: modules.KindPath},
		{Name: "manage_dir", Kind: modules.KindBool, Default: true},
		{Name: "state", Kind: modules.KindStr, Default: "present", Choices: []string{"absent", "present"}},
		{Name: "key_options", Kind: modules.KindStr},
		{Name: "exclusive", Kind: modules.KindBool, Default: false},
		{Name: "comment", Kind: modules.KindStr},
		{Name: "validate_certs", Kind: modules.KindBool, Default: true},
		{Name: "follow", Kind: modules.KindBool, Default: false},
	}}
}

// sshKeyTypes are the key types authorized_key recognises.
func isSSHKeyType(s string) bool {
	switch s {
	case "sk-ecdsa-sha2-nistp256@openssh.com", "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
		"webauthn-sk-ecdsa-sha2-nistp256@openssh.com", "ecdsa-sha2-nistp256",
		"ecdsa-sha2-nistp256-cert-v01@openssh.com", "ecdsa-sha2-nistp384",
		"ecdsa-sha2-nistp384-cert-v01@openssh.com", "ecdsa-sha2-nistp521",
		"ecdsa-sha2-nistp521-cert-v01@openssh.com", "sk-ssh-ed25519@openssh.com",
		"sk-ssh-ed25519-cert-v01@openssh.com", "ssh-ed25519", "ssh-ed25519-cert-v01@openssh.com",
		"ssh-dss", "ssh-rsa", "ssh-xmss@openssh.com", "ssh-xmss-cert-v01@openssh.com",
		"rsa-sha2-256", "rsa-sha2-512", "ssh-rsa-cert-v01@openssh.com",
		"rsa-sha2-256-cert-v01@openssh.com", "rsa-sha2-512-cert-v01@openssh.com",
		"ssh-dss-cert-v01@openssh.com":
		return true
	}
	return false
}

// keyOpt is one ssh key option (value nil: a flag).
type keyOpt struct {
	name  string
	value *string
}

// sshKey is one parsed authorized_keys line.
type sshKey struct {
	blob    string // the key, or the raw line for skipped lines
	typ     string // "" or "skipped" for non-key lines
	options []keyOpt
	comment string
	rank    int
}

func (k sshKey) same(o sshKey) bool {
	if k.blob != o.blob || k.typ != o.typ || k.comment != o.comment || len(k.options) != len(o.options) {
		return false
	}
	for i := range k.options {
		a, b := k.options[i], o.options[i]
		if a.name != b.name || (a.value == nil) != (b.value == nil) || (a.value != nil && *a.value != *b.value) {
			return false
		}
	}
	return true
}

var keyOptRe = regexp.MustCompile(`(?:[^,"']|"[^"]*"|'[^']*')+`)

// parseKeyOptions splits "opt1,opt2=val" honouring quotes; a later
// duplicate replaces the earlier value in place (an ordered dict).
func parseKeyOptions(s string) []keyOpt {
	var out []keyOpt
	for _, part := range keyOptRe.FindAllString(s, -1) {
		o := keyOpt{name: part}
		if k, v, ok := strings.Cut(part, "="); ok {
			vv := v
			o = keyOpt{name: k, value: &vv}
		}
		replaced := false
		for i := range out {
			if out[i].name == o.name {
				out[i].value, replaced = o.value, true
			}
		}
		if !replaced {
			out = append(out, o)
		}
	}
	return out
}

// parseSSHKey parses one line; ok is false when no key type is found.
func parseSSHKey(raw string, rank int) (sshKey, bool) {
	raw = strings.ReplaceAll(raw, `\#`, "#")
	parts := strings.Fields(raw)
	if len(parts) > 0 && parts[0] == "#" {
		return sshKey{blob: raw, typ: "skipped", rank: rank}, true
	}
	ti := -1
	for i, p := range parts {
		if isSSHKeyType(p) {
			ti = i
			break
		}
	}
	if ti < 0 || ti+1 >= len(parts) {
		return sshKey{}, false
	}
	k := sshKey{typ: parts[ti], blob: parts[ti+1], rank: rank}
	if ti > 0 {
		k.options = parseKeyOptions(strings.Join(parts[:ti], " "))
	}
	k.comment = strings.Join(parts[ti+2:], " ")
	return k, true
}

// keyFile is an ordered set of authorized_keys entries by blob.
type keyFile struct {
	keys map[string]sshKey
}

func parseKeyFile(content string) keyFile {
	kf := keyFile{keys: map[string]sshKey{}}
	for i, l := range strings.SplitAfter(content, "\n") {
		if l == "" {
			continue
		}
		if k, ok := parseSSHKey(l, i); ok {
			if k.typ == "skipped" {
				k.blob = l
			}
			kf.keys[k.blob] = k
		} else {
			kf.keys[l] = sshKey{blob: l, typ: "skipped", rank: i}
		}
	}
	return kf
}

func (kf keyFile) serialize() string {
	ks := make([]sshKey, 0, len(kf.keys))
	for _, k := range kf.keys {
		ks = append(ks, k)
	}
	sort.SliceStable(ks, func(i, j int) bool {
		if ks[i].rank != ks[j].rank {
			return ks[i].rank < ks[j].rank
		}
		return ks[i].blob < ks[j].blob
	})
	var b strings.Builder
	for _, k := range ks {
		if k.typ == "skipped" {
			b.WriteString(k.blob)
			continue
		}
		if len(k.options) > 0 {
			var os []string
			for _, o := range k.options {
				if o.value == nil {
					os = append(os, o.name)
				} else {
					os = append(os, o.name+"="+*o.value)
				}
			}
			b.WriteString(strings.Join(os, ",") + " ")
		}
		fmt.Fprintf(&b, "%s %s %s\n", k.typ, k.blob, k.comment)
	}
	return b.String()
}

// enforceKeys applies the wanted keys to the existing file content and
// reports the new content and whether it changed.
func enforceKeys(existing, key, state string, keyOptions, comment *string, exclusive bool) (string, bool, error) {
	kf := parseKeyFile(existing)
	maxRank := len(kf.keys)
	write := false
	var keep []string
	rank := 0
	for _, l := range strings.Split(key, "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		nk, ok := parseSSHKey(l, rank)
		rank++
		if !ok || nk.typ == "skipped" {
			return "", false, fmt.Errorf("invalid key specified: %s", l)
		}
		if keyOptions != nil {
			nk.options = parseKeyOptions(*keyOptions)
		}
		if comment != nil {
			nk.comment = *comment
		}
		matched := false
		old, exists := kf.keys[nk.blob]
		if exists {
			if !nk.same(old) && state == "present" {
				delete(kf.keys, nk.blob)
				write = true
			} else {
				matched = true
			}
		}
		if state == "present" {
			keep = append(keep, nk.blob)
			if !matched {
				nk.rank += maxRank
				kf.keys[nk.blob] = nk
				write = true
			}
		} else if matched {
			delete(kf.keys, nk.blob)
			write = true
		}
	}
	if state == "present" && exclusive {
		k := setOf(keep)
		for b := range kf.keys {
			if !k[b] {
				delete(kf.keys, b)
				write = true
			}
		}
	}
	if !write {
		return existing, false, nil
	}
	return kf.serialize(), true, nil
}

func (m authorizedKeyModule) Run(ctx context.Context, t *modules.Target, args modules.Args) (modules.Outcome, error) {
	args = withDefaults(args, m.Spec())
	user, key, state := args.Str("user"), args.Str("key"), args.Str("state")
	if strings.HasPrefix(key, "http") {
		return modules.Outcome{Failed: true, Msg: "Error getting key from: " + key + " (key URLs are not supported)"}, nil
	}
	fields := map[string]any{}
	for _, p := range m.Spec().Params {
		fields[p.Name] = args[p.Name]
	}
	marker, err := newMarker()
	if err != nil {
		return modules.Outcome{}, err
	}
	read := fmt.Sprintf(`u=%s; p=%s
if ! e=$(getent passwd "$u"); then echo nouser=1; exit 0; fi
printf 'pw=%%s\n' "$e"
[ -z "$p" ] && p="$(printf '%%s' "$e" | cut -d: -f6)/.ssh/authorized_keys"
%s
printf 'keyfile=%%s\n' "$p"
printf '%%s\n' %s; [ -f "$p" ] && cat "$p"
`, shquote.POSIX(user), shquote.POSIX(args.Str("path")), followLine(args.Bool("follow")), marker)
	res, err := run(ctx, t, read, nil)
	if err != nil {
		return modules.Outcome{}, err
	}
	head, content, _ := strings.Cut(string(res.Stdout), marker+"\n")
	st := kv([]byte(head))
	if st["nouser"] == "1" {
		if t.Check && !args.Has("path") {
			return modules.Outcome{Failed: true, Msg: "Either user must exist or you must provide full path to key file in check mode"}, nil
		}
		return modules.Outcome{Failed: true, Msg: fmt.Sprintf("Failed to lookup user %s: \"getpwnam(): name not found: '%s'\"", user, user)}, nil
	}
	keyfilePath := st["keyfile"]
	fields["keyfile"] = keyfilePath
	var opts, comment *string
	if args.Has("key_options") {
		s := args.Str("key_options")
		opts = &s
	}
	if args.Has("comment") {
		s := args.Str("comment")
		comment = &s
	}
	newContent, changed, perr := enforceKeys(content, key, state, opts, comment, args.Bool("exclusive"))
	if perr != nil {
		return modules.Outcome{Failed: true, Msg: perr.Error()}, nil
	}
	out := modules.Outcome{Changed: changed, Fields: fields}
	if !changed {
		return out, nil
	}
	if t.Diff {
		out.Diffs = []modules.Diff{{BeforeHeader: keyfilePath, AfterHeader: keyfilePath, Before: content, After: newContent}}
	}
	if t.Check {
		return out, nil
	}
	pw := strings.Split(strings.TrimPrefix(st["pw"], ""), ":")
	owner := pw[2] + ":" + pw[3]
	var w strings.Builder
	fmt.Fprintf(&w, "f=%s; d=$(dirname \"$f\"); o=%s\nset -e\n", shquote.POSIX(keyfilePath), shquote.POSIX(owner))
	if args.Bool("manage_dir") {
		w.WriteString("[ -d \"$d\" ] || mkdir -m 0700 \"$d\"\nchown \"$o\" \"$d\"; chmod 0700 \"$d\"\n")
	} else {
		w.WriteString("[ -d \"$d\" ] || mkdir -p \"$d\"\n")
	}
	w.WriteString("tmp=\"$d/.ak.$$\"; cat >\"$tmp\"\nchown \"$o\" \"$tmp\" 2>/dev/null || true; chmod 0600 \"$tmp\"\nmv -f \"$tmp\" \"$f\"\n")
	ares, err := run(ctx, t, w.String(), strings.NewReader(newContent))
	if err != nil {
		return modules.Outcome{}, err
	}
	if ares.ExitCode != 0 {
		return modules.Outcome{Failed: true, Msg: fmt.Sprintf("Failed to write to file %s: %s", path.Clean(keyfilePath), trimOut(ares.Stderr))}, nil
	}
	return out, nil
}

func followLine(follow bool) string {
	if follow {
		return `p=$(readlink -f "$p" 2>/dev/null || printf '%s' "$p")`
	}
	return ""
}
