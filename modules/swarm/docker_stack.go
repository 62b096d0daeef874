package swarm

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/swarmbook/swarmbook/modules"
)

// stackModule is docker_stack: deploy compose files from the controller
// (uploaded through the connection) or inline definitions, with prune;
// changed only when a service spec of the stack changed.
type stackModule struct{}

func (stackModule) Spec() modules.Spec {
	return modules.Spec{Params: []modules.Param{
		{Name: "name", Kind: modules.KindStr, Required: true},
		{Name: "compose", Kind: modules.KindList, Elements: modules.KindRaw},
		{Name: "prune", Kind: modules.KindBool, Default: false},
		{Name: "resolve_image", Kind: modules.KindStr, Default: "never", Choices: []string{"always", "changed", "never"}},
		{Name: "with_registry_auth", Kind: modules.KindBool, Default: false},
		{Name: "state", Kind: modules.KindStr, Default: "present", Choices: []string{"present", "absent"}},
		{Name: "managers_group", Kind: modules.KindStr, Default: "swarm-manager"},
	}, NoCheckMode: true}
}

func (stackModule) Run(ctx context.Context, t *modules.Target, args modules.Args) (modules.Outcome, error) {
	out := modules.Outcome{Fields: map[string]any{}}
	mgr, _, err := managerFor(ctx, t, args.Str("managers_group"))
	if err != nil {
		return failNode(out, err)
	}
	name := args.Str("name")
	before, err := stackSpecs(ctx, mgr, name)
	if err != nil {
		return failNode(out, err)
	}
	if args.Str("state") == "absent" {
		if len(before) == 0 {
			return out, nil
		}
		if _, err := mgr.exec(ctx, "docker stack rm", nil, "stack", "rm", name); err != nil {
			return failNode(out, err)
		}
		out.Changed = true
		return out, nil
	}
	if len(args.List("compose")) == 0 {
		return failed("state=present needs compose (files or definitions)"), nil
	}
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	tag := hex.EncodeToString(rnd[:])
	a := []string{"stack", "deploy", "--resolve-image", args.Str("resolve_image")}
	if args.Bool("prune") {
		a = append(a, "--prune")
	}
	if args.Bool("with_registry_auth") {
		a = append(a, "--with-registry-auth")
	}
	var uploaded []string
	for i, c := range args.List("compose") {
		data, err := composeData(t, c)
		if err != nil {
			return failed(err.Error()), nil
		}
		dst := mgr.d.tempFile(fmt.Sprintf("swarmbook-stack-%s-%d.yml", tag, i))
		if err := mgr.conn.Put(ctx, dst, strings.NewReader(string(data)), 0o600, mgr.become); err != nil {
			return out, err
		}
		uploaded = append(uploaded, dst)
		a = append(a, "--compose-file", dst)
	}
	s := mgr.script().docker("deploy", append(a, name)...)
	for i, p := range uploaded {
		s.raw(fmt.Sprintf("rm%d", i), mgr.d.remove(p))
	}
	o, err := mgr.run(ctx, s, nil)
	if err != nil {
		return out, err
	}
	if !o["deploy"].OK() {
		return failNode(out, dockerError("docker stack deploy", o["deploy"]))
	}
	after, err := stackSpecs(ctx, mgr, name)
	if err != nil {
		return failNode(out, err)
	}
	changes := specChanges(before, after)
	out.Changed = len(changes) > 0
	out.Fields["changes"] = changes
	out.Fields["services"] = sortedKeys(after)
	return out, nil
}

// composeData returns a compose file's content: a controller path, or an
// inline definition written as JSON (which compose reads as YAML).
func composeData(t *modules.Target, c any) ([]byte, error) {
	switch v := c.(type) {
	case string:
		p := v
		if t.Files != nil {
			if f, err := t.Files.Find("files", v); err == nil {
				p = f
			}
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("compose file: %w", err)
		}
		return b, nil
	case map[string]any:
		return json.Marshal(v)
	default:
		return nil, fmt.Errorf("compose entries are file paths or definitions, got %T", c)
	}
}

// stackSpecs returns the canonical JSON of each service spec of a stack.
func stackSpecs(ctx context.Context, h *host, stack string) (map[string]string, error) {
	o, err := h.run(ctx, h.script().docker("ls", "service", "ls", "--filter", "label=com.docker.stack.namespace="+stack, "--format", "{{json .}}"), nil)
	if err != nil {
		return nil, err
	}
	if !o["ls"].OK() {
		return nil, dockerError("docker service ls", o["ls"])
	}
	rows, err := decodeJSONLines[struct{ ID, Name string }](o["ls"])
	if err != nil || len(rows) == 0 {
		return map[string]string{}, err
	}
	a := []string{"service", "inspect", "--format", "{{json .}}"}
	for _, r := range rows {
		a = append(a, r.ID)
	}
	o, err = h.run(ctx, h.script().docker("inspect", a...), nil)
	if err != nil {
		return nil, err
	}
	if !o["inspect"].OK() {
		return nil, dockerError("docker service inspect", o["inspect"])
	}
	svcs, err := decodeJSONLines[struct {
		Spec json.RawMessage
	}](o["inspect"])
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, s := range svcs {
		var spec map[string]any
		if err := json.Unmarshal(s.Spec, &spec); err != nil {
			return nil, err
		}
		b, _ := json.Marshal(spec) // maps marshal with sorted keys: canonical
		out[fmt.Sprint(spec["Name"])] = string(b)
	}
	return out, nil
}

func specChanges(before, after map[string]string) []string {
	var c []string
	for n, s := range after {
		switch b, ok := before[n]; {
		case !ok:
			c = append(c, "created "+n)
		case b != s:
			c = append(c, "updated "+n)
		}
	}
	for n := range before {
		if _, ok := after[n]; !ok {
			c = append(c, "removed "+n)
		}
	}
	sort.Strings(c)
	return c
}
