package swarm

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/swarmbook/swarmbook/modules"
)

// swarmModule is docker_swarm: init, join, leave and remove with identity
// checks against the managers group.
type swarmModule struct{}

func (swarmModule) Spec() modules.Spec {
	return modules.Spec{Params: []modules.Param{
		{Name: "state", Kind: modules.KindStr, Default: "present", Choices: []string{"present", "join", "absent", "remove"}},
		{Name: "role", Kind: modules.KindStr, Choices: []string{"manager", "worker"}},
		{Name: "advertise_addr", Kind: modules.KindStr},
		{Name: "listen_addr", Kind: modules.KindStr},
		{Name: "data_path_addr", Kind: modules.KindStr},
		{Name: "data_path_port", Kind: modules.KindInt},
		{Name: "default_addr_pool", Kind: modules.KindList, Elements: modules.KindStr},
		{Name: "subnet_size", Kind: modules.KindInt},
		{Name: "availability", Kind: modules.KindStr, Choices: []string{"active", "pause", "drain"}},
		{Name: "managers_group", Kind: modules.KindStr, Default: "swarm-manager"},
		{Name: "remote_addrs", Kind: modules.KindList, Elements: modules.KindStr},
		{Name: "join_token", Kind: modules.KindStr, NoLog: true},
		{Name: "force", Kind: modules.KindBool, Default: false},
		{Name: "force_rejoin", Kind: modules.KindBool, Default: false},
		{Name: "node_id", Kind: modules.KindStr, Aliases: []string{"hostname"}},
		{Name: "timeout", Kind: modules.KindInt, Default: 120},
	}, RequiredTogether: [][]string{{"remote_addrs", "join_token"}}}
}

// swarmRun carries one docker_swarm task.
type swarmRun struct {
	t     *modules.Target
	args  modules.Args
	self  *host
	st    SwarmState
	out   modules.Outcome
	warns []string
	// cluster is the swarm the target was verified to belong to (workers do
	// not report their cluster ID themselves).
	cluster string
}

func (swarmModule) Run(ctx context.Context, t *modules.Target, args modules.Args) (modules.Outcome, error) {
	r := &swarmRun{t: t, args: args, self: targetHost(t), out: modules.Outcome{Fields: map[string]any{}}}
	st, err := r.self.swarmState(ctx)
	if err != nil {
		return modules.Outcome{}, err
	}
	r.st = st
	switch args.Str("state") {
	case "absent":
		err = r.leave(ctx)
	case "remove":
		err = r.remove(ctx)
	case "join":
		role := args.Str("role")
		if role == "" {
			role = "worker"
		}
		err = r.member(ctx, role, false)
	default:
		role := args.Str("role")
		if role == "worker" {
			return failed("state=present makes a manager; use state=join with role=worker"), nil
		}
		err = r.member(ctx, "manager", true)
	}
	return r.finish(ctx, err)
}

// failure is a module failure (as opposed to a transport error).
type failure struct{ msg string }

func (f failure) Error() string { return f.msg }

func fail(format string, a ...any) error { return failure{fmt.Sprintf(format, a...)} }

func failed(msg string) modules.Outcome { return modules.Outcome{Failed: true, Msg: msg} }

// finish turns the run's state and error into the outcome.
func (r *swarmRun) finish(ctx context.Context, err error) (modules.Outcome, error) {
	var f failure
	if err != nil && !errors.As(err, &f) {
		return modules.Outcome{}, err
	}
	if len(r.warns) > 0 {
		r.out.Fields["warnings"] = r.warns
	}
	if r.out.Fields["swarm_facts"] == nil {
		r.out.Fields["swarm_facts"] = facts(r.st, "", "")
	}
	if err != nil {
		r.out.Failed = true
		r.out.Msg = f.msg
	}
	return r.out, nil
}

// facts are the token-free swarm_facts of a node.
func facts(st SwarmState, leader, joinedVia string) map[string]any {
	role := ""
	switch {
	case st.Manager():
		role = "manager"
	case st.Active():
		role = "worker"
	}
	f := map[string]any{
		"LocalNodeState": st.LocalNodeState,
		"NodeID":         st.NodeID,
		"NodeAddr":       st.NodeAddr,
		"ClusterID":      st.ClusterID(),
		"Role":           role,
	}
	if st.Manager() {
		f["Managers"] = st.Managers
		f["Nodes"] = st.Nodes
	}
	if leader != "" {
		f["Leader"] = leader
	}
	if joinedVia != "" {
		f["JoinedVia"] = joinedVia
	}
	return f
}

func (r *swarmRun) action(format string, a ...any) {
	acts, _ := r.out.Fields["actions"].([]string)
	r.out.Fields["actions"] = append(acts, fmt.Sprintf(format, a...))
	r.out.Changed = true
}

// member makes the target a member of the group's swarm with role. init
// allows initialising a new swarm when no manager of the group is in one.
func (r *swarmRun) member(ctx context.Context, role string, init bool) error {
	group := r.args.Str("managers_group")
	if r.st.HalfJoined() {
		if !r.args.Bool("force_rejoin") {
			return fail("node is half-joined: LocalNodeState=%s%s; it is neither in a swarm nor free to join. Set force_rejoin: true to leave it (docker swarm leave --force) and join again",
				r.st.LocalNodeState, errSuffix(r.st.Error))
		}
		if err := r.forceLeave(ctx, "half-joined ("+r.st.LocalNodeState+")"); err != nil {
			return err
		}
	}
	if err := r.waitLeader(ctx); err != nil {
		return err
	}
	if r.args.Has("join_token") && r.st.LocalNodeState == "inactive" {
		return r.joinGiven(ctx, role)
	}
	c := survey(ctx, r.t, group)
	want, err := c.clusterID()
	if err != nil {
		return fail("%v", err)
	}
	live := c.live()
	if r.st.Active() {
		return r.converge(ctx, role, c, want)
	}
	if len(live) > 0 {
		return r.join(ctx, role, live)
	}
	if init && r.initialiser(c) {
		if u := c.unreachable(); len(u) > 0 {
			return fail("refusing to initialise a swarm: %s of group %s cannot be reached and may already be in one (%s)",
				strings.Join(u, ", "), group, c.summary())
		}
		return r.initSwarm(ctx)
	}
	return r.waitAndJoin(ctx, role, c)
}

// leaderWait bounds the wait for a leader election on a manager.
const leaderWait = 60 * time.Second

// waitLeader waits while the target is a manager without cluster
// information: the managers are electing a new leader (the old one just
// went away). It fails when no leader emerges: quorum is lost.
func (r *swarmRun) waitLeader(ctx context.Context) error {
	deadline := time.Now().Add(leaderWait)
	for r.st.Manager() && r.st.ClusterID() == "" {
		if time.Now().After(deadline) {
			return fail("manager %s has no cluster information after %s: the swarm has no leader (quorum lost?)", r.st.NodeID, leaderWait)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
		st, err := r.self.swarmState(ctx)
		if err != nil {
			return err
		}
		r.st = st
	}
	return nil
}

func errSuffix(e string) string {
	if e == "" {
		return ""
	}
	return " (" + e + ")"
}

// initialiser reports whether the target is the host that initialises a new
// swarm: the first of the managers group in inventory order (or the target
// itself when it is not in the group).
func (r *swarmRun) initialiser(c cluster) bool {
	if r.t.Peers == nil {
		return true
	}
	g := r.t.Peers.Group(c.group)
	if len(g) == 0 {
		return true
	}
	inGroup := false
	for _, n := range g {
		inGroup = inGroup || n == r.t.Host
	}
	return !inGroup || g[0] == r.t.Host
}

// waitAndJoin waits (up to timeout) for a manager of the group to be live,
// then joins it. It refuses at once when no peer could ever become one.
func (r *swarmRun) waitAndJoin(ctx context.Context, role string, c cluster) error {
	group := r.args.Str("managers_group")
	pending := false
	for _, m := range c.members {
		pending = pending || (m.err == nil && !m.st.Active())
	}
	if !pending {
		return fail("no live manager in group %s to join (%s)", group, c.summary())
	}
	if r.t.Check {
		r.action("would join swarm as %s once a manager of %s initialises it", role, group)
		return nil
	}
	deadline := time.Now().Add(time.Duration(r.args.Int("timeout")) * time.Second)
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Second):
		}
		c = survey(ctx, r.t, group)
		if live := c.live(); len(live) > 0 {
			if _, err := c.clusterID(); err != nil {
				return fail("%v", err)
			}
			return r.join(ctx, role, live)
		}
		if time.Now().After(deadline) {
			return fail("timed out after %ds waiting for a manager of group %s to initialise the swarm (%s)",
				r.args.Int("timeout"), group, c.summary())
		}
	}
}

// initSwarm runs docker swarm init on the target.
func (r *swarmRun) initSwarm(ctx context.Context) error {
	if r.t.Check {
		r.action("would initialise a new swarm")
		return nil
	}
	a := []string{"swarm", "init"}
	a = appendOpt(a, "--advertise-addr", r.args.Str("advertise_addr"))
	a = appendOpt(a, "--listen-addr", r.args.Str("listen_addr"))
	a = appendOpt(a, "--data-path-addr", r.args.Str("data_path_addr"))
	for _, p := range r.args.StrList("default_addr_pool") {
		a = append(a, "--default-addr-pool", p)
	}
	if n := r.args.Int("subnet_size"); n > 0 {
		a = append(a, "--default-addr-pool-mask-length", strconv.Itoa(n))
	}
	if n := r.args.Int("data_path_port"); n > 0 {
		a = append(a, "--data-path-port", strconv.Itoa(n))
	}
	a = appendOpt(a, "--availability", r.args.Str("availability"))
	if _, err := r.self.exec(ctx, "docker swarm init", nil, a...); err != nil {
		return fail("%v", err)
	}
	r.action("initialised a new swarm")
	return r.refresh(ctx, "")
}

func appendOpt(a []string, flag, v string) []string {
	if v == "" {
		return a
	}
	return append(a, flag, v)
}

// refresh re-reads the target's state and records its facts.
func (r *swarmRun) refresh(ctx context.Context, via string) error {
	st, err := r.self.swarmState(ctx)
	if err != nil {
		return err
	}
	r.st = st
	leader := ""
	if st.Manager() {
		if rows, err := r.self.nodes(ctx); err == nil {
			leader = leaderOf(rows)
		}
	}
	f := facts(st, leader, via)
	if f["ClusterID"] == "" && r.cluster != "" {
		f["ClusterID"] = r.cluster
	}
	r.out.Fields["swarm_facts"] = f
	return nil
}

// join joins the swarm of the first live manager that hands out a token.
func (r *swarmRun) join(ctx context.Context, role string, live []member) error {
	if r.t.Check {
		r.action("would join swarm %s as %s via %s", live[0].st.ClusterID(), role, live[0].name)
		return nil
	}
	var errs []string
	for _, m := range live {
		tok, err := m.h.exec(ctx, "docker swarm join-token", nil, "swarm", "join-token", "-q", role)
		if err != nil {
			errs = append(errs, m.name+": "+firstLine(err.Error()))
			continue
		}
		token := strings.TrimSpace(lastLine(tok.Text))
		if token == "" {
			errs = append(errs, m.name+": empty join token")
			continue
		}
		r.out.Secrets = append(r.out.Secrets, token)
		if err := r.joinWith(ctx, token, m.st.ownAddr()); err != nil {
			return err
		}
		r.action("joined swarm %s as %s via %s", m.st.ClusterID(), role, m.name)
		r.cluster = m.st.ClusterID()
		if err := r.refresh(ctx, m.name); err != nil {
			return err
		}
		r.removeStale(ctx, m)
		return nil
	}
	return fail("no live manager handed out a join token: %s", strings.Join(errs, "; "))
}

// removeStale removes, on manager m, the Down node entries this host left
// behind when it last left the swarm (by hand or after a failure), so that
// a rejoined node appears once and `docker node ls` stays clean. Failures
// only add a warning: the join itself succeeded.
func (r *swarmRun) removeStale(ctx context.Context, m member) {
	rows, err := m.h.nodes(ctx)
	if err != nil {
		return
	}
	self := ""
	for _, row := range rows {
		if row.ID == r.st.NodeID {
			self = row.Hostname
		}
	}
	for _, row := range rows {
		if self == "" || row.Hostname != self || row.ID == r.st.NodeID || row.Status != "Down" || row.ManagerStatus != "" {
			continue
		}
		if _, err := m.h.exec(ctx, "docker node rm", nil, "node", "rm", row.ID); err != nil {
			r.warns = append(r.warns, "could not remove the stale node entry "+row.ID+": "+firstLine(err.Error()))
			continue
		}
		r.action("removed the stale node entry %s of %s", row.ID, self)
	}
}

func lastLine(s string) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	return l[len(l)-1]
}

// joinGiven joins with an explicit join_token and remote_addrs (the
// community.docker interface).
func (r *swarmRun) joinGiven(ctx context.Context, role string) error {
	token := r.args.Str("join_token")
	r.out.Secrets = append(r.out.Secrets, token)
	if r.t.Check {
		r.action("would join swarm as %s", role)
		return nil
	}
	var last error
	for _, addr := range r.args.StrList("remote_addrs") {
		if last = r.joinWith(ctx, token, addr); last == nil {
			r.action("joined swarm as %s via %s", role, addr)
			return r.refresh(ctx, addr)
		}
	}
	if last == nil {
		return fail("remote_addrs is empty")
	}
	return last
}

// joinWith runs docker swarm join on the target; the token travels on stdin.
func (r *swarmRun) joinWith(ctx context.Context, token, addr string) error {
	a := []string{"swarm", "join", "--token", "TOKEN"}
	a = appendOpt(a, "--advertise-addr", r.args.Str("advertise_addr"))
	a = appendOpt(a, "--listen-addr", r.args.Str("listen_addr"))
	a = appendOpt(a, "--data-path-addr", r.args.Str("data_path_addr"))
	a = appendOpt(a, "--availability", r.args.Str("availability"))
	a = append(a, addr)
	s := r.self.script().dockerSecretArg("join", 3, a...)
	out, err := r.self.run(ctx, s, strings.NewReader(token+"\n"))
	if err != nil {
		return err
	}
	if !out["join"].OK() {
		return fail("%v", dockerError("docker swarm join "+addr, out["join"]))
	}
	return nil
}

// forceLeave makes the target leave whatever swarm it is in.
func (r *swarmRun) forceLeave(ctx context.Context, why string) error {
	if r.t.Check {
		r.action("would leave the swarm: %s", why)
		r.st = SwarmState{LocalNodeState: "inactive"}
		return nil
	}
	if _, err := r.self.exec(ctx, "docker swarm leave", nil, "swarm", "leave", "--force"); err != nil {
		return fail("%v", err)
	}
	r.action("left the swarm: %s", why)
	st, err := r.self.swarmState(ctx)
	if err != nil {
		return err
	}
	r.st = st
	return nil
}

// converge checks an active node: same swarm, right role, availability, and
// reports advertise address drift.
func (r *swarmRun) converge(ctx context.Context, role string, c cluster, want string) error {
	live := c.live()
	mine := r.st.ClusterID()
	var mgr *host // a manager to inspect and update nodes through
	if r.st.Manager() {
		mgr = r.self
	} else if len(live) > 0 {
		mgr = live[0].h
	}
	other := ""
	switch {
	case r.st.Manager() && want != "" && mine != want:
		other = fmt.Sprintf("node %s is a manager of swarm %s, but the managers of group %s are in swarm %s",
			r.st.NodeID, mine, c.group, want)
	case !r.st.Manager() && mgr != nil:
		_, known, err := mgr.inspectNode(ctx, r.st.NodeID)
		if err != nil {
			return fail("%v", err)
		}
		if known {
			r.cluster = want
		} else {
			other = fmt.Sprintf("node %s is a worker of another swarm (managers %s), not of swarm %s of group %s",
				r.st.NodeID, remoteAddrs(r.st), want, c.group)
		}
	}
	if other != "" {
		if !r.args.Bool("force_rejoin") {
			return fail("%s; set force_rejoin: true to leave it and join swarm %s", other, want)
		}
		if err := r.forceLeave(ctx, other); err != nil {
			return err
		}
		if len(live) == 0 {
			return fail("left the other swarm but no live manager of %s to join", c.group)
		}
		return r.join(ctx, role, live)
	}
	if mgr == nil {
		r.warns = append(r.warns, fmt.Sprintf("no live manager in group %s to verify membership: %s", c.group, c.summary()))
		r.driftCheck()
		return r.refreshQuiet(ctx)
	}
	isManager := r.st.Manager()
	if (role == "manager") != isManager {
		if !r.args.Bool("force_rejoin") {
			cur := "worker"
			if isManager {
				cur = "manager"
			}
			return fail("node %s is a %s of swarm %s, but role %s is wanted; set force_rejoin: true to change it",
				r.st.NodeID, cur, firstNonEmpty(mine, want), role)
		}
		if err := r.changeRole(ctx, mgr, role == "manager"); err != nil {
			return err
		}
	}
	if av := r.args.Str("availability"); av != "" {
		if err := r.availability(ctx, mgr, av); err != nil {
			return err
		}
	}
	r.driftCheck()
	return r.refreshQuiet(ctx)
}

func firstNonEmpty(a ...string) string {
	for _, s := range a {
		if s != "" {
			return s
		}
	}
	return ""
}

func remoteAddrs(st SwarmState) string {
	var a []string
	for _, p := range st.RemoteManagers {
		a = append(a, p.Addr)
	}
	if len(a) == 0 {
		return "unknown"
	}
	return strings.Join(a, ", ")
}

// refreshQuiet records facts without turning a read failure into an error.
func (r *swarmRun) refreshQuiet(ctx context.Context) error {
	if r.t.Check && r.out.Changed {
		r.out.Fields["swarm_facts"] = facts(r.st, "", "")
		return nil
	}
	return r.refresh(ctx, "")
}

// driftCheck warns when the node advertises another address than asked.
func (r *swarmRun) driftCheck() {
	want := r.args.Str("advertise_addr")
	if want == "" || r.st.NodeAddr == "" {
		return
	}
	h := want
	if hh, _, err := net.SplitHostPort(want); err == nil {
		h = hh
	}
	if net.ParseIP(h) == nil {
		return // an interface name: nothing to compare with
	}
	if h != r.st.NodeAddr {
		w := fmt.Sprintf("advertise address drift: node advertises %s, advertise_addr is %s (changing it needs the node to leave and join again)", r.st.NodeAddr, h)
		r.warns = append(r.warns, w)
		r.out.Fields["advertise_addr_drift"] = map[string]any{"current": r.st.NodeAddr, "wanted": h}
	}
}

// changeRole promotes or demotes the target through mgr, within quorum.
func (r *swarmRun) changeRole(ctx context.Context, mgr *host, toManager bool) error {
	rows, err := mgr.nodes(ctx)
	if err != nil {
		return fail("%v", err)
	}
	row, ok := rowByID(rows, r.st.NodeID)
	if !ok {
		return fail("node %s is not in the manager's node list", r.st.NodeID)
	}
	if err := checkRoleChange(rows, row, toManager, r.args.Bool("force")); err != nil {
		return fail("%v", err)
	}
	verb := "demote"
	if toManager {
		verb = "promote"
	}
	if r.t.Check {
		r.action("would %s node %s", verb, r.st.NodeID)
		return nil
	}
	if _, err := mgr.exec(ctx, "docker node "+verb, nil, "node", verb, r.st.NodeID); err != nil {
		return fail("%v", err)
	}
	r.action("%sd node %s", verb, r.st.NodeID)
	return nil
}

// availability sets the target's availability through mgr.
func (r *swarmRun) availability(ctx context.Context, mgr *host, av string) error {
	n, ok, err := mgr.inspectNode(ctx, r.st.NodeID)
	if err != nil || !ok {
		return fail("reading node %s: %v", r.st.NodeID, err)
	}
	if n.Spec.Availability == av {
		return nil
	}
	if r.t.Check {
		r.action("would set availability %s (was %s)", av, n.Spec.Availability)
		return nil
	}
	if _, err := mgr.exec(ctx, "docker node update", nil, "node", "update", "--availability", av, r.st.NodeID); err != nil {
		return fail("%v", err)
	}
	r.action("set availability %s (was %s)", av, n.Spec.Availability)
	return nil
}
