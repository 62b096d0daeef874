package swarm

import (
	"context"
	"time"
)

// leave is state=absent: the target leaves its swarm. A manager is demoted
// first (through itself) and only when quorum survives; force is required
// for managers.
func (r *swarmRun) leave(ctx context.Context) error {
	switch {
	case r.st.LocalNodeState == "inactive":
		return nil
	case r.st.HalfJoined():
		return r.forceLeave(ctx, "half-joined ("+r.st.LocalNodeState+")")
	case !r.st.Manager():
		if r.t.Check {
			r.action("would leave the swarm")
			return nil
		}
		if _, err := r.self.exec(ctx, "docker swarm leave", nil, "swarm", "leave"); err != nil {
			return fail("%v", err)
		}
		r.action("left the swarm")
		return r.refresh(ctx, "")
	}
	rows, err := r.self.nodes(ctx)
	if err != nil {
		return fail("%v", err)
	}
	q := quorumOf(rows)
	if !r.args.Bool("force") {
		return fail("node %s is a manager of swarm %s (%d managers); set force: true to demote it and leave (refused when quorum would be lost)",
			r.st.NodeID, r.st.ClusterID(), q.Managers)
	}
	if q.Managers <= 1 {
		return r.forceLeave(ctx, "last manager: the swarm is dissolved")
	}
	row, _ := rowByID(rows, r.st.NodeID)
	if err := checkRoleChange(rows, row, false, true); err != nil {
		return fail("refusing to leave: %v", err)
	}
	if r.t.Check {
		r.action("would demote node %s and leave the swarm", r.st.NodeID)
		return nil
	}
	id := r.st.NodeID
	if _, err := r.self.exec(ctx, "docker node demote", nil, "node", "demote", id); err != nil {
		return fail("%v", err)
	}
	r.action("demoted node %s", id)
	for i := 0; i < 30; i++ {
		st, err := r.self.swarmState(ctx)
		if err != nil {
			return err
		}
		if !st.ControlAvailable {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
	if _, err := r.self.exec(ctx, "docker swarm leave", nil, "swarm", "leave"); err != nil {
		return fail("%v", err)
	}
	r.action("left the swarm")
	// Take the stale entry out of the node list through a remaining manager.
	c := survey(ctx, r.t, r.args.Str("managers_group"))
	for _, m := range c.live() {
		if _, err := m.h.exec(ctx, "docker node rm", nil, "node", "rm", "--force", id); err == nil {
			r.action("removed node %s from the node list via %s", id, m.name)
			break
		}
	}
	return r.refresh(ctx, "")
}

// remove is state=remove: take a down node (node_id: ID or hostname) out of
// the swarm, through the target when it is a manager or else a live manager
// of the group.
func (r *swarmRun) remove(ctx context.Context) error {
	id := r.args.Str("node_id")
	if id == "" {
		return fail("state=remove needs node_id (a node ID or hostname)")
	}
	mgr, via := r.self, r.t.Host
	if !r.st.Manager() {
		c := survey(ctx, r.t, r.args.Str("managers_group"))
		live := c.live()
		if len(live) == 0 {
			return fail("no live manager to remove node %s through (%s)", id, c.summary())
		}
		mgr, via = live[0].h, live[0].name
	}
	rows, err := mgr.nodes(ctx)
	if err != nil {
		return fail("%v", err)
	}
	found, err := pickNode(rows, id)
	if err != nil {
		return fail("%v", err)
	}
	if found == "" {
		return nil
	}
	row, _ := rowByID(rows, found)
	if row.Status != "Down" && !r.args.Bool("force") {
		return fail("node %s (%s) is %s, not Down; only a down node is removed (set force: true to remove it anyway)",
			row.Hostname, row.ID, row.Status)
	}
	if row.ManagerStatus != "" {
		if err := checkRoleChange(rows, row, false, true); err != nil {
			return fail("refusing to remove manager: %v", err)
		}
	}
	if r.t.Check {
		r.action("would remove node %s (%s) via %s", row.Hostname, row.ID, via)
		return nil
	}
	if row.ManagerStatus != "" {
		if _, err := mgr.exec(ctx, "docker node demote", nil, "node", "demote", row.ID); err != nil {
			return fail("%v", err)
		}
		r.action("demoted node %s (%s)", row.Hostname, row.ID)
	}
	args := []string{"node", "rm", row.ID}
	if r.args.Bool("force") {
		args = []string{"node", "rm", "--force", row.ID}
	}
	if _, err := mgr.exec(ctx, "docker node rm", nil, args...); err != nil {
		return fail("%v", err)
	}
	r.action("removed node %s (%s) via %s", row.Hostname, row.ID, via)
	return nil
}
