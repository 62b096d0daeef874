package yaml11

import (
	"math"
	"testing"
)

func TestResolve(t *testing.T) {
	cases := []struct {
		in   string
		want any
	}{
		{"yes", true}, {"Yes", true}, {"YES", true}, {"yEs", "yEs"},
		{"no", false}, {"No", false}, {"NO", false},
		{"true", true}, {"True", true}, {"TRUE", true}, {"tRUE", "tRUE"},
		{"false", false}, {"on", true}, {"On", true}, {"ON", true},
		{"off", false}, {"Off", false}, {"OFF", false},
		{"y", "y"}, {"n", "n"}, {"Y", "Y"},
		{"0644", 420}, {"0o644", "0o644"}, {"0x1F", 31}, {"0x1f", 31}, {"-0x10", -16},
		{"0b101", 5}, {"1_000", 1000}, {"+12", 12}, {"-12", -12}, {"0", 0}, {"-0", 0},
		{"08", "08"}, {"09.5", 9.5}, {"1:20", 80}, {"-1:00:00", -3600},
		{"~", nil}, {"null", nil}, {"Null", nil}, {"NULL", nil}, {"nULL", "nULL"}, {"", nil},
		{"1.5", 1.5}, {"1.", 1.0}, {".5", 0.5}, {"1e3", "1e3"}, {"1.0e3", "1.0e3"},
		{"1.0e+3", 1000.0}, {"6.8523015e+5", 685230.15}, {"1_0.5", 10.5}, {"1:30.5", 90.5},
		{".inf", math.Inf(1)}, {"-.Inf", math.Inf(-1)}, {"+.INF", math.Inf(1)},
		{"2001-12-14", "2001-12-14"}, {"2001-12-14t21:59:43.10-05:00", "2001-12-14t21:59:43.10-05:00"},
		{"1.2.3", "1.2.3"}, {"10.0.0.1", "10.0.0.1"}, {"abc", "abc"}, {"=", "="}, {"<<", "<<"},
		{"0.0.0.0/0", "0.0.0.0/0"}, {"12:30:45", 45045}, {"1_", 1}, {"_1", "_1"},
	}
	for _, c := range cases {
		got := Resolve(c.in)
		if f, ok := c.want.(float64); ok && math.IsNaN(f) {
			if g, ok := got.(float64); !ok || !math.IsNaN(g) {
				t.Errorf("Resolve(%q) = %#v, want NaN", c.in, got)
			}
			continue
		}
		if got != c.want {
			t.Errorf("Resolve(%q) = %#v (%T), want %#v (%T)", c.in, got, got, c.want, c.want)
		}
	}
	if g, ok := Resolve(".NaN").(float64); !ok || !math.IsNaN(g) {
		t.Errorf("Resolve(.NaN) = %v", Resolve(".NaN"))
	}
}

func TestPyFloat(t *testing.T) {
	for in, want := range map[float64]string{
		1: "1.0", 1.5: "1.5", 0.0001: "0.0001", 0.00001: "1e-05", 1e16: "1e+16",
		123456789012345.0: "123456789012345.0", -2.5: "-2.5", 0.1: "0.1", 1.25e100: "1.25e+100",
	} {
		if got := PyFloat(in); got != want {
			t.Errorf("PyFloat(%v) = %q, want %q", in, got, want)
		}
	}
}
