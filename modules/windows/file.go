package windows

import (
	"context"
	"fmt"
	"strings"

	"github.com/swarmbook/swarmbook/modules"
)

// fileModule is win_file: files and directories present, touched or absent.
type fileModule struct{}

func (fileModule) Spec() modules.Spec {
	return modules.Spec{Params: []modules.Param{
		{Name: "path", Kind: modules.KindStr, Required: true, Aliases: []string{"dest", "name"}},
		{Name: "state", Kind: modules.KindStr, Choices: []string{"absent", "directory", "file", "touch"}},
	}}
}

// pathState is what statScript reports.
type pathState struct {
	Exists bool `json:"exists"`
	IsDir  bool `json:"isdir"`
}

func statScript(path string) string {
	return header + "$item = Get-Item -LiteralPath " + q(path) + " -Force -ErrorAction SilentlyContinue\n" +
		"if ($null -eq $item) { Write-Output '{\"exists\":false,\"isdir\":false}' }\n" +
		"else { Write-Output (ConvertTo-Json -Compress @{ exists = $true; isdir = $item.PSIsContainer }) }\n"
}

// fileAction decides what win_file must do; "" means nothing. Messages
// are ansible.windows' win_file's.
func fileAction(state, path string, st pathState) (action string, err error) {
	switch state {
	case "absent":
		if st.Exists {
			return "remove", nil
		}
	case "directory":
		if st.Exists && !st.IsDir {
			return "", fmt.Errorf("path %s is not a directory", path)
		}
		if !st.Exists {
			return "mkdir", nil
		}
	case "touch":
		if st.IsDir {
			return "touch-dir", nil
		}
		return "touch", nil
	case "file":
		if st.Exists && st.IsDir {
			return "", fmt.Errorf("path %s is not a file", path)
		}
		if !st.Exists {
			return "", fmt.Errorf("path %s will not be created", path)
		}
	}
	return "", nil
}

func fileApplyScript(action, path string) string {
	p := q(path)
	switch action {
	case "remove":
		return header + "Remove-Item -LiteralPath " + p + " -Recurse -Force\n"
	case "mkdir":
		return header + "$null = New-Item -Path " + p + " -ItemType Directory -Force\n"
	case "touch", "touch-dir":
		return header + "if (Test-Path -LiteralPath " + p + ") { (Get-Item -LiteralPath " + p + ").LastWriteTime = Get-Date }\n" +
			"else { $null = New-Item -Path " + p + " -ItemType File -Force }\n"
	}
	return ""
}

func (fileModule) Run(ctx context.Context, t *modules.Target, a modules.Args) (modules.Outcome, error) {
	if err := needPowerShell(t, "win_file"); err != nil {
		return fail(err.Error(), nil)
	}
	path := a.Str("path")
	var st pathState
	if err := query(ctx, t, statScript(path), &st); err != nil {
		return fail(err.Error(), nil)
	}
	state := a.Str("state")
	if state == "" && !st.Exists {
		// Without state, a missing path ending in a separator is a
		// directory to create, anything else a file that is not created.
		state = "file"
		if strings.HasSuffix(path, `\`) || strings.HasSuffix(path, "/") {
			state = "directory"
		}
	}
	action, err := fileAction(state, path, st)
	if err != nil {
		return fail(err.Error(), nil)
	}
	// win_file's result has no keys but changed.
	out := modules.Outcome{}
	if action == "" {
		return out, nil
	}
	// No diff: ansible.windows' win_file does not support diff mode.
	out.Changed = true
	if t.Check {
		return out, nil
	}
	if _, err := run(ctx, t, fileApplyScript(action, path)); err != nil {
		return fail(err.Error(), nil)
	}
	return out, nil
}
