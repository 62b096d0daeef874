package windows

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"strings"

	"github.com/swarmbook/swarmbook/runner/transport"
)

// fakeConn answers scripts from a table of (substring -> result) rules, in
// order, and records every script and upload.
type fakeConn struct {
	rules   []rule
	scripts []string
	puts    map[string]string
}

type rule struct {
	contains string
	res      transport.Result
}

func newFake(rules ...rule) *fakeConn {
	return &fakeConn{rules: rules, puts: map[string]string{}}
}

func answer(contains, stdout string) rule {
	return rule{contains, transport.Result{Stdout: []byte(stdout + "\r\n")}}
}

func (f *fakeConn) Run(_ context.Context, cmd transport.Command) (transport.Result, error) {
	f.scripts = append(f.scripts, cmd.Script)
	for _, r := range f.rules {
		if strings.Contains(cmd.Script, r.contains) {
			return r.res, nil
		}
	}
	return transport.Result{}, nil
}

func (f *fakeConn) Put(_ context.Context, dst string, src io.Reader, _ fs.FileMode, _ transport.Become) error {
	b, _ := io.ReadAll(src)
	f.puts[dst] = string(b)
	return nil
}

// Get is not used by the modules: no download is part of their work.
func (f *fakeConn) Get(context.Context, string, io.Writer, transport.Become) error {
	return errors.New("fakeConn: unexpected Get")
}

func (f *fakeConn) Platform() transport.Platform {
	return transport.Platform{Shell: transport.ShellPowerShell, OSFamily: "windows"}
}

func (f *fakeConn) Close() error { return nil }

// applied reports whether any recorded script contains s.
func (f *fakeConn) applied(s string) bool {
	for _, x := range f.scripts {
		if strings.Contains(x, s) {
			return true
		}
	}
	return false
}
