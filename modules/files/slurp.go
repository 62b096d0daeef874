package files

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/modules/shquote"
)

type slurpMod struct{}

func (slurpMod) Spec() modules.Spec {
	return modules.Spec{Params: []modules.Param{
		{Name: "src", Kind: modules.KindPath, Required: true, Aliases: []string{"path"}},
	}}
}

func (slurpMod) Run(ctx context.Context, t *modules.Target, a modules.Args) (modules.Outcome, error) {
	src := a.Str("src")
	q := shquote.POSIX(src)
	res, err := run(ctx, t, "if [ -d "+q+" ]; then echo dir >&2; exit 3; fi\nif [ ! -e "+q+" ]; then exit 2; fi\ncat -- "+q)
	if err != nil {
		return modules.Outcome{}, err
	}
	switch res.ExitCode {
	case 0:
	case 2:
		return fail(nil, "file not found: %s", src)
	case 3:
		return fail(nil, "source is a directory and must be a file: %s", src)
	default:
		return fail(nil, "unable to slurp file: %s", bytes.TrimSpace(res.Stderr))
	}
	return modules.Outcome{Fields: map[string]any{
		"content": base64.StdEncoding.EncodeToString(res.Stdout), "encoding": "base64", "source": src,
	}}, nil
}

var _ = fmt.Sprint
