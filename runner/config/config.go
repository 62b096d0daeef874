// Package config reads Ansible's configuration (ansible.cfg and the ANSIBLE_*
// environment variables) for the settings swarmbook uses, and notes the ones
// it ignores.
package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"gopkg.in/ini.v1"
)

// Become holds the [privilege_escalation] defaults.
type Become struct {
	Enabled bool   // become
	Method  string // become_method, default sudo
	User    string // become_user, default root
	Flags   string // become_flags
	AskPass bool   // become_ask_pass
}

// Config is the effective configuration.
type Config struct {
	// File is the configuration file read, empty when none was found.
	File string

	RemoteUser      string        // [defaults] remote_user
	RemotePort      int           // [defaults] remote_port, 0 when unset
	Inventory       []string      // [defaults] inventory, paths resolved
	RolesPath       []string      // [defaults] roles_path, paths resolved
	Forks           int           // [defaults] forks, default 5
	HostKeyChecking bool          // [defaults] host_key_checking, default true
	Timeout         time.Duration // [defaults] timeout, default 10s
	PrivateKeyFile  string        // [defaults] private_key_file, resolved
	AskPass         bool          // [defaults] ask_pass

	Become Become

	SSHArgs       string // [ssh_connection] ssh_args
	SSHCommonArgs string // [ssh_connection] ssh_common_args
	SSHExtraArgs  string // [ssh_connection] ssh_extra_args
	Pipelining    bool   // [ssh_connection] pipelining: accepted, no effect

	// Notes are human-readable remarks (ignored settings, skipped files)
	// that the CLI prints at -v.
	Notes []string
}

// Env looks up an environment variable.
type Env func(key string) (string, bool)

// Load reads the configuration the way ansible-playbook does, from the
// process environment and working directory.
func Load() (*Config, error) {
	cwd, err := os.Getwd()
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	home, _ := os.UserHomeDir()
	return LoadFrom(os.LookupEnv, cwd, home)
}

// LoadFrom is Load with an explicit environment, working directory and home.
func LoadFrom(env Env, cwd, home string) (*Config, error) {
	c := &Config{
		Forks:           5,
		HostKeyChecking: true,
		Timeout:         10 * time.Second,
		Become:          Become{Method: "sudo", User: "root"},
	}
	file, notes := find(env, cwd, home)
	c.Notes = append(c.Notes, notes...)
	var f *ini.File
	if file != "" {
		var err error
		f, err = ini.LoadSources(ini.LoadOptions{
			AllowPythonMultilineValues: true,
			SpaceBeforeInlineComment:   true,
			Insensitive:                false,
		}, file)
		if err != nil {
			return nil, fmt.Errorf("config: reading %s: %w", file, err)
		}
		c.File = file
	}
	r := reader{c: c, f: f, env: env, cwd: cwd, home: home}
	if file != "" {
		r.dir = filepath.Dir(file)
	}
	r.apply()
	return c, nil
}

// find returns the configuration file in Ansible's order: $ANSIBLE_CONFIG,
// ./ansible.cfg (unless the directory is world-writable), ~/.ansible.cfg,
// /etc/ansible/ansible.cfg.
func find(env Env, cwd, home string) (string, []string) {
	var notes []string
	if v, ok := env("ANSIBLE_CONFIG"); ok && v != "" {
		p := expand(v, home)
		if !filepath.IsAbs(p) {
			p = filepath.Join(cwd, p)
		}
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			p = filepath.Join(p, "ansible.cfg")
		}
		if isFile(p) {
			return p, notes
		}
	}
	local := filepath.Join(cwd, "ansible.cfg")
	if isFile(local) {
		if st, err := os.Stat(cwd); err == nil && st.Mode().Perm()&0o002 != 0 {
			notes = append(notes, fmt.Sprintf("ansible.cfg in world writable directory %s is ignored", cwd))
		} else {
			return local, notes
		}
	}
	if home != "" {
		if p := filepath.Join(home, ".ansible.cfg"); isFile(p) {
			return p, notes
		}
	}
	if p := "/etc/ansible/ansible.cfg"; isFile(p) {
		return p, notes
	}
	return "", notes
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// expand replaces a leading ~ with home.
func expand(p, home string) string {
	if p == "~" {
		return home
	}
	if strings.HasPrefix(p, "~/") && home != "" {
		return filepath.Join(home, p[2:])
	}
	return p
}

// parseBool reads Ansible's boolean spellings.
func parseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "yes", "y", "true", "t", "on":
		return true, nil
	case "0", "no", "n", "false", "f", "off", "":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean", s)
}

func parseInt(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("%q is not an integer", s)
	}
	return n, nil
}
