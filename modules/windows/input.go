package windows

import (
	"strings"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/runner/transport"
)

// commandInput builds the transport command, with the task's stdin piped
// to the script ($input) when given.
func commandInput(script string, a modules.Args) transport.Command {
	cmd := transport.Command{Script: script}
	if a.Has("stdin") && a.Str("stdin") != "" {
		cmd.Stdin = strings.NewReader(a.Str("stdin"))
	}
	return cmd
}
