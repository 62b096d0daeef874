# Regenerates golden.json by running the real modules with ansible-playbook
# 2.14 (Debian's /usr/bin/ansible-playbook and /usr/bin/python3).
import json, os, subprocess, tempfile
cases = json.load(open(os.path.join(os.path.dirname(__file__), "cases.json")))
work = tempfile.mkdtemp()
tasks, order = [], []
for mod, cs in cases.items():
    for i, c in enumerate(cs):
        p = os.path.join(work, "%s-%d" % (mod, i))
        open(p, "w", newline="").write(c["content"])
        args = dict(c["args"], path=p)
        tasks.append({mod: args, "register": "r%d" % len(order)})
        order.append((mod, c, p))
tasks.append({"copy": {"dest": os.path.join(work, "results.json"),
              "content": "{{ [" + ",".join("r%d" % i for i in range(len(order))) + "] | to_json }}"}})
pb = os.path.join(work, "pb.yml")
json.dump([{"hosts": "localhost", "gather_facts": False, "tasks": tasks}], open(pb, "w"))
subprocess.run(["/usr/bin/ansible-playbook", "-i", "localhost,", "-c", "local",
                "-e", "ansible_python_interpreter=/usr/bin/python3", pb], check=True, stdout=subprocess.DEVNULL)
res = json.load(open(os.path.join(work, "results.json")))
out = {}
for (mod, c, p), r in zip(order, res):
    out.setdefault(mod, []).append(dict(c, after=open(p, newline="").read(), changed=r["changed"], msg=r.get("msg", "")))
json.dump(out, open(os.path.join(os.path.dirname(__file__), "golden.json"), "w"), indent=1)
