package inventory

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/swarmbook/swarmbook/runner/yaml11"
)

// ignoredEntry is Ansible's list of directory entries an inventory
// directory skips: hidden files, group_vars, host_vars, vars_plugins and
// INVENTORY_IGNORE_EXTS (note that *.ini files are skipped in directories).
var ignoredEntry = regexp.MustCompile(`^\.|^host_vars$|^group_vars$|^vars_plugins$|` +
	`(?:\.pyc|\.pyo|\.swp|\.bak|~|\.rpm|\.md|\.txt|\.rst|\.orig|\.ini|\.cfg|\.retry)$`)

// Load reads inventory sources, in order, into one inventory. A source is
// an INI or YAML file, a directory of such files (with group_vars/ and
// host_vars/ next to them), or a comma-separated host list ("a,b,").
// group_vars/ and host_vars/ next to each file source (in each directory
// source) apply to its hosts. Parse errors are *ParseError or
// *yaml11.Error values carrying file:line and the source line.
//
// Unlike Ansible, which only warns, a source that does not exist or does
// not parse is an error. Inventory scripts and inventory plugin
// configuration files are not supported.
func Load(sources []string) (*Inventory, error) {
	inv := New()
	addr := inv.addressPatterns()
	for _, src := range sources {
		if src == "" {
			continue
		}
		if isHostList(src) {
			inv.sources = append(inv.sources, src)
			inv.parseHostList(src, addr)
			continue
		}
		abs, err := filepath.Abs(src)
		if err != nil {
			return nil, fmt.Errorf("inventory source %s: %w", src, err)
		}
		fi, err := os.Stat(abs)
		if err != nil {
			return nil, fmt.Errorf("inventory source %s: %w", src, err)
		}
		inv.sources = append(inv.sources, abs)
		if fi.IsDir() {
			err = inv.parseDir(abs, addr)
		} else {
			err = inv.parseFile(abs, addr)
		}
		if err != nil {
			return nil, err
		}
		dir := abs
		if !fi.IsDir() {
			dir = filepath.Dir(abs)
		}
		inv.invVars = append(inv.invVars, inv.sharedVarsDir(dir))
	}
	inv.reconcile()
	var errs []error
	for _, d := range uniqueDirs(inv.invVars) {
		errs = append(errs, inv.checkVarsDir(d))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return inv, nil
}

func (inv *Inventory) sharedVarsDir(dir string) *varsDir {
	for _, d := range inv.invVars {
		if d.dir == dir {
			return d
		}
	}
	return newVarsDir(dir)
}

func uniqueDirs(ds []*varsDir) []*varsDir {
	var out []*varsDir
	for _, d := range ds {
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out
}

// isHostList reports whether a source is a comma-separated host list.
func isHostList(src string) bool {
	if !strings.Contains(src, ",") {
		return false
	}
	_, err := os.Stat(src)
	return err != nil
}

// parseHostList is the host_list plugin: "a,b:2222,c" adds ungrouped hosts.
func (inv *Inventory) parseHostList(src string, addr *addressPatterns) {
	for _, h := range strings.Split(src, ",") {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		name, port, err := addr.parseAddress(h)
		if err != nil || strings.Contains(name, "[") {
			name, port = h, -1
		}
		if _, ok := inv.hosts[name]; !ok {
			inv.addHost(name, inv.groups["ungrouped"], max(port, 0), "")
		}
	}
}

// parseDir parses every entry of a directory, sorted, recursively.
func (inv *Inventory) parseDir(dir string, addr *addressPatterns) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("inventory directory: %w", err)
	}
	for _, e := range ents { // os.ReadDir sorts by name
		if ignoredEntry.MatchString(e.Name()) {
			continue
		}
		full := filepath.Join(dir, e.Name())
		fi, err := os.Stat(full)
		if err != nil {
			continue
		}
		if fi.IsDir() {
			err = inv.parseDir(full, addr)
		} else {
			err = inv.parseFile(full, addr)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// parseFile tries the YAML plugin (for files without extension or with
// .yml, .yaml, .json) and then the INI plugin, as Ansible does.
func (inv *Inventory) parseFile(file string, addr *addressPatterns) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("inventory source: %w", err)
	}
	ext := filepath.Ext(file)
	yamlExt := ext == ".yml" || ext == ".yaml" || ext == ".json"
	if ext == ".toml" {
		return fmt.Errorf("%s: TOML inventories are not supported", file)
	}
	if ext == "" || yamlExt {
		// The YAML attempt may leave a partial inventory behind when it
		// fails half way, as in Ansible.
		doc, yerr := parseYAMLDoc(data, file)
		if yerr == nil {
			yerr = inv.parseYAMLInventory(file, data, doc, addr)
			if yerr == nil {
				return nil
			}
		}
		iniErr := inv.parseINI(file, data, addr)
		if iniErr == nil {
			return nil
		}
		if yamlExt || (doc != nil && doc.Kind == yaml11.Map) {
			return yerr
		}
		return iniErr
	}
	return inv.parseINI(file, data, addr)
}
