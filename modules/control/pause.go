package control

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/swarmbook/swarmbook/modules"
)

// pause waits for a number of seconds or minutes. swarmbook never reads a
// terminal: a prompt without a duration does not wait, as Ansible does when
// its stdin is not interactive.
type pause struct{}

func (pause) Spec() modules.Spec {
	return modules.Spec{
		Params: []modules.Param{
			{Name: "echo", Kind: modules.KindBool, Default: true},
			{Name: "minutes"},
			{Name: "seconds"},
			{Name: "prompt", Kind: modules.KindStr},
		},
		MutuallyExclusive: [][]string{{"minutes", "seconds"}},
	}
}

func (pause) Run(ctx context.Context, t *modules.Target, a modules.Args) (modules.Outcome, error) {
	unit := "minutes"
	seconds := -1
	if a.Has("minutes") {
		m, err := toInt("minutes", a["minutes"])
		if err != nil {
			return failed(fmt.Sprintf("argument 'minutes' is of type %s and we were unable to convert to int: %v", pyClassOf(a["minutes"]), err)), nil
		}
		seconds = m * 60
	} else if a.Has("seconds") {
		s, err := toInt("seconds", a["seconds"])
		if err != nil {
			return failed(fmt.Sprintf("argument 'seconds' is of type %s and we were unable to convert to int: %v", pyClassOf(a["seconds"]), err)), nil
		}
		seconds = s
		unit = "seconds"
	}
	start := time.Now()
	startText := pyNow(start)
	if seconds >= 0 {
		if seconds < 1 {
			seconds = 1
		}
		timer := time.NewTimer(time.Duration(seconds) * time.Second)
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			return modules.Outcome{}, ctx.Err()
		}
	}
	stop := time.Now()
	d := stop.Sub(start).Seconds()
	shown := d
	if unit == "minutes" {
		shown = d / 60
	}
	shown = math.Round(shown*100) / 100
	return modules.Outcome{Fields: map[string]any{
		"rc": 0, "stderr": "", "stdout": fmt.Sprintf("Paused for %s %s", modules.PyStr(shown), unit),
		"start": startText, "stop": pyNow(stop), "delta": int(d), "echo": a.Bool("echo"), "user_input": "",
	}}, nil
}

func pyClassOf(v any) string {
	if _, ok := v.(string); ok {
		return "<class 'str'>"
	}
	return pyClass(v)
}

// pyNow formats t as Python's str(datetime.datetime.now()).
func pyNow(t time.Time) string {
	if t.Nanosecond()/1000 == 0 {
		return t.Format("2006-01-02 15:04:05")
	}
	return t.Format("2006-01-02 15:04:05.000000")
}
