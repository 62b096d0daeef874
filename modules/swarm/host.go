package swarm

import (
	"context"
	"fmt"
	"io"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/runner/transport"
)

// host is one machine the module talks to: the task's target or a peer
// reached through Target.Peers. Commands run with the task's become.
type host struct {
	name   string
	conn   transport.Conn
	become transport.Become
	env    map[string]string
	d      dialect
}

func targetHost(t *modules.Target) *host {
	return &host{name: t.Host, conn: t.Conn, become: t.Become, env: t.Env, d: dialectFor(t.Conn)}
}

// script starts a script in this host's dialect.
func (h *host) script() *script { return newScript(h.d) }

// run runs s and returns its step outputs; a transport failure is returned
// wrapped in *transport.Unreachable naming the host.
func (h *host) run(ctx context.Context, s *script, stdin io.Reader) (map[string]output, error) {
	out, err := runScript(ctx, h.conn, h.become, h.env, s, stdin)
	if err != nil {
		if transport.IsUnreachable(err) {
			return nil, err
		}
		return nil, fmt.Errorf("%s: %w", h.name, err)
	}
	return out, nil
}

// swarmState reads `docker info --format '{{json .Swarm}}'`.
func (h *host) swarmState(ctx context.Context) (SwarmState, error) {
	out, err := h.run(ctx, h.script().docker("info", "info", "--format", "{{json .Swarm}}"), nil)
	if err != nil {
		return SwarmState{}, err
	}
	return parseSwarmState(out["info"])
}

func parseSwarmState(o output) (SwarmState, error) {
	var st SwarmState
	if !o.OK() {
		return st, dockerError("docker info", o)
	}
	if err := decodeJSON(o, &st); err != nil {
		return st, err
	}
	return st, nil
}

// nodes lists the swarm's nodes (manager only).
func (h *host) nodes(ctx context.Context) ([]NodeRow, error) {
	out, err := h.run(ctx, h.script().docker("ls", "node", "ls", "--format", "{{json .}}"), nil)
	if err != nil {
		return nil, err
	}
	if !out["ls"].OK() {
		return nil, dockerError("docker node ls", out["ls"])
	}
	return decodeJSONLines[NodeRow](out["ls"])
}

// inspectNode reads one node (manager only); ok is false when the manager
// does not know it.
func (h *host) inspectNode(ctx context.Context, id string) (NodeDetail, bool, error) {
	var n NodeDetail
	rows, err := h.nodes(ctx)
	if err != nil {
		return n, false, err
	}
	found, err := pickNode(rows, id)
	if err != nil || found == "" {
		return n, false, err
	}
	out, err := h.run(ctx, h.script().docker("inspect", "node", "inspect", found, "--format", "{{json .}}"), nil)
	if err != nil {
		return n, false, err
	}
	if !out["inspect"].OK() {
		return n, false, dockerError("docker node inspect", out["inspect"])
	}
	if err := decodeJSON(out["inspect"], &n); err != nil {
		return n, false, err
	}
	return n, true, nil
}

// tasks lists the tasks of a node that should be running (manager only).
func (h *host) tasks(ctx context.Context, node string) ([]TaskRow, error) {
	out, err := h.run(ctx, h.script().docker("ps", "node", "ps", node, "--filter", "desired-state=running", "--format", "{{json .}}"), nil)
	if err != nil {
		return nil, err
	}
	if !out["ps"].OK() {
		return nil, dockerError("docker node ps", out["ps"])
	}
	return decodeJSONLines[TaskRow](out["ps"])
}

// exec runs one docker command and fails on a non-zero exit.
func (h *host) exec(ctx context.Context, what string, stdin io.Reader, args ...string) (output, error) {
	s := h.script()
	if stdin != nil {
		s.dockerStdin("x", args...)
	} else {
		s.docker("x", args...)
	}
	out, err := h.run(ctx, s, stdin)
	if err != nil {
		return output{}, err
	}
	if !out["x"].OK() {
		return out["x"], dockerError(what, out["x"])
	}
	return out["x"], nil
}

// pickNode finds a node by ID or hostname; several nodes with one hostname
// (stale entries of a node that joined again) resolve to the one that is Ready.
func pickNode(rows []NodeRow, id string) (string, error) {
	var byID, byName []NodeRow
	for _, r := range rows {
		switch {
		case r.ID == id:
			byID = append(byID, r)
		case r.Hostname == id:
			byName = append(byName, r)
		}
	}
	pick := byID
	if len(pick) == 0 {
		pick = byName
	}
	if len(pick) > 1 {
		var ready []NodeRow
		for _, r := range pick {
			if r.Status == "Ready" {
				ready = append(ready, r)
			}
		}
		if len(ready) != 1 {
			return "", fmt.Errorf("%d nodes are named %s; give the node ID", len(pick), id)
		}
		pick = ready
	}
	if len(pick) == 0 {
		return "", nil
	}
	return pick[0].ID, nil
}
