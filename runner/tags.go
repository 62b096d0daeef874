package runner

import "github.com/swarmbook/swarmbook/runner/playbook"

// selected applies --tags and --skip-tags to a task as Ansible's
// Taggable.evaluate_tags does, with the play's tags inherited.
func (pr *playRun) selected(t *playbook.Task) bool {
	tags := map[string]bool{}
	for _, tg := range t.EffectiveTags() {
		tags[tg] = true
	}
	for _, tg := range pr.play.Tags {
		tags[tg] = true
	}
	return evaluateTags(tags, pr.r.opts.Tags, pr.r.opts.SkipTags)
}

func evaluateTags(tags map[string]bool, only, skip []string) bool {
	if len(tags) == 0 {
		tags = map[string]bool{"untagged": true}
	}
	inAny := func(list []string) bool {
		for _, x := range list {
			if tags[x] {
				return true
			}
		}
		return false
	}
	has := func(list []string, x string) bool {
		for _, y := range list {
			if y == x {
				return true
			}
		}
		return false
	}
	untagged := len(tags) == 1 && tags["untagged"]
	if len(only) == 0 {
		only = []string{"all"}
	}
	run := false
	switch {
	case tags["always"]:
		run = true
	case has(only, "all") && !tags["never"]:
		run = true
	case inAny(only):
		run = true
	case has(only, "tagged") && !untagged && !tags["never"]:
		run = true
	}
	if run && len(skip) > 0 {
		switch {
		case has(skip, "all"):
			if !tags["always"] || has(skip, "always") {
				run = false
			}
		case inAny(skip):
			run = false
		case has(skip, "tagged") && !untagged:
			run = false
		}
	}
	return run
}

// TagsSelected reports whether a task with these effective tags runs under
// --tags only and --skip-tags skip.
func TagsSelected(tags map[string]bool, only, skip []string) bool {
	return evaluateTags(tags, only, skip)
}

// DisplayName is the name Ansible shows for a task ("role : name").
func DisplayName(t *playbook.Task) string { return displayName(t) }
