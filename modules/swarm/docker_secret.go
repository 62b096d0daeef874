package swarm

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"strings"

	"github.com/swarmbook/swarmbook/modules"
)

// hashLabel holds the sha256 of a secret's or config's data: Docker never
// gives secret data back, so the label is what makes the module idempotent.
const hashLabel = "org.swarmbook.sha256"

// objectModule is docker_secret (kind "secret": data never shown, registered
// as a secret) and docker_config (kind "config": content visible in diffs).
type objectModule struct{ kind string }

func (m objectModule) Spec() modules.Spec {
	return modules.Spec{Params: []modules.Param{
		{Name: "name", Kind: modules.KindStr, Required: true},
		{Name: "data", Kind: modules.KindStr, NoLog: m.kind == "secret"},
		{Name: "data_src", Kind: modules.KindPath},
		{Name: "data_is_b64", Kind: modules.KindBool, Default: false},
		{Name: "labels", Kind: modules.KindDict},
		{Name: "force", Kind: modules.KindBool, Default: false},
		{Name: "state", Kind: modules.KindStr, Default: "present", Choices: []string{"present", "absent"}},
		{Name: "managers_group", Kind: modules.KindStr, Default: "swarm-manager"},
	}, MutuallyExclusive: [][]string{{"data", "data_src"}}}
}

// ObjectDetail is `docker secret|config inspect NAME --format '{{json .}}'`.
type ObjectDetail struct {
	ID   string
	Spec struct {
		Name   string
		Labels map[string]string
		Data   string // configs only: base64
	}
}

func (m objectModule) Run(ctx context.Context, t *modules.Target, args modules.Args) (modules.Outcome, error) {
	out := modules.Outcome{Fields: map[string]any{}}
	name := args.Str("name")
	var data []byte
	if args.Str("state") == "present" {
		var err error
		if data, err = objectData(t, args); err != nil {
			return failed(err.Error()), nil
		}
		if m.kind == "secret" && len(data) > 0 {
			out.Secrets = append(out.Secrets, string(data), strings.TrimSpace(string(data)))
		}
	}
	mgr, _, err := managerFor(ctx, t, args.Str("managers_group"))
	if err != nil {
		return failNode(out, err)
	}
	cur, exists, err := m.inspect(ctx, mgr, name)
	if err != nil {
		return failNode(out, err)
	}
	if exists {
		out.Fields[m.kind+"_id"] = cur.ID
	}
	if args.Str("state") == "absent" {
		if exists {
			out.Changed = true
			if !t.Check {
				if _, err := mgr.exec(ctx, "docker "+m.kind+" rm", nil, m.kind, "rm", name); err != nil {
					return failNode(out, err)
				}
			}
		}
		return out, nil
	}
	sum := sha256.Sum256(data)
	hash := hex.EncodeToString(sum[:])
	labels := map[string]string{hashLabel: hash}
	for k, v := range args.Dict("labels") {
		labels[k] = modules.PyStr(v)
	}
	if exists && !args.Bool("force") && sameLabels(cur.Spec.Labels, labels) {
		return out, nil
	}
	out.Changed = true
	if t.Diff && m.kind == "config" {
		before := ""
		if exists {
			b, _ := base64.StdEncoding.DecodeString(cur.Spec.Data)
			before = string(b)
		}
		out.Diffs = append(out.Diffs, modules.Diff{BeforeHeader: "config " + name, AfterHeader: "config " + name, Before: before, After: string(data)})
	}
	if t.Check {
		return out, nil
	}
	if exists {
		// Docker cannot update data: remove (fails while a service uses it) and create.
		if _, err := mgr.exec(ctx, "docker "+m.kind+" rm", nil, m.kind, "rm", name); err != nil {
			return failNode(out, fmt.Errorf("%s %s changed and cannot be replaced: %w", m.kind, name, err))
		}
	}
	a := []string{m.kind, "create"}
	for _, k := range sortedKeys(labels) {
		a = append(a, "--label", k+"="+labels[k])
	}
	a = append(a, name, "-")
	o, err := mgr.exec(ctx, "docker "+m.kind+" create", strings.NewReader(string(data)), a...)
	if err != nil {
		return failNode(out, err)
	}
	out.Fields[m.kind+"_id"] = strings.TrimSpace(lastLine(o.Text))
	return out, nil
}

// objectData returns the data from data (optionally base64) or from a
// controller file data_src.
func objectData(t *modules.Target, args modules.Args) ([]byte, error) {
	if src := args.Str("data_src"); src != "" {
		p := src
		if t.Files != nil {
			if f, err := t.Files.Find("files", src); err == nil {
				p = f
			}
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("reading data_src: %w", err)
		}
		return b, nil
	}
	d := args.Str("data")
	if args.Bool("data_is_b64") {
		b, err := base64.StdEncoding.DecodeString(d)
		if err != nil {
			return nil, fmt.Errorf("data is not valid base64: %w", err)
		}
		return b, nil
	}
	return []byte(d), nil
}

func sameLabels(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// inspect finds a secret or config by exact name.
func (m objectModule) inspect(ctx context.Context, h *host, name string) (ObjectDetail, bool, error) {
	var d ObjectDetail
	s := h.script().docker("ls", m.kind, "ls", "--filter", "name="+name, "--format", "{{json .}}").
		docker("inspect", m.kind, "inspect", name, "--format", "{{json .}}")
	o, err := h.run(ctx, s, nil)
	if err != nil {
		return d, false, err
	}
	if !o["ls"].OK() {
		return d, false, dockerError("docker "+m.kind+" ls", o["ls"])
	}
	rows, err := decodeJSONLines[struct{ Name string }](o["ls"])
	if err != nil {
		return d, false, err
	}
	found := false
	for _, r := range rows {
		found = found || r.Name == name
	}
	if !found {
		return d, false, nil
	}
	if !o["inspect"].OK() {
		return d, false, dockerError("docker "+m.kind+" inspect", o["inspect"])
	}
	return d, true, decodeJSON(o["inspect"], &d)
}
