package lab

import (
	"encoding/xml"
	"fmt"
	"io"
)

type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Body    string `xml:",chardata"`
}

// WriteJUnit writes the report as JUnit XML: one test suite for the scenario, one test case per step.
func (r *Report) WriteJUnit(w io.Writer) error {
	s := junitSuite{Name: "lab." + r.Scenario, Time: seconds(r.Duration)}
	for _, st := range r.Steps {
		c := junitCase{Name: string(st.Step), Classname: "lab." + r.Scenario, Time: seconds(st.Duration)}
		switch st.Status {
		case StatusFailed:
			c.Failure = &junitMessage{Message: st.Error, Body: st.detail()}
			s.Failures++
		case StatusSkipped:
			c.Skipped = &junitMessage{Message: st.Error}
			s.Skipped++
		default:
			c.SystemOut = st.detail()
		}
		s.Cases = append(s.Cases, c)
		s.Tests++
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(junitSuites{Suites: []junitSuite{s}}); err != nil {
		return fmt.Errorf("junit: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}
