package command

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"regexp"
	"sort"
	"strings"

	"github.com/swarmbook/swarmbook/runner/transport"
)

// fakeConn records commands and answers them with canned results.
type fakeConn struct {
	shell  transport.Shell
	cmds   []transport.Command
	stdins []string
	puts   map[string]string
	answer func(cmd transport.Command) (transport.Result, error)
	putErr error
}

func (f *fakeConn) Run(_ context.Context, cmd transport.Command) (transport.Result, error) {
	f.cmds = append(f.cmds, cmd)
	in := ""
	if cmd.Stdin != nil {
		b, _ := io.ReadAll(cmd.Stdin)
		in = string(b)
	}
	f.stdins = append(f.stdins, in)
	if f.answer == nil {
		return transport.Result{}, nil
	}
	return f.answer(cmd)
}

func (f *fakeConn) Put(_ context.Context, dst string, src io.Reader, _ fs.FileMode, _ transport.Become) error {
	if f.putErr != nil {
		return f.putErr
	}
	b, _ := io.ReadAll(src)
	if f.puts == nil {
		f.puts = map[string]string{}
	}
	f.puts[dst] = string(b)
	return nil
}

func (f *fakeConn) Get(context.Context, string, io.Writer, transport.Become) error {
	return errors.New("not implemented")
}

func (f *fakeConn) Platform() transport.Platform {
	sh := f.shell
	if sh == "" {
		sh = transport.ShellPOSIX
	}
	return transport.Platform{Shell: sh, OSFamily: "linux"}
}

func (f *fakeConn) Close() error { return nil }

var markerRe = regexp.MustCompile(`__swarmbook_command_[0-9a-f]+__`)

// markerReply answers a command module script with the given status line.
func markerReply(status string) func(transport.Command) (transport.Result, error) {
	return func(cmd transport.Command) (transport.Result, error) {
		m := markerRe.FindString(cmd.Script)
		return transport.Result{Stdout: []byte(m + " " + status + "\n")}, nil
	}
}

func sortedKeys(m map[string]any) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, ",")
}
