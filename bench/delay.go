package main

import (
	"context"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// delayProxy forwards TCP connections to a target and delays every chunk
// by a fixed one-way latency in each direction, without limiting
// bandwidth: a link with RTT = 2 × delay. It stands in for netem where the
// kernel has no sch_netem.
type delayProxy struct {
	ln     net.Listener
	target string
	delay  time.Duration
	wg     sync.WaitGroup
	// turns counts client→server bursts that follow server→client data
	// (or open the connection): the request/response exchanges a client
	// waited for, independent of CPU load.
	turns atomic.Int64
}

func startDelayProxy(ctx context.Context, listen, target string, delay time.Duration) (*delayProxy, error) {
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", listen)
	if err != nil {
		return nil, err
	}
	p := &delayProxy{ln: ln, target: target, delay: delay}
	p.wg.Add(1)
	go p.serve()
	return p, nil
}

func (p *delayProxy) addr() string { return p.ln.Addr().String() }

func (p *delayProxy) close() { p.ln.Close(); p.wg.Wait() }

func (p *delayProxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.handle(c)
	}
}

func (p *delayProxy) handle(c net.Conn) {
	u, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	last := 0 // 1: client spoke last, 2: server
	mark := func(side int) {
		mu.Lock()
		if side == 1 && last != 1 {
			p.turns.Add(1)
		}
		last = side
		mu.Unlock()
	}
	wg.Add(2)
	go func() { defer wg.Done(); p.pipe(u, c, func() { mark(1) }) }()
	go func() { defer wg.Done(); p.pipe(c, u, func() { mark(2) }) }()
	wg.Wait()
	c.Close()
	u.Close()
}

type chunk struct {
	at   time.Time
	data []byte
}

// pipe copies src to dst, each chunk leaving delay after it arrived.
func (p *delayProxy) pipe(dst, src net.Conn, arrived func()) {
	q := make(chan chunk, 4096)
	go func() {
		defer close(q)
		for {
			buf := make([]byte, 32<<10)
			n, err := src.Read(buf)
			if n > 0 {
				arrived()
				q <- chunk{time.Now().Add(p.delay), buf[:n]}
			}
			if err != nil {
				return
			}
		}
	}()
	for ch := range q {
		time.Sleep(time.Until(ch.at))
		if _, err := dst.Write(ch.data); err != nil {
			src.Close()
			break
		}
	}
	for range q { // drain so the reader can finish
	}
	if tc, ok := dst.(*net.TCPConn); ok {
		tc.CloseWrite()
	} else {
		io.Copy(io.Discard, src)
	}
}
