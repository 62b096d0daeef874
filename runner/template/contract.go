// Package template renders Jinja2-compatible templates and conditionals with
// Ansible's filters, tests and lookups (built on gonja v2).
package template
