package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gopkg.in/ini.v1"
)

// kind says how a setting's value is parsed.
type kind int

const (
	kString kind = iota
	kBool
	kInt
	kPath     // one path, relative to the cfg file's directory
	kPathList // comma-separated paths
	kPathSpec // os.PathListSeparator-separated paths
)

// setting is one supported key: where it lives in the ini file, its
// environment variables (highest precedence first) and where it goes.
type setting struct {
	section, key string
	env          []string
	kind         kind
	set          func(c *Config, v value)
}

type value struct {
	s     string
	b     bool
	n     int
	paths []string
}

func settings() []setting {
	return []setting{
		{"defaults", "remote_user", []string{"ANSIBLE_REMOTE_USER"}, kString, func(c *Config, v value) { c.RemoteUser = v.s }},
		{"defaults", "remote_port", []string{"ANSIBLE_REMOTE_PORT"}, kInt, func(c *Config, v value) { c.RemotePort = v.n }},
		{"defaults", "inventory", []string{"ANSIBLE_INVENTORY"}, kPathList, func(c *Config, v value) { c.Inventory = v.paths }},
		{"defaults", "hostfile", nil, kPathList, func(c *Config, v value) {
			if c.Inventory == nil {
				c.Inventory = v.paths
			}
		}},
		{"defaults", "roles_path", []string{"ANSIBLE_ROLES_PATH"}, kPathSpec, func(c *Config, v value) { c.RolesPath = v.paths }},
		{"defaults", "forks", []string{"ANSIBLE_FORKS"}, kInt, func(c *Config, v value) { c.Forks = v.n }},
		{"defaults", "host_key_checking", []string{"ANSIBLE_HOST_KEY_CHECKING"}, kBool, func(c *Config, v value) { c.HostKeyChecking = v.b }},
		{"ssh_connection", "host_key_checking", []string{"ANSIBLE_SSH_HOST_KEY_CHECKING"}, kBool, func(c *Config, v value) { c.HostKeyChecking = v.b }},
		{"defaults", "timeout", []string{"ANSIBLE_TIMEOUT"}, kInt, func(c *Config, v value) { c.Timeout = time.Duration(v.n) * time.Second }},
		{"defaults", "private_key_file", []string{"ANSIBLE_PRIVATE_KEY_FILE"}, kPath, func(c *Config, v value) { c.PrivateKeyFile = first(v.paths) }},
		{"defaults", "ask_pass", []string{"ANSIBLE_ASK_PASS"}, kBool, func(c *Config, v value) { c.AskPass = v.b }},
		{"privilege_escalation", "become", []string{"ANSIBLE_BECOME"}, kBool, func(c *Config, v value) { c.Become.Enabled = v.b }},
		{"privilege_escalation", "become_method", []string{"ANSIBLE_BECOME_METHOD"}, kString, func(c *Config, v value) { c.Become.Method = v.s }},
		{"privilege_escalation", "become_user", []string{"ANSIBLE_BECOME_USER"}, kString, func(c *Config, v value) { c.Become.User = v.s }},
		{"privilege_escalation", "become_flags", []string{"ANSIBLE_BECOME_FLAGS"}, kString, func(c *Config, v value) { c.Become.Flags = v.s }},
		{"privilege_escalation", "become_ask_pass", []string{"ANSIBLE_BECOME_ASK_PASS"}, kBool, func(c *Config, v value) { c.Become.AskPass = v.b }},
		{"ssh_connection", "ssh_args", []string{"ANSIBLE_SSH_ARGS"}, kString, func(c *Config, v value) { c.SSHArgs = v.s }},
		{"ssh_connection", "ssh_common_args", []string{"ANSIBLE_SSH_COMMON_ARGS"}, kString, func(c *Config, v value) { c.SSHCommonArgs = v.s }},
		{"ssh_connection", "ssh_extra_args", []string{"ANSIBLE_SSH_EXTRA_ARGS"}, kString, func(c *Config, v value) { c.SSHExtraArgs = v.s }},
		{"ssh_connection", "pipelining", []string{"ANSIBLE_PIPELINING", "ANSIBLE_SSH_PIPELINING"}, kBool, func(c *Config, v value) { c.Pipelining = v.b }},
	}
}

func first(p []string) string {
	if len(p) == 0 {
		return ""
	}
	return p[0]
}

type reader struct {
	c    *Config
	f    *ini.File // nil when no file
	env  Env
	cwd  string
	home string
	dir  string // cfg file's directory
}

// apply fills c from the file, then the environment (which wins), and notes
// every file setting swarmbook does not use.
func (r *reader) apply() {
	known := map[string]bool{}
	for _, s := range settings() {
		known[s.section+"."+s.key] = true
		raw, origin, ok := r.lookup(s)
		if !ok {
			continue
		}
		v, err := r.parse(s.kind, raw, origin)
		if err != nil {
			r.c.Notes = append(r.c.Notes, fmt.Sprintf("setting [%s] %s: %v; default kept", s.section, s.key, err))
			continue
		}
		s.set(r.c, v)
	}
	if r.f == nil {
		return
	}
	for _, sec := range r.f.Sections() {
		for _, k := range sec.Keys() {
			if !known[sec.Name()+"."+k.Name()] {
				r.c.Notes = append(r.c.Notes, fmt.Sprintf("setting [%s] %s is ignored by swarmbook", sec.Name(), k.Name()))
			}
		}
	}
}

// lookup returns the raw value and the directory relative paths resolve
// against (the cfg file's directory, or the working directory for the
// environment).
func (r *reader) lookup(s setting) (raw, base string, ok bool) {
	for _, e := range s.env {
		if v, ok := r.env(e); ok {
			return v, r.cwd, true
		}
	}
	if r.f == nil {
		return "", "", false
	}
	sec, err := r.f.GetSection(s.section)
	if err != nil || !sec.HasKey(s.key) {
		return "", "", false
	}
	return sec.Key(s.key).String(), r.dir, true
}

func (r *reader) parse(k kind, raw, base string) (value, error) {
	switch k {
	case kBool:
		b, err := parseBool(raw)
		return value{b: b}, err
	case kInt:
		n, err := parseInt(raw)
		return value{n: n}, err
	case kPath:
		return value{paths: r.resolve([]string{raw}, base)}, nil
	case kPathList:
		return value{paths: r.resolve(strings.Split(raw, ","), base)}, nil
	case kPathSpec:
		return value{paths: r.resolve(strings.Split(raw, string(os.PathListSeparator)), base)}, nil
	}
	return value{s: strings.TrimSpace(raw)}, nil
}

// resolve expands ~ and makes relative paths absolute against base, as
// Ansible does for path settings.
func (r *reader) resolve(in []string, base string) []string {
	var out []string
	for _, p := range in {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		p = expand(os.ExpandEnv(p), r.home)
		if !filepath.IsAbs(p) && base != "" {
			p = filepath.Join(base, p)
		}
		out = append(out, filepath.Clean(p))
	}
	return out
}
