package lab

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/goccy/go-yaml"
)

// Scenario is a Molecule-style test scenario, read from <lab dir>/<name>/scenario.yml:
//
//	playbook: converge.yml          # relative to the scenario directory
//	roles_path: [../../roles]       # optional, relative to the scenario directory
//	platforms:                      # lab machines and their inventory groups
//	  - name: swarm-manager-01
//	    groups: [swarm-leader, swarm-manager]
//	idempotence: true               # default true: a second converge must change nothing
//	verify:
//	  tags: [test]                  # default [test]
//	extra_vars: {}                  # passed as -e to every run
type Scenario struct {
	Name        string         `yaml:"name"`
	Dir         string         `yaml:"-"` // absolute scenario directory
	Playbook    string         `yaml:"playbook"`
	RolesPath   []string       `yaml:"roles_path"`
	Platforms   []Platform     `yaml:"platforms"`
	Idempotence *bool          `yaml:"idempotence"`
	Verify      VerifyConfig   `yaml:"verify"`
	ExtraVars   map[string]any `yaml:"extra_vars"`
}

// Platform is one lab machine of a scenario.
type Platform struct {
	Name   string   `yaml:"name"`
	Groups []string `yaml:"groups"`
}

// VerifyConfig configures the verify step.
type VerifyConfig struct {
	Tags []string `yaml:"tags"`
}

// LoadScenario reads <labDir>/<name>/scenario.yml, fills in defaults and validates it.
func LoadScenario(labDir, name string) (*Scenario, error) {
	dir, err := filepath.Abs(filepath.Join(labDir, name))
	if err != nil {
		return nil, fmt.Errorf("scenario %s: %w", name, err)
	}
	path := filepath.Join(dir, "scenario.yml")
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("scenario %s: %w", name, err)
	}
	var sc Scenario
	if err := yaml.NewDecoder(bytes.NewReader(data), yaml.DisallowUnknownField()).Decode(&sc); err != nil {
		return nil, fmt.Errorf("scenario %s: %s: %w", name, path, err)
	}
	if sc.Name == "" {
		sc.Name = name
	}
	sc.Dir = dir
	if err := sc.validate(); err != nil {
		return nil, fmt.Errorf("scenario %s: %s: %w", name, path, err)
	}
	return &sc, nil
}

func (sc *Scenario) validate() error {
	if sc.Playbook == "" {
		return fmt.Errorf("no playbook")
	}
	if !exists(sc.PlaybookPath()) {
		return fmt.Errorf("playbook %s not found", sc.PlaybookPath())
	}
	if len(sc.Platforms) == 0 {
		return fmt.Errorf("no platforms")
	}
	seen := map[string]bool{}
	for _, p := range sc.Platforms {
		if _, err := MachineFor(p.Name); err != nil {
			return fmt.Errorf("platform: %w", err)
		}
		if seen[p.Name] {
			return fmt.Errorf("platform %s listed twice", p.Name)
		}
		seen[p.Name] = true
	}
	if len(sc.Verify.Tags) == 0 {
		sc.Verify.Tags = []string{"test"}
	}
	return nil
}

// PlaybookPath is the absolute path of the scenario's playbook.
func (sc *Scenario) PlaybookPath() string { return sc.abs(sc.Playbook) }

// RolesPaths returns the scenario's roles_path entries as absolute paths.
func (sc *Scenario) RolesPaths() []string {
	out := make([]string, len(sc.RolesPath))
	for i, p := range sc.RolesPath {
		out[i] = sc.abs(p)
	}
	return out
}

func (sc *Scenario) abs(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(sc.Dir, p)
}

// CheckIdempotence reports whether the idempotence step is on (the default).
func (sc *Scenario) CheckIdempotence() bool { return sc.Idempotence == nil || *sc.Idempotence }

// Limit keeps only the platforms of a lab with at most managers managers and workers workers
// (a smaller, faster lab than the scenario describes).
func (sc *Scenario) Limit(managers, workers int) {
	var kept []Platform
	for _, p := range sc.Platforms {
		m, _ := MachineFor(p.Name)
		if (m.Role == Manager && m.Index <= managers) || (m.Role == Worker && m.Index <= workers) {
			kept = append(kept, p)
		}
	}
	sc.Platforms = kept
}

// LabSize returns the machine counts a lab needs to hold every platform.
func (sc *Scenario) LabSize() (managers, workers int) {
	for _, p := range sc.Platforms {
		m, _ := MachineFor(p.Name)
		if m.Role == Manager && m.Index > managers {
			managers = m.Index
		}
		if m.Role == Worker && m.Index > workers {
			workers = m.Index
		}
	}
	return managers, workers
}
