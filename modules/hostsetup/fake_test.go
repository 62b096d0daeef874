package hostsetup

import (
	"context"
	"encoding/base64"
	"io"
	"io/fs"
	"testing"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/runner/transport"
)

// fakeConn answers scripts with canned results, in order, and records the
// scripts and their stdin.
type fakeConn struct {
	t       *testing.T
	shell   transport.Shell
	replies []transport.Result
	scripts []string
	stdins  []string
}

func (f *fakeConn) Run(ctx context.Context, cmd transport.Command) (transport.Result, error) {
	f.scripts = append(f.scripts, cmd.Script)
	in := ""
	if cmd.Stdin != nil {
		b, _ := io.ReadAll(cmd.Stdin)
		in = string(b)
	}
	f.stdins = append(f.stdins, in)
	if len(f.replies) == 0 {
		f.t.Fatalf("unexpected command %d:\n%s", len(f.scripts), cmd.Script)
	}
	r := f.replies[0]
	f.replies = f.replies[1:]
	return r, nil
}
func (f *fakeConn) Put(context.Context, string, io.Reader, fs.FileMode, transport.Become) error {
	return nil
}
func (f *fakeConn) Get(context.Context, string, io.Writer, transport.Become) error { return nil }
func (f *fakeConn) Platform() transport.Platform {
	os := "linux"
	if f.shell == transport.ShellPowerShell {
		os = "windows"
	}
	return transport.Platform{Shell: f.shell, OSFamily: os}
}
func (f *fakeConn) Close() error { return nil }

// fakeTarget returns a target whose connection answers with outs (stdout,
// exit status 0) in order.
func fakeTarget(t *testing.T, shell transport.Shell, check bool, vars map[string]any, outs ...string) (*modules.Target, *fakeConn) {
	fc := &fakeConn{t: t, shell: shell}
	for _, o := range outs {
		fc.replies = append(fc.replies, transport.Result{Stdout: []byte(o)})
	}
	if vars == nil {
		vars = map[string]any{}
	}
	return &modules.Target{Host: "h", Conn: fc, Check: check, Diff: true, Vars: vars}, fc
}

func enc(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// runModule validates args against the module's Spec (as the engine does)
// and runs it.
func runModule(t *testing.T, m modules.Module, tg *modules.Target, raw map[string]any) modules.Outcome {
	t.Helper()
	args, err := modules.Validate(m.Spec(), raw, false)
	if err != nil {
		t.Fatalf("validate: %v", err)
	}
	out, err := m.Run(context.Background(), tg, args)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return out
}
