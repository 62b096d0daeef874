package lab

import (
	"fmt"
	"regexp"
	"strconv"
)

// Role is a machine's place in the lab.
type Role string

// Lab machine roles.
const (
	Manager Role = "manager"
	Worker  Role = "worker"
)

// Machine is one lab machine.
type Machine struct {
	Name    string // swarm-manager-01
	Role    Role
	Index   int    // 1-based within its role
	Address string // on the lab network, e.g. 198.18.0.11
	State   string // vagrant's state: running, stopped, not_created, ... (empty when unknown)
}

var machineName = regexp.MustCompile(`^swarm-(manager|worker)-(\d\d)$`)

// MachineFor returns the lab machine called name, or an error when name is not a lab machine name.
func MachineFor(name string) (Machine, error) {
	m := machineName.FindStringSubmatch(name)
	if m == nil {
		return Machine{}, fmt.Errorf("%q is not a lab machine name (want swarm-manager-NN or swarm-worker-NN)", name)
	}
	i, _ := strconv.Atoi(m[2])
	if i < 1 || i > maxCount {
		return Machine{}, fmt.Errorf("%q: lab machines are numbered 01..%02d", name, maxCount)
	}
	if m[1] == "manager" {
		return Machine{Name: name, Role: Manager, Index: i, Address: fmt.Sprintf("198.18.0.%d", 10+i)}, nil
	}
	return Machine{Name: name, Role: Worker, Index: i, Address: fmt.Sprintf("198.18.0.%d", 20+i)}, nil
}

// Machines lists the machines of a lab with the given counts, managers first, as the Vagrantfile does.
func Machines(managers, workers int) []Machine {
	var ms []Machine
	for i := 1; i <= managers; i++ {
		m, _ := MachineFor(fmt.Sprintf("swarm-manager-%02d", i))
		ms = append(ms, m)
	}
	for i := 1; i <= workers; i++ {
		m, _ := MachineFor(fmt.Sprintf("swarm-worker-%02d", i))
		ms = append(ms, m)
	}
	return ms
}

func names(ms []Machine) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Name
	}
	return out
}
