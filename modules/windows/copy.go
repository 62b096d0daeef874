package windows

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path"
	"strings"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/runner/transport"
)

// copyModule is win_copy, or win_template when template is set.
type copyModule struct{ template bool }

func (m copyModule) Spec() modules.Spec {
	p := []modules.Param{
		{Name: "src", Kind: modules.KindStr, Required: m.template},
		{Name: "dest", Kind: modules.KindStr, Required: true},
		{Name: "force", Kind: modules.KindBool, Default: true},
		{Name: "backup", Kind: modules.KindBool, Default: false},
	}
	if m.template {
		p = append(p, modules.Param{Name: "newline_sequence", Kind: modules.KindStr, Default: `\r\n`, Choices: []string{`\n`, `\r`, `\r\n`}})
	} else {
		p = append(p, modules.Param{Name: "content", Kind: modules.KindStr})
	}
	return modules.Spec{Params: p}
}

// destState is what destScript reports about the destination.
type destState struct {
	Exists bool   `json:"exists"`
	IsDir  bool   `json:"isdir"`
	SHA256 string `json:"sha256"`
}

func destScript(dest string) string {
	return header + "$item = Get-Item -LiteralPath " + q(dest) + " -Force -ErrorAction SilentlyContinue\n" +
		"if ($null -eq $item) { Write-Output '{\"exists\":false}' }\n" +
		"elseif ($item.PSIsContainer) { Write-Output '{\"exists\":true,\"isdir\":true}' }\n" +
		"else { Write-Output (ConvertTo-Json -Compress @{ exists = $true; isdir = $false; sha256 = (Get-FileHash -LiteralPath " + q(dest) + " -Algorithm SHA256).Hash }) }\n"
}

// backupScript copies dest to Ansible's backup name (dest.PID.yyyyMMdd-HHmmss.bak,
// as Backup-File of Ansible.ModuleUtils.Backup names it) and prints the name.
func backupScript(dest string) string {
	return header + "$path = " + q(dest) + "\n" +
		"$backup = \"$path.$PID.\" + [DateTime]::Now.ToString('yyyyMMdd-HHmmss') + '.bak'\n" +
		"Copy-Item -LiteralPath $path -Destination $backup\n" +
		"Write-Output (ConvertTo-Json -Compress @{ backup_file = $backup })\n"
}

// copyNeeded decides whether the destination must be written.
func copyNeeded(st destState, sum string, force bool) bool {
	if !st.Exists {
		return true
	}
	return force && !strings.EqualFold(st.SHA256, sum)
}

// winJoin joins a Windows directory and a file name.
func winJoin(dir, name string) string {
	return strings.TrimRight(dir, `\/`) + `\` + name
}

func (m copyModule) name() string {
	if m.template {
		return "win_template"
	}
	return "win_copy"
}

func (m copyModule) content(ctx context.Context, t *modules.Target, a modules.Args) ([]byte, string, error) {
	if !m.template && a.Has("content") && a.Str("src") == "" {
		return []byte(a.Str("content")), "", nil
	}
	src := a.Str("src")
	if src == "" {
		return nil, "", fmt.Errorf("src (or content) is required")
	}
	sub := "files"
	if m.template {
		sub = "templates"
	}
	p, err := t.Files.Find(sub, src)
	if err != nil {
		return nil, "", fmt.Errorf("could not find or access '%s'", src)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, "", fmt.Errorf("could not read '%s': %w", src, err)
	}
	if !m.template {
		return b, path.Base(strings.ReplaceAll(src, `\`, "/")), nil
	}
	text, err := t.Tmpl.RenderText(ctx, string(b), nil)
	if err != nil {
		return nil, "", fmt.Errorf("template error while templating '%s': %w", src, err)
	}
	nl := map[string]string{`\n`: "\n", `\r`: "\r", `\r\n`: "\r\n"}[a.Str("newline_sequence")]
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\n", nl)
	return []byte(text), path.Base(strings.ReplaceAll(src, `\`, "/")), nil
}

func (m copyModule) Run(ctx context.Context, t *modules.Target, a modules.Args) (modules.Outcome, error) {
	if err := needPowerShell(t, m.name()); err != nil {
		return fail(err.Error(), nil)
	}
	data, base, err := m.content(ctx, t, a)
	if err != nil {
		return fail(err.Error(), nil)
	}
	dest := a.Str("dest")
	var st destState
	if err := query(ctx, t, destScript(dest), &st); err != nil {
		return fail(err.Error(), map[string]any{"dest": dest})
	}
	if st.IsDir || strings.HasSuffix(dest, `\`) {
		if base == "" {
			return fail("dest must be a file when content is used", map[string]any{"dest": dest})
		}
		dest = winJoin(dest, base)
		if err := query(ctx, t, destScript(dest), &st); err != nil {
			return fail(err.Error(), map[string]any{"dest": dest})
		}
	}
	h := sha256.Sum256(data)
	sum := hex.EncodeToString(h[:])
	// The reported checksum is SHA-1, as Ansible's; SHA-256 decides.
	h1 := sha1.Sum(data)
	out := modules.Outcome{Fields: map[string]any{"dest": dest, "checksum": hex.EncodeToString(h1[:]), "size": len(data)}}
	if !copyNeeded(st, sum, a.Bool("force")) {
		return out, nil
	}
	out.Changed = true
	// No diff: with a local src or content, ansible.windows' win_copy (and
	// win_template, which runs it) returns an empty diff, so --diff shows
	// nothing for them.
	if t.Check {
		// ansible.windows' action plugin does not run the module in check
		// mode for a local src: changed, nothing else (no backup_file).
		return out, nil
	}
	if a.Bool("backup") && st.Exists && !st.IsDir {
		var b struct {
			BackupFile string `json:"backup_file"`
		}
		if err := query(ctx, t, backupScript(dest), &b); err != nil {
			return fail(err.Error(), map[string]any{"dest": dest})
		}
		out.Fields["backup_file"] = b.BackupFile
	}
	if err := t.Conn.Put(ctx, dest, bytes.NewReader(data), 0o644, transport.Become{}); err != nil {
		if transport.IsUnreachable(err) {
			return modules.Outcome{}, err
		}
		return fail(err.Error(), map[string]any{"dest": dest})
	}
	return out, nil
}
