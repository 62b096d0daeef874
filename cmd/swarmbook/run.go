package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/swarmbook/swarmbook/inventory"
	"github.com/swarmbook/swarmbook/modules/builtin"
	"github.com/swarmbook/swarmbook/runner"
	"github.com/swarmbook/swarmbook/runner/config"
	"github.com/swarmbook/swarmbook/runner/playbook"
	"github.com/swarmbook/swarmbook/runner/report"
	"github.com/swarmbook/swarmbook/runner/transport"
	"github.com/swarmbook/swarmbook/runner/transport/local"
	"github.com/swarmbook/swarmbook/runner/transport/ssh"
	"github.com/swarmbook/swarmbook/runner/yaml11"
)

// runFlags are ansible-playbook's flags.
type runFlags struct {
	inventories   []string
	extraVars     []string
	tags          []string
	skipTags      []string
	limit         string
	check, diff   bool
	forks         int
	verbose       int
	listHosts     bool
	listTasks     bool
	listTags      bool
	syntaxCheck   bool
	startAtTask   string
	become        bool
	becomeUser    string
	becomeMethod  string
	askBecomePass bool
	askPass       bool
	user          string
	connection    string
	privateKey    string
	sshConfig     string
	timeout       int
	reportFile    string
	color         string
	strictHosts   bool

	// Set by callers that embed a run (swarmbook test), not by flags.
	extraReporter report.Reporter
	extraVarsMap  map[string]any
	rolesPath     []string
	summary       *runner.Summary
}

const runHelp = `Run one or more playbooks, as ansible-playbook does.

Hosts come from -i (an INI or YAML inventory file, a directory of them, or a
comma-separated host list ending in ","), or from ansible.cfg's inventory.
ansible.cfg ($ANSIBLE_CONFIG, ./ansible.cfg, ~/.ansible.cfg) is read for
remote_user, forks, roles_path, host_key_checking, private_key_file, timeout,
[privilege_escalation] and [ssh_connection] ssh_args.

Every host gets ONE connection for the whole run (SSH, WinRM or local).
Host keys are verified against known_hosts unless host_key_checking is off.

Exit codes:
  0  every host ok
  1  usage, parse or internal error (nothing was run on any host)
  2  a host failed
  4  a host was unreachable`

func newRunCmd() *cobra.Command {
	f := &runFlags{}
	cmd := &cobra.Command{
		Use:   "run PLAYBOOK... [flags]",
		Short: "Run playbooks against an inventory (ansible-playbook compatible)",
		Long:  runHelp,
		Example: `  # converge a Docker Swarm cluster
  swarmbook run playbooks/swarm.yml -i molecule-test/hosts.ini

  # only the smoketests, against the live cluster
  swarmbook run playbooks/swarm.yml -i molecule-test/hosts.ini --tags test

  # what would change on the workers, with diffs, without changing anything
  swarmbook run site.yml -i hosts.ini -l swarm-worker --check --diff

  # managers except the leader, extra vars from a file and the command line
  swarmbook run site.yml -i hosts.ini -l 'swarm-manager:!swarm-leader' -e @vars.yml -e debug=true`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPlaybooks(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), f, args)
		},
	}
	fl := cmd.Flags()
	fl.SortFlags = false
	fl.StringArrayVarP(&f.inventories, "inventory", "i", nil, "inventory file, directory or host list (repeatable)")
	fl.StringArrayVarP(&f.extraVars, "extra-vars", "e", nil, "extra variables: key=value, YAML/JSON, or @file (repeatable)")
	fl.StringSliceVarP(&f.tags, "tags", "t", nil, "only run tasks tagged with these (comma-separated, repeatable)")
	fl.StringSliceVar(&f.skipTags, "skip-tags", nil, "skip tasks tagged with these")
	fl.StringVarP(&f.limit, "limit", "l", "", "limit hosts to a pattern (e.g. 'swarm-manager:!swarm-leader') or @file")
	fl.BoolVarP(&f.check, "check", "C", false, "don't change anything; report what would change")
	fl.BoolVarP(&f.diff, "diff", "D", false, "show the differences in changed files and templates")
	fl.IntVarP(&f.forks, "forks", "f", 0, "number of hosts worked on in parallel (default from ansible.cfg, else 5)")
	fl.CountVarP(&f.verbose, "verbose", "v", "more output: -v results, -vv task paths, -vvv invocations")
	fl.BoolVar(&f.listHosts, "list-hosts", false, "list the hosts each play would run on, then exit")
	fl.BoolVar(&f.listTasks, "list-tasks", false, "list the tasks that would run, then exit")
	fl.BoolVar(&f.listTags, "list-tags", false, "list all available tags, then exit")
	fl.BoolVar(&f.syntaxCheck, "syntax-check", false, "check the playbooks (YAML, keywords, modules, arguments, templates), then exit")
	fl.StringVar(&f.startAtTask, "start-at-task", "", "start at the task with this name")
	fl.BoolVarP(&f.become, "become", "b", false, "run operations with become (sudo by default)")
	fl.StringVar(&f.becomeUser, "become-user", "", "become this user (default root)")
	fl.StringVar(&f.becomeMethod, "become-method", "", "privilege escalation method: sudo, su or doas")
	fl.BoolVarP(&f.askBecomePass, "ask-become-pass", "K", false, "ask for the privilege escalation password")
	fl.BoolVarP(&f.askPass, "ask-pass", "k", false, "ask for the connection password")
	fl.StringVarP(&f.user, "user", "u", "", "connect as this user")
	fl.StringVarP(&f.connection, "connection", "c", "", "connection type: ssh, local or winrm")
	fl.StringVar(&f.privateKey, "private-key", "", "private key file for SSH")
	fl.StringVar(&f.sshConfig, "ssh-config", "", "OpenSSH client config file to use instead of ~/.ssh/config")
	fl.IntVarP(&f.timeout, "timeout", "T", 0, "connection timeout in seconds (default from ansible.cfg, else 10)")
	fl.StringVar(&f.reportFile, "report-file", "", "write a JSON-lines event report (one record per host and task, plus the recap)")
	fl.StringVar(&f.color, "color", "auto", "colour output: auto (on a terminal), always or never")
	fl.BoolVar(&f.strictHosts, "strict-hosts", false, "a host pattern or --limit that matches no host is an error, not a warning")
	return cmd
}

// usageError reports a usage/parse error (exit 1).
func usageError(err error) error { return &exitCodeError{code: exitError, err: err} }

func runPlaybooks(ctx context.Context, stdout, stderr io.Writer, f *runFlags, paths []string) error {
	cfg, err := config.Load()
	if err != nil {
		return usageError(fmt.Errorf("ERROR! %w", err))
	}
	if f.verbose > 0 {
		for _, n := range cfg.Notes {
			fmt.Fprintln(stderr, "[NOTE]:", n)
		}
	}

	colorOut := f.color == "always" || (f.color == "auto" && isTerminal(stdout) && os.Getenv("NO_COLOR") == "" && os.Getenv("ANSIBLE_NOCOLOR") == "")
	columns := 0
	if fd, ok := stdout.(*os.File); ok && term.IsTerminal(int(fd.Fd())) {
		columns, _, _ = term.GetSize(int(fd.Fd()))
	}
	text := &report.Text{Out: stdout, Err: stderr, Color: colorOut, Columns: columns, Verbosity: f.verbose}
	warn := func(msg string) { text.Warning(msg) }

	// Inventory.
	sources := f.inventories
	if len(sources) == 0 {
		sources = cfg.Inventory
	}
	inv, err := loadInventory(sources, warn)
	if err != nil {
		return usageError(err)
	}
	if f.limit != "" {
		if err := inv.SetLimit(f.limit); err != nil {
			return usageError(fmt.Errorf("ERROR! --limit: %w", err))
		}
		if hosts, _ := inv.Select("all"); len(hosts) == 0 {
			if f.strictHosts {
				return usageError(fmt.Errorf("ERROR! Specified inventory, host pattern and/or --limit leaves us with no hosts to target."))
			}
			warn("Could not match supplied host pattern, ignoring: " + f.limit)
		}
	}

	extra, err := parseExtraVars(f.extraVars)
	if err != nil {
		return usageError(err)
	}
	for k, v := range f.extraVarsMap {
		extra[k] = v
	}

	// Playbooks: everything is loaded and checked before any connection.
	reg := builtin.Registry()
	loader := &playbook.Loader{Modules: reg, RolesPath: append(append([]string(nil), f.rolesPath...), cfg.RolesPath...), Warn: warn}
	var pbs []*playbook.Playbook
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			return usageError(fmt.Errorf("ERROR! the playbook: %s could not be found", p))
		}
		pb, err := loader.LoadPlaybook(p)
		if err != nil {
			return usageError(err)
		}
		pbs = append(pbs, pb)
		if err := inv.AddVarsDir(pb.Dir); err != nil {
			return usageError(err)
		}
	}
	if err := runner.CheckTemplates(pbs); err != nil {
		return usageError(err)
	}
	switch {
	case f.syntaxCheck:
		for _, p := range paths {
			fmt.Fprintf(stdout, "\nplaybook: %s\n", p)
		}
		return nil
	case f.listHosts || f.listTasks || f.listTags:
		return listPlaybooks(stdout, inv, pbs, paths, f, warn)
	}

	forks := f.forks
	if forks == 0 {
		forks = cfg.Forks
	}
	becomePass := ""
	if f.askBecomePass {
		if becomePass, err = promptSecret(stderr, "BECOME password: "); err != nil {
			return usageError(err)
		}
	}
	sshPass := ""
	if f.askPass {
		if sshPass, err = promptSecret(stderr, "SSH password: "); err != nil {
			return usageError(err)
		}
	}
	sshOpts := ssh.Options{
		SSHConfigFile:  f.sshConfig,
		SSHArgs:        strings.TrimSpace(cfg.SSHArgs + " " + cfg.SSHCommonArgs + " " + cfg.SSHExtraArgs),
		RemoteUser:     firstNonEmpty(f.user, cfg.RemoteUser),
		RemotePort:     cfg.RemotePort,
		PrivateKeyFile: firstNonEmpty(f.privateKey, cfg.PrivateKeyFile),
		Timeout:        cfg.Timeout,
		Password:       sshPass,
	}
	hkc := cfg.HostKeyChecking
	sshOpts.HostKeyChecking = &hkc
	if f.timeout > 0 {
		sshOpts.Timeout = secondsDuration(f.timeout)
	}
	sshDialer := ssh.NewDialer(sshOpts)
	defer sshDialer.Close()
	dialers := map[string]transport.Dialer{
		"ssh":   sshDialer,
		"local": local.Dialer{},
	}
	addDialers(dialers)

	secrets := &report.Secrets{}
	secrets.Add(becomePass, sshPass)
	var reps report.Multi = report.Multi{text}
	if f.extraReporter != nil {
		reps = append(reps, f.extraReporter)
	}
	if f.reportFile != "" {
		rf, err := os.Create(f.reportFile)
		if err != nil {
			return usageError(fmt.Errorf("ERROR! --report-file: %w", err))
		}
		defer rf.Close()
		reps = append(reps, &report.JSONLines{W: rf})
	}

	var become *bool
	if f.become || cfg.Become.Enabled {
		b := true
		become = &b
	}
	opts := runner.Options{
		Inventory: inv, Loader: loader, Modules: reg, Dialers: dialers, Reporter: reps, Secrets: secrets,
		ExtraVars: extra, Tags: f.tags, SkipTags: f.skipTags, Check: f.check, Diff: f.diff,
		Forks: forks, Verbosity: f.verbose, StartAtTask: f.startAtTask,
		Become: become, BecomeUser: firstNonEmpty(f.becomeUser, cfg.Become.User), BecomeMethod: firstNonEmpty(f.becomeMethod, cfg.Become.Method),
		BecomePassword: becomePass, RemoteUser: firstNonEmpty(f.user, cfg.RemoteUser), Connection: f.connection,
	}

	// First Ctrl-C: stop after signalling running commands and print the
	// recap; second: exit at once.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		n := 0
		for range sigs {
			n++
			if n == 1 {
				fmt.Fprintln(stderr, "\n[ERROR]: User interrupted execution (Ctrl-C again to abort at once)")
				cancel()
				continue
			}
			os.Exit(130)
		}
	}()

	sum, err := runner.New(opts).Run(ctx, pbs)
	if f.summary != nil {
		*f.summary = sum
	}
	if err != nil && !sum.Interrupted {
		return &exitCodeError{code: exitError, err: fmt.Errorf("ERROR! %w", err)}
	}
	if sum.Interrupted {
		return &exitCodeError{code: 99}
	}
	if code := sum.ExitCode(); code != 0 {
		return &exitCodeError{code: code}
	}
	return nil
}

func loadInventory(sources []string, warn func(string)) (*inventory.Inventory, error) {
	var files []string
	var inline []string
	for _, s := range sources {
		if strings.Contains(s, ",") {
			if _, err := os.Stat(s); err != nil {
				inline = append(inline, s)
				continue
			}
		}
		if _, err := os.Stat(s); err != nil {
			warn("Unable to parse " + absPath(s) + " as an inventory source")
			continue
		}
		files = append(files, s)
	}
	var inv *inventory.Inventory
	var err error
	if len(files) > 0 {
		inv, err = inventory.Load(files)
		if err != nil {
			return nil, err
		}
	} else {
		inv = inventory.New()
	}
	for _, list := range inline {
		for _, h := range strings.Split(list, ",") {
			if h = strings.TrimSpace(h); h != "" {
				inv.AddHost(h, nil, nil)
			}
		}
	}
	if len(files) == 0 && len(inline) == 0 {
		warn("No inventory was parsed, only implicit localhost is available")
	}
	return inv, nil
}

func absPath(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	return a
}

// parseExtraVars reads -e values: key=value pairs, YAML/JSON documents or
// @file references, later ones winning.
func parseExtraVars(vals []string) (map[string]any, error) {
	out := map[string]any{}
	for _, v := range vals {
		v = strings.TrimSpace(v)
		var m map[string]any
		switch {
		case strings.HasPrefix(v, "@"):
			data, err := os.ReadFile(v[1:])
			if err != nil {
				return nil, fmt.Errorf("ERROR! extra vars file: %w", err)
			}
			doc, err := yaml11.Unmarshal(data, v[1:])
			if err != nil {
				return nil, fmt.Errorf("ERROR! extra vars file: %w", err)
			}
			var ok bool
			if m, ok = doc.(map[string]any); !ok && doc != nil {
				return nil, fmt.Errorf("ERROR! extra vars file %s must hold a mapping", v[1:])
			}
		case strings.HasPrefix(v, "{") || strings.HasPrefix(v, "---"):
			doc, err := yaml11.Unmarshal([]byte(v), "extra vars")
			if err != nil {
				return nil, fmt.Errorf("ERROR! invalid extra vars: %w", err)
			}
			var ok bool
			if m, ok = doc.(map[string]any); !ok {
				return nil, fmt.Errorf("ERROR! invalid extra vars %q: not a mapping", v)
			}
		default:
			kv, err := playbook.ParseKV(v, false)
			if err != nil {
				return nil, fmt.Errorf("ERROR! invalid extra vars %q: %w", v, err)
			}
			m = kv
			delete(m, "_raw_params")
		}
		for k, val := range m {
			out[k] = val
		}
	}
	return out, nil
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func promptSecret(w io.Writer, prompt string) (string, error) {
	if !term.IsTerminal(int(os.Stdin.Fd())) {
		return "", fmt.Errorf("ERROR! %s cannot be asked without a terminal", strings.TrimSuffix(prompt, ": "))
	}
	fmt.Fprint(w, prompt)
	b, err := term.ReadPassword(int(os.Stdin.Fd()))
	fmt.Fprintln(w)
	return string(b), err
}
