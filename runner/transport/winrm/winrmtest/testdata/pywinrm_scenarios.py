"""Runs WinRM scenarios with Debian's pywinrm against winrmtest.

Usage: /usr/bin/python3 pywinrm_scenarios.py '<json options>'
Options: endpoint, transport, username, password and pywinrm Protocol
keyword arguments. Prints one JSON object with the results.
"""
import base64
import faulthandler
import json
import sys

import winrm
from winrm.protocol import Protocol

faulthandler.dump_traceback_later(15, exit=True)  # never hang a test run
opts = json.loads(sys.argv[1])
scenarios = opts.pop("scenarios")
proto = Protocol(**opts)
out = {}
shell = proto.open_shell()
try:
    if "cmd" in scenarios:
        cid = proto.run_command(shell, "printf", ["'%s|%s'", "ünï", "cödé"])
        so, se, rc = proto.get_command_output(shell, cid)
        proto.cleanup_command(shell, cid)
        out["cmd"] = {"stdout": so.decode("utf-8"), "stderr": se.decode("utf-8"), "rc": rc}
        cid = proto.run_command(shell, "echo oops >&2; exit 3")
        so, se, rc = proto.get_command_output(shell, cid)
        proto.cleanup_command(shell, cid)
        out["exit"] = {"stdout": so.decode("utf-8"), "stderr": se.decode("utf-8"), "rc": rc}
        big = "x" * 300000
        cid = proto.run_command(shell, "head -c 300000 /dev/zero | tr '\\0' x")
        so, se, rc = proto.get_command_output(shell, cid)
        proto.cleanup_command(shell, cid)
        out["big"] = {"ok": so.decode("utf-8") == big, "rc": rc, "len": len(so)}
    if "ps" in scenarios:
        sess = winrm.Session.__new__(winrm.Session)
        sess.protocol = proto
        # Session.run_ps without its stderr cleaning, which fails on bytes
        # under Python 3 in pywinrm 0.3.0.
        script = "Write-Output 'from ps'\nWrite-Error 'ps failed'\n"
        encoded = base64.b64encode(script.encode("utf_16_le")).decode("ascii")
        r = sess.run_cmd("powershell -encodedcommand {0}".format(encoded))
        out["ps"] = {"stdout": r.std_out.decode("utf-8"), "stderr": r.std_err.decode("utf-8"), "rc": r.status_code}
finally:
    proto.close_shell(shell)
print(json.dumps(out))
