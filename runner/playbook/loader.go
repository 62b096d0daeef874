package playbook

import "github.com/swarmbook/swarmbook/modules"

// ModuleSpecs tells the loader which modules exist and their arguments.
type ModuleSpecs interface {
	Lookup(name string) (canonical string, spec modules.Spec, ok bool)
}

// Loader reads playbooks, task files and roles.
type Loader struct {
	Modules   ModuleSpecs
	RolesPath []string // extra role directories (ansible.cfg roles_path, ANSIBLE_ROLES_PATH)
	// Warn, if set, receives warnings worded as Ansible's (duplicate YAML
	// keys, deprecated forms such as bare include:).
	Warn func(msg string)
}
