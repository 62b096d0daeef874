package winrm

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bodgit/ntlmssp"
	mzwinrm "github.com/masterzen/winrm"
	"github.com/masterzen/winrm/soap"
)

// sealedNTLM is a masterzen Transporter for NTLM with message encryption
// (MS-WSMV §2.2.9.1) over HTTP. Unlike the library's Encryption, which
// shares one NTLM context between concurrent requests (Send and Receive
// overlap) and silently falls back to plaintext, it keeps a pool of TCP
// connections, each with its own NTLM context authenticated once, and
// never sends a SOAP body unencrypted.
type sealedNTLM struct {
	user, domain, password string

	url     string
	timeout time.Duration

	mu   sync.Mutex
	idle []*sealedConn
}

// sealedConn is one TCP connection and its NTLM context.
type sealedConn struct {
	http *http.Client
	ntlm *ntlmssp.Client
}

const (
	encBoundary = "--Encrypted Boundary"
	encProtocol = "application/HTTP-SPNEGO-session-encrypted"
	encType     = `multipart/encrypted;protocol="` + encProtocol + `";boundary="Encrypted Boundary"`
	octetHeader = "\tContent-Type: application/octet-stream\r\n"
)

func newSealedNTLM(user, password string) *sealedNTLM {
	t := &sealedNTLM{user: user, password: password}
	if d, u, ok := strings.Cut(user, `\`); ok {
		t.domain, t.user = d, u
	} else if u, d, ok := strings.Cut(user, "@"); ok {
		t.domain, t.user = d, u
	}
	return t
}

// Transport records the endpoint (masterzen calls it once per client).
func (t *sealedNTLM) Transport(ep *mzwinrm.Endpoint) error {
	if ep.HTTPS {
		return errors.New("NTLM message encryption is only used over HTTP")
	}
	t.url = "http://" + net.JoinHostPort(ep.Host, strconv.Itoa(ep.Port)) + "/wsman"
	t.timeout = ep.Timeout
	return nil
}

func (t *sealedNTLM) get() (*sealedConn, error) {
	t.mu.Lock()
	if n := len(t.idle); n > 0 {
		c := t.idle[n-1]
		t.idle = t.idle[:n-1]
		t.mu.Unlock()
		return c, nil
	}
	t.mu.Unlock()
	tr := &http.Transport{
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxConnsPerHost:       1,
		MaxIdleConnsPerHost:   1,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: t.timeout,
	}
	c := &sealedConn{http: &http.Client{Transport: tr}}
	if err := t.handshake(c); err != nil {
		tr.CloseIdleConnections()
		return nil, err
	}
	return c, nil
}

func (t *sealedNTLM) put(c *sealedConn) {
	t.mu.Lock()
	t.idle = append(t.idle, c)
	t.mu.Unlock()
}

// handshake authenticates c's connection with empty-bodied requests.
func (t *sealedNTLM) handshake(c *sealedConn) error {
	nc, err := ntlmssp.NewClient(ntlmssp.SetUserInfo(t.user, t.password), ntlmssp.SetDomain(t.domain),
		ntlmssp.SetVersion(ntlmssp.DefaultVersion()))
	if err != nil {
		return fmt.Errorf("NTLM client: %w", err)
	}
	var input []byte
	for i := 0; i < 2; i++ {
		tok, err := nc.Authenticate(input, nil)
		if err != nil {
			return fmt.Errorf("NTLM: %w", err)
		}
		req, _ := http.NewRequest(http.MethodPost, t.url, nil)
		req.Header.Set("Authorization", "Negotiate "+base64.StdEncoding.EncodeToString(tok))
		req.Header.Set("Content-Type", "application/soap+xml;charset=UTF-8")
		resp, err := c.http.Do(req)
		if err != nil {
			return fmt.Errorf("unknown error %w", err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if i == 1 {
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("http error 401: NTLM authentication failed (status %d)", resp.StatusCode)
			}
			break
		}
		if resp.StatusCode != http.StatusUnauthorized {
			return fmt.Errorf("http error %d: expected an NTLM challenge", resp.StatusCode)
		}
		input = nil
		for _, h := range resp.Header.Values("WWW-Authenticate") {
			if v, ok := strings.CutPrefix(h, "Negotiate "); ok {
				input, _ = base64.StdEncoding.DecodeString(strings.TrimSpace(v))
			}
		}
		if input == nil {
			return errors.New("http error 401: the host offers no NTLM (Negotiate) authentication")
		}
	}
	if nc.SecuritySession() == nil {
		return errors.New("NTLM: no session security negotiated; cannot encrypt")
	}
	c.ntlm = nc
	return nil
}

// Post sends one sealed SOAP message and returns the unsealed reply.
func (t *sealedNTLM) Post(_ *mzwinrm.Client, msg *soap.SoapMessage) (string, error) {
	body := []byte(msg.String())
	for attempt := 0; ; attempt++ {
		c, err := t.get()
		if err != nil {
			return "", err
		}
		out, status, err := t.exchange(c, body)
		if err == nil && status == http.StatusUnauthorized && attempt == 0 {
			// The server lost the connection's context (keep-alive closed):
			// the request was not processed, authenticate again.
			c.http.CloseIdleConnections()
			continue
		}
		if err != nil {
			c.http.CloseIdleConnections()
			return "", err
		}
		t.put(c)
		if status != http.StatusOK {
			return "", fmt.Errorf("http error %d: %s", status, out)
		}
		return out, nil
	}
}

func (t *sealedNTLM) exchange(c *sealedConn, body []byte) (string, int, error) {
	sess := c.ntlm.SecuritySession()
	sealed, sig, err := sess.Wrap(body)
	if err != nil {
		return "", 0, fmt.Errorf("NTLM seal: %w", err)
	}
	var b bytes.Buffer
	b.WriteString(encBoundary + "\r\n\tContent-Type: " + encProtocol + "\r\n")
	fmt.Fprintf(&b, "\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=%d\r\n", len(body))
	b.WriteString(encBoundary + "\r\n" + octetHeader)
	_ = binary.Write(&b, binary.LittleEndian, uint32(len(sig)))
	b.Write(sig)
	b.Write(sealed)
	b.WriteString(encBoundary + "--\r\n")
	req, _ := http.NewRequest(http.MethodPost, t.url, bytes.NewReader(b.Bytes()))
	req.Header.Set("Content-Type", encType)
	resp, err := c.http.Do(req)
	if err != nil {
		return "", 0, fmt.Errorf("unknown error %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", 0, fmt.Errorf("reading response: %w", err)
	}
	if resp.StatusCode == http.StatusUnauthorized {
		return "", resp.StatusCode, nil
	}
	if !strings.HasPrefix(strings.ToLower(resp.Header.Get("Content-Type")), "multipart/encrypted") {
		return "", 0, fmt.Errorf("http error %d: the host answered an encrypted request in plaintext", resp.StatusCode)
	}
	plain, err := unsealBody(sess, raw)
	if err != nil {
		return "", 0, err
	}
	return string(plain), resp.StatusCode, nil
}

// unsealBody decrypts a multipart/encrypted reply.
func unsealBody(sess *ntlmssp.SecuritySession, raw []byte) ([]byte, error) {
	var out []byte
	var segs [][]byte
	for _, p := range bytes.Split(raw, []byte(encBoundary+"\r\n")) {
		if len(p) > 0 {
			segs = append(segs, p)
		}
	}
	if len(segs) == 0 || len(segs)%2 != 0 {
		return nil, errors.New("malformed encrypted response")
	}
	for i := 0; i < len(segs); i += 2 {
		_, l, ok := bytes.Cut(segs[i], []byte("Length="))
		want, err := strconv.Atoi(string(bytes.TrimSpace(l)))
		if !ok || err != nil {
			return nil, errors.New("encrypted response without its original length")
		}
		p, ok := bytes.CutPrefix(segs[i+1], []byte(octetHeader))
		p = bytes.TrimSuffix(p, []byte(encBoundary+"--\r\n"))
		if !ok || len(p) < 4 {
			return nil, errors.New("malformed encrypted response part")
		}
		sl := int(binary.LittleEndian.Uint32(p))
		if len(p) < 4+sl {
			return nil, errors.New("truncated encrypted response")
		}
		msg, err := sess.Unwrap(p[4+sl:], p[4:4+sl])
		if err != nil {
			return nil, fmt.Errorf("NTLM unseal: %w", err)
		}
		if len(msg) != want {
			return nil, errors.New("decrypted response length differs from its declared length")
		}
		out = append(out, msg...)
	}
	return out, nil
}
