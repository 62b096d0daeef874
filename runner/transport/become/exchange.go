package become

import (
	"bytes"
	"io"
	"sync"
)

// Exchange drives one wrapped command's I/O: it watches the output for the
// password prompt and the success marker, sends the password once when
// prompted, and passes the caller's stdin to the command only after
// escalation succeeded. Give Stdout and Stderr to the session, call Finish
// once the command has exited.
type Exchange struct {
	plan   Plan
	remote io.WriteCloser
	user   io.Reader

	mu         sync.Mutex
	stdout     bytes.Buffer
	stderr     bytes.Buffer
	markerSeen bool
	prompts    int
	pwSent     bool
	wrongPw    bool

	prompt chan struct{}
	marker chan struct{}
	done   chan struct{}
	pumped chan struct{}
}

// Start begins the exchange: remote is the command's stdin, user the
// caller's input (nil for none).
func (p Plan) Start(user io.Reader, remote io.WriteCloser) *Exchange {
	e := &Exchange{
		plan: p, remote: remote, user: user,
		prompt: make(chan struct{}, 4),
		marker: make(chan struct{}),
		done:   make(chan struct{}),
		pumped: make(chan struct{}),
	}
	go e.pump()
	return e
}

// Stdout is the writer for the command's standard output (or its pty).
func (e *Exchange) Stdout() io.Writer { return streamWriter{e, false} }

// Stderr is the writer for the command's standard error.
func (e *Exchange) Stderr() io.Writer { return streamWriter{e, true} }

type streamWriter struct {
	e   *Exchange
	err bool
}

func (w streamWriter) Write(b []byte) (int, error) {
	w.e.write(b, w.err)
	return len(b), nil
}

func (e *Exchange) write(b []byte, isErr bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	buf := &e.stdout
	if isErr {
		buf = &e.stderr
	}
	buf.Write(b)
	if e.plan.Marker == "" || e.markerSeen {
		return
	}
	// Before escalation: look for a prompt (either stream) and the marker.
	for {
		s, end := e.plan.promptIndex(buf.Bytes())
		if s < 0 {
			break
		}
		cut(buf, s, end)
		e.prompts++
		select {
		case e.prompt <- struct{}{}:
		default: // the pump already has prompts to handle
		}
	}
	if !isErr {
		if i := bytes.Index(buf.Bytes(), []byte(e.plan.Marker)); i >= 0 {
			rest := buf.Bytes()[i+len(e.plan.Marker):]
			if j := bytes.IndexByte(rest, '\n'); j >= 0 {
				// Drop pre-escalation noise and the marker line.
				keep := append([]byte(nil), rest[j+1:]...)
				buf.Reset()
				buf.Write(keep)
				e.markerSeen = true
				close(e.marker)
			}
		}
	}
}

func cut(buf *bytes.Buffer, s, end int) {
	b := buf.Bytes()
	keep := append(append([]byte(nil), b[:s]...), b[end:]...)
	buf.Reset()
	buf.Write(keep)
}

func (e *Exchange) pump() {
	defer close(e.pumped)
	defer e.remote.Close()
	if e.plan.Marker == "" {
		e.copyUser()
		return
	}
	for {
		select {
		case <-e.prompt:
			e.mu.Lock()
			if e.pwSent || e.plan.Password == "" {
				// Asked again (wrong password) or asked with nothing to give:
				// close stdin so the method gives up.
				e.wrongPw = e.pwSent
				e.mu.Unlock()
				return
			}
			e.pwSent = true
			e.mu.Unlock()
			if _, err := io.WriteString(e.remote, e.plan.Password+"\n"); err != nil {
				return
			}
		case <-e.marker:
			e.copyUser()
			return
		case <-e.done:
			return
		}
	}
}

func (e *Exchange) copyUser() {
	if e.user == nil {
		return
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		io.Copy(e.remote, e.user) //nolint:errcheck // a closed remote ends the copy
	}()
	select {
	case <-done:
	case <-e.done:
	}
}

// Finish ends the exchange after the command exited and returns its output
// with the marker and prompts removed. err is a *Failure when the command was
// wrapped and escalation never succeeded.
func (e *Exchange) Finish() (stdout, stderr []byte, err error) {
	close(e.done)
	<-e.pumped
	e.mu.Lock()
	defer e.mu.Unlock()
	stdout, stderr = e.stdout.Bytes(), e.stderr.Bytes()
	if e.plan.Marker == "" || e.markerSeen {
		return stdout, stderr, nil
	}
	out := append(append([]byte(nil), stderr...), stdout...)
	f := Classify(e.plan.Method, out)
	if e.wrongPw {
		f.Kind = IncorrectPassword
	} else if e.prompts > 0 && e.plan.Password == "" {
		f.Kind = PasswordRequired
	}
	return stdout, stderr, f
}
