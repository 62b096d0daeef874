package windows

import (
	"context"
	"fmt"
	"strings"

	"github.com/swarmbook/swarmbook/modules"
)

// regeditModule is win_regedit: registry keys and values.
type regeditModule struct{}

func (regeditModule) Spec() modules.Spec {
	return modules.Spec{Params: []modules.Param{
		{Name: "path", Kind: modules.KindStr, Required: true, Aliases: []string{"key"}},
		{Name: "name", Kind: modules.KindStr, Aliases: []string{"entry", "value"}},
		{Name: "data", Kind: modules.KindRaw},
		{Name: "type", Kind: modules.KindStr, Default: "string", Aliases: []string{"datatype"},
			Choices: []string{"none", "binary", "dword", "expandstring", "multistring", "string", "qword"}},
		{Name: "state", Kind: modules.KindStr, Default: "present", Choices: []string{"present", "absent"}},
	}}
}

// regTypes maps Ansible's type names to New-ItemProperty -PropertyType.
var regTypes = map[string]string{"none": "None", "binary": "Binary", "dword": "DWord", "expandstring": "ExpandString",
	"multistring": "MultiString", "string": "String", "qword": "QWord"}

// regPath turns HKLM:\x or HKEY_LOCAL_MACHINE\x into a PowerShell provider path.
func regPath(p string) string {
	for long, short := range map[string]string{"HKEY_LOCAL_MACHINE": "HKLM:", "HKEY_CURRENT_USER": "HKCU:",
		"HKEY_CLASSES_ROOT": "Registry::HKEY_CLASSES_ROOT", "HKEY_USERS": "Registry::HKEY_USERS"} {
		if rest, ok := strings.CutPrefix(p, long); ok {
			return short + rest
		}
	}
	return p
}

// regState is what regQueryScript reports; Data is the value rendered as
// text for comparison ("1,2" for multistring, hex for binary).
type regState struct {
	KeyExists   bool   `json:"key_exists"`
	ValueExists bool   `json:"value_exists"`
	Type        string `json:"type"`
	Data        string `json:"data"`
}

func regQueryScript(path, name string) string {
	p := q(regPath(path))
	s := header + "if (-not (Test-Path -LiteralPath " + p + ")) { Write-Output '{\"key_exists\":false}'; exit 0 }\n"
	if name == "" {
		return s + "Write-Output '{\"key_exists\":true}'\n"
	}
	return s + "$key = Get-Item -LiteralPath " + p + "\n" +
		"if ($key.GetValueNames() -notcontains " + q(name) + ") { Write-Output '{\"key_exists\":true,\"value_exists\":false}'; exit 0 }\n" +
		"$kind = $key.GetValueKind(" + q(name) + ").ToString().ToLower()\n" +
		"$raw = $key.GetValue(" + q(name) + ", $null, 'DoNotExpandEnvironmentNames')\n" +
		"if ($kind -eq 'binary') { $text = ($raw | ForEach-Object { $_.ToString('x2') }) -join ',' }\n" +
		"elseif ($kind -eq 'multistring') { $text = $raw -join \"`n\" }\n" +
		"else { $text = [string]$raw }\n" +
		"Write-Output (ConvertTo-Json -Compress @{ key_exists = $true; value_exists = $true; type = $kind; data = $text })\n"
}

// regWant renders the wanted data as regQueryScript renders host data.
func regWant(data any, typ string) string {
	switch v := data.(type) {
	case nil:
		return ""
	case []any:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = fmt.Sprint(x)
			if typ == "binary" {
				parts[i] = strings.ToLower(strings.TrimPrefix(parts[i], "0x"))
			}
		}
		if typ == "binary" {
			return strings.Join(parts, ",")
		}
		return strings.Join(parts, "\n")
	case string:
		if (typ == "dword" || typ == "qword") && strings.HasPrefix(strings.ToLower(v), "0x") {
			var n uint64
			if _, err := fmt.Sscanf(strings.ToLower(v), "0x%x", &n); err == nil {
				return fmt.Sprint(n)
			}
		}
		return v
	}
	return fmt.Sprint(data)
}

// regAction decides what to do: "", "create-key", "set", "remove-value", "remove-key".
func regAction(st regState, name, state, typ, want string) string {
	if state == "absent" {
		switch {
		case name == "" && st.KeyExists:
			return "remove-key"
		case name != "" && st.ValueExists:
			return "remove-value"
		}
		return ""
	}
	if name == "" {
		if !st.KeyExists {
			return "create-key"
		}
		return ""
	}
	if !st.ValueExists || st.Type != typ || st.Data != want {
		return "set"
	}
	return ""
}

// psValue renders wanted data as a PowerShell expression of the type.
func psValue(data any, typ string) string {
	w := regWant(data, typ)
	switch typ {
	case "dword", "qword":
		if w == "" {
			w = "0"
		}
		return w
	case "multistring":
		var parts []string
		for _, l := range strings.Split(w, "\n") {
			parts = append(parts, q(l))
		}
		if w == "" {
			return "@()"
		}
		return "[string[]]@(" + strings.Join(parts, ", ") + ")"
	case "binary":
		if w == "" {
			return "[byte[]]@()"
		}
		var parts []string
		for _, b := range strings.Split(w, ",") {
			parts = append(parts, "0x"+b)
		}
		return "[byte[]]@(" + strings.Join(parts, ", ") + ")"
	}
	return q(w)
}

func regApplyScript(action, path, name, typ string, data any) string {
	p := q(regPath(path))
	switch action {
	case "create-key":
		return header + "$null = New-Item -Path " + p + " -Force\n"
	case "remove-key":
		return header + "Remove-Item -LiteralPath " + p + " -Recurse -Force\n"
	case "remove-value":
		return header + "Remove-ItemProperty -LiteralPath " + p + " -Name " + q(name) + " -Force\n"
	case "set":
		return header + "if (-not (Test-Path -LiteralPath " + p + ")) { $null = New-Item -Path " + p + " -Force }\n" +
			"$null = New-ItemProperty -LiteralPath " + p + " -Name " + q(name) + " -PropertyType " + regTypes[typ] +
			" -Value " + psValue(data, typ) + " -Force\n"
	}
	return ""
}

func (regeditModule) Run(ctx context.Context, t *modules.Target, a modules.Args) (modules.Outcome, error) {
	if err := needPowerShell(t, "win_regedit"); err != nil {
		return fail(err.Error(), nil)
	}
	path, name, typ := a.Str("path"), a.Str("name"), a.Str("type")
	var st regState
	if err := query(ctx, t, regQueryScript(path, name), &st); err != nil {
		return fail(err.Error(), nil)
	}
	want := regWant(a["data"], typ)
	action := regAction(st, name, a.Str("state"), typ, want)
	out := modules.Outcome{Changed: action != "", Fields: map[string]any{"data_changed": action == "set" && st.ValueExists && st.Data != want,
		"data_type_changed": action == "set" && st.ValueExists && st.Type != typ}}
	if action == "" {
		return out, nil
	}
	if t.Diff {
		out.Diffs = []modules.Diff{regDiff(path, name, action, st, typ, want, t.Check)}
	}
	if t.Check {
		return out, nil
	}
	if _, err := run(ctx, t, regApplyScript(action, path, name, typ, a["data"])); err != nil {
		return fail(err.Error(), nil)
	}
	return out, nil
}
