package hostsetup

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/modules/shquote"
)

// sshReadPS reads the capability, the service, the firewall rule, the
// config, administrators_authorized_keys with its ACL (by SID, so that the
// answer does not depend on the system language) and DefaultShell.
func sshReadPS(cfg string) string {
	return psPrelude + fmt.Sprintf(`$cap = Get-WindowsCapability -Online -Name %s
'capability=' + [string]$cap.State
$svc = Get-Service -Name sshd -ErrorAction SilentlyContinue
if ($svc) {
    'service_start=' + [string]$svc.StartType
    'service_status=' + [string]$svc.Status
}
$fw = @(Get-NetFirewallRule -Name 'OpenSSH-Server-In-TCP' -ErrorAction SilentlyContinue) +
    @(Get-NetFirewallRule -DisplayName 'swarmbook 22/tcp' -ErrorAction SilentlyContinue) |
    Where-Object { [string]$_.Enabled -eq 'True' -and [string]$_.Action -eq 'Allow' }
'firewall=' + @($fw).Count
$cfg = %s
if (Test-Path -LiteralPath $cfg) { 'config=' + [Convert]::ToBase64String([IO.File]::ReadAllBytes($cfg)) }
$keys = %s
if (Test-Path -LiteralPath $keys) {
    'keys=' + [Convert]::ToBase64String([IO.File]::ReadAllBytes($keys))
    $acl = Get-Acl -LiteralPath $keys
    'protected=' + [string]$acl.AreAccessRulesProtected
    foreach ($a in $acl.GetAccessRules($true, $true, [Security.Principal.SecurityIdentifier])) {
        'ace=' + $a.IdentityReference.Value + '|' + [int]$a.FileSystemRights + '|' + [string]$a.AccessControlType + '|' + [string]$a.IsInherited
    }
}
$ds = Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\OpenSSH' -Name DefaultShell -ErrorAction SilentlyContinue
if ($ds) { 'default_shell=' + [string]$ds.DefaultShell }
`, shquote.PowerShell(winSSHCapability), shquote.PowerShell(cfg), shquote.PowerShell(winAdminKeys))
}

// winACE is one access rule of administrators_authorized_keys.
type winACE struct {
	SID, Rights, Type string
	Inherited         bool
}

// aclFix decides what the keys file's ACL needs to equal the one of seed
// 000 (icacls /inheritance:r /grant Administrators:F /grant SYSTEM:F): it
// returns the SIDs whose explicit grants must be removed and whether any
// change is needed. A matching ACL is never rewritten.
func aclFix(protected bool, aces []winACE) (remove []string, needed bool) {
	want := map[string]bool{sidAdministrators: false, sidSystem: false}
	extra := map[string]bool{}
	for _, a := range aces {
		_, wanted := want[a.SID]
		switch {
		case a.Inherited:
			needed = true // removed by /inheritance:r
		case wanted && a.Type == "Allow" && a.Rights == fullControl:
			want[a.SID] = true
		case wanted:
			needed = true // replaced by /grant:r
		default:
			extra[a.SID] = true
		}
	}
	for _, ok := range want {
		if !ok {
			needed = true
		}
	}
	for sid := range extra {
		remove = append(remove, sid)
	}
	sort.Strings(remove)
	return remove, needed || !protected || len(remove) > 0
}

// parseACEs parses the read script's ace= lines.
func parseACEs(lines []string) []winACE {
	var out []winACE
	for _, l := range lines {
		f := strings.Split(l, "|")
		if len(f) != 4 {
			continue
		}
		out = append(out, winACE{SID: f[0], Rights: f[1], Type: f[2], Inherited: f[3] == "True"})
	}
	return out
}

// winSSHState is what the Windows read script found.
type winSSHState struct {
	Capability, StartType, Status string
	Firewall                      bool
	Config                        string
	KeysPresent                   bool
	Keys                          string
	Protected                     bool
	ACEs                          []winACE
	DefaultShell                  string
	ShellPresent                  bool
}

func parseWinSSH(f facts) winSSHState {
	st := winSSHState{Capability: f.get("capability"), StartType: f.get("service_start"),
		Status: f.get("service_status"), Firewall: f.get("firewall") != "" && f.get("firewall") != "0",
		Protected: f.get("protected") == "True", ACEs: parseACEs(f["ace"]), DefaultShell: f.get("default_shell")}
	_, st.ShellPresent = f["default_shell"]
	st.Config, _ = f.decoded("config")
	st.Keys, st.KeysPresent = f.decoded("keys")
	return st
}

// winSSHPlan is the Windows decision on top of the shared sshPlan.
type winSSHPlan struct {
	sshPlan
	NewKeys     *string
	ACLRemove   []string
	FixACL      bool
	StartType   bool
	Start       bool
	Firewall    bool
	Shell       bool
	ShellValue  string
	ConfigPath  string
	RestartSSHD bool
}

func (p winSSHPlan) changed() bool {
	return p.NewConfig != nil || p.NewKeys != nil || p.FixACL || p.StartType || p.Start || p.Firewall || p.Shell
}

// planWinSSH decides the Windows changes.
func planWinSSH(st winSSHState, cfg string, settings []sshSetting, adminKeys []string, exclusive, firewall bool, shell string) winSSHPlan {
	p := winSSHPlan{ConfigPath: cfg, ShellValue: shell}
	if len(settings) > 0 {
		crlf := strings.Contains(st.Config, "\r\n") || st.Config == ""
		nc, changed := editSSHDConfig(st.Config, settings, crlf)
		if len(changed) > 0 {
			p.NewConfig, p.Changed = &nc, changed
			p.Diffs = append(p.Diffs, modules.Diff{BeforeHeader: cfg, AfterHeader: cfg, Before: st.Config, After: nc})
			p.RestartSSHD = true
		}
	}
	if len(adminKeys) > 0 {
		nk, changed := mergeKeys(st.Keys, adminKeys, exclusive)
		if changed || !st.KeysPresent {
			p.NewKeys = &nk
			p.Diffs = append(p.Diffs, modules.Diff{BeforeHeader: winAdminKeys, AfterHeader: winAdminKeys, Before: st.Keys, After: nk})
		}
		if st.KeysPresent {
			p.ACLRemove, p.FixACL = aclFix(st.Protected, st.ACEs)
		} else {
			p.FixACL = true
		}
	}
	p.StartType = st.StartType != "Automatic"
	p.Start = st.Status != "Running"
	p.Firewall = firewall && !st.Firewall
	p.Shell = shell != "" && (!st.ShellPresent || st.DefaultShell != shell)
	return p
}

// sshApplyPS renders the Windows apply script.
func sshApplyPS(p winSSHPlan) string {
	if !p.changed() {
		return ""
	}
	var s strings.Builder
	s.WriteString(psPrelude)
	s.WriteString("$utf8 = New-Object System.Text.UTF8Encoding $false\n")
	if p.NewKeys != nil {
		fmt.Fprintf(&s, "$keys = %s\n[IO.File]::WriteAllText($keys, %s, $utf8)\n", shquote.PowerShell(winAdminKeys), psUTF8(*p.NewKeys))
	}
	if p.FixACL {
		fmt.Fprintf(&s, "$out = & icacls.exe %s /inheritance:r /grant:r '*%s:F' /grant:r '*%s:F'", shquote.PowerShell(winAdminKeys), sidAdministrators, sidSystem)
		for _, sid := range p.ACLRemove {
			fmt.Fprintf(&s, " /remove:g %s", shquote.PowerShell("*"+sid))
		}
		s.WriteString(" 2>&1\nif ($LASTEXITCODE -ne 0) { throw \"icacls failed: $out\" }\n")
	}
	if p.NewConfig != nil {
		fmt.Fprintf(&s, `$cfg = %s
$tmp = $cfg + '.swarmbook.tmp'
[IO.File]::WriteAllText($tmp, %s, $utf8)
$out = & %s -t -f $tmp 2>&1
if ($LASTEXITCODE -ne 0) {
    Remove-Item -LiteralPath $tmp -Force
    throw "sshd -t rejected the new configuration, $cfg was left unchanged: $out"
}
$bak = $cfg + '.swarmbook-bak'
if (Test-Path -LiteralPath $cfg) { Copy-Item -LiteralPath $cfg -Destination $bak -Force }
Move-Item -LiteralPath $tmp -Destination $cfg -Force
`, shquote.PowerShell(p.ConfigPath), psUTF8(*p.NewConfig), shquote.PowerShell(winSSHD))
	}
	if p.StartType {
		s.WriteString("Set-Service -Name sshd -StartupType Automatic\n")
	}
	if p.NewConfig != nil {
		s.WriteString(`if ((Get-Service -Name sshd).Status -eq 'Running') {
    try { Restart-Service -Name sshd } catch {
        if (Test-Path -LiteralPath $bak) { Copy-Item -LiteralPath $bak -Destination $cfg -Force }
        Start-Service -Name sshd -ErrorAction SilentlyContinue
        throw "restarting sshd failed, the previous $cfg was restored: $_"
    }
}
if (Test-Path -LiteralPath $bak) { Remove-Item -LiteralPath $bak -Force }
`)
	}
	if p.Start {
		s.WriteString("Start-Service -Name sshd\n")
	}
	if p.Firewall {
		s.WriteString(psNewRule(fwRule{Proto: "tcp", Port: "22"}, "OpenSSH server"))
	}
	if p.Shell {
		fmt.Fprintf(&s, `if (-not (Test-Path -LiteralPath 'HKLM:\SOFTWARE\OpenSSH')) { New-Item -Path 'HKLM:\SOFTWARE\OpenSSH' -Force | Out-Null }
New-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\OpenSSH' -Name DefaultShell -Value %s -PropertyType String -Force | Out-Null
`, shquote.PowerShell(p.ShellValue))
	}
	return s.String()
}

// sshInstallPS installs the OpenSSH Server capability.
func sshInstallPS() string {
	return psPrelude + fmt.Sprintf("Add-WindowsCapability -Online -Name %s | Out-Null\n", shquote.PowerShell(winSSHCapability))
}

func (opensshServerModule) runWindows(ctx context.Context, t *modules.Target, args modules.Args, settings []sshSetting) (modules.Outcome, error) {
	if args.Has("authorized_keys") {
		return failed("authorized_keys is for Linux hosts; on Windows give admin_keys (administrators_authorized_keys)")
	}
	cfg := args.Str("sshd_config_path")
	if cfg == "" {
		cfg = winSSHConfig
	}
	read := sshReadPS(cfg)
	res, err := run(ctx, t, read)
	if err != nil {
		return modules.Outcome{}, err
	}
	if res.ExitCode != 0 {
		return scriptFailure(modules.Outcome{}, res, "reading the OpenSSH server state"), nil
	}
	f := parseFacts(res.Stdout)
	out := modules.Outcome{Fields: map[string]any{}}
	if f.get("capability") != "Installed" {
		if !args.Bool("install") {
			return failed("the OpenSSH Server capability (" + winSSHCapability + ") is not installed (set install: true to add it)")
		}
		out.Changed = true
		out.Fields["installed"] = true
		if t.Check {
			out.Msg = "the OpenSSH Server capability would be installed"
			return out, nil
		}
		ires, err := run(ctx, t, sshInstallPS())
		if err != nil {
			return modules.Outcome{}, err
		}
		if ires.ExitCode != 0 {
			return scriptFailure(out, ires, "adding the OpenSSH Server capability"), nil
		}
		if res, err = run(ctx, t, read); err != nil {
			return modules.Outcome{}, err
		}
		f = parseFacts(res.Stdout)
	}
	st := parseWinSSH(f)
	p := planWinSSH(st, cfg, settings, args.StrList("admin_keys"), args.Bool("exclusive"), args.Bool("firewall"), args.Str("default_shell"))
	if p.changed() {
		out.Changed = true
	}
	out.Fields["acl_fixed"] = p.FixACL
	out.Fields["default_shell_set"] = p.Shell
	return applySSH(ctx, t, out, p.sshPlan, func() string { return sshApplyPS(p) })
}
