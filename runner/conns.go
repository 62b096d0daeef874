package runner

import (
	"context"
	"fmt"
	"sync"

	"github.com/swarmbook/swarmbook/runner/transport"
)

// connPool keeps one open connection per host for the whole run and dials
// hosts on first use. Concurrent users of the same host share one dial.
type connPool struct {
	r     *Runner
	mu    sync.Mutex
	conns map[string]*poolEntry
}

type poolEntry struct {
	mu   sync.Mutex // held during the dial: concurrent users share it
	done bool       // conn or err is the host's answer for the run
	conn transport.Conn
	err  error
	kind string
}

func newConnPool(r *Runner) *connPool {
	return &connPool{r: r, conns: map[string]*poolEntry{}}
}

// get returns the connection to host, dialling it the first time with the
// variables that varsFn computes (only called when a dial is needed).
//
// A host that could not be reached stays unreachable for the rest of the
// run (as Ansible removes it from the play): other hosts' modules asking
// for it as a peer get the same error at once instead of a new connect
// timeout per task. meta: reset_connection forgets it. A dial cut short by
// the caller's context, or variables that fail to render, say nothing
// about the host and are not remembered.
func (p *connPool) get(ctx context.Context, host, kind string, varsFn func() (map[string]any, error)) (transport.Conn, error) {
	key := kind + "\x00" + host
	p.mu.Lock()
	e := p.conns[key]
	if e == nil {
		e = &poolEntry{kind: kind}
		p.conns[key] = e
	}
	p.mu.Unlock()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.done {
		return e.conn, e.err
	}
	d, ok := p.r.opts.Dialers[kind]
	if !ok {
		e.done, e.err = true, &transport.Unreachable{Host: host, Err: fmt.Errorf("connection type %q is not supported (use ssh, local or winrm)", kind)}
		return nil, e.err
	}
	vars, err := varsFn()
	if err != nil {
		return nil, err
	}
	conn, err := d.Dial(ctx, transport.Endpoint{Name: host, Vars: vars})
	if err != nil && !transport.IsUnreachable(err) {
		err = &transport.Unreachable{Host: host, Err: err}
	}
	if err != nil && ctx.Err() != nil {
		return nil, err
	}
	e.done, e.conn, e.err = true, conn, err
	return conn, err
}

// closeAll closes every open connection.
func (p *connPool) closeAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, e := range p.conns {
		if e.conn != nil {
			e.conn.Close()
		}
		delete(p.conns, k)
	}
}

// reset closes the connection of host (meta: reset_connection).
func (p *connPool) reset(host string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, e := range p.conns {
		if len(k) > len(host) && k[len(k)-len(host)-1:] == "\x00"+host {
			if e.conn != nil {
				e.conn.Close()
			}
			delete(p.conns, k)
		}
	}
}

// connectionType decides how to reach a host: ansible_connection, -c, or
// the implicit local connection for localhost.
func (r *Runner) connectionType(c string) string {
	if c != "" {
		switch c {
		case "smart", "paramiko", "ssh", "community.general.ssh", "ansible.builtin.ssh":
			return "ssh"
		case "ansible.builtin.local":
			return "local"
		case "ansible.windows.winrm", "winrm":
			return "winrm"
		case "psrp":
			return "psrp"
		}
		return c
	}
	if r.opts.Connection != "" {
		return r.opts.Connection
	}
	return "ssh"
}
