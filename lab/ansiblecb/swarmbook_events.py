# swarmbook_events: an ansible-playbook notification callback used by swarmbook's lab (package lab).
# It writes one JSON object per line to the file named by $SWARMBOOK_EVENTS_FILE: one per task result
# (host, task name, task path, status, changed) and the final per-host stats. Messages are kept only for
# failures, and cut short.
import json
import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'notification'
    CALLBACK_NAME = 'swarmbook_events'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super(CallbackModule, self).__init__()
        self._out = open(os.environ['SWARMBOOK_EVENTS_FILE'], 'a')

    def _emit(self, obj):
        self._out.write(json.dumps(obj, sort_keys=True) + '\n')
        self._out.flush()

    def _result(self, status, result):
        task = result._task
        res = result._result
        event = {
            'event': 'result',
            'status': status,
            'host': result._host.get_name(),
            'task': task.get_name(),
            'pos': task.get_path() or '',
            'changed': bool(res.get('changed', False)),
        }
        if status in ('failed', 'unreachable'):
            event['msg'] = str(res.get('msg', ''))[:300]
        self._emit(event)

    def v2_runner_on_ok(self, result):
        self._result('ok', result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._result('ignored' if ignore_errors else 'failed', result)

    def v2_runner_on_unreachable(self, result):
        self._result('unreachable', result)

    def v2_runner_on_skipped(self, result):
        self._result('skipped', result)

    def v2_playbook_on_stats(self, stats):
        hosts = {}
        for host in sorted(stats.processed.keys()):
            hosts[host] = stats.summarize(host)
        self._emit({'event': 'stats', 'hosts': hosts})
