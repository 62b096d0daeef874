// Package swarm holds swarmbook's Docker Swarm modules: docker_swarm,
// docker_swarm_info, docker_node, docker_network, docker_secret,
// docker_config, docker_stack, docker_image and docker_daemon.
//
// Every module drives the Docker CLI on the host through the task's
// connection and reads its JSON output (--format '{{json .}}') into typed
// structs; nothing parses human-readable text. Scripts are built from steps
// that render to POSIX sh or to PowerShell (docker.exe), so one module's
// logic serves Linux and Windows hosts. Modules that need a manager reach
// one through the run's other connections (modules.Peers): the live
// managers of the `swarm-manager` group, or the group given.
package swarm

import "github.com/swarmbook/swarmbook/modules"

// Modules returns the swarm modules by their Ansible names (community.docker.*
// forms are resolved by the registry).
func Modules() map[string]modules.Module {
	return map[string]modules.Module{
		"docker_swarm":      swarmModule{},
		"docker_swarm_info": swarmInfoModule{},
		"docker_node":       nodeModule{},
		"docker_network":    networkModule{},
		"docker_secret":     objectModule{kind: "secret"},
		"docker_config":     objectModule{kind: "config"},
		"docker_stack":      stackModule{},
		"docker_image":      imageModule{},
		"docker_daemon":     daemonModule{},
	}
}
