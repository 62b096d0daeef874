package become

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/swarmbook/swarmbook/runner/transport"
)

// fakeSudo plays sudo -S: it prompts on stderr (when wantPw is set) up to
// twice, reads a line per prompt, and on success echoes the marker then
// copies its stdin to stdout.
func fakeSudo(p Plan, wantPw string, cached bool, stdin io.Reader, stdout, stderr io.Writer) {
	r := bufio.NewReader(stdin)
	if !cached && wantPw != "" {
		ok := false
		for try := 0; try < 2 && !ok; try++ {
			io.WriteString(stderr, p.Prompt)
			line, err := r.ReadString('\n')
			if err != nil {
				io.WriteString(stderr, "sudo: no password was provided\n")
				return
			}
			ok = strings.TrimSuffix(line, "\n") == wantPw
			if !ok {
				io.WriteString(stderr, "Sorry, try again.\n")
			}
		}
		if !ok {
			io.WriteString(stderr, "sudo: 2 incorrect password attempts\n")
			return
		}
	}
	io.WriteString(stdout, p.Marker+"\n")
	io.Copy(stdout, r)
}

func TestExchange(t *testing.T) {
	cases := []struct {
		name     string
		given    string
		want     string
		cached   bool
		stdin    string
		wantOut  string
		wantKind Kind
		wantErr  bool
	}{
		{name: "right password", given: "pw", want: "pw", stdin: "data\n", wantOut: "data\n"},
		{name: "cached credentials keep password off stdin", given: "pw", want: "pw", cached: true, stdin: "data\n", wantOut: "data\n"},
		{name: "wrong password", given: "nope", want: "pw", wantErr: true, wantKind: IncorrectPassword},
		{name: "nopasswd", given: "", want: "", stdin: "x", wantOut: "x"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := Wrap("cat", transport.Become{Enabled: true, Password: c.given})
			if err != nil {
				t.Fatal(err)
			}
			if c.given == "" {
				p.Prompt = "[fake]:"
			}
			inR, inW := io.Pipe()
			var user io.Reader
			if c.stdin != "" {
				user = strings.NewReader(c.stdin)
			}
			ex := p.Start(user, inW)
			fakeSudo(p, c.want, c.cached, inR, ex.Stdout(), ex.Stderr())
			inR.Close()
			out, errOut, err := ex.Finish()
			if c.wantErr {
				var f *Failure
				if !errors.As(err, &f) || f.Kind != c.wantKind {
					t.Fatalf("err = %v, want kind %v", err, c.wantKind)
				}
				if strings.Contains(err.Error(), c.given) {
					t.Fatalf("password in error %q", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v (stderr %q)", err, errOut)
			}
			if string(out) != c.wantOut {
				t.Errorf("stdout = %q, want %q", out, c.wantOut)
			}
			if bytes.Contains(errOut, []byte("password:")) {
				t.Errorf("prompt left in stderr %q", errOut)
			}
		})
	}
}

func TestExchangePlain(t *testing.T) {
	p, _ := Wrap("cat", transport.Become{})
	inR, inW := io.Pipe()
	ex := p.Start(strings.NewReader("abc"), inW)
	b, _ := io.ReadAll(inR)
	ex.Stdout().Write(b)
	out, _, err := ex.Finish()
	if err != nil || string(out) != "abc" {
		t.Fatalf("out %q err %v", out, err)
	}
}
