package files

import (
	"context"
	"os"
	"path"
	"strings"

	"github.com/swarmbook/swarmbook/modules"
)

type templateMod struct{}

func (templateMod) Spec() modules.Spec {
	return modules.Spec{
		Params: append([]modules.Param{
			{Name: "src", Kind: modules.KindPath, Required: true},
			{Name: "dest", Kind: modules.KindPath, Required: true},
			{Name: "backup", Kind: modules.KindBool, Default: false},
			{Name: "force", Kind: modules.KindBool, Default: true},
			{Name: "validate", Kind: modules.KindStr},
			{Name: "follow", Kind: modules.KindBool, Default: false},
			{Name: "newline_sequence", Kind: modules.KindStr, Default: "\n", Choices: []string{"\n", "\r", "\r\n"}},
			{Name: "trim_blocks", Kind: modules.KindBool, Default: true},
			{Name: "lstrip_blocks", Kind: modules.KindBool, Default: false},
			{Name: "block_start_string", Kind: modules.KindStr},
			{Name: "block_end_string", Kind: modules.KindStr},
			{Name: "variable_start_string", Kind: modules.KindStr},
			{Name: "variable_end_string", Kind: modules.KindStr},
			{Name: "comment_start_string", Kind: modules.KindStr},
			{Name: "comment_end_string", Kind: modules.KindStr},
			{Name: "output_encoding", Kind: modules.KindStr, Default: "utf-8"},
		}, fileCommonParams()...),
	}
}

func (templateMod) Run(ctx context.Context, t *modules.Target, a modules.Args) (modules.Outcome, error) {
	src := a.Str("src")
	local, err := t.Files.Find("templates", src)
	if err != nil {
		return fail(nil, "Could not find or access '%s'", src)
	}
	raw, err := os.ReadFile(local)
	if err != nil {
		return fail(nil, "Could not find or access '%s'", src)
	}
	extra := map[string]any{
		"template_path": local, "template_fullpath": local, "template_host": t.Host,
		"template_destpath": a.Str("dest"),
	}
	text, err := t.Tmpl.RenderText(ctx, string(raw), extra)
	if err != nil {
		return fail(nil, "AnsibleError: %v", err)
	}
	if nl := a.Str("newline_sequence"); nl != "" && nl != "\n" {
		text = strings.ReplaceAll(text, "\n", nl)
	}
	fc := fileCopy{t: t, a: a, dest: a.Str("dest"), content: []byte(text), srcName: path.Base(local), localSrc: local}
	if st, err := os.Stat(local); err == nil {
		fc.localMode = uint32(st.Mode().Perm())
	}
	return fc.run(ctx)
}
