package files

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/swarmbook/swarmbook/modules"
)

// runFile runs the file module on a fresh shConn with the given diff flag
// (check off) and returns the outcome and how many commands it ran.
func runFile(t *testing.T, dir string, args modules.Args, diff bool) (modules.Outcome, *failure, int) {
	t.Helper()
	m := fileMod{}
	full := modules.Args{}
	for k, v := range args {
		full[k] = v
	}
	for _, p := range m.Spec().Params {
		if _, ok := full[p.Name]; !ok && p.Default != nil {
			full[p.Name] = p.Default
		}
	}
	c := &shConn{}
	tg := &modules.Target{Host: "h1", Conn: c, Diff: diff, Files: dirFiles(dir), Tmpl: fakeTmpl{}}
	out, err := m.Run(context.Background(), tg, full)
	var f *failure
	if err != nil && !errors.As(err, &f) {
		t.Fatalf("file %v: %v", args, err)
	}
	return out, f, c.runs
}

// The directory created in the probe's session (no diff, no check) gives
// exactly the result and the tree of the probe-then-apply path (taken with
// diff on), in one command instead of two.
func TestFileDirectoryAhead(t *testing.T) {
	cases := []struct {
		name   string
		setup  func(dir string)
		path   string
		mode   any
		state  string
		recur  bool
		owner  string
		runs   int // commands without diff
		failed bool
	}{
		{name: "absent nested, octal string", path: "a/b/c", mode: "0750", runs: 1},
		{name: "absent, YAML int mode", path: "d", mode: 0o700, runs: 1},
		{name: "absent, no mode", path: "e/f", runs: 1},
		{name: "absent, symbolic mode", path: "g", mode: "u=rwx,go=rx", runs: 2},
		{name: "absent, owner by name", path: "h", mode: "0755", owner: "root", runs: 2},
		{name: "exists with the mode", path: "i", mode: "0755", runs: 1,
			setup: func(dir string) { os.Mkdir(filepath.Join(dir, "i"), 0o755); os.Chmod(filepath.Join(dir, "i"), 0o755) }},
		{name: "exists with another mode", path: "j", mode: "0700", runs: 2,
			setup: func(dir string) { os.Mkdir(filepath.Join(dir, "j"), 0o755); os.Chmod(filepath.Join(dir, "j"), 0o755) }},
		{name: "a file is in the way", path: "k", mode: "0755", runs: 1, failed: true,
			setup: func(dir string) { os.WriteFile(filepath.Join(dir, "k"), []byte("x"), 0o644) }},
		{name: "a parent is a file", path: "l/m", mode: "0755", runs: 1, failed: true,
			setup: func(dir string) { os.WriteFile(filepath.Join(dir, "l"), []byte("x"), 0o644) }},
		{name: "dangling link in the way", path: "n", mode: "0755", runs: 1, failed: true,
			setup: func(dir string) { os.Symlink("nowhere", filepath.Join(dir, "n")) }},
		{name: "link to a directory", path: "o", mode: "0711", runs: 2,
			setup: func(dir string) {
				os.Mkdir(filepath.Join(dir, "o-real"), 0o755)
				os.Symlink("o-real", filepath.Join(dir, "o"))
			}},
		{name: "recurse", path: "p/q", mode: "0750", recur: true, runs: 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// the same task in two identical trees: diff on (probe, then
			// apply) as the reference, diff off (created ahead)
			var outs [2]modules.Outcome
			var fails [2]*failure
			var runs [2]int
			var dirs [2]string
			for i, diff := range []bool{true, false} {
				dirs[i] = t.TempDir()
				if tc.setup != nil {
					tc.setup(dirs[i])
				}
				args := modules.Args{"path": filepath.Join(dirs[i], tc.path), "state": "directory", "recurse": tc.recur}
				if tc.mode != nil {
					args["mode"] = tc.mode
				}
				if tc.owner != "" {
					args["owner"] = tc.owner
				}
				outs[i], fails[i], runs[i] = runFile(t, dirs[i], args, diff)
			}
			ref, got := outs[0], outs[1]
			if (fails[1] != nil) != tc.failed || (fails[0] != nil) != tc.failed {
				t.Fatalf("failed: ref %v, got %v, want %v", fails[0], fails[1], tc.failed)
			}
			if tc.failed {
				g, r := strings.ReplaceAll(fails[1].msg, dirs[1], "D"), strings.ReplaceAll(fails[0].msg, dirs[0], "D")
				if g != r || !reflect.DeepEqual(normFields(fails[1].fields, dirs[1]), normFields(fails[0].fields, dirs[0])) {
					t.Errorf("failure: got %q %v, ref %q %v", g, fails[1].fields, r, fails[0].fields)
				}
			}
			if got.Changed != ref.Changed || strings.ReplaceAll(got.Msg, dirs[1], "D") != strings.ReplaceAll(ref.Msg, dirs[0], "D") {
				t.Errorf("changed/msg: got %v %q, ref %v %q", got.Changed, got.Msg, ref.Changed, ref.Msg)
			}
			if g, r := normFields(got.Fields, dirs[1]), normFields(ref.Fields, dirs[0]); !reflect.DeepEqual(g, r) {
				t.Errorf("fields:\n got %v\n ref %v", g, r)
			}
			if runs[1] != tc.runs {
				t.Errorf("commands without diff: %d, want %d (with diff: %d)", runs[1], tc.runs, runs[0])
			}
			if g, r := treeModes(t, dirs[1]), treeModes(t, dirs[0]); !reflect.DeepEqual(g, r) {
				t.Errorf("tree:\n got %v\n ref %v", g, r)
			}
		})
	}
}

func normFields(f map[string]any, dir string) map[string]any {
	out := map[string]any{}
	for k, v := range f {
		if s, ok := v.(string); ok {
			v = strings.ReplaceAll(s, dir, "D")
		}
		out[k] = v
	}
	return out
}

// treeModes maps every path below dir to its type and permission bits.
func treeModes(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[rel] = fi.Mode().String()
		return nil
	})
	return out
}

// The probe reads where a link leads and whether a directory is empty only
// when those are used: following a link (directory, file, touch) and
// converting a directory into a link.
func TestFileProbeLinkAndEmptiness(t *testing.T) {
	type probeCase struct {
		name    string
		setup   func(dir string)
		args    func(dir string) modules.Args
		failMsg string
		check   func(t *testing.T, dir string)
	}
	// throughLink: state on a link to a file sets the mode of the file.
	throughLink := func(state string, perm os.FileMode) probeCase {
		return probeCase{
			name: "state=" + state + " through a link sets the target's mode",
			setup: func(dir string) {
				os.WriteFile(filepath.Join(dir, "t"), nil, 0o644)
				os.Symlink("t", filepath.Join(dir, "l"))
			},
			args: func(dir string) modules.Args {
				return modules.Args{"path": filepath.Join(dir, "l"), "state": state, "mode": fmt.Sprintf("%04o", perm)}
			},
			check: func(t *testing.T, dir string) {
				st, err := os.Stat(filepath.Join(dir, "t"))
				if err != nil {
					t.Fatal(err)
				}
				if st.Mode().Perm() != perm {
					t.Fatalf("target mode %v, want %v", st.Mode(), perm)
				}
			},
		}
	}
	cases := []probeCase{
		{
			name: "non-empty directory is not converted to a link",
			setup: func(dir string) {
				os.Mkdir(filepath.Join(dir, "d"), 0o755)
				os.WriteFile(filepath.Join(dir, "d", "f"), nil, 0o644)
			},
			args: func(dir string) modules.Args {
				return modules.Args{"path": filepath.Join(dir, "d"), "src": "/etc", "state": "link", "force": true}
			},
			failMsg: "is not empty, refusing to convert it",
		},
		{
			name:  "empty directory is converted with force",
			setup: func(dir string) { os.Mkdir(filepath.Join(dir, "d"), 0o755) },
			args: func(dir string) modules.Args {
				return modules.Args{"path": filepath.Join(dir, "d"), "src": "/etc", "state": "link", "force": true}
			},
			check: func(t *testing.T, dir string) {
				if l, err := os.Readlink(filepath.Join(dir, "d")); err != nil || l != "/etc" {
					t.Fatalf("link: %q %v", l, err)
				}
			},
		},
		throughLink("file", 0o600),
		throughLink("touch", 0o640),
	}
	for _, tc := range cases {
		for _, diff := range []bool{true, false} {
			t.Run(tc.name, func(t *testing.T) {
				dir := t.TempDir()
				tc.setup(dir)
				_, f, _ := runFile(t, dir, tc.args(dir), diff)
				if tc.failMsg != "" {
					if f == nil || !strings.Contains(f.msg, tc.failMsg) {
						t.Fatalf("failure %v, want %q", f, tc.failMsg)
					}
					return
				}
				if f != nil {
					t.Fatalf("failed: %s", f.msg)
				}
				tc.check(t, dir)
			})
		}
	}
}
