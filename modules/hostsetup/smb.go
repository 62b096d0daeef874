package hostsetup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"

	"github.com/swarmbook/swarmbook/modules"
)

// smbMountModule mounts an SMB/CIFS share: on Linux with a 0600 credentials
// file, an fstab entry and mount.cifs; on Windows with New-SmbGlobalMapping.
type smbMountModule struct{}

func (smbMountModule) Spec() modules.Spec {
	return modules.Spec{Params: []modules.Param{
		{Name: "src", Kind: modules.KindStr, Aliases: []string{"remote_path"}},
		{Name: "path", Kind: modules.KindPath, Required: true, Aliases: []string{"local_path"}},
		{Name: "name", Kind: modules.KindStr},
		{Name: "username", Kind: modules.KindStr},
		{Name: "password", Kind: modules.KindStr, NoLog: true},
		{Name: "domain", Kind: modules.KindStr},
		{Name: "vers", Kind: modules.KindStr, Default: "3.0"},
		{Name: "uid", Kind: modules.KindStr},
		{Name: "gid", Kind: modules.KindStr},
		{Name: "file_mode", Kind: modules.KindStr},
		{Name: "dir_mode", Kind: modules.KindStr},
		{Name: "opts", Kind: modules.KindStr},
		{Name: "state", Kind: modules.KindStr, Default: "mounted", Choices: []string{"mounted", "present", "unmounted", "absent"}},
		{Name: "install", Kind: modules.KindBool, Default: false},
		{Name: "fstab", Kind: modules.KindPath, Default: "/etc/fstab"},
		{Name: "credentials_dir", Kind: modules.KindPath, Default: "/etc/swarmbook"},
		{Name: "require_privacy", Kind: modules.KindBool, Default: false},
		{Name: "grant", Kind: modules.KindStr},
	}}
}

// smbSpec is the validated, dialect-neutral description of the mount.
type smbSpec struct {
	Src, Path, State             string
	User, Password, Domain       string
	Vers, UID, GID, FMode, DMode string
	Opts                         string
	CredPath                     string
}

var (
	credNameRE  = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)
	smbOptionRE = regexp.MustCompile(`^[A-Za-z0-9_.:+-]*$`)
)

// credName derives the credentials file's name from the mount point.
func credName(path string) string {
	n := strings.Trim(credNameRE.ReplaceAllString(strings.Trim(path, "/\\"), "-"), "-.")
	if n == "" {
		n = "root"
	}
	return n
}

// smbSpecOf validates the arguments.
func smbSpecOf(args modules.Args) (smbSpec, error) {
	s := smbSpec{Src: args.Str("src"), Path: args.Str("path"), State: args.Str("state"),
		User: args.Str("username"), Password: args.Str("password"), Domain: args.Str("domain"),
		Vers: args.Str("vers"), UID: args.Str("uid"), GID: args.Str("gid"),
		FMode: args.Str("file_mode"), DMode: args.Str("dir_mode"), Opts: args.Str("opts")}
	if s.State == "mounted" || s.State == "present" {
		if s.Src == "" {
			return s, fmt.Errorf("src is required for state %s", s.State)
		}
	}
	for name, v := range map[string]string{"vers": s.Vers, "uid": s.UID, "gid": s.GID, "file_mode": s.FMode, "dir_mode": s.DMode} {
		if !smbOptionRE.MatchString(v) {
			return s, fmt.Errorf("invalid %s %q", name, v)
		}
	}
	for name, v := range map[string]string{"username": s.User, "password": s.Password, "domain": s.Domain} {
		if strings.ContainsAny(v, "\r\n\x00") {
			return s, fmt.Errorf("%s must be one line", name)
		}
	}
	if strings.ContainsAny(s.Opts, " \t\r\n") {
		return s, fmt.Errorf("opts must not contain whitespace")
	}
	n := args.Str("name")
	if n == "" {
		n = credName(s.Path)
	} else if credNameRE.MatchString(n) {
		return s, fmt.Errorf("invalid name %q: letters, digits, _ . - only", n)
	}
	s.CredPath = strings.TrimRight(args.Str("credentials_dir"), "/") + "/smb-" + n + ".cred"
	return s, nil
}

// credContent is the mount.cifs credentials file.
func (s smbSpec) credContent() string {
	c := "username=" + s.User + "\npassword=" + s.Password + "\n"
	if s.Domain != "" {
		c += "domain=" + s.Domain + "\n"
	}
	return c
}

// credSum is the SHA-256 the host's sha256sum prints for the credentials.
func (s smbSpec) credSum() string {
	h := sha256.Sum256([]byte(s.credContent()))
	return hex.EncodeToString(h[:])
}

// mountOpts are the cifs mount options (also the fstab options).
func (s smbSpec) mountOpts() string {
	o := []string{"credentials=" + s.CredPath}
	add := func(k, v string) {
		if v != "" {
			o = append(o, k+"="+v)
		}
	}
	add("vers", s.Vers)
	add("uid", s.UID)
	add("gid", s.GID)
	add("file_mode", s.FMode)
	add("dir_mode", s.DMode)
	o = append(o, "_netdev")
	if s.Opts != "" {
		o = append(o, s.Opts)
	}
	return strings.Join(o, ",")
}

// fstabEscape escapes a field as fstab(5) wants (space, tab, backslash).
func fstabEscape(s string) string {
	return strings.NewReplacer(`\`, `\134`, " ", `\040`, "\t", `\011`, "\n", `\012`).Replace(s)
}

// fstabUnescape reverses fstabEscape for the octal escapes fstab uses.
func fstabUnescape(s string) string {
	return strings.NewReplacer(`\040`, " ", `\011`, "\t", `\012`, "\n", `\134`, `\`).Replace(s)
}

// fstabLine is the entry for the mount.
func (s smbSpec) fstabLine() string {
	return strings.Join([]string{fstabEscape(s.Src), fstabEscape(s.Path), "cifs", s.mountOpts(), "0", "0"}, "\t")
}

// editFstab sets (want non-empty) or removes (want empty) the entry for
// mount point path: the first entry is replaced unless its fields already
// match, later entries for the same mount point are dropped.
func editFstab(content, path, want string) (string, bool) {
	lines := strings.Split(content, "\n")
	trailing := strings.HasSuffix(content, "\n")
	if trailing {
		lines = lines[:len(lines)-1]
	}
	if content == "" {
		lines = nil
	}
	wantFields := strings.Fields(want)
	var out []string
	done := false
	changed := false
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) < 2 || strings.HasPrefix(f[0], "#") || fstabUnescape(f[1]) != path {
			out = append(out, l)
			continue
		}
		if want == "" || done {
			changed = true
			continue
		}
		done = true
		if strings.Join(f, " ") == strings.Join(wantFields, " ") {
			out = append(out, l)
			continue
		}
		out = append(out, want)
		changed = true
	}
	if want != "" && !done {
		out = append(out, want)
		changed = true
	}
	if !changed {
		return content, false
	}
	if len(out) == 0 {
		return "", true
	}
	return strings.Join(out, "\n") + "\n", true
}

// maskedCred is what diffs show of a credentials file.
func maskedCred(s smbSpec) string {
	c := "username=" + s.User + "\npassword=********\n"
	if s.Domain != "" {
		c += "domain=" + s.Domain + "\n"
	}
	return c
}

// smbLinuxState is what the Linux read script found.
type smbLinuxState struct {
	CIFS        bool
	PkgMgr      string
	Fstab       string
	CredSum     string // "" when the file is missing
	CredStat    string // "mode uid gid"
	MountedSrc  string // "" when nothing is mounted there
	MountedType string
	DirExists   bool
}

// smbLinuxPlan is the decision for a Linux host.
type smbLinuxPlan struct {
	Install     bool
	WriteCred   bool
	RemoveCred  bool
	NewFstab    *string
	Mkdir       bool
	Unmount     bool
	Mount       bool
	RemoveDir   bool
	Diffs       []modules.Diff
	Description []string
}

func (p smbLinuxPlan) changed() bool {
	return p.Install || p.WriteCred || p.RemoveCred || p.NewFstab != nil || p.Mkdir || p.Unmount || p.Mount || p.RemoveDir
}

// planSMBLinux decides what to do on a Linux host.
func planSMBLinux(s smbSpec, st smbLinuxState, fstabPath string, install bool) (smbLinuxPlan, error) {
	var p smbLinuxPlan
	mounted := st.MountedSrc != ""
	keep := s.State == "mounted" || s.State == "present"
	if keep && !st.CIFS {
		if !install {
			return p, fmt.Errorf("cifs-utils is not installed on the host (mount.cifs not found); set install: true to install it")
		}
		p.Install = true
		p.Description = append(p.Description, "install cifs-utils")
	}
	entryChanged := false
	switch s.State {
	case "mounted", "present":
		if st.CredSum != s.credSum() || st.CredStat != "600 0 0" {
			p.WriteCred = true
			before := ""
			if st.CredSum != "" {
				before = "(previous credentials, not shown)\n"
			}
			p.Diffs = append(p.Diffs, modules.Diff{BeforeHeader: s.CredPath, AfterHeader: s.CredPath + " (mode 0600)",
				Before: before, After: maskedCred(s)})
			p.Description = append(p.Description, "write "+s.CredPath)
		}
		nf, ch := editFstab(st.Fstab, s.Path, s.fstabLine())
		if ch {
			p.NewFstab = &nf
			entryChanged = true
			p.Diffs = append(p.Diffs, modules.Diff{BeforeHeader: fstabPath, AfterHeader: fstabPath, Before: st.Fstab, After: nf})
			p.Description = append(p.Description, "update "+fstabPath)
		}
		if s.State == "mounted" {
			if !st.DirExists {
				p.Mkdir = true
			}
			if mounted && (entryChanged || p.WriteCred || st.MountedSrc != s.Src) {
				p.Unmount = true
			}
			if !mounted || p.Unmount {
				p.Mount = true
				p.Description = append(p.Description, "mount "+s.Path)
			}
		}
	case "unmounted":
		if mounted {
			p.Unmount = true
			p.Description = append(p.Description, "unmount "+s.Path)
		}
	case "absent":
		if mounted {
			p.Unmount = true
			p.Description = append(p.Description, "unmount "+s.Path)
		}
		if nf, ch := editFstab(st.Fstab, s.Path, ""); ch {
			p.NewFstab = &nf
			p.Diffs = append(p.Diffs, modules.Diff{BeforeHeader: fstabPath, AfterHeader: fstabPath, Before: st.Fstab, After: nf})
			p.Description = append(p.Description, "remove the entry from "+fstabPath)
		}
		if st.CredSum != "" {
			p.RemoveCred = true
			p.Diffs = append(p.Diffs, modules.Diff{BeforeHeader: s.CredPath, AfterHeader: s.CredPath + " (removed)",
				Before: "(credentials, not shown)\n", After: ""})
			p.Description = append(p.Description, "remove "+s.CredPath)
		}
		if st.DirExists {
			p.RemoveDir = true
		}
	}
	return p, nil
}

func (m smbMountModule) Run(ctx context.Context, t *modules.Target, args modules.Args) (modules.Outcome, error) {
	args = withDefaults(args, m.Spec())
	s, err := smbSpecOf(args)
	if err != nil {
		return failed(err.Error())
	}
	var secrets []string
	if s.Password != "" {
		secrets = append(secrets, s.Password, b64(s.Password))
	}
	var out modules.Outcome
	if windows(t) {
		out, err = m.runWindows(ctx, t, args, s)
	} else {
		out, err = m.runPOSIX(ctx, t, args, s)
	}
	out.Secrets = append(out.Secrets, secrets...)
	if s.Password != "" {
		out.Msg = strings.ReplaceAll(out.Msg, s.Password, "********")
	}
	return out, err
}
