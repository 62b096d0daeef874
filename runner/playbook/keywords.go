package playbook

import (
	"github.com/swarmbook/swarmbook/runner/yaml11"
)

// Keyword sets, as Ansible's FieldAttributes define them (2.14).
var (
	// baseKeywords are accepted by plays, roles, blocks and tasks.
	baseKeywords = []string{"name", "connection", "port", "remote_user", "vars", "module_defaults",
		"environment", "no_log", "run_once", "ignore_errors", "ignore_unreachable", "check_mode",
		"diff", "any_errors_fatal", "throttle", "timeout", "debugger", "become", "become_method",
		"become_user", "become_flags", "become_exe", "tags", "collections"}
	// blockKeywords are those of a block (besides block/rescue/always).
	blockKeywords = append(append([]string{}, baseKeywords...), "when", "delegate_to", "delegate_facts")
	// taskKeywords are those of a task and a handler.
	taskKeywords = append(append([]string{}, blockKeywords...), "action", "args", "async", "changed_when",
		"delay", "failed_when", "loop", "loop_control", "poll", "register", "retries", "until",
		"notify", "local_action", "static", "listen")
	playKeywords = append(append([]string{}, baseKeywords...), "hosts", "gather_facts", "gather_subset",
		"gather_timeout", "fact_path", "vars_files", "vars_prompt", "roles", "handlers", "pre_tasks",
		"post_tasks", "tasks", "force_handlers", "max_fail_percentage", "serial", "strategy", "order")
)

func setOf(words []string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// keyword parses one inheritable keyword into kw; it reports false when
// key is not one of them.
func (ld *load) keyword(key string, n *yaml11.Node, kw *Keywords) bool {
	switch key {
	case "become":
		kw.Become = ld.boolPtr(n, key)
	case "become_user":
		kw.BecomeUser = ld.str(n, key)
	case "become_method":
		kw.BecomeMethod = ld.str(n, key)
		switch kw.BecomeMethod {
		case "", "sudo", "su":
		default:
			if !isTemplate(kw.BecomeMethod) {
				ld.errorf(n, "become_method '%s' is not supported (supported: sudo, su)", kw.BecomeMethod)
			}
		}
	case "become_flags":
		kw.BecomeFlags = ld.str(n, key)
	case "become_exe":
		ld.str(n, key)
	case "environment":
		kw.Environment = ld.environment(n)
	case "check_mode":
		kw.CheckMode = ld.boolOrTemplate(n, key)
	case "diff":
		kw.Diff = ld.boolOrTemplate(n, key)
	case "connection":
		kw.Connection = ld.str(n, key)
	case "remote_user":
		kw.RemoteUser = ld.str(n, key)
	case "no_log":
		kw.NoLog = ld.boolOrTemplate(n, key)
	case "ignore_errors":
		kw.IgnoreErrors = ld.boolOrTemplate(n, key)
	case "ignore_unreachable":
		kw.IgnoreUnreachable = ld.boolOrTemplate(n, key)
	case "any_errors_fatal":
		kw.AnyErrorsFatal = ld.boolPtr(n, key)
	case "throttle":
		kw.Throttle = n.Value()
	case "timeout":
		kw.Timeout = n.Value()
	case "run_once":
		kw.RunOnce = ld.boolOrTemplate(n, key)
	case "delegate_to":
		kw.DelegateTo = ld.str(n, key)
	case "delegate_facts":
		kw.DelegateFacts = ld.boolPtr(n, key)
	case "port":
		kw.Port = n.Value()
	case "debugger", "collections":
		// accepted and ignored: no debugger; modules are built in
	case "module_defaults":
		if n.Kind != yaml11.Null && !(n.Kind == yaml11.Map && len(n.Keys) == 0) {
			ld.errorf(n, "'module_defaults' is not supported by swarmbook")
		}
	default:
		return false
	}
	return true
}
