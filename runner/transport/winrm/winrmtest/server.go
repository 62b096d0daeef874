// Package winrmtest is an in-process WS-Management / WinRS server for tests,
// written from MS-WSMV. It listens on real TCP (127.0.0.1), authenticates
// with Basic, NTLMv2 (with NTLM message sealing, MS-WSMV §2.2.9.1) or TLS
// client certificates, enforces the Windows service defaults
// (AllowUnencrypted=false, Basic off) and runs every command as a real local
// process (see Runner). It is a test double: it proves the client's
// protocol and control flow, not Windows behaviour.
package winrmtest

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure a Server. The zero value is a Windows default service:
// HTTP, Negotiate (NTLM) only, unencrypted traffic refused.
type Options struct {
	// Users maps user names (case-insensitive) to passwords.
	Users map[string]string
	// AllowBasic enables Basic authentication (Windows: Auth/Basic=false).
	AllowBasic bool
	// AllowUnencrypted accepts plaintext SOAP over HTTP
	// (Windows: Service/AllowUnencrypted=false).
	AllowUnencrypted bool
	// TLS serves HTTPS with a certificate from CA.
	TLS bool
	// CA issues the server certificate (and verifies client certificates);
	// nil: a new one is made.
	CA *CA
	// CertUsers maps a client certificate's subject common name to a local
	// user; non-empty enables certificate authentication (TLS only).
	CertUsers map[string]string
	// Runner turns command lines into processes; nil: ExecRunner.
	Runner Runner
	// MaxOperationTimeout caps the client's OperationTimeout (Windows
	// MaxTimeoutms, default 60 s). Tests shorten it.
	MaxOperationTimeout time.Duration
	// MaxEnvelopeKB is MaxEnvelopeSizekb (default 500); larger requests get
	// HTTP 413.
	MaxEnvelopeKB int
	// MaxShellsPerUser (default 30).
	MaxShellsPerUser int
	// PowerShell is the executable that stands in for powershell.exe:
	// usually os.Args[0] of a test binary whose TestMain calls StandInMain.
	// Empty: PowerShell command lines fail as "not recognized" (exit 9009).
	PowerShell string
	// Root is the directory that stands in for the Windows file system in
	// the PowerShell stand-in; empty: a temporary directory.
	Root string
}

// Request is one logged request, for assertions.
type Request struct {
	Action    string // short action name (Create, Command, ...) or "" for auth legs
	Auth      string // Basic, Negotiate, Certificate, Connection (already authenticated), ""
	User      string
	Encrypted bool // the body arrived NTLM-sealed
	TLS       bool
	Conn      uint64
	ShellID   string
	CommandID string
	Status    int
}

// Server is a running test server.
type Server struct {
	// URL is the endpoint, e.g. http://127.0.0.1:34567/wsman.
	URL  string
	Host string
	Port int

	opts    Options
	http    *httptest.Server
	tmpRoot bool

	mu       sync.Mutex
	shells   map[string]*shell
	creates  int
	requests []Request
	connSeq  atomic.Uint64
}

type connKey struct{}

// connState is the authentication state bound to one TCP connection, as
// HTTP.sys binds NTLM contexts to connections.
type connState struct {
	id       uint64
	mu       sync.Mutex
	acceptor *ntlmAcceptor
	user     string
	seal     *sealSession
}

// Start starts a server on 127.0.0.1 with opts.
func Start(opts Options) (*Server, error) {
	if opts.MaxOperationTimeout == 0 {
		opts.MaxOperationTimeout = 60 * time.Second
	}
	if opts.MaxEnvelopeKB == 0 {
		opts.MaxEnvelopeKB = 500
	}
	if opts.MaxShellsPerUser == 0 {
		opts.MaxShellsPerUser = 30
	}
	if opts.Runner == nil {
		opts.Runner = ExecRunner
	}
	s := &Server{opts: opts, shells: map[string]*shell{}}
	if s.opts.Root == "" {
		dir, err := os.MkdirTemp("", "winrmtest-root-")
		if err != nil {
			return nil, fmt.Errorf("winrmtest: %w", err)
		}
		s.opts.Root, s.tmpRoot = dir, true
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	srv.Config.ConnContext = func(ctx context.Context, _ net.Conn) context.Context {
		return context.WithValue(ctx, connKey{}, &connState{id: s.connSeq.Add(1)})
	}
	scheme := "http"
	if opts.TLS {
		if s.opts.CA == nil {
			ca, err := NewCA()
			if err != nil {
				return nil, err
			}
			s.opts.CA = ca
		}
		cert, err := s.opts.CA.ServerCert()
		if err != nil {
			return nil, err
		}
		srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		if len(opts.CertUsers) > 0 {
			srv.TLS.ClientAuth = tls.VerifyClientCertIfGiven
			srv.TLS.ClientCAs = s.opts.CA.Pool()
		}
		srv.StartTLS()
		scheme = "https"
	} else {
		srv.Start()
	}
	s.http = srv
	addr := srv.Listener.Addr().(*net.TCPAddr)
	s.Host, s.Port = "127.0.0.1", addr.Port
	s.URL = fmt.Sprintf("%s://127.0.0.1:%d/wsman", scheme, addr.Port)
	return s, nil
}

// CA returns the certificate authority of a TLS server (nil for HTTP).
func (s *Server) CA() *CA { return s.opts.CA }

// Root is the directory standing in for the Windows file system.
func (s *Server) Root() string { return s.opts.Root }

// Close stops the server and kills every process it started.
func (s *Server) Close() {
	s.http.CloseClientConnections()
	s.http.Close()
	s.mu.Lock()
	for id, sh := range s.shells {
		sh.killAll()
		delete(s.shells, id)
	}
	s.mu.Unlock()
	if s.tmpRoot {
		_ = os.RemoveAll(s.opts.Root)
	}
}

// Creates is the number of shells created so far.
func (s *Server) Creates() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.creates
}

// OpenShells is the number of shells not yet deleted.
func (s *Server) OpenShells() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.shells)
}

// Requests returns the request log.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

func (s *Server) logRequest(r Request) {
	s.mu.Lock()
	s.requests = append(s.requests, r)
	s.mu.Unlock()
}

const certAuthHeader = "http://schemas.dmtf.org/wbem/wsman/1/wsman/secprofile/https/mutual"

func (s *Server) password(user string) (string, bool) {
	for u, p := range s.opts.Users {
		if strings.EqualFold(u, user) {
			return p, true
		}
	}
	return "", false
}

// challenge replies 401 with the schemes the service offers.
func (s *Server) challenge(w http.ResponseWriter, extra string) {
	if extra != "" {
		w.Header().Add("WWW-Authenticate", extra)
	} else {
		w.Header().Add("WWW-Authenticate", "Negotiate")
		if s.opts.AllowBasic {
			w.Header().Add("WWW-Authenticate", `Basic realm="WSMAN"`)
		}
	}
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusUnauthorized)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	cs := r.Context().Value(connKey{}).(*connState)
	cs.mu.Lock() // one request at a time per connection, as HTTP/1.1 implies
	defer cs.mu.Unlock()
	entry := Request{Conn: cs.id, TLS: r.TLS != nil}
	status := s.handle(w, r, cs, &entry)
	entry.Status = status
	s.logRequest(entry)
}

// handle authenticates, decrypts and dispatches one request; it returns the
// HTTP status written.
func (s *Server) handle(w http.ResponseWriter, r *http.Request, cs *connState, entry *Request) int {
	if r.Method != http.MethodPost || r.URL.Path != "/wsman" {
		http.Error(w, "not found", http.StatusNotFound)
		return http.StatusNotFound
	}
	limit := int64(s.opts.MaxEnvelopeKB) * 1024
	body, err := io.ReadAll(io.LimitReader(r.Body, limit*2+1))
	if err != nil {
		return 0
	}
	authz := r.Header.Get("Authorization")
	scheme, token, _ := strings.Cut(authz, " ")
	switch {
	case authz == "":
		// Without an Authorization header only a message sealed with the
		// connection's NTLM context is authenticated; anything else is
		// challenged, which also starts a new handshake for clients that
		// want one (masterzen's Encryption re-authenticates per request).
		ct := strings.ToLower(r.Header.Get("Content-Type"))
		if cs.user == "" || cs.seal == nil || !strings.HasPrefix(ct, "multipart/encrypted") {
			s.challenge(w, "")
			return http.StatusUnauthorized
		}
		entry.Auth = "Connection"
	case strings.EqualFold(scheme, "Basic"):
		entry.Auth = "Basic"
		user, pass, ok := r.BasicAuth()
		want, known := s.password(user)
		if !s.opts.AllowBasic || !ok || !known || want != pass {
			s.challenge(w, "")
			return http.StatusUnauthorized
		}
		cs.user, cs.seal = user, nil
	case strings.EqualFold(scheme, "Negotiate") || strings.EqualFold(scheme, "NTLM"):
		entry.Auth = "Negotiate"
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(token))
		if err != nil || len(raw) < 12 {
			s.challenge(w, "")
			return http.StatusUnauthorized
		}
		switch le32(raw[8:]) {
		case 1:
			cs.user, cs.seal = "", nil
			cs.acceptor = &ntlmAcceptor{users: s.password, computer: "WINRMTEST", domain: "WINRMTEST", now: time.Now()}
			_, _ = io.ReadFull(randReader, cs.acceptor.serverChallenge[:])
			msg, err := cs.acceptor.challengeFor(raw)
			if err != nil {
				s.challenge(w, "")
				return http.StatusUnauthorized
			}
			s.challenge(w, scheme+" "+base64.StdEncoding.EncodeToString(msg))
			return http.StatusUnauthorized
		case 3:
			if cs.acceptor == nil {
				s.challenge(w, "")
				return http.StatusUnauthorized
			}
			res, err := cs.acceptor.authenticate(raw)
			cs.acceptor = nil
			if err != nil {
				s.challenge(w, "")
				return http.StatusUnauthorized
			}
			cs.user = res.User
			if res.Flags&flagSeal != 0 {
				if cs.seal, err = newSealSession(res.SessionKey, res.Flags); err != nil {
					s.challenge(w, "")
					return http.StatusUnauthorized
				}
			}
		default:
			s.challenge(w, "")
			return http.StatusUnauthorized
		}
	case authz == certAuthHeader:
		entry.Auth = "Certificate"
		user := ""
		if r.TLS != nil && len(r.TLS.VerifiedChains) > 0 {
			user = s.opts.CertUsers[r.TLS.VerifiedChains[0][0].Subject.CommonName]
		}
		if user == "" {
			s.challenge(w, "")
			return http.StatusUnauthorized
		}
		cs.user, cs.seal = user, nil
	default:
		s.challenge(w, "")
		return http.StatusUnauthorized
	}
	entry.User = cs.user

	if len(body) == 0 { // an authentication-only request (pywinrm, bodgit)
		w.WriteHeader(http.StatusOK)
		return http.StatusOK
	}
	if int64(len(body)) > limit*2 {
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		return http.StatusRequestEntityTooLarge
	}
	ct := r.Header.Get("Content-Type")
	encrypted := strings.HasPrefix(strings.ToLower(ct), "multipart/encrypted")
	if encrypted {
		if cs.seal == nil || !strings.Contains(ct, encProtocol) {
			return s.writeFault(w, nil, &fault{400, "s:Sender", "w:AccessDenied", "", 5,
				"encrypted message without an NTLM sealing context"}, "")
		}
		body, err = cs.seal.unwrapBody(body)
		if err != nil {
			return s.writeFault(w, nil, &fault{400, "s:Sender", "w:AccessDenied", "", 5, "cannot decrypt: " + err.Error()}, "")
		}
		entry.Encrypted = true
	} else if !strings.Contains(ct, "application/soap+xml") {
		w.WriteHeader(http.StatusUnsupportedMediaType)
		return http.StatusUnsupportedMediaType
	}
	var seal *sealSession
	if encrypted {
		seal = cs.seal
	}
	if int64(len(body)) > limit {
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		return http.StatusRequestEntityTooLarge
	}
	if !encrypted && r.TLS == nil && !s.opts.AllowUnencrypted {
		return s.writeFault(w, nil, &fault{500, "s:Sender", "w:AccessDenied", "", 5,
			"Unencrypted traffic is refused: the service has AllowUnencrypted=false."}, "")
	}
	for _, te := range r.TransferEncoding {
		if te == "chunked" {
			return s.writeFault(w, seal, &fault{500, "s:Receiver", "w:InternalError", "", 50,
				"chunked transfer encoding is not supported for shell operations"}, "")
		}
	}
	var env envelope
	if err := xml.Unmarshal(body, &env); err != nil {
		return s.writeFault(w, seal, &fault{400, "s:Sender", "w:SchemaValidationError", "", 2150858817, "malformed SOAP: " + err.Error()}, "")
	}
	reply, f := s.dispatch(r.Context(), cs.user, &env, entry)
	if f != nil {
		return s.writeFault(w, seal, f, env.Header.MessageID)
	}
	return s.writeSOAP(w, seal, http.StatusOK, reply)
}

func (s *Server) writeSOAP(w http.ResponseWriter, seal *sealSession, status int, doc string) int {
	out := []byte(doc)
	if seal != nil {
		out = seal.wrapBody(out)
		w.Header().Set("Content-Type", EncryptedContentType)
	} else {
		w.Header().Set("Content-Type", "application/soap+xml;charset=UTF-8")
	}
	w.Header().Set("Content-Length", fmt.Sprint(len(out)))
	w.WriteHeader(status)
	_, _ = w.Write(out)
	return status
}

func (s *Server) writeFault(w http.ResponseWriter, seal *sealSession, f *fault, relatesTo string) int {
	return s.writeSOAP(w, seal, f.HTTPStatus, faultBody(f, relatesTo))
}

// dispatch runs one verb and returns the response document or a fault.
func (s *Server) dispatch(ctx context.Context, user string, env *envelope, entry *Request) (string, *fault) {
	h := &env.Header
	action := strings.TrimSpace(h.Action.Value)
	entry.Action = action[strings.LastIndex(action, "/")+1:]
	for _, x := range h.Any {
		if x.MustUnderstand == "true" && !knownHeaders[x.XMLName.Space+" "+x.XMLName.Local] {
			return "", &fault{500, "s:MustUnderstand", "w:InvalidHeader", "", 2150858771,
				"header " + x.XMLName.Local + " is not understood"}
		}
	}
	if h.MessageID == "" || h.To == "" || strings.TrimSpace(h.ReplyTo) != anonymous {
		return "", &fault{400, "s:Sender", "a:InvalidMessageInformationHeader", "", 2150858817,
			"missing or invalid WS-Addressing headers (To, MessageID, ReplyTo)"}
	}
	if strings.TrimSpace(h.ResourceURI) != resourceCmd {
		return "", &fault{500, "s:Sender", "w:DestinationUnreachable", "", 2150858770,
			"the resource URI is not supported: " + h.ResourceURI}
	}
	wait := s.opts.MaxOperationTimeout
	if h.Timeout != "" {
		d, err := parseDuration(h.Timeout)
		if err != nil {
			return "", &fault{400, "s:Sender", "w:InvalidParameter", "", 2150858817, err.Error()}
		}
		wait = min(d, wait)
	}
	if action == actionCreate {
		return s.create(user, env)
	}
	id := env.selector("ShellId")
	entry.ShellID = id
	s.mu.Lock()
	sh := s.shells[id]
	s.mu.Unlock()
	if id == "" || sh == nil {
		return "", faultBadSelector(id)
	}
	if !strings.EqualFold(sh.owner, user) {
		return "", &fault{500, "s:Sender", "w:AccessDenied", "", 5, "the shell belongs to another user"}
	}
	rel := h.MessageID
	switch action {
	case actionDelete:
		s.mu.Lock()
		delete(s.shells, id)
		s.mu.Unlock()
		sh.killAll()
		return response(actionDelete+"Response", rel, "", ""), nil
	case actionCommand:
		return s.command(sh, env, entry)
	case actionSend:
		if env.Body.Send == nil {
			return "", &fault{400, "s:Sender", "w:SchemaValidationError", "", 2150858817, "Send without a body"}
		}
		for _, st := range env.Body.Send.Streams {
			c := sh.get(st.CommandID)
			entry.CommandID = st.CommandID
			if c == nil || st.Name != "stdin" {
				return "", faultBadSelector(id)
			}
			data, err := base64.StdEncoding.DecodeString(strings.TrimSpace(st.Data))
			if err != nil {
				return "", &fault{400, "s:Sender", "w:SchemaValidationError", "", 2150858817, "stdin is not base64"}
			}
			c.send(data, st.End == "true" || st.End == "1")
		}
		return response(actionSend+"Response", rel, "", `<rsp:SendResponse/>`), nil
	case actionReceive:
		if env.Body.Receive == nil {
			return "", &fault{400, "s:Sender", "w:SchemaValidationError", "", 2150858817, "Receive without a body"}
		}
		cid := env.Body.Receive.Desired.CommandID
		entry.CommandID = cid
		c := sh.get(cid)
		if c == nil {
			return "", faultBadSelector(id)
		}
		// Answer TimedOut a little before the client's deadline (MS-WSMV §3.1.4.14).
		budget := wait - wait/10
		maxEnv := s.opts.MaxEnvelopeKB * 1024
		if v := strings.TrimSpace(h.MaxEnvelope); v != "" {
			var n int
			if _, err := fmt.Sscan(v, &n); err == nil && n > 0 && n < maxEnv {
				maxEnv = n
			}
		}
		res, ok := c.receive(budget, (maxEnv-2048)*3/4)
		if !ok {
			select {
			case <-ctx.Done():
			default:
			}
			return "", faultTimedOut()
		}
		return response(actionReceive+"Response", rel, "", receiveBody(cid, res)), nil
	case actionSignal:
		if env.Body.Signal == nil {
			return "", &fault{400, "s:Sender", "w:SchemaValidationError", "", 2150858817, "Signal without a body"}
		}
		cid := env.Body.Signal.CommandID
		entry.CommandID = cid
		c := sh.get(cid)
		if c == nil {
			return "", faultBadSelector(id)
		}
		switch strings.TrimSpace(env.Body.Signal.Code) {
		case signalTerm, signalCtrlC:
			c.kill()
			sh.mu.Lock()
			delete(sh.commands, cid)
			sh.mu.Unlock()
		default:
			return "", &fault{400, "s:Sender", "w:InvalidParameter", "", 2150858817, "unknown signal code"}
		}
		return response(actionSignal+"Response", rel, "", `<rsp:SignalResponse/>`), nil
	}
	return "", &fault{500, "s:Sender", "a:ActionNotSupported", "", 2150858772,
		"The action is not supported by the service: " + action}
}

func (s *Server) create(user string, env *envelope) (string, *fault) {
	if env.Body.Shell == nil {
		return "", &fault{400, "s:Sender", "w:SchemaValidationError", "", 2150858817, "Create without rsp:Shell"}
	}
	s.mu.Lock()
	n := 0
	for _, sh := range s.shells {
		if strings.EqualFold(sh.owner, user) {
			n++
		}
	}
	if n >= s.opts.MaxShellsPerUser {
		s.mu.Unlock()
		return "", &fault{500, "s:Receiver", "w:QuotaLimit", "", 2150859173,
			"The WS-Management service cannot process the request. This user is allowed a maximum number of concurrent shells, which has been exceeded."}
	}
	sh := &shell{id: newID(), owner: user, commands: map[string]*command{}, dir: env.Body.Shell.WorkingDir}
	for _, v := range env.Body.Shell.Env {
		sh.env = append(sh.env, v.Name+"="+v.Value)
	}
	s.shells[sh.id] = sh
	s.creates++
	s.mu.Unlock()
	body := `<x:ResourceCreated><a:Address>` + html.EscapeString(s.URL) + `</a:Address><a:ReferenceParameters>` +
		`<w:ResourceURI>` + resourceCmd + `</w:ResourceURI><w:SelectorSet><w:Selector Name="ShellId">` + sh.id +
		`</w:Selector></w:SelectorSet></a:ReferenceParameters></x:ResourceCreated>` +
		`<rsp:Shell><rsp:ShellId>` + sh.id + `</rsp:ShellId><rsp:ResourceUri>` + resourceCmd + `</rsp:ResourceUri>` +
		`<rsp:Owner>` + html.EscapeString(user) + `</rsp:Owner><rsp:ClientIP>127.0.0.1</rsp:ClientIP>` +
		`<rsp:IdleTimeOut>PT7200.000S</rsp:IdleTimeOut><rsp:InputStreams>stdin</rsp:InputStreams>` +
		`<rsp:OutputStreams>stdout stderr</rsp:OutputStreams><rsp:ShellRunTime>P0DT0H0M0S</rsp:ShellRunTime>` +
		`<rsp:ShellInactivity>P0DT0H0M0S</rsp:ShellInactivity></rsp:Shell>`
	return response(actionCreate+"Response", env.Header.MessageID, "", body), nil
}

// cmdLimit is cmd.exe's command-line limit, which applies when
// WINRS_SKIP_CMD_SHELL is FALSE.
const cmdLimit = 8191

func (s *Server) command(sh *shell, env *envelope, entry *Request) (string, *fault) {
	cl := env.Body.CommandLine
	if cl == nil || strings.TrimSpace(cl.Command) == "" {
		return "", &fault{400, "s:Sender", "w:SchemaValidationError", "", 2150858817, "Command without rsp:CommandLine"}
	}
	line := strings.TrimSpace(cl.Command)
	for _, a := range cl.Arguments {
		line += " " + a
	}
	var proc *exec.Cmd
	var err error
	if skip, _ := env.option("WINRS_SKIP_CMD_SHELL"); !strings.EqualFold(skip, "TRUE") && len(line) > cmdLimit {
		proc = tooLong() // what cmd.exe reports (pywinrm#184)
	} else {
		proc, err = s.opts.Runner(line, RunEnv{Root: s.opts.Root, Env: sh.env, PowerShell: s.opts.PowerShell})
		if err != nil {
			return "", &fault{500, "s:Receiver", "w:InternalError", "", 2, "cannot start the command: " + err.Error()}
		}
	}
	c, err := startCommand(proc)
	if err != nil {
		return "", &fault{500, "s:Receiver", "w:InternalError", "", 2, "cannot start the command: " + err.Error()}
	}
	sh.mu.Lock()
	sh.commands[c.id] = c
	sh.mu.Unlock()
	entry.CommandID = c.id
	return response(actionCommand+"Response", env.Header.MessageID, "",
		`<rsp:CommandResponse><rsp:CommandId>`+c.id+`</rsp:CommandId></rsp:CommandResponse>`), nil
}

func receiveBody(cid string, r receiveResult) string {
	var b bytes.Buffer
	b.WriteString(`<rsp:ReceiveResponse>`)
	end := ""
	if r.done {
		end = ` End="true"`
	}
	if len(r.stdout) > 0 || r.done {
		fmt.Fprintf(&b, `<rsp:Stream Name="stdout" CommandId="%s"%s>%s</rsp:Stream>`, cid, end, base64.StdEncoding.EncodeToString(r.stdout))
	}
	if len(r.stderr) > 0 || r.done {
		fmt.Fprintf(&b, `<rsp:Stream Name="stderr" CommandId="%s"%s>%s</rsp:Stream>`, cid, end, base64.StdEncoding.EncodeToString(r.stderr))
	}
	if r.done {
		fmt.Fprintf(&b, `<rsp:CommandState CommandId="%s" State="%s"><rsp:ExitCode>%d</rsp:ExitCode></rsp:CommandState>`, cid, stateDone, r.exitCode)
	} else {
		fmt.Fprintf(&b, `<rsp:CommandState CommandId="%s" State="%s"/>`, cid, stateRunning)
	}
	b.WriteString(`</rsp:ReceiveResponse>`)
	return b.String()
}

func (sh *shell) get(id string) *command {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return sh.commands[id]
}

func (sh *shell) killAll() {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	for id, c := range sh.commands {
		c.kill()
		delete(sh.commands, id)
	}
}
