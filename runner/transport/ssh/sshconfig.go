package ssh

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"

	sshconfig "github.com/kevinburke/ssh_config"
)

// configFiles parses OpenSSH client configuration files once each.
type configFiles struct {
	home   string
	mu     sync.Mutex
	byPath map[string]*sshconfig.Config
}

// configSet is the ordered list of files consulted for one host: the -F
// file alone, or the user's file then the system's.
type configSet struct {
	path  string // the explicit or user file
	files []*sshconfig.Config
}

func (c *configFiles) lookup(explicit string, isExplicit bool) (*configSet, error) {
	set := &configSet{}
	if isExplicit {
		f, err := c.parse(explicit, true)
		if err != nil {
			return nil, err
		}
		set.path = explicit
		set.files = append(set.files, f)
		return set, nil
	}
	user := filepath.Join(c.home, ".ssh", "config")
	set.path = user
	for _, p := range []string{user, "/etc/ssh/ssh_config"} {
		if f, err := c.parse(p, false); err == nil && f != nil {
			set.files = append(set.files, f)
		}
	}
	return set, nil
}

// parse reads one file; a missing non-explicit file is no file.
func (c *configFiles) parse(path string, must bool) (*sshconfig.Config, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if f, ok := c.byPath[path]; ok {
		return f, nil
	}
	fh, err := os.Open(path)
	if err != nil {
		if must {
			return nil, fmt.Errorf("ssh config: %w", err)
		}
		return nil, nil
	}
	defer fh.Close()
	f, err := sshconfig.Decode(fh)
	if err != nil {
		if must {
			return nil, fmt.Errorf("ssh config %s: %w", path, err)
		}
		return nil, nil
	}
	if c.byPath == nil {
		c.byPath = map[string]*sshconfig.Config{}
	}
	c.byPath[path] = f
	return f, nil
}

// get returns the first value of key for alias, as OpenSSH (first wins).
func (s *configSet) get(alias, key string) string {
	for _, f := range s.files {
		if v, err := f.Get(alias, key); err == nil && v != "" {
			return v
		}
	}
	return ""
}

// getAll returns every value of a cumulative key (IdentityFile).
func (s *configSet) getAll(alias, key string) []string {
	var out []string
	for _, f := range s.files {
		v, _ := f.GetAll(alias, key)
		out = append(out, v...)
	}
	return out
}
