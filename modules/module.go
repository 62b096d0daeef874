// Package modules holds swarmbook's built-in modules and the contract the
// engine uses to run them. A module is controller-side code (like an Ansible
// action plugin) that drives one host through its transport.Conn.
package modules

import (
	"context"

	"github.com/swarmbook/swarmbook/runner/transport"
)

// Module is one built-in module.
type Module interface {
	// Spec declares the module's arguments; the engine validates a task's
	// arguments against it before any connection is made.
	Spec() Spec
	// Run reads the host's state, computes the change, and (unless t.Check)
	// applies it. It must honour t.Check and t.Diff and be idempotent.
	// A returned error is a module failure ("FAILED! => msg"); a transport
	// failure is returned as (or wrapping) *transport.Unreachable.
	Run(ctx context.Context, t *Target, args Args) (Outcome, error)
}

// Kind is the type of a module parameter, as in Ansible's argument_spec.
type Kind int

const (
	KindRaw  Kind = iota // any value, unchecked
	KindStr              // string; scalars are converted as Ansible does
	KindBool             // yes/no/true/false/1/0 ...
	KindInt
	KindFloat
	KindList // a list; a comma-separated string is split
	KindDict
	KindPath // string, ~ expanded on the host side by the module
)

// Param declares one argument.
type Param struct {
	Name     string
	Kind     Kind
	Required bool
	Default  any
	Choices  []string
	Aliases  []string
	Elements Kind // for KindList
	NoLog    bool // value is secret: redacted everywhere
}

// Spec declares the arguments of a module.
type Spec struct {
	Params []Param
	// FreeForm: the module takes a free-form string (command, shell, raw,
	// script); it arrives in Args under the key "_raw_params".
	FreeForm          bool
	MutuallyExclusive [][]string
	RequiredOneOf     [][]string
	RequiredTogether  [][]string
	// Check: false if the module cannot run in check mode (it is then
	// skipped in check mode, as Ansible does for modules without support).
	NoCheckMode bool
	// NeedsVars: the module reads Target.Vars (group_names, ansible_port,
	// facts ...); the engine builds that map only for such modules.
	NeedsVars bool
	// AnyParams: parameters not declared in Params are accepted as they are
	// (set_fact, add_host: every key is data).
	AnyParams bool
	// Action: the module is an Ansible action plugin with a fixed list of
	// valid options; unknown ones are reported as "Invalid options for
	// NAME: a,b" instead of AnsibleModule's "Unsupported parameters" text.
	Action bool
}

// Args are a task's arguments after templating and validation against Spec:
// every declared parameter is present with its Kind's Go type
// (string, bool, int, float64, []any, map[string]any) or absent/nil.
type Args map[string]any

// Templater renders Jinja2 for modules that need it (template, debug, assert).
type Templater interface {
	// Render renders a template string; a string that is a single
	// expression keeps its native type.
	Render(ctx context.Context, src string) (any, error)
	// RenderFile renders the content of a template file with the host's vars
	// (and extra vars, e.g. a loop item); the result is always text.
	RenderText(ctx context.Context, src string, extra map[string]any) (string, error)
	// Truth evaluates a bare conditional expression as in `when:`.
	Truth(ctx context.Context, expr string) (bool, error)
	// Eval evaluates a bare expression (debug var=, assert that=).
	Eval(ctx context.Context, expr string) (any, error)
}

// Files finds controller-side files the way Ansible does: role files/ or
// templates/ first, then next to the playbook.
type Files interface {
	// Find returns the controller path of name looked up in the given
	// subdirectory ("files", "templates", "vars", "tasks"); absolute names
	// are returned as they are.
	Find(subdir, name string) (string, error)
}

// Peers gives a module access to other hosts of the run over their already
// open connections (e.g. fetching a join token from a live manager).
type Peers interface {
	// Conn returns the open connection of another inventory host, dialling
	// it if needed.
	Conn(ctx context.Context, host string) (transport.Conn, error)
	// Group lists the hosts of an inventory group, in inventory order.
	Group(name string) []string
	// Vars returns another host's variables (hostvars[host]).
	Vars(host string) map[string]any
}

// Target is everything a module may use for one host and one task.
type Target struct {
	Host   string // inventory_hostname
	Conn   transport.Conn
	Check  bool
	Diff   bool
	Become transport.Become
	Env    map[string]string // the task's environment
	Vars   map[string]any    // the host's variables as seen by this task (only with Spec.NeedsVars)
	Tmpl   Templater
	Files  Files
	Peers  Peers
	// Verbosity is -v count; modules may add detail to Outcome at higher levels.
	Verbosity int
}

// Diff is one before/after pair shown with --diff.
type Diff struct {
	BeforeHeader string
	AfterHeader  string
	Before       string
	After        string
}

// Outcome is a module's result. Fields holds module-specific result keys
// (rc, stdout, stderr, path, checksum, ...) that become the registered value
// together with changed/failed/skipped/msg.
type Outcome struct {
	Changed bool
	Failed  bool
	Skipped bool
	Msg     string
	Fields  map[string]any
	// Facts are merged into the host's facts (ansible_facts).
	Facts map[string]any
	Diffs []Diff
	// Secrets are values that must never appear in any output (join tokens,
	// passwords); the reporter redacts them wherever they occur.
	Secrets []string

	// Engine effects of controller modules:
	// SetVars are set_fact variables (set_fact precedence, per host).
	SetVars map[string]any
	// IncludedVars are include_vars variables (include_vars precedence).
	IncludedVars map[string]any
	// AddHost asks the engine to add a host to the in-memory inventory.
	AddHost *AddHost
	// AddGroups asks the engine to put this host into groups (group_by).
	AddGroups []string
}

// AddHost is the effect of the add_host module.
type AddHost struct {
	Name   string
	Groups []string
	Vars   map[string]any
}
