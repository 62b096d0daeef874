// Package inventory loads Ansible inventories (INI, YAML, directories,
// group_vars/ and host_vars/) and selects hosts with Ansible's host patterns.
package inventory
