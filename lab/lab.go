package lab

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// Up boots the lab's machines and writes its ssh configuration (see SSHConfigPath). Machines already
// running are left alone, so Up is idempotent. It returns when every machine answers over SSH and its
// dockerd answers, or with an error naming what is missing (vagrant, docker client or daemon, node image).
func Up(ctx context.Context, opts Options) error {
	start := time.Now()
	o, err := opts.withDefaults()
	if err != nil {
		return err
	}
	if err := o.checkTools(ctx); err != nil {
		return err
	}
	if o.BuildImage {
		o.Image, err = o.buildImage(ctx)
		if err != nil {
			return err
		}
	} else {
		o.Image, err = o.imageTag(ctx)
		if err != nil {
			return err
		}
		if !o.hasImage(ctx, o.Image) {
			return missing("node image %s not built: build it with `molecule-test/image/build.sh %s` or `make lab-image`", o.Image, o.Variant)
		}
	}

	want := Machines(o.Managers, o.Workers)
	states, err := o.states(ctx)
	if err != nil {
		return err
	}
	var todo []string
	for _, m := range want {
		if states[m.Name] == "running" {
			o.progress(start, m.Name, StageRunning, m.Address)
			continue
		}
		todo = append(todo, m.Name)
	}
	if len(todo) > 0 {
		args := []string{"up", "--provider=docker"}
		if o.Sequential {
			args = append(args, "--no-parallel")
		} else {
			args = append(args, "--parallel")
		}
		err := o.vagrant(ctx, func(l vagrantLine) {
			if l.Type != "action" || len(l.Data) < 2 || l.Data[0] != "up" {
				return
			}
			switch l.Data[1] {
			case "start":
				o.progress(start, l.Target, StageBooting, "")
			case "end":
				o.progress(start, l.Target, StageSSHReady, "")
			}
		}, append(args, todo...)...)
		if err != nil {
			return fmt.Errorf("lab up: %w", err)
		}
	}

	cfg, err := o.sshConfig(ctx, names(want))
	if err != nil {
		return err
	}
	if err := os.WriteFile(o.sshConfigPath(), cfg, 0o644); err != nil {
		return fmt.Errorf("lab up: writing ssh config: %w", err)
	}
	return o.waitReady(ctx, start, want)
}

// waitReady waits, for every machine in parallel, until `docker version` answers through SSH.
func (o Options) waitReady(ctx context.Context, start time.Time, ms []Machine) error {
	if _, err := exec.LookPath("ssh"); err != nil {
		return missing("ssh client not found: install it with `apt-get install -y openssh-client`")
	}
	ctx, cancel := context.WithTimeout(ctx, o.ReadyTimeout)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, len(ms))
	for i, m := range ms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			version, err := o.waitMachine(ctx, m.Name)
			if err != nil {
				errs[i] = fmt.Errorf("%s not ready after %s: %w", m.Name, o.ReadyTimeout, err)
				return
			}
			o.progress(start, m.Name, StageReady, fmt.Sprintf("%s, docker %s", m.Address, version))
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (o Options) waitMachine(ctx context.Context, name string) (string, error) {
	for {
		out, err := o.SSH(ctx, name, "sudo -n docker version --format '{{.Server.Version}}'")
		if err == nil {
			return strings.TrimSpace(string(out)), nil
		}
		select {
		case <-ctx.Done():
			return "", err
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// SSH runs a shell command on a lab machine through the lab's ssh configuration and returns its stdout.
func (o Options) SSH(ctx context.Context, machine, command string) ([]byte, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	return o.command(ctx, "ssh", "-F", o.sshConfigPath(), "-o", "BatchMode=yes", "-o", "ConnectTimeout=5",
		machine, command)
}

// Down destroys the lab: every machine vagrant knows, then anything the lab left (containers labelled
// with the lab's prefix, its docker network, .vagrant state, ssh.config). It fails when something remains.
func Down(ctx context.Context, opts Options) error {
	start := time.Now()
	o, err := opts.withDefaults()
	if err != nil {
		return err
	}
	o = o.widened()
	var errs []error
	// vagrantErr is forgiven when the sweep leaves nothing behind: the docker
	// provider's parallel destroy races on the shared network ("has active
	// endpoints" while a sibling machine is still being deleted), which the
	// sweep then finishes.
	var vagrantErr error
	if o.vagrantKnowsMachines() {
		if _, err := exec.LookPath("vagrant"); err != nil {
			errs = append(errs, missing("vagrant not found: install it with `apt-get install -y --no-install-recommends vagrant`"))
		} else if err := o.checkDocker(ctx); err != nil {
			return err
		} else if err := o.vagrant(ctx, func(l vagrantLine) {
			if l.Type == "action" && len(l.Data) >= 2 && l.Data[0] == "destroy" && l.Data[1] == "end" {
				o.progress(start, l.Target, StageDestroyed, "")
			}
		}, "destroy", "-f", "--parallel"); err != nil {
			vagrantErr = fmt.Errorf("lab down: %w", err)
		}
	}
	swept := false
	if err := o.checkDocker(ctx); err == nil {
		err = o.sweep(ctx)
		swept = err == nil
		errs = append(errs, err)
	}
	for _, p := range []string{o.stateDir(), o.sshConfigPath()} {
		if err := os.RemoveAll(p); err != nil {
			errs = append(errs, fmt.Errorf("lab down: %w", err))
		}
	}
	left, err := Leftovers(ctx, opts)
	errs = append(errs, err)
	if len(left) > 0 {
		errs = append(errs, fmt.Errorf("lab down: left behind: %s", strings.Join(left, ", ")))
	}
	if vagrantErr != nil && !(swept && err == nil && len(left) == 0) {
		errs = append(errs, vagrantErr)
	}
	return errors.Join(errs...)
}

// sweep removes the lab's containers and network when vagrant could not (or no longer knows them).
func (o Options) sweep(ctx context.Context) error {
	out, err := o.command(ctx, "docker", "ps", "-aq", "--filter", "label=org.swarmbook.lab="+o.Prefix)
	if err != nil {
		return fmt.Errorf("lab down: listing containers: %w", err)
	}
	if ids := strings.Fields(string(out)); len(ids) > 0 {
		if _, err := o.command(ctx, "docker", append([]string{"rm", "-f", "-v"}, ids...)...); err != nil {
			return fmt.Errorf("lab down: removing containers: %w", err)
		}
	}
	nets, err := o.labNetworks(ctx)
	if err != nil {
		return err
	}
	for _, n := range nets {
		used, err := o.command(ctx, "docker", "network", "inspect", "--format", "{{len .Containers}}", n)
		if err == nil && strings.TrimSpace(string(used)) == "0" {
			if _, err := o.command(ctx, "docker", "network", "rm", n); err != nil {
				return fmt.Errorf("lab down: %w", err)
			}
		}
	}
	return nil
}

// networkName is the docker network vagrant's docker provider makes for the lab's private network.
const networkName = "vagrant_network_" + Subnet

func (o Options) labNetworks(ctx context.Context) ([]string, error) {
	out, err := o.command(ctx, "docker", "network", "ls", "--format", "{{.Name}}")
	if err != nil {
		return nil, fmt.Errorf("listing docker networks: %w", err)
	}
	var nets []string
	for _, n := range strings.Fields(string(out)) {
		if n == networkName {
			nets = append(nets, n)
		}
	}
	return nets, nil
}

// Leftovers lists what a destroyed lab must not leave: its containers (by label), its docker network,
// vagrant's .vagrant state and ssh.config. Empty means clean.
func Leftovers(ctx context.Context, opts Options) ([]string, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	var left []string
	for _, p := range []string{o.stateDir(), o.sshConfigPath()} {
		if exists(p) {
			left = append(left, p)
		}
	}
	if err := o.checkDocker(ctx); err != nil {
		return left, nil // no daemon: no containers or networks either
	}
	out, err := o.command(ctx, "docker", "ps", "-a", "--format", "container {{.Names}}", "--filter", "label=org.swarmbook.lab="+o.Prefix)
	if err != nil {
		return left, fmt.Errorf("listing containers: %w", err)
	}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if l != "" {
			left = append(left, l)
		}
	}
	nets, err := o.labNetworks(ctx)
	for _, n := range nets {
		left = append(left, "network "+n)
	}
	return left, err
}

// vagrantKnowsMachines reports whether vagrant's state directory records any created machine (an id
// file per machine and provider); `vagrant destroy` has nothing to do otherwise.
func (o Options) vagrantKnowsMachines() bool {
	ids, _ := filepath.Glob(filepath.Join(o.stateDir(), "machines", "*", "*", "id"))
	return len(ids) > 0
}

// widened returns o with machine counts raised to cover every machine in vagrant's state directory,
// so Down and Status see machines an earlier, larger Up made.
func (o Options) widened() Options {
	entries, err := os.ReadDir(filepath.Join(o.stateDir(), "machines"))
	if err != nil {
		return o
	}
	for _, e := range entries {
		m, err := MachineFor(e.Name())
		if err != nil {
			continue
		}
		if m.Role == Manager && m.Index > o.Managers {
			o.Managers = m.Index
		}
		if m.Role == Worker && m.Index > o.Workers {
			o.Workers = m.Index
		}
	}
	return o
}

// Status reports every lab machine (the configured ones and any vagrant still knows) with its state.
func Status(ctx context.Context, opts Options) ([]Machine, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := o.checkTools(ctx); err != nil {
		return nil, err
	}
	o = o.widened()
	states, err := o.states(ctx)
	if err != nil {
		return nil, err
	}
	ms := Machines(o.Managers, o.Workers)
	for i := range ms {
		ms[i].State = states[ms[i].Name]
	}
	return ms, nil
}

// states asks vagrant for the state of every machine in the Vagrantfile.
func (o Options) states(ctx context.Context) (map[string]string, error) {
	states := map[string]string{}
	err := o.vagrant(ctx, func(l vagrantLine) {
		if l.Type == "state" && l.Target != "" && len(l.Data) > 0 {
			states[l.Target] = l.Data[0]
		}
	}, "status")
	if err != nil {
		return nil, fmt.Errorf("lab status: %w", err)
	}
	return states, nil
}

// SSHConfig returns `vagrant ssh-config` for every running lab machine, the file Up writes.
func SSHConfig(ctx context.Context, opts Options) ([]byte, error) {
	ms, err := Status(ctx, opts)
	if err != nil {
		return nil, err
	}
	var running []string
	for _, m := range ms {
		if m.State == "running" {
			running = append(running, m.Name)
		}
	}
	if len(running) == 0 {
		return nil, errors.New("lab ssh-config: no lab machine is running (start them with `swarmbook lab up` or `make lab-up`)")
	}
	o, _ := opts.withDefaults()
	return o.sshConfig(ctx, running)
}

func (o Options) sshConfig(ctx context.Context, machines []string) ([]byte, error) {
	sort.Strings(machines)
	cmd := exec.CommandContext(ctx, "vagrant", append([]string{"ssh-config"}, machines...)...)
	cmd.Dir = o.Dir
	cmd.Env = o.vagrantEnv()
	var stderr tailBuffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("vagrant ssh-config: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}
