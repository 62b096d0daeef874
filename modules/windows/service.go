package windows

import (
	"context"
	"fmt"
	"strings"

	"github.com/swarmbook/swarmbook/modules"
)

// serviceModule is win_service: a service's state and start mode.
type serviceModule struct{}

func (serviceModule) Spec() modules.Spec {
	return modules.Spec{Params: []modules.Param{
		{Name: "name", Kind: modules.KindStr, Required: true},
		{Name: "state", Kind: modules.KindStr, Choices: []string{"started", "stopped", "restarted"}},
		{Name: "start_mode", Kind: modules.KindStr, Choices: []string{"auto", "manual", "disabled", "delayed"}},
	}}
}

// serviceState is what serviceQueryScript reports: the state win_service
// decides on, and the rest of win_service's result keys.
type serviceState struct {
	Exists              bool     `json:"exists"`
	State               string   `json:"state"`      // running, stopped, ...
	StartMode           string   `json:"start_mode"` // auto, manual, disabled, delayed
	DisplayName         string   `json:"display_name"`
	Path                string   `json:"path"`
	Description         *string  `json:"description"`
	Username            *string  `json:"username"`
	DesktopInteract     bool     `json:"desktop_interact"`
	Dependencies        []string `json:"dependencies"`
	DependedBy          []string `json:"depended_by"`
	CanPauseAndContinue bool     `json:"can_pause_and_continue"`
}

func serviceQueryScript(name string) string {
	return header + "$svc = Get-Service -Name " + q(name) + " -ErrorAction SilentlyContinue\n" +
		"if ($null -eq $svc) { Write-Output '{\"exists\":false}' } else {\n" +
		"    $wmi = Get-CimInstance -ClassName Win32_Service -Filter (\"Name='{0}'\" -f $svc.Name.Replace(\"'\", \"''\"))\n" +
		"    $mode = $wmi.StartMode.ToLower()\n" +
		"    if ($mode -eq 'auto' -and $wmi.DelayedAutoStart) { $mode = 'delayed' }\n" +
		"    $reg = Get-ItemProperty -LiteralPath ('HKLM:\\SYSTEM\\CurrentControlSet\\Services\\' + $svc.Name) -ErrorAction SilentlyContinue\n" +
		"    Write-Output (ConvertTo-Json -Compress -Depth 3 @{ exists = $true; state = $svc.Status.ToString().ToLower(); start_mode = $mode\n" +
		"        display_name = $svc.DisplayName; path = $wmi.PathName; description = $wmi.Description; username = $wmi.StartName\n" +
		"        desktop_interact = [bool]$wmi.DesktopInteract; dependencies = @($reg.DependOnService | Where-Object { $_ })\n" +
		"        depended_by = @($svc.DependentServices | ForEach-Object { $_.Name }); can_pause_and_continue = $svc.CanPauseAndContinue })\n" +
		"}\n"
}

// resultFields are win_service's result keys for a service in state after.
func (after serviceState) resultFields(name string) map[string]any {
	user := orNil(after.Username)
	if after.Username != nil {
		// win_service reports the SYSTEM account as LocalSystem.
		if u := strings.ToLower(*after.Username); u == `nt authority\system` || u == "system" || u == `.\localsystem` {
			user = "LocalSystem"
		}
	}
	return map[string]any{"name": name, "exists": true, "state": after.State, "start_mode": after.StartMode,
		"display_name": after.DisplayName, "path": after.Path, "description": orNil(after.Description), "username": user,
		"desktop_interact": after.DesktopInteract, "dependencies": anyStrings(after.Dependencies), "depended_by": anyStrings(after.DependedBy),
		"can_pause_and_continue": after.CanPauseAndContinue}
}

// serviceActions decides the changes, in order: start mode, then state.
func serviceActions(st serviceState, wantState, wantMode string) []string {
	var acts []string
	if wantMode != "" && wantMode != st.StartMode {
		acts = append(acts, "mode:"+wantMode)
	}
	switch wantState {
	case "started":
		if st.State != "running" {
			acts = append(acts, "start")
		}
	case "stopped":
		if st.State != "stopped" {
			acts = append(acts, "stop")
		}
	case "restarted":
		acts = append(acts, "restart")
	}
	return acts
}

func serviceApplyScript(name string, acts []string) string {
	s := header
	n := q(name)
	for _, a := range acts {
		switch {
		case strings.HasPrefix(a, "mode:"):
			mode := strings.TrimPrefix(a, "mode:")
			sc := map[string]string{"auto": "auto", "manual": "demand", "disabled": "disabled", "delayed": "delayed-auto"}[mode]
			s += "$null = & sc.exe config " + n + " start= " + sc + "\n" +
				"if ($LASTEXITCODE -ne 0) { throw " + q("failed to set the start mode of "+name) + " }\n"
		case a == "start":
			s += "Start-Service -Name " + n + "\n"
		case a == "stop":
			s += "Stop-Service -Name " + n + " -Force\n"
		case a == "restart":
			s += "Restart-Service -Name " + n + " -Force\n"
		}
	}
	return s
}

func (serviceModule) Run(ctx context.Context, t *modules.Target, a modules.Args) (modules.Outcome, error) {
	if err := needPowerShell(t, "win_service"); err != nil {
		return fail(err.Error(), nil)
	}
	name := a.Str("name")
	var st serviceState
	if err := query(ctx, t, serviceQueryScript(name), &st); err != nil {
		return fail(err.Error(), map[string]any{"name": name})
	}
	if !st.Exists {
		if a.Str("state") == "" && a.Str("start_mode") == "" {
			return modules.Outcome{Fields: map[string]any{"name": name, "exists": false}}, nil
		}
		return fail(fmt.Sprintf("Service '%s' is not installed, need to set 'path' to create a new service", name), map[string]any{"name": name, "exists": false})
	}
	acts := serviceActions(st, a.Str("state"), a.Str("start_mode"))
	after := st
	for _, x := range acts {
		switch {
		case strings.HasPrefix(x, "mode:"):
			after.StartMode = strings.TrimPrefix(x, "mode:")
		case x == "stop":
			after.State = "stopped"
		default:
			after.State = "running"
		}
	}
	out := modules.Outcome{Changed: len(acts) > 0, Fields: after.resultFields(name)}
	if t.Diff && out.Changed {
		out.Diffs = serviceDiff(name, st, after)
	}
	if !out.Changed || t.Check {
		return out, nil
	}
	if _, err := run(ctx, t, serviceApplyScript(name, acts)); err != nil {
		return fail(err.Error(), map[string]any{"name": name})
	}
	return out, nil
}

func serviceDiff(name string, before, after serviceState) []modules.Diff {
	f := func(s serviceState) string { return "state: " + s.State + "\nstart_mode: " + s.StartMode + "\n" }
	return []modules.Diff{{BeforeHeader: name, AfterHeader: name, Before: f(before), After: f(after)}}
}
