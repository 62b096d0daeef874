package command

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/modules/shquote"
	"github.com/swarmbook/swarmbook/runner/transport"
)

// scriptModule is Ansible's script: it copies a controller-side script to a
// private temporary directory on the host, runs it with its arguments and
// removes it.
type scriptModule struct{}

func (scriptModule) Spec() modules.Spec {
	return modules.Spec{
		FreeForm: true,
		// Ansible's script action does not validate its options.
		AnyParams: true,
		Params: []modules.Param{
			{Name: "creates", Kind: modules.KindStr},
			{Name: "removes", Kind: modules.KindStr},
			{Name: "chdir", Kind: modules.KindStr},
			{Name: "executable", Kind: modules.KindStr},
			{Name: "decrypt", Kind: modules.KindBool, Default: true},
		},
	}
}

func skip(msg string) modules.Outcome {
	return modules.Outcome{Skipped: true, Msg: msg, Fields: map[string]any{"msg": msg}}
}

func fail(msg string) modules.Outcome {
	return modules.Outcome{Failed: true, Msg: msg, Fields: map[string]any{"msg": msg}}
}

func (scriptModule) Run(ctx context.Context, t *modules.Target, a modules.Args) (modules.Outcome, error) {
	if t.Conn.Platform().Shell != transport.ShellPOSIX {
		return fail("the script module supports POSIX hosts only"), nil
	}
	exists := func(p string) (bool, error) {
		res, err := t.Conn.Run(ctx, transport.Command{Script: "test -e " + pathWord(p), Become: t.Become})
		return err == nil && res.ExitCode == 0, err
	}
	if creates := a.Str("creates"); creates != "" {
		ok, err := exists(creates)
		if err != nil {
			return modules.Outcome{}, err
		}
		if ok {
			return skip(creates + " exists, matching creates option"), nil
		}
	}
	if removes := a.Str("removes"); removes != "" {
		ok, err := exists(removes)
		if err != nil {
			return modules.Outcome{}, err
		}
		if !ok {
			return skip(removes + " does not exist, matching removes option"), nil
		}
	}
	chdir := a.Str("chdir")
	if chdir != "" && !strings.HasPrefix(chdir, "/") {
		return fail(fmt.Sprintf("chdir %s must be an absolute path for a Unix-aware remote node", chdir)), nil
	}
	raw := strings.TrimSpace(a.Str("_raw_params"))
	parts, err := split(raw)
	if err != nil {
		return fail(err.Error()), nil
	}
	if len(parts) == 0 {
		return fail("no script given"), nil
	}
	source := parts[0]
	if t.Files != nil {
		source, err = t.Files.Find("files", parts[0])
		if err != nil {
			return fail(err.Error()), nil
		}
	}
	f, err := os.Open(source)
	if err != nil {
		return fail(fmt.Sprintf("Could not find or access '%s' on the Ansible Controller.\nIf you are using a module and expect the file to exist on the remote, see the remote_src option", source)), nil
	}
	defer f.Close()

	if t.Check {
		if a.Str("creates") != "" || a.Str("removes") != "" {
			return modules.Outcome{Changed: true, Fields: map[string]any{}}, nil
		}
		return skip("Check mode is not supported for this task."), nil
	}

	res, err := t.Conn.Run(ctx, transport.Command{
		Script: `umask 77 && mktemp -d "${TMPDIR:-/tmp}/swarmbook-tmp-XXXXXXXX"`, Become: t.Become,
	})
	if err != nil {
		return modules.Outcome{}, err
	}
	tmpdir := strings.TrimSpace(string(res.Stdout))
	if res.ExitCode != 0 || tmpdir == "" {
		return fail("could not create a temporary directory on the host: " + strings.TrimSpace(text(res.Stderr))), nil
	}
	cleanup := "rm -rf -- " + shquote.POSIX(tmpdir)
	tmpSrc := path.Join(tmpdir, filepath.Base(source))
	if err := t.Conn.Put(ctx, tmpSrc, f, 0o700, t.Become); err != nil {
		_, _ = t.Conn.Run(ctx, transport.Command{Script: cleanup, Become: t.Become})
		if transport.IsUnreachable(err) {
			return modules.Outcome{}, err
		}
		return fail(err.Error()), nil
	}
	target := strings.ReplaceAll(raw, parts[0], tmpSrc)
	if exe := a.Str("executable"); exe != "" {
		target = exe + " " + target
	}
	res, err = t.Conn.Run(ctx, transport.Command{
		Script: "( " + target + "\n)\nrc=$?\n" + cleanup + "\nexit $rc\n",
		Env:    t.Env, Dir: chdir, Become: t.Become,
	})
	if err != nil {
		return modules.Outcome{}, err
	}
	return lowLevel(res), nil
}
