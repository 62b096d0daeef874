package lab

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// ErrMissing marks errors about a missing piece of the lab (tool, daemon, image); errors.Is finds it.
var ErrMissing = errors.New("lab prerequisite missing")

// missing builds an ErrMissing error with a message naming the piece and how to get it.
func missing(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMissing, fmt.Sprintf(format, args...))
}

// checkTools verifies the Vagrantfile, the vagrant and docker commands and a running docker daemon.
func (o Options) checkTools(ctx context.Context) error {
	if !exists(o.vagrantfile()) {
		return missing("no Vagrantfile in %s: run from the repository root or set the lab directory", o.Dir)
	}
	if _, err := exec.LookPath("vagrant"); err != nil {
		return missing("vagrant not found: install it with `apt-get install -y --no-install-recommends vagrant`")
	}
	return o.checkDocker(ctx)
}

// checkDocker verifies the docker client and daemon.
func (o Options) checkDocker(ctx context.Context) error {
	if _, err := exec.LookPath("docker"); err != nil {
		return missing("docker client not found: install it with `apt-get install -y docker.io`")
	}
	if _, err := o.command(ctx, "docker", "version", "--format", "{{.Server.Version}}"); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return missing("docker daemon not running: start it with `molecule-test/dockerd.sh start` or `make lab-up`")
	}
	return nil
}

// ImageTag returns the node image tag for opts (Image, or the tag image/build.sh computes for Variant).
func ImageTag(ctx context.Context, opts Options) (string, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return "", err
	}
	return o.imageTag(ctx)
}

func (o Options) imageTag(ctx context.Context) (string, error) {
	if o.Image != "" {
		return o.Image, nil
	}
	if !exists(o.buildScript()) {
		return "", missing("node image recipe %s not found", o.buildScript())
	}
	out, err := o.command(ctx, o.buildScript(), "--tag", o.Variant)
	if err != nil {
		return "", fmt.Errorf("node image tag: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// hasImage reports whether the local docker daemon has the image tag.
func (o Options) hasImage(ctx context.Context, tag string) bool {
	_, err := o.command(ctx, "docker", "image", "inspect", "--format", "{{.Id}}", tag)
	return err == nil
}

// BuildImage makes sure the node image for opts exists, building it from Debian packages when its recipe
// changed (about a minute), and returns its tag. The build's output goes to opts.Log.
func BuildImage(ctx context.Context, opts Options) (string, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return "", err
	}
	if err := o.checkDocker(ctx); err != nil {
		return "", err
	}
	return o.buildImage(ctx)
}

func (o Options) buildImage(ctx context.Context) (string, error) {
	tag, err := o.imageTag(ctx)
	if err != nil {
		return "", err
	}
	if o.hasImage(ctx, tag) {
		return tag, nil
	}
	if o.Image != "" {
		return "", missing("node image %s not found in the local docker daemon (it was given explicitly, so it is not built)", tag)
	}
	// Both variants come from one debootstrap, so build them together.
	cmd := exec.CommandContext(ctx, o.buildScript(), "all")
	cmd.Dir = o.Dir
	cmd.Env = o.vagrantEnv()
	var stderr tailBuffer
	cmd.Stdout = o.log()
	cmd.Stderr = multiWriter(&stderr, o.Log)
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("building node image %s: %w: %s", tag, err, strings.TrimSpace(stderr.String()))
	}
	if !o.hasImage(ctx, tag) {
		return "", fmt.Errorf("building node image %s: the build finished but the image is not there", tag)
	}
	return tag, nil
}
