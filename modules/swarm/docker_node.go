package swarm

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/swarmbook/swarmbook/modules"
)

// nodeModule is docker_node: availability (drain waits for the node's tasks
// to move), role within quorum, and labels; it runs through a live manager
// when the target is a worker.
type nodeModule struct{}

func (nodeModule) Spec() modules.Spec {
	return modules.Spec{Params: []modules.Param{
		{Name: "hostname", Kind: modules.KindStr},
		{Name: "availability", Kind: modules.KindStr, Choices: []string{"active", "pause", "drain"}},
		{Name: "role", Kind: modules.KindStr, Choices: []string{"manager", "worker"}},
		{Name: "labels", Kind: modules.KindDict},
		{Name: "labels_state", Kind: modules.KindStr, Default: "merge", Choices: []string{"merge", "replace"}},
		{Name: "labels_to_remove", Kind: modules.KindList, Elements: modules.KindStr},
		{Name: "force", Kind: modules.KindBool, Default: false},
		{Name: "timeout", Kind: modules.KindInt, Default: 300},
		{Name: "managers_group", Kind: modules.KindStr, Default: "swarm-manager"},
	}}
}

// nodeView is what the module compares and shows in diffs.
type nodeView struct {
	Availability string            `json:"availability"`
	Role         string            `json:"role"`
	Labels       map[string]string `json:"labels"`
}

func (nodeModule) Run(ctx context.Context, t *modules.Target, args modules.Args) (modules.Outcome, error) {
	out := modules.Outcome{Fields: map[string]any{}}
	self := targetHost(t)
	st, err := self.swarmState(ctx)
	if err != nil {
		return out, err
	}
	mgr, via := self, t.Host
	if !st.Manager() {
		c := survey(ctx, t, args.Str("managers_group"))
		live := c.live()
		if len(live) == 0 {
			return failed(fmt.Sprintf("%s is not a swarm manager and no live manager of group %s answers (%s)",
				t.Host, args.Str("managers_group"), c.summary())), nil
		}
		mgr, via = live[0].h, live[0].name
	}
	name := args.Str("hostname")
	if name == "" {
		if !st.Active() {
			return failed(fmt.Sprintf("%s is not in a swarm (LocalNodeState=%s) and no hostname was given", t.Host, st.LocalNodeState)), nil
		}
		name = st.NodeID
	}
	n, ok, err := mgr.inspectNode(ctx, name)
	if err != nil {
		return failNode(out, err)
	}
	if !ok {
		return failed(fmt.Sprintf("node %s is not in the swarm (asked %s)", name, via)), nil
	}
	out.Fields["node"] = n.Description.Hostname
	out.Fields["node_id"] = n.ID
	out.Fields["via"] = via
	before := nodeView{Availability: n.Spec.Availability, Role: n.Spec.Role, Labels: n.Spec.Labels}
	after := desiredNode(before, args)
	if before.Role != after.Role {
		rows, err := mgr.nodes(ctx)
		if err != nil {
			return failNode(out, err)
		}
		row, _ := rowByID(rows, n.ID)
		if err := checkRoleChange(rows, row, after.Role == "manager", args.Bool("force")); err != nil {
			return failed(err.Error()), nil
		}
	}
	out.Fields["before"] = before
	out.Fields["after"] = after
	changed := !sameNode(before, after)
	if changed && t.Diff {
		out.Diffs = append(out.Diffs, modules.Diff{Before: viewJSON(before), After: viewJSON(after),
			BeforeHeader: "node " + n.Description.Hostname, AfterHeader: "node " + n.Description.Hostname})
	}
	out.Changed = changed
	if t.Check || !changed {
		return out, nil
	}
	upd := []string{"node", "update"}
	if before.Availability != after.Availability {
		upd = append(upd, "--availability", after.Availability)
	}
	for _, k := range sortedKeys(after.Labels) {
		if v, ok := before.Labels[k]; !ok || v != after.Labels[k] {
			upd = append(upd, "--label-add", k+"="+after.Labels[k])
		}
	}
	for _, k := range sortedKeys(before.Labels) {
		if _, ok := after.Labels[k]; !ok {
			upd = append(upd, "--label-rm", k)
		}
	}
	if len(upd) > 2 {
		// Tasks on the node before it drains: their services must be running elsewhere before we return.
		var moving []TaskRow
		var want map[string]int
		if after.Availability == "drain" && before.Availability != "drain" {
			if moving, want, err = drainPlan(ctx, mgr, n.ID, n.Description.Hostname); err != nil {
				return failNode(out, err)
			}
		}
		if _, err := mgr.exec(ctx, "docker node update", nil, append(upd, n.ID)...); err != nil {
			return failNode(out, err)
		}
		if after.Availability == "drain" && before.Availability != "drain" {
			start := time.Now()
			if err := waitDrained(ctx, mgr, n.ID, n.Description.Hostname, want, time.Duration(args.Int("timeout"))*time.Second); err != nil {
				return failNode(out, err)
			}
			out.Fields["drain_seconds"] = time.Since(start).Round(time.Millisecond).Seconds()
			out.Fields["tasks_moved"] = len(moving)
		}
	}
	if before.Role != after.Role {
		verb := "promote"
		if after.Role == "worker" {
			verb = "demote"
		}
		if _, err := mgr.exec(ctx, "docker node "+verb, nil, "node", verb, n.ID); err != nil {
			return failNode(out, err)
		}
	}
	return out, nil
}

func failNode(out modules.Outcome, err error) (modules.Outcome, error) {
	var f failure
	if ok := asFailure(err, &f); !ok && isTransport(err) {
		return out, err
	}
	out.Failed = true
	out.Msg = err.Error()
	return out, nil
}

// desiredNode applies the task's arguments to the node's current view.
func desiredNode(cur nodeView, args modules.Args) nodeView {
	want := nodeView{Availability: cur.Availability, Role: cur.Role, Labels: map[string]string{}}
	if a := args.Str("availability"); a != "" {
		want.Availability = a
	}
	if r := args.Str("role"); r != "" {
		want.Role = r
	}
	if args.Str("labels_state") == "merge" || !args.Has("labels") {
		for k, v := range cur.Labels {
			want.Labels[k] = v
		}
	}
	for k, v := range args.Dict("labels") {
		want.Labels[k] = modules.PyStr(v)
	}
	for _, k := range args.StrList("labels_to_remove") {
		delete(want.Labels, k)
	}
	return want
}

func sameNode(a, b nodeView) bool {
	if a.Availability != b.Availability || a.Role != b.Role || len(a.Labels) != len(b.Labels) {
		return false
	}
	for k, v := range a.Labels {
		if w, ok := b.Labels[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func viewJSON(v any) string {
	b, _ := json.MarshalIndent(v, "", "    ")
	return string(b) + "\n"
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// drainPlan lists the node's tasks before it drains and, for each of their
// services, how many tasks must run once they moved: as many as now for a
// replicated service, as many minus the node's for a global one.
func drainPlan(ctx context.Context, mgr *host, node, hostname string) ([]TaskRow, map[string]int, error) {
	had, err := mgr.tasks(ctx, node)
	if err != nil {
		return nil, nil, err
	}
	want := map[string]int{}
	onNode := map[string]int{}
	global := map[string]bool{}
	for _, t := range had {
		svc := serviceOf(t.Name)
		onNode[svc]++
		want[svc] = 0
		if _, err := strconv.Atoi(strings.TrimPrefix(t.Name, svc+".")); err != nil {
			global[svc] = true // global tasks are named service.<node id>
		}
	}
	_, elsewhere, err := drainProgress(ctx, mgr, node, hostname, sortedKeys(want))
	if err != nil {
		return nil, nil, err
	}
	for svc := range want {
		want[svc] = elsewhere[svc]
		if !global[svc] {
			want[svc] += onNode[svc] // replicas move; global tasks just stop
		}
	}
	return had, want, nil
}

// waitDrained waits until no task of the node is meant to run there any
// more and every service that had tasks on it runs as many tasks as it
// should, all Running.
func waitDrained(ctx context.Context, mgr *host, node, hostname string, want map[string]int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		left, running, err := drainProgress(ctx, mgr, node, hostname, sortedKeys(want))
		if err != nil {
			return err
		}
		var pending []string
		for _, svc := range sortedKeys(want) {
			if running[svc] < want[svc] {
				pending = append(pending, fmt.Sprintf("%s %d/%d running", svc, running[svc], want[svc]))
			}
		}
		if left == 0 && len(pending) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("drain of %s timed out after %s: %d task(s) still on the node; not yet moved: %s",
				node, timeout, left, strings.Join(pending, ", "))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// drainProgress counts the node's tasks still meant to run there and, per
// service, the tasks meant to run that do run (on any node but this one).
func drainProgress(ctx context.Context, mgr *host, node, hostname string, services []string) (int, map[string]int, error) {
	s := mgr.script().docker("node", "node", "ps", node, "--filter", "desired-state=running", "--format", "{{json .}}")
	for i, svc := range services {
		s.docker(fmt.Sprintf("svc%d", i), "service", "ps", svc, "--filter", "desired-state=running", "--format", "{{json .}}")
	}
	out, err := mgr.run(ctx, s, nil)
	if err != nil {
		return 0, nil, err
	}
	if !out["node"].OK() {
		return 0, nil, dockerError("docker node ps", out["node"])
	}
	onNode, err := decodeJSONLines[TaskRow](out["node"])
	if err != nil {
		return 0, nil, err
	}
	left := 0
	for _, t := range onNode {
		if !strings.HasPrefix(t.CurrentState, "Shutdown") && !strings.HasPrefix(t.CurrentState, "Complete") {
			left++
		}
	}
	running := map[string]int{}
	for i, svc := range services {
		o := out[fmt.Sprintf("svc%d", i)]
		if !o.OK() {
			continue // the service was removed meanwhile
		}
		rows, err := decodeJSONLines[TaskRow](o)
		if err != nil {
			return 0, nil, err
		}
		for _, t := range rows {
			if strings.HasPrefix(t.CurrentState, "Running") && t.Node != hostname {
				running[svc]++
			}
		}
	}
	return left, running, nil
}

// serviceOf returns the service name of a task name (web.1, or
// web.<node id> for global services).
func serviceOf(task string) string {
	if i := strings.LastIndexByte(task, '.'); i > 0 {
		return task[:i]
	}
	return task
}
