package winrmtest

import (
	"encoding/xml"
	"fmt"
	"html"
	"strings"
	"time"
)

// XML namespaces of WS-Management and WinRS (MS-WSMV §2.2.1).
const (
	nsSOAP  = "http://www.w3.org/2003/05/soap-envelope"
	nsAddr  = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
	nsWSMan = "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"
	nsShell = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"

	resourceCmd = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd"
	anonymous   = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"

	actionCreate  = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create"
	actionDelete  = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete"
	actionCommand = nsShell + "/Command"
	actionSend    = nsShell + "/Send"
	actionReceive = nsShell + "/Receive"
	actionSignal  = nsShell + "/Signal"
	actionFault   = "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault"

	stateRunning = nsShell + "/CommandState/Running"
	stateDone    = nsShell + "/CommandState/Done"
	signalTerm   = nsShell + "/signal/terminate"
	signalCtrlC  = nsShell + "/signal/ctrl_c"
)

// envelope is the subset of a WS-Man request the server reads; element
// names are matched with their namespaces.
type envelope struct {
	XMLName xml.Name `xml:"http://www.w3.org/2003/05/soap-envelope Envelope"`
	Header  struct {
		To          string   `xml:"http://schemas.xmlsoap.org/ws/2004/08/addressing To"`
		Action      mustText `xml:"http://schemas.xmlsoap.org/ws/2004/08/addressing Action"`
		MessageID   string   `xml:"http://schemas.xmlsoap.org/ws/2004/08/addressing MessageID"`
		ReplyTo     string   `xml:"http://schemas.xmlsoap.org/ws/2004/08/addressing ReplyTo>Address"`
		ResourceURI string   `xml:"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd ResourceURI"`
		Timeout     string   `xml:"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd OperationTimeout"`
		MaxEnvelope string   `xml:"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd MaxEnvelopeSize"`
		Selectors   []struct {
			Name  string `xml:"Name,attr"`
			Value string `xml:",chardata"`
		} `xml:"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd SelectorSet>Selector"`
		Options []struct {
			Name  string `xml:"Name,attr"`
			Value string `xml:",chardata"`
		} `xml:"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd OptionSet>Option"`
		Any []struct {
			XMLName        xml.Name
			MustUnderstand string `xml:"http://www.w3.org/2003/05/soap-envelope mustUnderstand,attr"`
		} `xml:",any"`
	} `xml:"http://www.w3.org/2003/05/soap-envelope Header"`
	Body struct {
		Shell *struct {
			InputStreams  string `xml:"InputStreams"`
			OutputStreams string `xml:"OutputStreams"`
			WorkingDir    string `xml:"WorkingDirectory"`
			Env           []struct {
				Name  string `xml:"Name,attr"`
				Value string `xml:",chardata"`
			} `xml:"Environment>Variable"`
		} `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell Shell"`
		CommandLine *struct {
			Command   string   `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell Command"`
			Arguments []string `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell Arguments"`
		} `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell CommandLine"`
		Send *struct {
			Streams []struct {
				Name      string `xml:"Name,attr"`
				CommandID string `xml:"CommandId,attr"`
				End       string `xml:"End,attr"`
				Data      string `xml:",chardata"`
			} `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell Stream"`
		} `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell Send"`
		Receive *struct {
			Desired struct {
				CommandID string `xml:"CommandId,attr"`
				Streams   string `xml:",chardata"`
			} `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell DesiredStream"`
		} `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell Receive"`
		Signal *struct {
			CommandID string `xml:"CommandId,attr"`
			Code      string `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell Code"`
		} `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell Signal"`
	} `xml:"http://www.w3.org/2003/05/soap-envelope Body"`
}

// mustText is an element's text (attributes ignored).
type mustText struct {
	Value string `xml:",chardata"`
}

// knownHeaders are the header elements the server understands; any other
// header marked mustUnderstand="true" is refused (SOAP 1.2 §5.2.3).
var knownHeaders = map[string]bool{
	nsAddr + " To": true, nsAddr + " Action": true, nsAddr + " MessageID": true, nsAddr + " ReplyTo": true,
	nsWSMan + " ResourceURI": true, nsWSMan + " OperationTimeout": true, nsWSMan + " MaxEnvelopeSize": true,
	nsWSMan + " SelectorSet": true, nsWSMan + " OptionSet": true, nsWSMan + " Locale": true,
	"http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd DataLocale":  true,
	"http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd SessionId":   true,
	"http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd SequenceId":  true,
	"http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd OperationID": true,
}

func (e *envelope) selector(name string) string {
	for _, s := range e.Header.Selectors {
		if s.Name == name {
			return strings.TrimSpace(s.Value)
		}
	}
	return ""
}

func (e *envelope) option(name string) (string, bool) {
	for _, o := range e.Header.Options {
		if o.Name == name {
			return strings.TrimSpace(o.Value), true
		}
	}
	return "", false
}

// parseDuration parses the xs:duration forms WS-Man clients send (PTnS,
// PTn.nnnS, PTnM...).
func parseDuration(s string) (time.Duration, error) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(s), "PT")
	if !ok {
		return 0, fmt.Errorf("unsupported duration %q", s)
	}
	var total time.Duration
	for rest != "" {
		i := strings.IndexAny(rest, "HMS")
		if i <= 0 {
			return 0, fmt.Errorf("bad duration %q", s)
		}
		unit := map[byte]string{'H': "h", 'M': "m", 'S': "s"}[rest[i]]
		d, err := time.ParseDuration(rest[:i] + unit)
		if err != nil {
			return 0, fmt.Errorf("bad duration %q", s)
		}
		total += d
		rest = rest[i+1:]
	}
	return total, nil
}

// fault is a WS-Man SOAP fault (MS-WSMV §2.2.4.24 WSManFault).
type fault struct {
	HTTPStatus int
	Code       string // s:Sender / s:Receiver
	Subcode    string // w:TimedOut, w:InvalidSelectors, ...
	Detail     string // optional w:FaultDetail URI
	WSManCode  uint32
	Reason     string
}

func (f *fault) Error() string { return f.Reason }

var (
	faultTimedOut = func() *fault {
		return &fault{500, "s:Receiver", "w:TimedOut", "", 2150858793,
			"The WS-Management service cannot complete the operation within the time specified in OperationTimeout."}
	}
	faultBadSelector = func(what string) *fault {
		return &fault{500, "s:Sender", "w:InvalidSelectors", "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/UnexpectedSelectors",
			2150858843, "The request for the Windows Remote Shell with ShellId " + what + " failed because the shell was not found on the server."}
	}
)

// response renders a SOAP 1.2 response envelope with the WS-Addressing
// headers a Windows host sends (Action, MessageID, RelatesTo).
func response(action, relatesTo, extraHeader, body string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>`)
	b.WriteString(`<s:Envelope xml:lang="en-US" xmlns:s="` + nsSOAP + `" xmlns:a="` + nsAddr +
		`" xmlns:x="http://schemas.xmlsoap.org/ws/2004/09/transfer" xmlns:w="` + nsWSMan +
		`" xmlns:rsp="` + nsShell + `" xmlns:p="http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd">`)
	b.WriteString(`<s:Header><a:Action>` + action + `</a:Action>`)
	b.WriteString(`<a:MessageID>uuid:` + newID() + `</a:MessageID>`)
	b.WriteString(`<a:To>` + anonymous + `</a:To>`)
	if relatesTo != "" {
		b.WriteString(`<a:RelatesTo>` + html.EscapeString(relatesTo) + `</a:RelatesTo>`)
	}
	b.WriteString(extraHeader)
	b.WriteString(`</s:Header><s:Body>` + body + `</s:Body></s:Envelope>`)
	return b.String()
}

// faultBody renders f as a SOAP fault envelope.
func faultBody(f *fault, relatesTo string) string {
	detail := ""
	if f.Detail != "" {
		detail = `<w:FaultDetail>` + f.Detail + `</w:FaultDetail>`
	}
	body := `<s:Fault><s:Code><s:Value>` + f.Code + `</s:Value><s:Subcode><s:Value>` + f.Subcode +
		`</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en-US">` + html.EscapeString(f.Reason) +
		`</s:Text></s:Reason><s:Detail>` + detail +
		fmt.Sprintf(`<f:WSManFault xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault" Code="%d" Machine="127.0.0.1"><f:Message>%s</f:Message></f:WSManFault>`,
			f.WSManCode, html.EscapeString(f.Reason)) +
		`</s:Detail></s:Fault>`
	return response(actionFault, relatesTo, "", body)
}
