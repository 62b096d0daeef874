package hostsetup

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/modules/shquote"
)

// psPrelude starts every PowerShell script: stop on errors, no progress
// records on the output streams.
const psPrelude = "$ErrorActionPreference = 'Stop'\n$ProgressPreference = 'SilentlyContinue'\n"

// fwReadPS lists the swarmbook rules of Windows Defender Firewall, one JSON
// object per rule.
const fwReadPS = psPrelude + `'ssh_connection=' + $env:SSH_CONNECTION
Get-NetFirewallRule -DisplayName 'swarmbook *' -ErrorAction SilentlyContinue | ForEach-Object {
    $pf = $_ | Get-NetFirewallPortFilter
    $af = $_ | Get-NetFirewallAddressFilter
    $o = [ordered]@{
        name        = [string]$_.DisplayName
        enabled     = [string]$_.Enabled
        direction   = [string]$_.Direction
        action      = [string]$_.Action
        protocol    = [string]$pf.Protocol
        localport   = (@($pf.LocalPort) -join ',')
        remote      = (@($af.RemoteAddress) -join ',')
        description = [string]$_.Description
    }
    'rule=' + (ConvertTo-Json -Compress -InputObject ([pscustomobject]$o))
}
`

// winRule is one rule as Get-NetFirewallRule reports it.
type winRule struct {
	Name        string `json:"name"`
	Enabled     string `json:"enabled"`
	Direction   string `json:"direction"`
	Action      string `json:"action"`
	Protocol    string `json:"protocol"`
	LocalPort   string `json:"localport"`
	Remote      string `json:"remote"`
	Description string `json:"description"`
}

// winRemote normalises a RemoteAddress as Windows reports it ("Any",
// "10.0.0.0/255.0.0.0", "192.0.2.1") to the form of normSource.
func winRemote(s string) string {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "any") || s == "" {
		return ""
	}
	if addr, mask, ok := strings.Cut(s, "/"); ok && strings.Contains(mask, ".") {
		a, err1 := netip.ParseAddr(addr)
		m, err2 := netip.ParseAddr(mask)
		if err1 == nil && err2 == nil {
			bits := 0
			for _, b := range m.AsSlice() {
				for i := 7; i >= 0; i-- {
					if b&(1<<i) != 0 {
						bits++
					}
				}
			}
			return netip.PrefixFrom(a, bits).Masked().String()
		}
	}
	n, err := normSource(s)
	if err != nil {
		return s
	}
	return n
}

// matches reports whether the live rule is exactly what r means.
func (w winRule) matches(r fwRule) bool {
	if w.Enabled != "True" || w.Direction != "Inbound" || w.Action != "Allow" {
		return false
	}
	if winRemote(w.Remote) != r.Source {
		return false
	}
	if r.Proto == "esp" {
		return w.Protocol == "50" || strings.EqualFold(w.Protocol, "esp")
	}
	return strings.EqualFold(w.Protocol, r.Proto) && w.LocalPort == r.Port
}

// parseFwWindows builds the state from the read script's rules.
func parseFwWindows(f facts) (fwState, error) {
	st := fwState{Backend: "windows", Rules: map[string]string{}, Bad: map[string]bool{}, PersistOK: true}
	count := map[string]int{}
	for _, js := range f["rule"] {
		var w winRule
		if err := json.Unmarshal([]byte(js), &w); err != nil {
			return st, fmt.Errorf("parse Get-NetFirewallRule output: %w", err)
		}
		r, ok := parseRuleKey(w.Name)
		if !ok || r.key() != w.Name {
			continue
		}
		count[w.Name]++
		st.Rules[w.Name] = w.Description
		if !w.matches(r) || count[w.Name] > 1 {
			st.Bad[w.Name] = true
		}
	}
	return st, nil
}

// psNewRule renders the New-NetFirewallRule command for r.
func psNewRule(r fwRule, description string) string {
	var s strings.Builder
	fmt.Fprintf(&s, "New-NetFirewallRule -DisplayName %s -Direction Inbound -Action Allow", shquote.PowerShell(r.key()))
	if r.Proto == "esp" {
		s.WriteString(" -Protocol 50")
	} else {
		fmt.Fprintf(&s, " -Protocol %s -LocalPort %s", strings.ToUpper(r.Proto), shquote.PowerShell(r.Port))
	}
	if r.Source != "" {
		fmt.Fprintf(&s, " -RemoteAddress %s", shquote.PowerShell(r.Source))
	}
	if description != "" {
		fmt.Fprintf(&s, " -Description %s", shquote.PowerShell(description))
	}
	s.WriteString(" | Out-Null\n")
	return s.String()
}

// fwApplyPS renders the apply script: every rule to remove first (all
// rules of that DisplayName, so duplicates go too), then the new rules.
func fwApplyPS(p fwPlan, comments map[string]string) string {
	var s strings.Builder
	s.WriteString(psPrelude)
	for _, r := range p.Del {
		fmt.Fprintf(&s, "Remove-NetFirewallRule -DisplayName %s\n", shquote.PowerShell(r.key()))
	}
	for _, r := range p.Add {
		s.WriteString(psNewRule(r, comments[r.key()]))
	}
	return s.String()
}

func (firewallModule) runWindows(ctx context.Context, t *modules.Target, args modules.Args, want []fwRule, present bool, comment string) (modules.Outcome, error) {
	if b := args.Str("backend"); b != "auto" && b != "windows" {
		return failed("firewall backend " + b + " is not available on Windows hosts")
	}
	res, err := run(ctx, t, fwReadPS)
	if err != nil {
		return modules.Outcome{}, err
	}
	if res.ExitCode != 0 {
		return scriptFailure(modules.Outcome{}, res, "reading the firewall rules"), nil
	}
	f := parseFacts(res.Stdout)
	st, err := parseFwWindows(f)
	if err != nil {
		return failed(err.Error())
	}
	if !present {
		var closing []fwRule
		for _, r := range want {
			if _, ok := st.Rules[r.key()]; ok {
				closing = append(closing, r)
			}
		}
		port, how := mgmtPort(t.Vars, f.get("ssh_connection"))
		if err := refuseClose(closing, port, how); err != nil {
			return failed(err.Error())
		}
	}
	p := decideFirewall(want, st, present)
	comments := map[string]string{}
	for _, r := range p.Add {
		if comment != "" {
			comments[r.key()] = comment
		}
	}
	out := fwOutcome(t, "windows", st, p, want)
	if !p.Changed || t.Check {
		return out, nil
	}
	ares, err := run(ctx, t, fwApplyPS(p, comments))
	if err != nil {
		return modules.Outcome{}, err
	}
	if ares.ExitCode != 0 {
		return scriptFailure(out, ares, "changing the Windows firewall"), nil
	}
	return out, nil
}
