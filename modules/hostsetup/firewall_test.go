package hostsetup

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/runner/transport"
)

func TestWantedRules(t *testing.T) {
	mgr := map[string]any{"group_names": []any{"swarm-manager"}}
	wrk := map[string]any{"group_names": []any{"swarm-worker"}}
	cases := []struct {
		name string
		args modules.Args
		vars map[string]any
		want []string
		err  string
	}{
		{"swarm manager by group", modules.Args{"preset": "swarm", "proto": "tcp"}, mgr,
			[]string{"swarmbook 2377/tcp", "swarmbook 7946/tcp", "swarmbook 7946/udp", "swarmbook 4789/udp"}, ""},
		{"swarm worker by group", modules.Args{"preset": "swarm", "proto": "tcp"}, wrk,
			[]string{"swarmbook 7946/tcp", "swarmbook 7946/udp", "swarmbook 4789/udp"}, ""},
		{"role wins over group", modules.Args{"preset": "swarm", "role": "worker", "proto": "tcp"}, mgr,
			[]string{"swarmbook 7946/tcp", "swarmbook 7946/udp", "swarmbook 4789/udp"}, ""},
		{"role manager", modules.Args{"preset": "swarm", "role": "manager", "proto": "tcp", "esp": true}, nil,
			[]string{"swarmbook 2377/tcp", "swarmbook 7946/tcp", "swarmbook 7946/udp", "swarmbook 4789/udp", "swarmbook esp"}, ""},
		{"both with source", modules.Args{"port": "53", "proto": "both", "source": "10.1.2.3/8"}, nil,
			[]string{"swarmbook 53/tcp from 10.0.0.0/8", "swarmbook 53/udp from 10.0.0.0/8"}, ""},
		{"range with colon", modules.Args{"port": "8000:8010", "proto": "udp"}, nil, []string{"swarmbook 8000-8010/udp"}, ""},
		{"single address", modules.Args{"port": "80", "proto": "tcp", "source": "192.0.2.7"}, nil, []string{"swarmbook 80/tcp from 192.0.2.7/32"}, ""},
		{"v6 source", modules.Args{"port": "80", "proto": "tcp", "source": "2001:db8::1/64"}, nil, []string{"swarmbook 80/tcp from 2001:db8::/64"}, ""},
		{"esp proto", modules.Args{"proto": "esp"}, nil, []string{"swarmbook esp"}, ""},
		{"bad port", modules.Args{"port": "70000", "proto": "tcp"}, nil, nil, "invalid port"},
		{"bad range", modules.Args{"port": "10-5", "proto": "tcp"}, nil, nil, "invalid port range"},
		{"hostile port", modules.Args{"port": "22; rm -rf /", "proto": "tcp"}, nil, nil, "invalid port"},
		{"bad source", modules.Args{"port": "22", "proto": "tcp", "source": "$(reboot)"}, nil, nil, "invalid source"},
		{"esp with port", modules.Args{"port": "22", "proto": "esp"}, nil, nil, "esp takes no port"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rules, err := wantedRules(c.args, c.vars)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("want error %q, got %v", c.err, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := ruleKeys(rules); !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %q want %q", got, c.want)
			}
			for _, r := range rules {
				back, ok := parseRuleKey(r.key())
				if !ok || back != r {
					t.Errorf("key %q does not parse back: %+v", r.key(), back)
				}
			}
		})
	}
}

func TestMgmtPortAndRefusal(t *testing.T) {
	cases := []struct {
		name  string
		vars  map[string]any
		sshc  string
		port  int
		close []fwRule
		err   bool
	}{
		{"default 22", nil, "", 22, []fwRule{{Proto: "tcp", Port: "22"}}, true},
		{"ansible_port", map[string]any{"ansible_port": 2222}, "", 2222, []fwRule{{Proto: "tcp", Port: "2200-2300"}}, true},
		{"ansible_port string", map[string]any{"ansible_port": "2022"}, "", 2022, []fwRule{{Proto: "tcp", Port: "22"}}, false},
		{"SSH_CONNECTION", nil, "198.18.0.1 50000 198.18.0.2 2200", 2200, []fwRule{{Proto: "tcp", Port: "2200"}}, true},
		{"udp is fine", nil, "", 22, []fwRule{{Proto: "udp", Port: "22"}}, false},
		{"local connection", map[string]any{"ansible_connection": "local"}, "", 0, []fwRule{{Proto: "tcp", Port: "22"}}, false},
		{"winrm https", map[string]any{"ansible_connection": "winrm"}, "", 5986, []fwRule{{Proto: "tcp", Port: "5986"}}, true},
		{"winrm http", map[string]any{"ansible_connection": "winrm", "ansible_winrm_scheme": "http"}, "", 5985, nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, how := mgmtPort(c.vars, c.sshc)
			if p != c.port {
				t.Fatalf("port %d want %d (%s)", p, c.port, how)
			}
			err := refuseClose(c.close, p, how)
			if (err != nil) != c.err {
				t.Fatalf("refusal: %v", err)
			}
			if err != nil && !strings.Contains(err.Error(), "refusing to close") {
				t.Errorf("message: %v", err)
			}
		})
	}
}

func TestFirewallParsers(t *testing.T) {
	js, err := os.ReadFile("testdata/nft.json")
	if err != nil {
		t.Fatal(err)
	}
	st, err := parseFwPOSIX(facts{"backend": {"nftables"}, "nftjson": {enc(string(js))}, "include": {"yes"}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"swarmbook 2377/tcp":                 "swarmbook 2377/tcp",
		"swarmbook 4789/udp from 10.0.0.0/8": "swarmbook 4789/udp from 10.0.0.0/8",
		"swarmbook esp":                      "swarmbook esp",
		"swarmbook 8000-8010/udp":            "swarmbook 8000-8010/udp - app ports",
	}
	if !reflect.DeepEqual(st.Rules, want) {
		t.Errorf("nft rules %v", st.Rules)
	}
	if st.Extra["persisted"] != "\x00missing" {
		t.Errorf("missing persist file not noticed")
	}

	ipt, _ := os.ReadFile("testdata/iptables-S.txt")
	f := facts{"backend": {"iptables"}, "jump": {"yes"}}
	for _, l := range splitNonEmpty(string(ipt)) {
		f["ipt"] = append(f["ipt"], l)
	}
	st, err = parseFwPOSIX(f)
	if err != nil || len(st.Rules) != 2 || st.Rules["swarmbook esp"] == "" || st.Rules["swarmbook 2377/tcp from 10.0.0.0/8"] == "" {
		t.Errorf("iptables: %v %v", st.Rules, err)
	}

	st, err = parseFwPOSIX(facts{"backend": {"ufw"}, "tuple": {
		"allow tcp 2377 0.0.0.0/0 any 0.0.0.0/0 in comment=" + "737761726d626f6f6b20323337372f746370",
		"allow tcp 2377 ::/0 any ::/0 in",
		"allow udp 8000:8010 0.0.0.0/0 any 10.0.0.0/8 in",
		"allow esp any 0.0.0.0/0 any 0.0.0.0/0 in",
		"deny tcp 23 0.0.0.0/0 any 0.0.0.0/0 in",
		"allow tcp 25 0.0.0.0/0 any 0.0.0.0/0 out",
	}})
	wantKeys := []string{"swarmbook 2377/tcp", "swarmbook 8000-8010/udp from 10.0.0.0/8", "swarmbook esp"}
	if err != nil || len(st.Rules) != 3 {
		t.Fatalf("ufw: %v %v", st.Rules, err)
	}
	for _, k := range wantKeys {
		if _, ok := st.Rules[k]; !ok {
			t.Errorf("ufw lacks %s: %v", k, st.Rules)
		}
	}

	st, err = parseFwPOSIX(facts{"backend": {"firewalld"}, "zone": {"public"}, "ports": {"7946/tcp 7946/udp 8000-8010/tcp"},
		"protocols": {"esp"}, "rich": {`rule family="ipv4" source address="10.0.0.0/8" port port="2377" protocol="tcp" accept`,
			`rule family="ipv4" source address="10.0.0.0/8" protocol value="esp" accept`, `rule family="ipv4" source address="1.2.3.4" drop`}})
	if err != nil || len(st.Rules) != 6 || st.Extra["zone"] != "public" {
		t.Fatalf("firewalld: %v %v", st.Rules, err)
	}

	for _, c := range []struct{ be, missing, err string }{
		{"none", "", "no firewall backend"}, {"ufw", "ufw", "not installed"}, {"pf", "", "unknown firewall backend"},
	} {
		f := facts{"backend": {c.be}}
		if c.missing != "" {
			f["missing"] = []string{c.missing}
		}
		if _, err := parseFwPOSIX(f); err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s: %v", c.be, err)
		}
	}
}

func TestFirewallPlansPOSIX(t *testing.T) {
	mgr := map[string]any{"group_names": []any{"swarm-manager"}}
	nftHave := func(keys ...string) string {
		js := `{"nftables":[{"table":{"family":"inet","name":"swarmbook"}}`
		for _, k := range keys {
			js += `,{"rule":{"comment":"` + k + `"}}`
		}
		return js + "]}"
	}
	full := []fwRule{{Proto: "tcp", Port: "2377"}, {Proto: "tcp", Port: "7946"}, {Proto: "udp", Port: "4789"}, {Proto: "udp", Port: "7946"}}
	sortRules(full)
	comments := map[string]string{}
	persistedFull := nftScript(full, comments)
	cases := []struct {
		name    string
		read    string
		args    map[string]any
		vars    map[string]any
		check   bool
		changed bool
		apply   []string // substrings of the apply script; nil: no apply
		failed  string
	}{
		{"nft fresh swarm", "backend=nftables\ninclude=no\n", map[string]any{"preset": "swarm"}, mgr, false, true,
			[]string{"base64 -d | nft -f -", "/etc/nftables.d/swarmbook.nft", `include "/etc/nftables.d/swarmbook.nft"`}, ""},
		{"nft converged", "backend=nftables\ninclude=yes\nnftjson=" + enc(nftHave("swarmbook 2377/tcp", "swarmbook 7946/tcp", "swarmbook 7946/udp", "swarmbook 4789/udp")) +
			"\npersist=" + enc(persistedFull) + "\n", map[string]any{"preset": "swarm"}, mgr, false, false, nil, ""},
		{"nft live ok, persist stale", "backend=nftables\ninclude=yes\nnftjson=" + enc(nftHave("swarmbook 2377/tcp", "swarmbook 7946/tcp", "swarmbook 7946/udp", "swarmbook 4789/udp")) +
			"\n", map[string]any{"preset": "swarm"}, mgr, false, true, []string{"swarmbook.nft.tmp"}, ""},
		{"nft check mode", "backend=nftables\ninclude=yes\n", map[string]any{"preset": "swarm"}, mgr, true, true, nil, ""},
		{"nft no persist", "backend=nftables\ninclude=no\n", map[string]any{"port": 80, "persist": false}, nil, false, true,
			[]string{"nft -f -"}, ""},
		{"iptables add", "backend=iptables\npersistdir=yes\n", map[string]any{"port": "2377", "source": "10.0.0.0/8", "comment": `x"; reboot; "`}, nil, false, true,
			[]string{"iptables -w -N SWARMBOOK", "iptables -w -I INPUT 1 -j SWARMBOOK",
				"-A SWARMBOOK -s 10.0.0.0/8 -p tcp -m tcp --dport 2377 -m comment --comment 'swarmbook 2377/tcp from 10.0.0.0/8 - x ; reboot;' -j ACCEPT",
				"iptables-save > /etc/iptables/rules.v4.tmp"}, ""},
		{"iptables remove", "backend=iptables\njump=yes\nipt=-A SWARMBOOK -p tcp -m tcp --dport 80 -m comment --comment \"swarmbook 80/tcp - web\" -j ACCEPT\n",
			map[string]any{"port": "80", "state": "absent"}, map[string]any{"ansible_connection": "local"}, false, true,
			[]string{"iptables -w -D SWARMBOOK -p tcp -m tcp --dport 80 -m comment --comment 'swarmbook 80/tcp - web' -j ACCEPT"}, ""},
		{"iptables absent already", "backend=iptables\njump=yes\n", map[string]any{"port": "80", "state": "absent"}, nil, false, false, nil, ""},
		{"iptables v6 refused", "backend=iptables\n", map[string]any{"port": "80", "source": "2001:db8::/32"}, nil, false, false, nil, "IPv4 only"},
		{"refuse closing ssh", "backend=iptables\njump=yes\nipt=-A SWARMBOOK -p tcp -m tcp --dport 22 -m comment --comment \"swarmbook 22/tcp\" -j ACCEPT\n",
			map[string]any{"port": "22", "state": "absent"}, nil, false, false, nil, "refusing to close 22/tcp"},
		{"refuse closing ssh port from SSH_CONNECTION", "backend=nftables\nssh_connection=10.0.0.1 4000 10.0.0.2 2222\ninclude=yes\nnftjson=" + enc(nftHave("swarmbook 2000-3000/tcp")) + "\n",
			map[string]any{"port": "2000-3000", "state": "absent"}, nil, false, false, nil, "refusing to close 2000-3000/tcp"},
		{"ufw add", "backend=ufw\n", map[string]any{"port": "7946", "proto": "both"}, nil, false, true,
			[]string{"ufw allow proto tcp from any to any port 7946 comment 'swarmbook 7946/tcp'", "ufw allow proto udp from any to any port 7946"}, ""},
		{"ufw esp remove", "backend=ufw\ntuple=allow esp any 0.0.0.0/0 any 10.0.0.0/8 in\n", map[string]any{"esp": true, "source": "10.0.0.0/8", "state": "absent"}, nil, false, true,
			[]string{"ufw delete allow proto esp from 10.0.0.0/8 to any"}, ""},
		{"firewalld add", "backend=firewalld\nzone=public\nports=7946/tcp\n", map[string]any{"preset": "swarm", "esp": true}, nil, false, true,
			[]string{"--zone=public --add-port=7946/udp", "--add-port=4789/udp", "--add-protocol=esp", "firewall-cmd --reload"}, ""},
		{"firewalld rich", "backend=firewalld\nzone=internal\n", map[string]any{"port": "2377", "source": "10.0.0.0/8"}, nil, false, true,
			[]string{`'--add-rich-rule=rule family="ipv4" source address="10.0.0.0/8" port port="2377" protocol="tcp" accept'`}, ""},
		{"no backend", "backend=none\n", map[string]any{"port": "80"}, nil, false, false, nil, "no firewall backend"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			outs := []string{c.read}
			if c.apply != nil {
				outs = append(outs, "")
			}
			tg, fc := fakeTarget(t, transport.ShellPOSIX, c.check, c.vars, outs...)
			out := runModule(t, firewallModule{}, tg, c.args)
			if c.failed != "" {
				if !out.Failed || !strings.Contains(out.Msg, c.failed) {
					t.Fatalf("want failure %q, got %+v", c.failed, out)
				}
				if len(fc.scripts) != 1 {
					t.Fatalf("a failed decision must not apply: %d scripts", len(fc.scripts))
				}
				return
			}
			if out.Failed || out.Changed != c.changed {
				t.Fatalf("got %+v", out)
			}
			if c.apply == nil {
				if len(fc.scripts) != 1 {
					t.Fatalf("unexpected apply:\n%s", fc.scripts[len(fc.scripts)-1])
				}
				return
			}
			if len(fc.scripts) != 2 {
				t.Fatalf("want one apply script, got %d scripts", len(fc.scripts))
			}
			for _, a := range c.apply {
				if !strings.Contains(fc.scripts[1], a) {
					t.Errorf("apply script lacks %q:\n%s", a, fc.scripts[1])
				}
			}
			if c.changed && len(out.Diffs) != 1 {
				t.Errorf("diff missing: %+v", out.Diffs)
			}
		})
	}
}

func TestFirewallWindowsPlans(t *testing.T) {
	rule := func(name, enabled, proto, port, remote string) string {
		return `rule={"name":"` + name + `","enabled":"` + enabled + `","direction":"Inbound","action":"Allow","protocol":"` + proto +
			`","localport":"` + port + `","remote":"` + remote + `","description":""}` + "\n"
	}
	cases := []struct {
		name    string
		read    string
		args    map[string]any
		changed bool
		apply   []string
		absent  []string
		failed  string
	}{
		{"create swarm worker", "", map[string]any{"preset": "swarm", "role": "worker"}, true,
			[]string{"New-NetFirewallRule -DisplayName 'swarmbook 7946/tcp' -Direction Inbound -Action Allow -Protocol TCP -LocalPort '7946'",
				"-DisplayName 'swarmbook 4789/udp'"}, []string{"2377", "Remove-NetFirewallRule"}, ""},
		{"converged", rule("swarmbook 2377/tcp", "True", "TCP", "2377", "Any"), map[string]any{"port": 2377}, false, nil, nil, ""},
		{"source in mask form matches", rule("swarmbook 2377/tcp from 10.0.0.0/8", "True", "TCP", "2377", "10.0.0.0/255.0.0.0"),
			map[string]any{"port": 2377, "source": "10.0.0.0/8"}, false, nil, nil, ""},
		{"disabled rule recreated", rule("swarmbook 2377/tcp", "False", "TCP", "2377", "Any"), map[string]any{"port": 2377}, true,
			[]string{"Remove-NetFirewallRule -DisplayName 'swarmbook 2377/tcp'", "New-NetFirewallRule -DisplayName 'swarmbook 2377/tcp'"}, nil, ""},
		{"duplicates recreated", rule("swarmbook 2377/tcp", "True", "TCP", "2377", "Any") + rule("swarmbook 2377/tcp", "True", "TCP", "2377", "Any"),
			map[string]any{"port": 2377}, true, []string{"Remove-NetFirewallRule", "New-NetFirewallRule"}, nil, ""},
		{"esp", "", map[string]any{"esp": true, "comment": "it's $(evil)"}, true, []string{"-Protocol 50", "-Description 'it s (evil)'"}, nil, ""},
		{"esp converged", rule("swarmbook esp", "True", "50", "Any", "Any"), map[string]any{"esp": true}, false, nil, nil, ""},
		{"remove", rule("swarmbook 8080/tcp", "True", "TCP", "8080", "Any"), map[string]any{"port": 8080, "state": "absent"}, true,
			[]string{"Remove-NetFirewallRule -DisplayName 'swarmbook 8080/tcp'"}, []string{"New-NetFirewallRule"}, ""},
		{"refuse winrm port", rule("swarmbook 5986/tcp", "True", "TCP", "5986", "Any"), map[string]any{"port": 5986, "state": "absent"}, false, nil, nil, "refusing to close 5986/tcp"},
		{"linux backend on windows", "", map[string]any{"port": 1, "backend": "nftables"}, false, nil, nil, "not available on Windows"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			outs := []string{c.read}
			if c.apply != nil {
				outs = append(outs, "")
			}
			tg, fc := fakeTarget(t, transport.ShellPowerShell, false, map[string]any{"ansible_connection": "winrm"}, outs...)
			out := runModule(t, firewallModule{}, tg, c.args)
			if c.failed != "" {
				if !out.Failed || !strings.Contains(out.Msg, c.failed) {
					t.Fatalf("want failure %q, got %+v", c.failed, out)
				}
				return
			}
			if out.Failed || out.Changed != c.changed {
				t.Fatalf("got %+v", out)
			}
			if c.apply == nil {
				if len(fc.scripts) != 1 {
					t.Fatalf("unexpected apply")
				}
				return
			}
			for _, a := range c.apply {
				if !strings.Contains(fc.scripts[1], a) {
					t.Errorf("apply lacks %q:\n%s", a, fc.scripts[1])
				}
			}
			for _, a := range c.absent {
				if strings.Contains(fc.scripts[1], a) {
					t.Errorf("apply has %q:\n%s", a, fc.scripts[1])
				}
			}
		})
	}
}

func TestWinRemote(t *testing.T) {
	for in, want := range map[string]string{"Any": "", "10.0.0.0/255.0.0.0": "10.0.0.0/8", "192.0.2.1": "192.0.2.1/32",
		"192.0.2.0/255.255.255.128": "192.0.2.0/25", "2001:db8::/32": "2001:db8::/32"} {
		if got := winRemote(in); got != want {
			t.Errorf("%s: %s want %s", in, got, want)
		}
	}
}
