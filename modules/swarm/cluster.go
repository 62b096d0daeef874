package swarm

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/swarmbook/swarmbook/modules"
)

// member is what one host of the managers group answered.
type member struct {
	name string
	h    *host
	st   SwarmState
	err  error // unreachable, or docker did not answer
}

// live reports whether the member is a manager of an active swarm.
func (m member) live() bool { return m.err == nil && m.st.Manager() }

// describe is a short, token-free account of the member for messages.
func (m member) describe() string {
	switch {
	case m.err != nil:
		return m.name + ": unreachable (" + firstLine(m.err.Error()) + ")"
	case m.st.Manager():
		return m.name + ": manager of swarm " + m.st.ClusterID()
	case m.st.Active():
		return m.name + ": worker"
	default:
		return m.name + ": " + m.st.LocalNodeState
	}
}

// cluster is the managers group as seen from one task.
type cluster struct {
	group   string
	members []member // group order, the target itself excluded
}

// surveyTimeout bounds the query of one peer.
const surveyTimeout = 20 * time.Second

// survey asks every host of group except the target for its swarm state, in
// parallel, over the run's open connections. Unreachable peers are recorded,
// not fatal.
func survey(ctx context.Context, t *modules.Target, group string) cluster {
	c := cluster{group: group}
	if t.Peers == nil {
		return c
	}
	var names []string
	for _, n := range t.Peers.Group(group) {
		if n != t.Host {
			names = append(names, n)
		}
	}
	c.members = make([]member, len(names))
	var wg sync.WaitGroup
	for i, n := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.members[i] = surveyOne(ctx, t, n)
		}()
	}
	wg.Wait()
	return c
}

func surveyOne(ctx context.Context, t *modules.Target, name string) member {
	ctx, cancel := context.WithTimeout(ctx, surveyTimeout)
	defer cancel()
	m := member{name: name}
	conn, err := t.Peers.Conn(ctx, name)
	if err != nil {
		m.err = err
		return m
	}
	m.h = &host{name: name, conn: conn, become: t.Become, d: dialectFor(conn)}
	m.st, m.err = m.h.swarmState(ctx)
	return m
}

// live returns the live managers, the leader first when one says so.
func (c cluster) live() []member {
	var out []member
	for _, m := range c.members {
		if m.live() {
			out = append(out, m)
		}
	}
	return out
}

// unreachable lists the peers that did not answer.
func (c cluster) unreachable() []string {
	var out []string
	for _, m := range c.members {
		if m.err != nil {
			out = append(out, m.name)
		}
	}
	return out
}

// clusterID returns the one swarm the live managers belong to, "" when
// there is none, or an error when they disagree.
func (c cluster) clusterID() (string, error) {
	ids := map[string][]string{}
	for _, m := range c.live() {
		if id := m.st.ClusterID(); id != "" { // "" while the managers elect a leader
			ids[id] = append(ids[id], m.name)
		}
	}
	if len(ids) > 1 {
		var parts []string
		for id, hosts := range ids {
			parts = append(parts, fmt.Sprintf("%s (%s)", id, strings.Join(hosts, ", ")))
		}
		sort.Strings(parts)
		return "", fmt.Errorf("the managers of group %s belong to different swarms: %s", c.group, strings.Join(parts, "; "))
	}
	for id := range ids {
		return id, nil
	}
	return "", nil
}

// summary describes every peer, for messages.
func (c cluster) summary() string {
	var parts []string
	for _, m := range c.members {
		parts = append(parts, m.describe())
	}
	if len(parts) == 0 {
		return "group " + c.group + " has no other hosts"
	}
	return strings.Join(parts, "; ")
}

// quorum is the raft arithmetic of the managers in a node list.
type quorum struct {
	Managers  int // managers in the raft member list
	Reachable int // Leader or Reachable
}

func quorumOf(rows []NodeRow) quorum {
	var q quorum
	for _, r := range rows {
		if r.ManagerStatus == "" {
			continue
		}
		q.Managers++
		if r.ManagerStatus == "Leader" || r.ManagerStatus == "Reachable" {
			q.Reachable++
		}
	}
	return q
}

// holds reports whether the reachable managers are a majority.
func (q quorum) holds() bool { return q.Reachable >= q.Managers/2+1 }

// afterDemote returns the quorum once the manager row r is a worker.
func (q quorum) afterDemote(r NodeRow) quorum {
	q.Managers--
	if r.ManagerStatus == "Leader" || r.ManagerStatus == "Reachable" {
		q.Reachable--
	}
	return q
}

// afterPromote returns the quorum once the worker row r is a manager.
func (q quorum) afterPromote(r NodeRow) quorum {
	q.Managers++
	if r.Status == "Ready" {
		q.Reachable++
	}
	return q
}

// checkRoleChange refuses a promotion or demotion that breaks quorum or
// leaves an even number of managers, unless force (which never overrides a
// quorum loss).
func checkRoleChange(rows []NodeRow, r NodeRow, toManager, force bool) error {
	q := quorumOf(rows)
	after := q.afterDemote(r)
	verb := "demoting"
	if toManager {
		after = q.afterPromote(r)
		verb = "promoting"
	}
	if after.Managers == 0 {
		return fmt.Errorf("%s %s would leave the swarm without managers", verb, r.Hostname)
	}
	if !after.holds() {
		return fmt.Errorf("%s %s would break quorum: %d of %d managers reachable now, %d of %d after (a majority of %d is needed)",
			verb, r.Hostname, q.Reachable, q.Managers, after.Reachable, after.Managers, after.Managers/2+1)
	}
	if after.Managers%2 == 0 && !force {
		return fmt.Errorf("%s %s would leave an even number of managers (%d): raft tolerates no more failures with %d than with %d; set force: true to do it anyway",
			verb, r.Hostname, after.Managers, after.Managers, after.Managers-1)
	}
	return nil
}

// leader returns the hostname of the Leader row.
func leaderOf(rows []NodeRow) string {
	for _, r := range rows {
		if r.ManagerStatus == "Leader" {
			return r.Hostname
		}
	}
	return ""
}

// rowByID finds a node row.
func rowByID(rows []NodeRow, id string) (NodeRow, bool) {
	for _, r := range rows {
		if r.ID == id {
			return r, true
		}
	}
	return NodeRow{}, false
}

// managerFor returns the host to run manager-only commands on: the target
// when it is a manager, else a live manager of group.
func managerFor(ctx context.Context, t *modules.Target, group string) (*host, string, error) {
	self := targetHost(t)
	st, err := self.swarmState(ctx)
	if err != nil {
		return nil, "", err
	}
	if st.Manager() {
		return self, t.Host, nil
	}
	c := survey(ctx, t, group)
	live := c.live()
	if len(live) == 0 {
		return nil, "", fail("%s is not a swarm manager and no live manager of group %s answers (%s)", t.Host, group, c.summary())
	}
	return live[0].h, live[0].name, nil
}
