// Package builtin assembles the registry of all of swarmbook's built-in
// modules.
package builtin

import (
	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/modules/command"
	"github.com/swarmbook/swarmbook/modules/control"
	"github.com/swarmbook/swarmbook/modules/files"
	"github.com/swarmbook/swarmbook/modules/hostsetup"
	"github.com/swarmbook/swarmbook/modules/swarm"
	"github.com/swarmbook/swarmbook/modules/system"
	"github.com/swarmbook/swarmbook/modules/windows"
)

// Registry returns a registry with every built-in module.
func Registry() *modules.Registry {
	return modules.NewRegistry(
		command.Modules(),
		control.Modules(),
		files.Modules(),
		hostsetup.Modules(),
		system.Modules(),
		windows.Modules(),
		swarm.Modules(),
	)
}
