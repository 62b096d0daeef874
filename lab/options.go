package lab

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// Options describe one lab. The zero value (with Dir set) is a 3-manager, 3-worker docker lab.
type Options struct {
	// Dir is the directory holding the Vagrantfile (molecule-test/). Default "molecule-test".
	Dir string
	// Managers and Workers are the machine counts (1..9 and 0..9). Zero Managers means 3; Workers is
	// taken as given unless both are zero, which means 3 and 3.
	Managers, Workers int
	// Variant selects the node image: "full" (with python3, the default) or "nopy".
	Variant string
	// Image overrides the node image tag (default: the tag image/build.sh computes for Variant).
	Image string
	// BuildImage lets Up build the node image when it is missing instead of failing.
	BuildImage bool
	// Sequential turns off `vagrant up --parallel`.
	Sequential bool
	// Prefix names the lab's containers (<Prefix>-swarm-manager-01) and labels them. Default "swarmbook-lab".
	Prefix string
	// ReadyTimeout bounds the wait for sshd and dockerd on every machine after boot. Default 2 minutes.
	ReadyTimeout time.Duration
	// Progress, when set, receives one Event per machine state change.
	Progress func(Event)
	// Log, when set, receives vagrant's and the image build's human-readable output.
	Log io.Writer
	// Env is added to the environment of every command the lab runs (after the lab's own variables).
	Env []string
}

// Event reports a machine's progress through Up or Down.
type Event struct {
	Machine string        // e.g. "swarm-manager-01"
	Stage   Stage         // what just happened
	Elapsed time.Duration // since the start of the Up or Down call
	Detail  string        // optional: address, version, reason
}

// Stage names a step in a machine's life.
type Stage string

// The stages reported through Options.Progress.
const (
	StageRunning   Stage = "already running" // Up left an already-running machine alone
	StageBooting   Stage = "booting"
	StageSSHReady  Stage = "ssh ready" // vagrant reached it over SSH
	StageReady     Stage = "ready"     // sshd and dockerd both answer
	StageDestroyed Stage = "destroyed"
)

// ProgressTo returns a Progress function printing one line per event to w.
func ProgressTo(w io.Writer) func(Event) {
	return func(e Event) {
		line := fmt.Sprintf("%-18s %-16s %6.1fs", e.Machine, e.Stage, e.Elapsed.Seconds())
		if e.Detail != "" {
			line += "  " + e.Detail
		}
		fmt.Fprintln(w, line)
	}
}

const (
	defaultDir    = "molecule-test"
	defaultPrefix = "swarmbook-lab"
	defaultCount  = 3
	maxCount      = 9
	// Subnet is the lab's private network: managers at .11.., workers at .21...
	Subnet = "198.18.0.0/24"
)

// withDefaults returns o with defaults filled in and Dir made absolute, or an error for invalid values.
func (o Options) withDefaults() (Options, error) {
	if o.Dir == "" {
		o.Dir = defaultDir
	}
	abs, err := filepath.Abs(o.Dir)
	if err != nil {
		return o, fmt.Errorf("lab directory %s: %w", o.Dir, err)
	}
	o.Dir = abs
	if o.Managers == 0 && o.Workers == 0 {
		o.Managers, o.Workers = defaultCount, defaultCount
	}
	if o.Managers == 0 {
		o.Managers = defaultCount
	}
	if o.Managers < 1 || o.Managers > maxCount || o.Workers < 0 || o.Workers > maxCount {
		return o, fmt.Errorf("lab size %d managers, %d workers: want 1..%d managers and 0..%d workers",
			o.Managers, o.Workers, maxCount, maxCount)
	}
	switch o.Variant {
	case "":
		o.Variant = "full"
	case "full", "nopy":
	default:
		return o, fmt.Errorf("node image variant %q: want full or nopy", o.Variant)
	}
	if o.Prefix == "" {
		o.Prefix = defaultPrefix
	}
	if o.ReadyTimeout == 0 {
		o.ReadyTimeout = 2 * time.Minute
	}
	return o, nil
}

func (o Options) vagrantfile() string   { return filepath.Join(o.Dir, "Vagrantfile") }
func (o Options) sshConfigPath() string { return filepath.Join(o.Dir, "ssh.config") }
func (o Options) stateDir() string      { return filepath.Join(o.Dir, ".vagrant") }
func (o Options) buildScript() string   { return filepath.Join(o.Dir, "image", "build.sh") }

// SSHConfigPath is where Up writes the lab's ssh configuration (`ssh -F`), for opts.Dir.
func SSHConfigPath(opts Options) (string, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return "", err
	}
	return o.sshConfigPath(), nil
}

func (o Options) log() io.Writer {
	if o.Log == nil {
		return io.Discard
	}
	return o.Log
}

func (o Options) progress(start time.Time, machine string, stage Stage, detail string) {
	if o.Progress != nil {
		o.Progress(Event{Machine: machine, Stage: stage, Elapsed: time.Since(start), Detail: detail})
	}
}

// exists reports whether path exists.
func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
