// Package playbook loads Ansible playbooks into a typed tree that keeps the
// file:line:col of everything, expands roles and static imports, and validates
// it before any host is contacted.
package playbook

import "fmt"

// Pos is a position in a source file.
type Pos struct {
	File string
	Line int
	Col  int
}

func (p Pos) String() string {
	if p.Line == 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Playbook is one loaded playbook file with its import_playbook entries
// already expanded in order.
type Playbook struct {
	Path  string
	Dir   string // playbook_dir
	Plays []*Play
}

// Play is one play.
type Play struct {
	Pos  Pos
	Name string
	// Hosts is the host pattern, possibly templated ("{{ target }}").
	Hosts string
	// GatherFacts is nil when not set (Ansible default: true).
	GatherFacts  *bool
	GatherSubset []string
	Vars         Vars
	VarsFiles    []VarsFile
	// Roles are the play's roles, already expanded into Tasks blocks below
	// with their dependencies; kept here for --list-* and role vars.
	Roles     []*Role
	PreTasks  []*Task
	Tasks     []*Task // role tasks first (as Ansible runs them), then the play's tasks
	PostTasks []*Task
	Handlers  []*Task // play handlers plus role handlers
	// Serial: each element is an int or a "N%" string; empty means all.
	Serial            []any
	Strategy          string // linear (default) or free
	AnyErrorsFatal    bool
	MaxFailPercentage *float64
	Tags              []string
	Keywords          Keywords // become*, environment, check_mode, diff, connection, remote_user, ...
	Order             string   // inventory (default), reverse_inventory, sorted, reverse_sorted, shuffle
	Playbook          *Playbook
	// ForceHandlers is force_handlers: notified handlers run even on hosts
	// that failed.
	ForceHandlers bool
	// File is the playbook file the play was read from (import_playbook).
	File string
}

// Vars is an ordered mapping of variables; values are raw YAML values
// (string, int, float64, bool, nil, []any, map[string]any) that may hold
// templates, rendered lazily at use.
type Vars struct {
	Keys   []string
	Values map[string]any
}

// VarsFile is one vars_files entry: a file name, or a list of candidates of
// which the first found is used.
type VarsFile struct {
	Pos        Pos
	Candidates []string
}

// Keywords are the keywords a play, block, role or task may set and that its
// children inherit unless they override them. Nil pointers mean "not set".
type Keywords struct {
	Become            *bool
	BecomeUser        string
	BecomeMethod      string
	BecomeFlags       string
	Environment       []any // each element a map (possibly templated string); merged in order
	CheckMode         any   // bool or template string
	Diff              any
	Connection        string
	RemoteUser        string
	NoLog             any // bool or template string
	IgnoreErrors      any
	IgnoreUnreachable any
	AnyErrorsFatal    *bool
	Throttle          any
	Timeout           any
	RunOnce           any
	DelegateTo        string
	DelegateFacts     *bool
	Port              any
}

// Role is one role instance in a play.
type Role struct {
	Pos      Pos
	Name     string // as written ("configure/swarm-leader")
	Path     string // directory on disk
	Params   Vars   // role params (role: x, foo: bar) — include-params precedence
	Defaults Vars   // defaults/main.yml (and defaults/main/*.yml)
	RoleVars Vars   // vars/main.yml
	Tags     []string
	When     []Cond
	Deps     []*Role // meta/main.yml dependencies, resolved
	Parent   *Role   // the role that depends on this one, if any
	Handlers []*Task
	// AllowDuplicates is meta/main.yml allow_duplicates: the role runs
	// again when listed twice with the same parameters. Otherwise the
	// loader reuses the same *Role for identical instances, and the engine
	// skips a role instance that already ran on the host.
	AllowDuplicates bool

	depRefs []RoleRef // meta dependencies as written
}

// Cond is one conditional (a bare Jinja2 expression, or a YAML bool).
type Cond struct {
	Pos  Pos
	Expr string // "true"/"false" for YAML bools
}

// Loop describes a task's loop.
type Loop struct {
	Pos Pos
	// Kind is "loop" or the with_* lookup name ("items", "dict", "sequence",
	// "subelements", "together", "fileglob", "indexed_items", "list", ...).
	Kind string
	// Value is the raw loop value (list, string template, dict ...).
	Value any
}

// LoopControl is a task's loop_control.
type LoopControl struct {
	LoopVar  string // default "item"
	IndexVar string
	Label    string // template
	Pause    any    // seconds, possibly templated
	Extended bool
}

// Task is one task, block, handler, include or import.
//
// Static imports (import_tasks, import_role, roles:) are already expanded by
// the loader into Block tasks whose children inherit tags and conditionals.
// Dynamic includes (include_tasks, include_role, legacy include: with a
// templated name or a loop) stay as tasks with Action set and are expanded by
// the engine at run time through Loader.
type Task struct {
	Pos  Pos
	Name string // as written, possibly templated; empty: derived from the action

	// Action is the resolved module name without FQCN prefix ("command",
	// "include_tasks", "meta", "set_fact", ...); empty for a block.
	Action string
	// ActionAs is the module name as written ("ansible.builtin.command").
	ActionAs string
	// Args are the raw arguments (dict form, k=v parsed; free-form text under
	// "_raw_params"); values may hold templates.
	Args map[string]any

	// Block children; non-nil Block marks this task as a block.
	Block  []*Task
	Rescue []*Task
	Always []*Task

	When        []Cond // this task's own conditionals
	Register    string
	ChangedWhen []Cond
	FailedWhen  []Cond
	Loop        *Loop
	LoopControl LoopControl
	Until       []Cond
	Retries     any
	Delay       any
	Notify      []string
	Listen      []string // handlers only
	Tags        []string // own tags
	Vars        Vars
	Keywords    Keywords

	// Parent is the enclosing block (or nil at the top of a play section).
	Parent *Task
	// Role is the role this task comes from, or nil.
	Role *Role
	// Handler is true for tasks in a handlers section.
	Handler bool
	// Implicit marks tasks the engine adds (fact gathering, handler flushes).
	Implicit bool
	// Import is true for a block that stands for a static import (its
	// children came from another file); such a block's Name is not printed.
	Import bool
	// ImportPos is the position of the import statement for such a block.
	File string // file the task was read from (for relative lookups)
}

// IsBlock reports whether t is a block.
func (t *Task) IsBlock() bool { return t.Block != nil }

// EffectiveTags returns the tags of t together with those inherited from its
// enclosing blocks (roles and static imports are blocks too); play tags are
// added by the engine.
func (t *Task) EffectiveTags() []string {
	var out []string
	seen := map[string]bool{}
	add := func(tags []string) {
		for _, tg := range tags {
			if !seen[tg] {
				seen[tg] = true
				out = append(out, tg)
			}
		}
	}
	for p := t; p != nil; p = p.Parent {
		add(p.Tags)
	}
	return out
}
