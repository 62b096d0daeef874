package winrmtest

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	mzwinrm "github.com/masterzen/winrm"
	"github.com/masterzen/winrm/soap"
)

// post sends one plaintext SOAP message with Basic auth.
func post(t *testing.T, s *Server, body string, chunked bool) (int, string) {
	t.Helper()
	var r io.Reader = strings.NewReader(body)
	if chunked {
		r = io.MultiReader(strings.NewReader(body)) // unknown length: chunked
	}
	req, _ := http.NewRequest(http.MethodPost, s.URL, r)
	if !chunked {
		req.ContentLength = int64(len(body))
	}
	req.Header.Set("Content-Type", "application/soap+xml;charset=UTF-8")
	req.SetBasicAuth(pyUser, pyPass)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func rawServer(t *testing.T) *Server {
	s, err := Start(Options{Users: map[string]string{pyUser: pyPass}, AllowBasic: true, AllowUnencrypted: true,
		MaxOperationTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func TestProtocolFaults(t *testing.T) {
	s := rawServer(t)
	params := mzwinrm.NewParameters("PT1S", "en-US", 153600)
	status, body := post(t, s, mzwinrm.NewOpenShellRequest(s.URL, params).String(), false)
	if status != 200 || !strings.Contains(body, `<w:Selector Name="ShellId">`) || !strings.Contains(body, "transfer/CreateResponse") {
		t.Fatalf("create: %d %s", status, body)
	}
	shellID, err := mzwinrm.ParseOpenShellResponse(body)
	if err != nil {
		t.Fatal(err)
	}

	// Unknown shell: InvalidSelectors.
	status, body = post(t, s, mzwinrm.NewExecuteCommandRequest(s.URL, "NOPE", "echo", nil, params).String(), false)
	if status != 500 || !strings.Contains(body, "w:InvalidSelectors") || !strings.Contains(body, `Code="2150858843"`) {
		t.Fatalf("bad shell: %d %s", status, body)
	}
	// Unknown action.
	msg := soap.NewMessage()
	msg.Header().To(s.URL).ReplyTo(anonymous).Id("uuid:1").Action("http://example.com/Bogus").ResourceURI(resourceCmd).ShellId(shellID).Build()
	msg.NewBody()
	if status, body = post(t, s, msg.String(), false); status != 500 || !strings.Contains(body, "ActionNotSupported") {
		t.Fatalf("unknown action: %d %s", status, body)
	}
	// Wrong resource URI.
	msg = soap.NewMessage()
	msg.Header().To(s.URL).ReplyTo(anonymous).Id("uuid:2").Action(actionDelete).ResourceURI("http://example.com/other").ShellId(shellID).Build()
	msg.NewBody()
	if status, body = post(t, s, msg.String(), false); status != 500 || !strings.Contains(body, "DestinationUnreachable") {
		t.Fatalf("resource: %d %s", status, body)
	}
	// Receive long-polls and answers TimedOut before OperationTimeout.
	status, body = post(t, s, mzwinrm.NewExecuteCommandRequest(s.URL, shellID, "sleep 30", nil, params).String(), false)
	cid, err := mzwinrm.ParseExecuteCommandResponse(body)
	if status != 200 || err != nil {
		t.Fatalf("command: %d %v", status, err)
	}
	start := time.Now()
	status, body = post(t, s, mzwinrm.NewGetOutputRequest(s.URL, shellID, cid, "stdout stderr", params).String(), false)
	if d := time.Since(start); status != 500 || !strings.Contains(body, "w:TimedOut") || !strings.Contains(body, `Code="2150858793"`) ||
		d < 500*time.Millisecond || d > 1100*time.Millisecond {
		t.Fatalf("timed out after %v: %d %s", d, status, body)
	}
	// Signal terminate kills it; the command is then unknown.
	if status, body = post(t, s, mzwinrm.NewSignalRequest(s.URL, shellID, cid, params).String(), false); status != 200 || !strings.Contains(body, "SignalResponse") {
		t.Fatalf("signal: %d %s", status, body)
	}
	if status, _ = post(t, s, mzwinrm.NewGetOutputRequest(s.URL, shellID, cid, "stdout stderr", params).String(), false); status != 500 {
		t.Fatalf("receive after signal: %d", status)
	}
	// Chunked transfer encoding is refused for shell operations.
	if status, body = post(t, s, mzwinrm.NewExecuteCommandRequest(s.URL, shellID, "true", nil, params).String(), true); status != 500 || !strings.Contains(body, "InternalError") {
		t.Fatalf("chunked: %d %s", status, body)
	}
	// Over MaxEnvelopeSizekb: 413.
	big := mzwinrm.NewExecuteCommandRequest(s.URL, shellID, strings.Repeat("x", 600*1024), nil, params).String()
	if status, _ = post(t, s, big, false); status != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversize: %d", status)
	}
	// cmd.exe's 8191-character limit applies unless WINRS_SKIP_CMD_SHELL.
	status, body = post(t, s, mzwinrm.NewExecuteCommandRequest(s.URL, shellID, "echo "+strings.Repeat("y", 9000), nil, params).String(), false)
	cid, _ = mzwinrm.ParseExecuteCommandResponse(body)
	_, body = post(t, s, mzwinrm.NewGetOutputRequest(s.URL, shellID, cid, "stdout stderr", params).String(), false)
	var so, se strings.Builder
	done, code, _ := mzwinrm.ParseSlurpOutputErrResponse(body, &so, &se)
	for !done {
		_, body = post(t, s, mzwinrm.NewGetOutputRequest(s.URL, shellID, cid, "stdout stderr", params).String(), false)
		done, code, _ = mzwinrm.ParseSlurpOutputErrResponse(body, &so, &se)
	}
	if code != 1 || !strings.Contains(se.String(), "The command line is too long.") {
		t.Fatalf("cmd limit: %d %q", code, se.String())
	}
	// Delete; the shell is gone afterwards.
	if status, body = post(t, s, mzwinrm.NewDeleteShellRequest(s.URL, shellID, params).String(), false); status != 200 || !strings.Contains(body, "transfer/DeleteResponse") {
		t.Fatalf("delete: %d %s", status, body)
	}
	if status, _ = post(t, s, mzwinrm.NewDeleteShellRequest(s.URL, shellID, params).String(), false); status != 500 {
		t.Fatalf("second delete: %d", status)
	}
	if s.OpenShells() != 0 || s.Creates() != 1 {
		t.Fatalf("open=%d creates=%d", s.OpenShells(), s.Creates())
	}
}

func TestMustUnderstand(t *testing.T) {
	s := rawServer(t)
	params := mzwinrm.NewParameters("PT1S", "en-US", 153600)
	body := strings.Replace(mzwinrm.NewOpenShellRequest(s.URL, params).String(), "<env:Header>",
		`<env:Header><x:Strange xmlns:x="urn:x" env:mustUnderstand="true">1</x:Strange>`, 1)
	if !strings.Contains(body, "x:Strange") {
		t.Skip("unexpected envelope prefix in masterzen's request")
	}
	if status, resp := post(t, s, body, false); status != 500 || !strings.Contains(resp, "MustUnderstand") {
		t.Fatalf("%d %s", status, resp)
	}
}
