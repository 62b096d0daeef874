package main

import (
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/swarmbook/swarmbook/lab"
)

// labFlags are shared by `lab` and `test`.
type labFlags struct {
	dir               string
	managers, workers int
	variant           string
	build             bool
}

func (lf *labFlags) options(cmd *cobra.Command) lab.Options {
	return lab.Options{Dir: lf.dir, Managers: lf.managers, Workers: lf.workers, Variant: lf.variant,
		BuildImage: lf.build, Progress: lab.ProgressTo(cmd.ErrOrStderr()), Log: nil}
}

func (lf *labFlags) register(cmd *cobra.Command) {
	fl := cmd.PersistentFlags()
	fl.StringVar(&lf.dir, "dir", "molecule-test", "directory holding the lab's Vagrantfile")
	fl.IntVar(&lf.managers, "managers", 0, "number of manager machines (default 3)")
	fl.IntVar(&lf.workers, "workers", 0, "number of worker machines (default 3)")
	fl.StringVar(&lf.variant, "variant", "full", "node image: full (with python3, for ansible comparisons) or nopy")
	fl.BoolVar(&lf.build, "build-image", true, "build the node image when it is missing")
}

func newLabCmd() *cobra.Command {
	lf := &labFlags{}
	cmd := &cobra.Command{
		Use:   "lab",
		Short: "Manage the local Vagrant lab (sshd + dockerd machines) in molecule-test/",
		Long: `The lab is a set of Vagrant machines — containers with sshd and dockerd under Vagrant's docker
provider here, or VirtualBox/libvirt VMs where a hypervisor exists — named swarm-manager-01..03 and
swarm-worker-01..03 on 198.18.0.0/24. After "lab up", molecule-test/ssh.config holds "vagrant ssh-config"
and molecule-test/hosts.ini connects through it:

  swarmbook run playbooks/swarm.yml -i molecule-test/hosts.ini`,
		Example: "  swarmbook lab up\n  swarmbook lab status\n  swarmbook lab down",
	}
	lf.register(cmd)
	cmd.AddCommand(&cobra.Command{
		Use: "up", Short: "Build the node image if needed and boot the machines (idempotent)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := lab.Up(cmd.Context(), lf.options(cmd)); err != nil {
				return usageError(fmt.Errorf("ERROR! lab up: %w", err))
			}
			return nil
		},
	}, &cobra.Command{
		Use: "down", Short: "Destroy the machines, their network and Vagrant state", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := lab.Down(cmd.Context(), lf.options(cmd)); err != nil {
				return usageError(fmt.Errorf("ERROR! lab down: %w", err))
			}
			return nil
		},
	}, &cobra.Command{
		Use: "status", Short: "Show the machines and their state", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ms, err := lab.Status(cmd.Context(), lf.options(cmd))
			if err != nil {
				return usageError(fmt.Errorf("ERROR! lab status: %w", err))
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "MACHINE\tROLE\tADDRESS\tSTATE")
			for _, m := range ms {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", m.Name, m.Role, m.Address, m.State)
			}
			return tw.Flush()
		},
	}, &cobra.Command{
		Use: "ssh-config", Short: "Print `vagrant ssh-config` for the lab (also written to molecule-test/ssh.config)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b, err := lab.SSHConfig(cmd.Context(), lf.options(cmd))
			if err != nil {
				return usageError(fmt.Errorf("ERROR! lab ssh-config: %w", err))
			}
			_, err = cmd.OutOrStdout().Write(b)
			return err
		},
	})
	return cmd
}

func newTestCmd() *cobra.Command {
	lf := &labFlags{}
	var destroy, steps, results string
	cmd := &cobra.Command{
		Use:   "test [SCENARIO]",
		Short: "Run a Molecule-style scenario on the lab: create, converge, idempotence, verify, destroy",
		Long: `Runs a scenario from molecule-test/<SCENARIO>/scenario.yml (default: "default") through the
Molecule sequence with swarmbook's engine:

  create       boot the lab machines the scenario needs
  converge     run the scenario's playbook
  idempotence  run it again: every host must report changed=0 (each changed task is named)
  verify       run the playbook with the verify tags (default: test)
  destroy      tear the lab down (--destroy=never keeps it)

Writes junit.xml and summary.json into the scenario's .results/ directory. Exit code 0 when every
step passed, 2 otherwise.`,
		Example: "  swarmbook test\n  swarmbook test default --destroy=never\n  swarmbook test default --steps verify",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := "default"
			if len(args) == 1 {
				name = args[0]
			}
			sc, err := lab.LoadScenario(lf.dir, name)
			if err != nil {
				return usageError(fmt.Errorf("ERROR! %w", err))
			}
			st, err := lab.ParseSteps(steps)
			if err != nil {
				return usageError(fmt.Errorf("ERROR! --steps: %w", err))
			}
			rep, err := lab.Test(cmd.Context(), sc, st, lab.TestOptions{
				Lab: lf.options(cmd), Runner: engineRunner{}, Destroy: lab.DestroyPolicy(destroy),
				ResultsDir: results, Output: cmd.OutOrStdout(),
			})
			if rep != nil {
				w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "\nSTEP\tRESULT\tTIME\tDETAIL")
				for _, s := range rep.Steps {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", s.Step, s.Status, s.Duration.Round(1e7), strings.SplitN(s.Error, "\n", 2)[0])
				}
				w.Flush()
			}
			if err != nil {
				fmt.Fprintln(os.Stderr, "ERROR!", err)
				return &exitCodeError{code: exitFailed}
			}
			return nil
		},
	}
	lf.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&destroy, "destroy", "always", "destroy the lab at the end: always or never")
	fl.StringVar(&steps, "steps", "", "run only these steps (comma-separated: create,converge,idempotence,verify,destroy)")
	fl.StringVar(&results, "results", "", "directory for junit.xml and summary.json (default <scenario>/.results)")
	return cmd
}
