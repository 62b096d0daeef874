package pwsh

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"strings"
	"testing"

	"github.com/swarmbook/swarmbook/runner/transport"
)

// scriptedRunner answers each script with the next canned result and
// records the scripts.
type scriptedRunner struct {
	results []transport.Result
	scripts []string
}

func (r *scriptedRunner) Run(_ context.Context, cmd transport.Command) (transport.Result, error) {
	r.scripts = append(r.scripts, cmd.Script)
	if len(r.results) == 0 {
		return transport.Result{}, errors.New("unexpected command")
	}
	res := r.results[0]
	r.results = r.results[1:]
	return res, nil
}

func TestPutChunksAndCommits(t *testing.T) {
	cases := []struct {
		size, chunk, commands int
	}{
		{0, 4, 2},  // one empty Create chunk, then the commit
		{4, 4, 2},  // exactly one chunk
		{9, 4, 4},  // 4+4+1, commit
		{12, 5, 4}, // 5+5+2, commit
	}
	for _, c := range cases {
		r := &scriptedRunner{}
		for i := 0; i < c.commands; i++ {
			r.results = append(r.results, transport.Result{})
		}
		x := Transfer{Runner: r, ChunkSize: c.chunk, Name: "test"}
		if err := x.Put(context.Background(), `C:\f`, bytes.NewReader(make([]byte, c.size))); err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
		if len(r.scripts) != c.commands {
			t.Fatalf("%+v: %d commands, want %d", c, len(r.scripts), c.commands)
		}
		if !strings.Contains(r.scripts[0], "-Mode Create") || !strings.Contains(r.scripts[len(r.scripts)-1], "Swarmbook-PutCommit") {
			t.Fatalf("%+v: first must create, last must commit", c)
		}
	}
}

func TestPutReportsHostFailure(t *testing.T) {
	r := &scriptedRunner{results: []transport.Result{{ExitCode: 1, Stderr: []byte("access denied\r\n")}}}
	err := Transfer{Runner: r, ChunkSize: 8, Name: "ssh"}.Put(context.Background(), `C:\f`, strings.NewReader("x"))
	if err == nil || err.Error() != `ssh: uploading C:\f failed (rc=1): access denied` {
		t.Fatalf("%v", err)
	}
}

func TestGetVerifiesChecksumAndMissing(t *testing.T) {
	// "aGk=" is "hi"; the host claims another file's checksum.
	r := &scriptedRunner{results: []transport.Result{
		{Stdout: []byte(`{"exists":true,"size":2,"sha256":"00"}` + "\r\n")},
		{Stdout: []byte("aGk=")},
	}}
	var out bytes.Buffer
	err := Transfer{Runner: r, ChunkSize: 8, Name: "ssh"}.Get(context.Background(), `C:\f`, &out)
	if err == nil || !strings.Contains(err.Error(), "checksum mismatch") {
		t.Fatalf("%v", err)
	}
	r = &scriptedRunner{results: []transport.Result{{Stdout: []byte(`{"exists":false}`)}}}
	err = Transfer{Runner: r, ChunkSize: 8, Name: "ssh"}.Get(context.Background(), `C:\f`, &out)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("%v", err)
	}
}
