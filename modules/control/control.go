// Package control holds the controller-side modules that drive the play
// itself rather than a host's state: debug, assert, fail, set_fact, pause,
// include_vars, add_host, group_by and wait_for_connection (Ansible's action
// plugins of the same names, with their 2.14 results).
package control

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/swarmbook/swarmbook/modules"
)

// Modules returns the modules of this package by short name.
func Modules() map[string]modules.Module {
	return map[string]modules.Module{
		"debug":               debug{},
		"assert":              assertModule{},
		"fail":                fail{},
		"set_fact":            setFact{},
		"pause":               pause{},
		"include_vars":        includeVars{},
		"add_host":            addHost{},
		"group_by":            groupBy{},
		"wait_for_connection": waitForConnection{},
	}
}

// failed is a failed Outcome with message msg.
func failed(msg string) modules.Outcome {
	return modules.Outcome{Failed: true, Msg: msg, Fields: map[string]any{"msg": msg}}
}

// toInt converts v as Python's int() does for an action plugin argument.
func toInt(name string, v any) (int, error) {
	switch t := v.(type) {
	case nil:
		return 0, nil
	case int:
		return t, nil
	case int64:
		return int(t), nil
	case float64:
		return int(math.Trunc(t)), nil
	case bool:
		if t {
			return 1, nil
		}
		return 0, nil
	case string:
		if i, err := strconv.Atoi(strings.TrimSpace(t)); err == nil {
			return i, nil
		}
		return 0, fmt.Errorf("invalid literal for int() with base 10: '%s'", t)
	}
	return 0, fmt.Errorf("argument '%s' must be an integer, got %s", name, modules.PyStr(v))
}

// isUndefined reports whether err says a variable is undefined. The check
// is by shape so that this package does not depend on the template engine:
// an error in the chain with an Undefined() bool method, a type named
// *UndefinedError, or Ansible's "is undefined" wording.
func isUndefined(err error) bool {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if u, ok := e.(interface{ Undefined() bool }); ok && u.Undefined() {
			return true
		}
		if strings.HasSuffix(fmt.Sprintf("%T", e), ".UndefinedError") {
			return true
		}
	}
	return err != nil && strings.Contains(err.Error(), "is undefined")
}
