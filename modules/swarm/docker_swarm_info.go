package swarm

import (
	"context"
	"strings"

	"github.com/swarmbook/swarmbook/modules"
)

// swarmInfoModule is docker_swarm_info: the swarm as one manager sees it.
// Tokens are returned only with join_tokens: true, and then registered as
// secrets so that every output redacts them.
type swarmInfoModule struct{}

func (swarmInfoModule) Spec() modules.Spec {
	return modules.Spec{Params: []modules.Param{
		{Name: "nodes", Kind: modules.KindBool, Default: true},
		{Name: "join_tokens", Kind: modules.KindBool, Default: false},
		{Name: "managers_group", Kind: modules.KindStr, Default: "swarm-manager"},
	}}
}

func (swarmInfoModule) Run(ctx context.Context, t *modules.Target, args modules.Args) (modules.Outcome, error) {
	out := modules.Outcome{Fields: map[string]any{}}
	self := targetHost(t)
	st, err := self.swarmState(ctx)
	if err != nil {
		var f failure
		if isTransport(err) || !asFailure(err, &f) && !strings.Contains(err.Error(), "docker info") {
			return out, err
		}
		out.Fields["can_talk_to_docker"] = false
		out.Failed, out.Msg = true, err.Error()
		return out, nil
	}
	out.Fields["can_talk_to_docker"] = true
	out.Fields["docker_swarm_active"] = st.Active()
	out.Fields["docker_swarm_manager"] = st.Manager()
	out.Fields["local_node_state"] = st.LocalNodeState
	out.Fields["node_id"] = st.NodeID
	out.Fields["node_addr"] = st.NodeAddr
	role := ""
	if st.Active() {
		role = "worker"
		if st.Manager() {
			role = "manager"
		}
	}
	out.Fields["role"] = role
	if !st.Active() {
		return out, nil
	}
	mgr, via, cid := self, t.Host, st.ClusterID()
	if !st.Manager() {
		c := survey(ctx, t, args.Str("managers_group"))
		live := c.live()
		if len(live) == 0 {
			out.Fields["warnings"] = []string{"no live manager answers: " + c.summary()}
			return out, nil
		}
		mgr, via, cid = live[0].h, live[0].name, live[0].st.ClusterID()
	}
	out.Fields["cluster_id"] = cid
	out.Fields["via"] = via
	rows, err := mgr.nodes(ctx)
	if err != nil {
		return failNode(out, err)
	}
	out.Fields["leader"] = leaderOf(rows)
	var reachable, unreachable []string
	for _, r := range rows {
		switch r.ManagerStatus {
		case "Leader", "Reachable":
			reachable = append(reachable, r.Hostname)
		case "":
		default:
			unreachable = append(unreachable, r.Hostname)
		}
	}
	out.Fields["reachable_managers"] = nonNil(reachable)
	out.Fields["unreachable_managers"] = nonNil(unreachable)
	q := quorumOf(rows)
	out.Fields["managers"] = q.Managers
	out.Fields["quorum"] = q.holds()
	if args.Bool("nodes") {
		list := make([]map[string]any, 0, len(rows))
		for _, r := range rows {
			list = append(list, map[string]any{"ID": r.ID, "Hostname": r.Hostname, "Status": r.Status,
				"Availability": r.Availability, "ManagerStatus": r.ManagerStatus, "EngineVersion": r.EngineVersion})
		}
		out.Fields["nodes"] = list
	}
	if args.Bool("join_tokens") {
		s := mgr.script().docker("worker", "swarm", "join-token", "-q", "worker").docker("manager", "swarm", "join-token", "-q", "manager")
		o, err := mgr.run(ctx, s, nil)
		if err != nil {
			return out, err
		}
		toks := map[string]any{}
		for _, k := range []string{"worker", "manager"} {
			name := strings.ToUpper(k[:1]) + k[1:]
			if !o[k].OK() {
				return failNode(out, dockerError("docker swarm join-token", o[k]))
			}
			tok := strings.TrimSpace(lastLine(o[k].Text))
			out.Secrets = append(out.Secrets, tok)
			toks[name] = tok
		}
		out.Fields["join_tokens"] = toks
	}
	return out, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
