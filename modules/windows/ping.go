package windows

import (
	"context"

	"github.com/swarmbook/swarmbook/modules"
)

type pingModule struct{}

func (pingModule) Spec() modules.Spec {
	return modules.Spec{Params: []modules.Param{{Name: "data", Kind: modules.KindStr, Default: "pong"}}}
}

// pingScript echoes data back from the host.
func pingScript(data string) string {
	return header + "if (" + q(data) + " -eq 'crash') { throw 'boom' }\n" +
		"Write-Output (ConvertTo-Json -Compress @{ ping = " + q(data) + " })\n"
}

func (pingModule) Run(ctx context.Context, t *modules.Target, a modules.Args) (modules.Outcome, error) {
	if err := needPowerShell(t, "win_ping"); err != nil {
		return fail(err.Error(), nil)
	}
	var out struct {
		Ping string `json:"ping"`
	}
	if err := query(ctx, t, pingScript(a.Str("data")), &out); err != nil {
		return fail(err.Error(), nil)
	}
	return modules.Outcome{Fields: map[string]any{"ping": out.Ping}}, nil
}
