package swarm

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"time"

	"github.com/swarmbook/swarmbook/modules"
)

// imageModule is docker_image: pull with retries, or load a tar uploaded
// from the controller (the lab has no registry); idempotent by image ID.
type imageModule struct{}

func (imageModule) Spec() modules.Spec {
	return modules.Spec{Params: []modules.Param{
		{Name: "name", Kind: modules.KindStr, Required: true},
		{Name: "tag", Kind: modules.KindStr},
		{Name: "source", Kind: modules.KindStr, Default: "pull", Choices: []string{"pull", "load", "local"}},
		{Name: "load_path", Kind: modules.KindPath},
		{Name: "force_source", Kind: modules.KindBool, Default: false},
		{Name: "retries", Kind: modules.KindInt, Default: 3},
		{Name: "delay", Kind: modules.KindInt, Default: 5},
		{Name: "state", Kind: modules.KindStr, Default: "present", Choices: []string{"present", "absent"}},
	}}
}

func (imageModule) Run(ctx context.Context, t *modules.Target, args modules.Args) (modules.Outcome, error) {
	out := modules.Outcome{Fields: map[string]any{}}
	h := targetHost(t)
	name := args.Str("name")
	if tag := args.Str("tag"); tag != "" {
		name += ":" + tag
	}
	before, err := imageID(ctx, h, name)
	if err != nil {
		return failNode(out, err)
	}
	out.Fields["image_id"] = before
	if args.Str("state") == "absent" {
		if before == "" {
			return out, nil
		}
		out.Changed = true
		if !t.Check {
			if _, err := h.exec(ctx, "docker image rm", nil, "image", "rm", name); err != nil {
				return failNode(out, err)
			}
		}
		return out, nil
	}
	if before != "" && !args.Bool("force_source") {
		return out, nil
	}
	switch args.Str("source") {
	case "local":
		if before == "" {
			return failed(fmt.Sprintf("image %s is not on the host and source is local", name)), nil
		}
		return out, nil
	case "load":
		if args.Str("load_path") == "" {
			return failed("source=load needs load_path (a tar file on the controller)"), nil
		}
	}
	if t.Check {
		out.Changed = before == ""
		return out, nil
	}
	if args.Str("source") == "load" {
		err = loadImage(ctx, t, h, args.Str("load_path"))
	} else {
		err = pullImage(ctx, h, name, args.Int("retries"), time.Duration(args.Int("delay"))*time.Second)
	}
	if err != nil {
		return failNode(out, err)
	}
	after, err := imageID(ctx, h, name)
	if err != nil {
		return failNode(out, err)
	}
	if after == "" {
		return failed(fmt.Sprintf("image %s is still missing after %s", name, args.Str("source"))), nil
	}
	out.Fields["image_id"] = after
	out.Changed = after != before
	return out, nil
}

// imageID returns the ID of a local image, or "" when it is missing.
func imageID(ctx context.Context, h *host, name string) (string, error) {
	s := h.script().docker("ls", "image", "ls", "--no-trunc", "--format", "{{json .}}", name)
	o, err := h.run(ctx, s, nil)
	if err != nil {
		return "", err
	}
	if !o["ls"].OK() {
		return "", dockerError("docker image ls", o["ls"])
	}
	rows, err := decodeJSONLines[struct{ ID string }](o["ls"])
	if err != nil || len(rows) == 0 {
		return "", err
	}
	return rows[0].ID, nil
}

func pullImage(ctx context.Context, h *host, name string, retries int, delay time.Duration) error {
	var last error
	for i := 0; i <= retries; i++ {
		if i > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(delay):
			}
		}
		if _, last = h.exec(ctx, "docker pull", nil, "pull", "--quiet", name); last == nil || isTransport(last) {
			return last
		}
	}
	return fmt.Errorf("after %d attempts: %w", retries+1, last)
}

// loadImage uploads a controller tar to a temporary file and loads it.
func loadImage(ctx context.Context, t *modules.Target, h *host, src string) error {
	p := src
	if t.Files != nil {
		if f, err := t.Files.Find("files", src); err == nil {
			p = f
		}
	}
	f, err := os.Open(p)
	if err != nil {
		return fmt.Errorf("load_path: %w", err)
	}
	defer f.Close()
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	dst := h.d.tempFile("swarmbook-image-" + hex.EncodeToString(rnd[:]) + ".tar")
	if err := h.conn.Put(ctx, dst, f, 0o600, h.become); err != nil {
		return err
	}
	s := h.script().docker("load", "load", "--quiet", "--input", dst).raw("rm", h.d.remove(dst))
	o, err := h.run(ctx, s, nil)
	if err != nil {
		return err
	}
	if !o["load"].OK() {
		return dockerError("docker load", o["load"])
	}
	return nil
}
