// Command swarmbook runs Ansible playbooks against an inventory over SSH or
// WinRM, with no agent and no Python on the hosts.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

// Exit codes, as ansible-playbook's.
const (
	exitOK          = 0
	exitError       = 1 // usage, parse or internal error
	exitFailed      = 2 // a host failed
	exitUnreachable = 4 // a host was unreachable
)

// exitError carries an exit code out of a subcommand.
type exitCodeError struct {
	code int
	err  error
}

func (e *exitCodeError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit code %d", e.code)
	}
	return e.err.Error()
}

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	root := newRootCmd()
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	var ec *exitCodeError
	if errors.As(err, &ec) {
		if ec.err != nil {
			fmt.Fprintln(os.Stderr, ec.err)
		}
		return ec.code
	}
	fmt.Fprintln(os.Stderr, "ERROR!", err)
	return exitError
}

const rootHelp = `swarmbook runs Ansible playbooks against an inventory over SSH or WinRM:
one static binary, one persistent connection per host, no agent and no Python
on the hosts. Playbooks written for ansible-playbook run unchanged when they
use supported modules; anything unsupported is refused before the first
connection, with file:line.

Exit codes (as ansible-playbook):
  0  every host ok
  1  usage, parse or internal error (no host touched on parse errors)
  2  a host failed
  4  a host was unreachable`

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "swarmbook",
		Short:         "Agentless, Ansible-compatible playbook runner for Docker Swarm clusters",
		Long:          rootHelp,
		SilenceUsage:  true,
		SilenceErrors: true,
		Example: `  swarmbook run playbooks/swarm.yml -i molecule-test/hosts.ini
  swarmbook run playbooks/swarm.yml -i molecule-test/hosts.ini --tags test
  swarmbook lab up && swarmbook test default`,
	}
	root.AddCommand(newRunCmd(), newVersionCmd())
	for _, c := range extraCommands() {
		root.AddCommand(c)
	}
	return root
}
