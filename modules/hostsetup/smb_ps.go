package hostsetup

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/modules/shquote"
)

// icaclsRights maps icacls simple rights to FileSystemRights values.
var icaclsRights = map[string]int{
	"F":  2032127, // FullControl
	"M":  1245631, // Modify
	"RX": 1179817, // ReadAndExecute
	"R":  1179785, // Read
	"W":  278,     // Write
}

// smbGrant is an icacls grant such as "Everyone:(OI)(CI)(F)".
type smbGrant struct {
	Raw, Identity string
	Inherit       int // InheritanceFlags: ContainerInherit 1, ObjectInherit 2
	Rights        int
}

// parseGrant parses an icacls grant in the form IDENTITY:(OI)(CI)(PERM).
func parseGrant(g string) (smbGrant, error) {
	i := strings.LastIndex(g, ":")
	if i <= 0 {
		return smbGrant{}, fmt.Errorf("invalid grant %q: want IDENTITY:(OI)(CI)(F)", g)
	}
	r := smbGrant{Raw: g, Identity: g[:i]}
	rest := g[i+1:]
	for rest != "" {
		if !strings.HasPrefix(rest, "(") {
			return smbGrant{}, fmt.Errorf("invalid grant %q", g)
		}
		end := strings.Index(rest, ")")
		if end < 0 {
			return smbGrant{}, fmt.Errorf("invalid grant %q", g)
		}
		tok := rest[1:end]
		rest = rest[end+1:]
		switch tok {
		case "OI":
			r.Inherit |= 2
		case "CI":
			r.Inherit |= 1
		default:
			v, ok := icaclsRights[tok]
			if !ok {
				return smbGrant{}, fmt.Errorf("invalid grant %q: unsupported right %s (use F, M, RX, R or W)", g, tok)
			}
			r.Rights = v
		}
	}
	if r.Rights == 0 {
		return smbGrant{}, fmt.Errorf("invalid grant %q: no right given", g)
	}
	if strings.ContainsAny(r.Identity, "'\"\r\n`$") {
		return smbGrant{}, fmt.Errorf("invalid identity in grant %q", g)
	}
	return r, nil
}

// grantHeld reports whether one of the ACEs (sid|rights|type|inherited|
// inheritanceflags) already gives what the grant asks for.
func grantHeld(g smbGrant, sid string, aces []string) bool {
	for _, a := range aces {
		f := strings.Split(a, "|")
		if len(f) != 5 || !strings.EqualFold(f[0], sid) || f[2] != "Allow" {
			continue
		}
		rights, err1 := strconv.Atoi(f[1])
		inh, err2 := strconv.Atoi(f[4])
		if err1 != nil || err2 != nil {
			continue
		}
		if rights&g.Rights == g.Rights && inh&g.Inherit == g.Inherit {
			return true
		}
	}
	return false
}

// winPath turns //server/share into \\server\share.
func winPath(p string) string { return strings.ReplaceAll(p, "/", `\`) }

// smbReadPS reads the global mapping for the local path and, when a grant
// is asked for, the ACL of the mapped root by SID.
func smbReadPS(local string, g *smbGrant) string {
	var b strings.Builder
	b.WriteString(psPrelude)
	fmt.Fprintf(&b, `$m = Get-SmbGlobalMapping -LocalPath %s -ErrorAction SilentlyContinue
if ($m) {
    'remote=' + [string]$m.RemotePath
    'status=' + [string]$m.Status
}
`, shquote.PowerShell(local))
	if g != nil {
		fmt.Fprintf(&b, `'grant_sid=' + (New-Object Security.Principal.NTAccount(%s)).Translate([Security.Principal.SecurityIdentifier]).Value
$root = %s
if (Test-Path -LiteralPath $root) {
    foreach ($a in (Get-Acl -LiteralPath $root).GetAccessRules($true, $true, [Security.Principal.SecurityIdentifier])) {
        'ace=' + $a.IdentityReference.Value + '|' + [int]$a.FileSystemRights + '|' + [string]$a.AccessControlType + '|' + [string]$a.IsInherited + '|' + [int]$a.InheritanceFlags
    }
}
`, shquote.PowerShell(g.Identity), shquote.PowerShell(strings.TrimRight(local, `\`)+`\`))
	}
	return b.String()
}

// smbWinPlan is the decision for a Windows host.
type smbWinPlan struct {
	Remove, Create, Grant bool
}

func (p smbWinPlan) changed() bool { return p.Remove || p.Create || p.Grant }

// planSMBWindows decides from the current mapping (remote "" when none).
func planSMBWindows(s smbSpec, remote string, grantOK bool, wantGrant bool) smbWinPlan {
	var p smbWinPlan
	switch s.State {
	case "mounted", "present":
		if remote != "" && !strings.EqualFold(remote, winPath(s.Src)) {
			p.Remove = true
		}
		if remote == "" || p.Remove {
			p.Create = true
		}
		p.Grant = wantGrant && (p.Create || !grantOK)
	default:
		p.Remove = remote != ""
	}
	return p
}

// smbApplyPS renders the Windows apply script. The password is embedded
// base64-encoded (the module reports both forms as secrets).
func smbApplyPS(s smbSpec, p smbWinPlan, g *smbGrant, requirePrivacy bool) string {
	var b strings.Builder
	b.WriteString(psPrelude)
	local := shquote.PowerShell(s.Path)
	if p.Remove {
		fmt.Fprintf(&b, "Remove-SmbGlobalMapping -LocalPath %s -Force\n", local)
	}
	if p.Create {
		user := s.User
		if s.Domain != "" {
			user = s.Domain + `\` + s.User
		}
		fmt.Fprintf(&b, "$sec = ConvertTo-SecureString %s -AsPlainText -Force\n", psUTF8(s.Password))
		fmt.Fprintf(&b, "$cred = New-Object System.Management.Automation.PSCredential(%s, $sec)\n", shquote.PowerShell(user))
		fmt.Fprintf(&b, "New-SmbGlobalMapping -RemotePath %s -LocalPath %s -Credential $cred -Persistent $true", shquote.PowerShell(winPath(s.Src)), local)
		if requirePrivacy {
			b.WriteString(" -RequirePrivacy $true")
		}
		b.WriteString(" | Out-Null\n")
	}
	if p.Grant && g != nil {
		fmt.Fprintf(&b, "$out = & icacls.exe %s /grant %s 2>&1\nif ($LASTEXITCODE -ne 0) { throw \"icacls failed: $out\" }\n",
			shquote.PowerShell(strings.TrimRight(s.Path, `\`)+`\`), shquote.PowerShell(g.Raw))
	}
	return b.String()
}

func (smbMountModule) runWindows(ctx context.Context, t *modules.Target, args modules.Args, s smbSpec) (modules.Outcome, error) {
	var g *smbGrant
	if args.Has("grant") {
		pg, err := parseGrant(args.Str("grant"))
		if err != nil {
			return failed(err.Error())
		}
		g = &pg
	}
	res, err := run(ctx, t, smbReadPS(s.Path, g))
	if err != nil {
		return modules.Outcome{}, err
	}
	if res.ExitCode != 0 {
		return scriptFailure(modules.Outcome{}, res, "reading the SMB global mapping"), nil
	}
	f := parseFacts(res.Stdout)
	grantOK := g != nil && grantHeld(*g, f.get("grant_sid"), f["ace"])
	p := planSMBWindows(s, f.get("remote"), grantOK, g != nil)
	out := modules.Outcome{Changed: p.changed(), Fields: map[string]any{
		"path": s.Path, "src": winPath(s.Src), "state": s.State, "status": f.get("status"),
	}}
	if t.Diff && (p.Remove || p.Create) {
		before, after := "", ""
		if r := f.get("remote"); r != "" {
			before = s.Path + " -> " + r + "\n"
		}
		if p.Create {
			after = s.Path + " -> " + winPath(s.Src) + "\n"
		}
		out.Diffs = []modules.Diff{{BeforeHeader: "SMB global mapping", AfterHeader: "SMB global mapping", Before: before, After: after}}
	}
	if !p.changed() || t.Check {
		return out, nil
	}
	ares, err := run(ctx, t, smbApplyPS(s, p, g, args.Bool("require_privacy")))
	if err != nil {
		return modules.Outcome{}, err
	}
	if ares.ExitCode != 0 {
		return scriptFailure(out, ares, "smb_mount"), nil
	}
	return out, nil
}
