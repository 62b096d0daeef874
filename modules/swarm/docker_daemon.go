package swarm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/swarmbook/swarmbook/modules"
)

// daemonModule is docker_daemon: keys merged into daemon.json, written only
// when the JSON differs; restart: true restarts Docker and waits until
// `docker info` answers again.
type daemonModule struct{}

func (daemonModule) Spec() modules.Spec {
	return modules.Spec{Params: []modules.Param{
		{Name: "config", Kind: modules.KindDict, Required: true},
		{Name: "remove_keys", Kind: modules.KindList, Elements: modules.KindStr},
		{Name: "path", Kind: modules.KindStr},
		{Name: "restart", Kind: modules.KindBool, Default: false},
		{Name: "timeout", Kind: modules.KindInt, Default: 60},
	}}
}

func (daemonModule) Run(ctx context.Context, t *modules.Target, args modules.Args) (modules.Outcome, error) {
	out := modules.Outcome{Fields: map[string]any{}}
	h := targetHost(t)
	path := args.Str("path")
	if path == "" {
		path = h.d.daemonJSON()
	}
	out.Fields["path"] = path
	o, err := h.run(ctx, h.script().raw("read", h.d.readFile(path)), nil)
	if err != nil {
		return out, err
	}
	cur := map[string]any{}
	r := o["read"]
	switch {
	case r.Ran && r.RC == 3:
	case !r.OK():
		return failNode(out, dockerError("reading "+path, r))
	case len(bytes.TrimSpace([]byte(r.Text))) > 0:
		if err := json.Unmarshal([]byte(r.Text), &cur); err != nil {
			return failed(fmt.Sprintf("%s is not valid JSON: %v", path, err)), nil
		}
	}
	want := map[string]any{}
	for k, v := range cur {
		want[k] = v
	}
	for k, v := range args.Dict("config") {
		want[k] = v
	}
	for _, k := range args.StrList("remove_keys") {
		delete(want, k)
	}
	before, _ := json.MarshalIndent(cur, "", "  ")
	after, _ := json.MarshalIndent(want, "", "  ")
	out.Fields["config"] = want
	if bytes.Equal(before, after) {
		return out, nil
	}
	out.Changed = true
	if t.Diff {
		out.Diffs = append(out.Diffs, modules.Diff{BeforeHeader: path, AfterHeader: path, Before: string(before) + "\n", After: string(after) + "\n"})
	}
	if t.Check {
		return out, nil
	}
	if _, err := h.run(ctx, h.script().raw("mkdir", h.d.mkdir(h.d.dir(path))), nil); err != nil {
		return out, err
	}
	if err := h.conn.Put(ctx, path, bytes.NewReader(append(after, '\n')), 0o644, h.become); err != nil {
		return out, err
	}
	if !args.Bool("restart") {
		return out, nil
	}
	o, err = h.run(ctx, h.script().raw("restart", h.d.restartDocker()), nil)
	if err != nil {
		return out, err
	}
	if !o["restart"].OK() {
		return failNode(out, dockerError("restarting docker", o["restart"]))
	}
	start := time.Now()
	deadline := start.Add(time.Duration(args.Int("timeout")) * time.Second)
	for {
		o, err := h.run(ctx, h.script().docker("v", "info", "--format", "{{json .ServerVersion}}"), nil)
		if err == nil && o["v"].OK() {
			out.Fields["restarted"] = true
			out.Fields["restart_seconds"] = time.Since(start).Round(time.Millisecond).Seconds()
			return out, nil
		}
		if time.Now().After(deadline) {
			return failed(fmt.Sprintf("docker did not answer within %ds after the restart", args.Int("timeout"))), nil
		}
		select {
		case <-ctx.Done():
			return out, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}
