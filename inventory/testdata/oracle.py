import json, sys, os
from ansible.parsing.dataloader import DataLoader
from ansible.inventory.manager import InventoryManager
from ansible.vars.manager import VariableManager
from ansible import context
from ansible.module_utils.common.collections import ImmutableDict
context.CLIARGS = ImmutableDict({})
req = json.loads(sys.argv[1])
loader = DataLoader()
if req.get('basedir'):
    loader.set_basedir(req['basedir'])
inv = InventoryManager(loader=loader, sources=req['sources'])
vm = VariableManager(loader=loader, inventory=inv)
if req.get('basedir'):
    vm.safe_basedir = True
out = {'hosts': [h.name for h in inv.get_hosts('all')], 'groups': inv.get_groups_dict(), 'vars': {}, 'patterns': {}}
for h in inv.get_hosts('all') + ([inv.get_host('localhost')] if req.get('localhost') else []):
    v = vm.get_vars(host=h, include_hostvars=False)
    out['vars'][h.name] = {k: v[k] for k in v if k not in req['drop']}
for p in req.get('patterns', []):
    try:
        out['patterns'][p] = [h.name for h in inv.get_hosts(p)]
    except Exception as e:
        out['patterns'][p] = 'ERROR: ' + str(e)
for lim, pats in req.get('limits', {}).items():
    inv.subset(lim)
    for p in pats:
        out['patterns'][p + ' LIMIT ' + lim] = [h.name for h in inv.get_hosts(p)]
    inv.subset(None)
print(json.dumps(out, default=lambda o: repr(o)))
