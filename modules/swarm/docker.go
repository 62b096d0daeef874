package swarm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/swarmbook/swarmbook/runner/transport"
)

// Typed views of the Docker CLI's JSON output (docker ... --format '{{json .}}'),
// as Docker 20.10 prints it. Only the fields the modules use are declared.

// SwarmState is `docker info --format '{{json .Swarm}}'`.
type SwarmState struct {
	NodeID           string
	NodeAddr         string
	LocalNodeState   string // inactive, pending, active, error, locked
	ControlAvailable bool
	Error            string
	RemoteManagers   []Peer
	Nodes            int
	Managers         int
	Cluster          *ClusterInfo
}

// Peer is one entry of SwarmState.RemoteManagers.
type Peer struct {
	NodeID string
	Addr   string
}

// ClusterInfo is SwarmState.Cluster (present on managers only).
type ClusterInfo struct {
	ID              string
	DefaultAddrPool []string
	SubnetSize      int
	DataPathPort    int
}

// Active reports whether the node is a member of a swarm.
func (s SwarmState) Active() bool { return s.LocalNodeState == "active" }

// Manager reports whether the node is an active manager.
func (s SwarmState) Manager() bool { return s.Active() && s.ControlAvailable }

// HalfJoined reports whether the node is stuck between states.
func (s SwarmState) HalfJoined() bool {
	return s.LocalNodeState == "pending" || s.LocalNodeState == "error" || s.LocalNodeState == "locked"
}

// ClusterID returns the cluster ID a manager reports, or "".
func (s SwarmState) ClusterID() string {
	if s.Cluster == nil {
		return ""
	}
	return s.Cluster.ID
}

// ownAddr returns the manager's own address (host:port) from RemoteManagers.
func (s SwarmState) ownAddr() string {
	for _, p := range s.RemoteManagers {
		if p.NodeID == s.NodeID {
			return p.Addr
		}
	}
	if s.NodeAddr != "" {
		return s.NodeAddr + ":2377"
	}
	return ""
}

// NodeRow is one line of `docker node ls --format '{{json .}}'`.
type NodeRow struct {
	ID            string
	Hostname      string
	Status        string // Ready, Down, Unknown
	Availability  string // Active, Pause, Drain
	ManagerStatus string // "", Leader, Reachable, Unreachable
	EngineVersion string
	Self          bool
}

// NodeDetail is `docker node inspect NODE --format '{{json .}}'`.
type NodeDetail struct {
	ID      string
	Version struct{ Index int }
	Spec    struct {
		Name         string
		Labels       map[string]string
		Role         string // manager, worker
		Availability string // active, pause, drain
	}
	Description struct{ Hostname string }
	Status      struct {
		State string // ready, down, unknown, disconnected
		Addr  string
	}
	ManagerStatus *struct {
		Leader       bool
		Reachability string // reachable, unreachable, unknown
		Addr         string
	}
}

// TaskRow is one line of `docker node ps NODE --format '{{json .}}'`.
type TaskRow struct {
	ID           string
	Name         string
	Image        string
	Node         string
	DesiredState string
	CurrentState string
	Error        string
}

// runScript runs s on c with the task's become and environment and parses
// the framed outputs. Transport failures are returned as errors.
func runScript(ctx context.Context, c transport.Conn, b transport.Become, env map[string]string, s *script, stdin io.Reader) (map[string]output, error) {
	res, err := c.Run(ctx, transport.Command{Script: s.String(), Stdin: stdin, Become: b, Env: env})
	if err != nil {
		return nil, err
	}
	out := parseOutput(string(res.Stdout))
	if len(out) == 0 && res.ExitCode != 0 {
		return nil, fmt.Errorf("script failed (rc=%d): %s", res.ExitCode, strings.TrimSpace(string(res.Stderr)))
	}
	return out, nil
}

// decodeJSON decodes one JSON document from a step's output, ignoring any
// non-JSON lines (CLI warnings on stderr).
func decodeJSON(o output, v any) error {
	for _, l := range o.Lines() {
		if strings.HasPrefix(l, "{") || strings.HasPrefix(l, "[") || strings.HasPrefix(l, "\"") {
			if err := json.Unmarshal([]byte(l), v); err != nil {
				return fmt.Errorf("decoding docker output: %w", err)
			}
			return nil
		}
	}
	return fmt.Errorf("no JSON in docker output: %s", firstLine(o.Text))
}

// decodeJSONLines decodes every JSON line of a step's output into a slice.
func decodeJSONLines[T any](o output) ([]T, error) {
	var out []T
	for _, l := range o.Lines() {
		if !strings.HasPrefix(l, "{") {
			continue
		}
		var v T
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			return nil, fmt.Errorf("decoding docker output: %w", err)
		}
		out = append(out, v)
	}
	return out, nil
}

// firstLine returns the first non-empty line of s, for messages.
func firstLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			return l
		}
	}
	return ""
}

// dockerError turns a failed step into an error message.
func dockerError(what string, o output) error {
	if !o.Ran {
		return fmt.Errorf("%s: not run", what)
	}
	return fmt.Errorf("%s failed (rc=%d): %s", what, o.RC, strings.TrimSpace(o.Text))
}

// asFailure reports whether err is a module failure.
func asFailure(err error, f *failure) bool { return errors.As(err, f) }

// isTransport reports whether err is a transport failure (unreachable host).
func isTransport(err error) bool { return transport.IsUnreachable(err) }
