package lab

import (
	"reflect"
	"testing"
)

func TestParseVagrantLine(t *testing.T) {
	cases := []struct {
		in   string
		want vagrantLine
		ok   bool
	}{
		{"1795307552,swarm-worker-03,action,up,start", vagrantLine{Target: "swarm-worker-03", Type: "action", Data: []string{"up", "start"}}, true},
		{"1795307537,swarm-manager-01,state,running", vagrantLine{Target: "swarm-manager-01", Type: "state", Data: []string{"running"}}, true},
		{`1795307516,,error-exit,Vagrant::Errors::X,A%!(VAGRANT_COMMA) B\nC`, vagrantLine{Type: "error-exit", Data: []string{"Vagrant::Errors::X", "A, B\nC"}}, true},
		{"1795307516,,ui,info\r\n", vagrantLine{Type: "ui", Data: []string{"info"}}, true},
		{"==> swarm-manager-01: Creating...", vagrantLine{}, false},
		{"abc,def,ghi", vagrantLine{}, false},
		{"", vagrantLine{}, false},
	}
	for _, c := range cases {
		got, ok := parseVagrantLine(c.in)
		if ok != c.ok || !reflect.DeepEqual(got, c.want) {
			t.Errorf("parseVagrantLine(%q) = %#v, %v; want %#v, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestMachineFor(t *testing.T) {
	cases := []struct {
		name    string
		want    Machine
		wantErr bool
	}{
		{"swarm-manager-01", Machine{Name: "swarm-manager-01", Role: Manager, Index: 1, Address: "198.18.0.11"}, false},
		{"swarm-manager-03", Machine{Name: "swarm-manager-03", Role: Manager, Index: 3, Address: "198.18.0.13"}, false},
		{"swarm-worker-02", Machine{Name: "swarm-worker-02", Role: Worker, Index: 2, Address: "198.18.0.22"}, false},
		{"swarm-worker-00", Machine{}, true},
		{"swarm-worker-10", Machine{}, true},
		{"swarm-manager-1", Machine{}, true},
		{"web-01", Machine{}, true},
	}
	for _, c := range cases {
		got, err := MachineFor(c.name)
		if (err != nil) != c.wantErr || got != c.want {
			t.Errorf("MachineFor(%q) = %+v, %v; want %+v, error %v", c.name, got, err, c.want, c.wantErr)
		}
	}
}

func TestMachines(t *testing.T) {
	got := names(Machines(2, 1))
	want := []string{"swarm-manager-01", "swarm-manager-02", "swarm-worker-01"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Machines(2, 1) = %v, want %v", got, want)
	}
}

func TestOptionsDefaults(t *testing.T) {
	cases := []struct {
		in               Options
		managers, worker int
		wantErr          bool
	}{
		{Options{}, 3, 3, false},
		{Options{Managers: 2, Workers: 1}, 2, 1, false},
		{Options{Managers: 1}, 1, 0, false},
		{Options{Workers: 2}, 3, 2, false},
		{Options{Managers: 10}, 0, 0, true},
		{Options{Workers: -1}, 0, 0, true},
		{Options{Variant: "slim"}, 0, 0, true},
	}
	for _, c := range cases {
		got, err := c.in.withDefaults()
		if (err != nil) != c.wantErr {
			t.Errorf("%+v.withDefaults() error = %v, want error %v", c.in, err, c.wantErr)
			continue
		}
		if err == nil && (got.Managers != c.managers || got.Workers != c.worker) {
			t.Errorf("%+v.withDefaults() = %d managers, %d workers; want %d, %d", c.in, got.Managers, got.Workers, c.managers, c.worker)
		}
	}
}
