package main

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/swarmbook/swarmbook/runner/transport"
	"github.com/swarmbook/swarmbook/runner/transport/winrm"
)

// extraCommands are the subcommands beyond run and version (lab, test).
func extraCommands() []*cobra.Command { return []*cobra.Command{newLabCmd(), newTestCmd()} }

// addDialers registers transports beyond ssh and local.
func addDialers(dialers map[string]transport.Dialer) {
	dialers["winrm"] = winrm.NewDialer(winrm.Options{})
}

func secondsDuration(n int) time.Duration { return time.Duration(n) * time.Second }
