package pwsh

import (
	"encoding/xml"
	"strconv"
	"strings"
)

// DecodeCLIXML turns PowerShell's serialized error stream ("#< CLIXML"
// followed by an Objs document) into readable text: the Error-stream
// strings with _xHHHH_ escapes decoded; progress and other records are
// dropped. Input that is not CLIXML is returned unchanged; text before the
// marker is kept.
func DecodeCLIXML(b []byte) []byte {
	s := string(b)
	i := strings.Index(s, "#< CLIXML")
	if i < 0 {
		return b
	}
	out := s[:i]
	doc := strings.TrimLeft(s[i+len("#< CLIXML"):], "\r\n")
	dec := xml.NewDecoder(strings.NewReader(doc))
	var text strings.Builder
	inError := false
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			inError = false
			if t.Name.Local == "S" {
				for _, a := range t.Attr {
					if a.Name.Local == "S" && a.Value == "Error" {
						inError = true
					}
				}
			}
		case xml.CharData:
			if inError {
				text.WriteString(unescapeCLIXML(string(t)))
			}
		case xml.EndElement:
			inError = false
		}
	}
	return []byte(out + text.String())
}

// unescapeCLIXML decodes _xHHHH_ escapes.
func unescapeCLIXML(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "_x")
		if i < 0 || len(s) < i+7 || s[i+6] != '_' {
			b.WriteString(s)
			return b.String()
		}
		n, err := strconv.ParseUint(s[i+2:i+6], 16, 16)
		if err != nil {
			b.WriteString(s[:i+2])
			s = s[i+2:]
			continue
		}
		b.WriteString(s[:i])
		b.WriteRune(rune(n))
		s = s[i+7:]
	}
}
