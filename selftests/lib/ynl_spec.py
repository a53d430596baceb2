#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""ynl_spec.py - a netlink spec against the running kernel, for
selftests/ynl_test.sh, through the kernel's YNL library (tools/net/ynl/lib,
see scripts/ynl-dir).

  ynl_spec.py YNL SPEC facts
      the attribute names of each operation's do, dump (request, reply)
      and event, and the attributes' checks, as JSON:
      {"ops": {OP: {"value": N, "do": {"request": [...], "reply": [...]},
      "dump": ..., "event": [...]}}, "checks": {ATTR: {...}}}
  ynl_spec.py YNL SPEC family GETFAMILY.json
      the generic netlink controller's description of the family (cli.py
      --spec nlctrl.yaml --do getfamily) against the spec: name, version,
      last attribute, each operation with its do/dump capabilities and
      permission flags, the multicast groups
  ynl_spec.py YNL SPEC policy OP GETPOLICY.json
      the controller's policy dump of OP (--dump getpolicy with "op")
      against the spec: for do and dump, a policy exactly when the spec
      lists request attributes, of exactly those attributes, with the
      spec's types and length checks
  ynl_spec.py YNL SPEC events GROUP ATTR=VALUE COUNT TIMEOUT CMD...
      join GROUP, run CMD, then gather the notifications whose attribute
      ATTR is VALUE (e.g. name=SESSION) until COUNT of them or TIMEOUT
      seconds: a JSON list of {"name": message, "msg": attributes}

Comparisons print "# " diagnostics and exit 1 on a difference.
"""
import json
import os
import select
import subprocess
import sys
import time

# The controller's names for the types of a policy (nlctrl.yaml's
# attr-type) by spec type.
POLICY_TYPE = {
    'flag': 'flag', 'u8': 'u8', 'u16': 'u16', 'u32': 'u32', 'u64': 'u64',
    's8': 's8', 's16': 's16', 's32': 's32', 's64': 's64',
    'binary': 'binary', 'nest': 'nested', 'bitfield32': 'bitfield32',
    'uint': 'uint', 'sint': 'sint',
}


def to_json(obj):
    def conv(o):
        if isinstance(o, (set, frozenset)):
            return sorted(o)
        if isinstance(o, bytes):
            return o.hex()
        raise TypeError(repr(o))
    return json.dumps(obj, default=conv, sort_keys=True)


def load_family(ynl, spec):
    sys.path.insert(0, os.path.join(ynl, 'tools/net/ynl'))
    from lib import SpecFamily  # noqa: E402 (from the kernel's tools)
    # No schema here: scripts/ynl-check validates it on the host.
    return SpecFamily(spec, '')


def op_modes(op):
    return [m for m in ('do', 'dump') if m in op.yaml]


def request_attrs(op, mode):
    return op.yaml.get(mode, {}).get('request', {}).get('attributes', [])


def cmd_facts(fam):
    ops = {}
    checks = {}
    for name, op in fam.msgs.items():
        if 'attribute-set' not in op.yaml:
            continue
        o = ops[name] = {'value': op.req_value}
        for mode in ('do', 'dump'):
            if mode in op.yaml:
                o[mode] = {d: op.yaml[mode].get(d, {}).get('attributes', [])
                           for d in ('request', 'reply')}
        if 'event' in op.yaml:
            o['event'] = op.yaml['event']['attributes']
        for attr in op.attr_set.attrs.values():
            if 'checks' in attr.yaml:
                checks[attr.name] = attr.yaml['checks']
    print(json.dumps({'ops': ops, 'checks': checks}))
    return 0


def cmd_family(fam, path):
    got = json.load(open(path))
    bad = []
    version = fam.yaml.get('version', 1)
    if got.get('family-name') != fam.name:
        bad.append(f"family-name {got.get('family-name')}, the spec's {fam.name}")
    if got.get('version') != version:
        bad.append(f"version {got.get('version')}, the spec's {version}")
    sets = {op.yaml['attribute-set'] for op in fam.msgs.values() if 'attribute-set' in op.yaml}
    maxattr = max(a.value for s in sets for a in fam.attr_sets[s].attrs.values())
    if got.get('maxattr') != maxattr:
        bad.append(f"maxattr {got.get('maxattr')}, the spec's last attribute {maxattr}")

    kops = {}
    for entry in got.get('ops', []):
        for v in entry.values():
            kops[v['id']] = set(v.get('flags', []))
    want = {}
    for name, op in fam.ops.items():
        flags = {'cmd-cap-' + m for m in op_modes(op)}
        flags |= set(op.yaml.get('flags', []))
        want[op.req_value] = (name, flags)
    for cmd in sorted(set(kops) | set(want)):
        name, flags = want.get(cmd, (None, set()))
        if name is None:
            bad.append(f"the kernel has command {cmd} ({' '.join(sorted(kops[cmd]))}), "
                       "the spec no operation of that value")
            continue
        if cmd not in kops:
            bad.append(f"the spec's {name} ({cmd}) is not a command of the kernel's")
            continue
        # cmd-cap-haspol: whether a policy exists, checked by "policy"
        k = kops[cmd] - {'cmd-cap-haspol'}
        if k != flags:
            bad.append(f"{name} ({cmd}): the kernel's flags {sorted(k)}, "
                       f"the spec's {sorted(flags)}")

    kgrps = {v['name'] for entry in got.get('mcast-groups', []) for v in entry.values()}
    if kgrps != set(fam.mcast_groups):
        bad.append(f"multicast groups {sorted(kgrps)}, the spec's {sorted(fam.mcast_groups)}")

    for b in bad:
        print('# ' + b)
    if not bad:
        print(f"# {fam.name} v{version}: maxattr {maxattr}, ops " +
              ', '.join(f"{n} ({' '.join(op_modes(fam.ops[n]))})" for n in fam.ops) +
              f"; groups {' '.join(fam.mcast_groups)}")
    return 1 if bad else 0


def expected_policy(op, mode):
    want = {}
    for name in request_attrs(op, mode):
        attr = op.attr_set[name]
        checks = attr.yaml.get('checks', {})
        if attr.type == 'string':
            pol = {'type': 'string' if checks.get('unterminated-ok') else 'nul-string'}
        else:
            pol = {'type': POLICY_TYPE.get(attr.type, attr.type)}
        for check, key in (('max-len', 'max-length'), ('min-len', 'min-length')):
            if check in checks:
                pol[key] = checks[check]
        if 'exact-len' in checks:
            pol['min-length'] = pol['max-length'] = checks['exact-len']
        want[attr.value] = (name, pol)
    return want


def cmd_policy(fam, opname, path):
    op = fam.ops[opname]
    msgs = json.load(open(path))
    idx = {}
    policies = {}
    for m in msgs:
        if 'op-policy' in m:
            for mode in ('do', 'dump'):
                if mode in m['op-policy']:
                    idx[mode] = m['op-policy'][mode]
        if 'policy' in m:
            p = m['policy']
            policies.setdefault(p['policy-id'], {})[p['attr-id']] = p
    bad = []
    summary = []
    for mode in ('do', 'dump'):
        want = expected_policy(op, mode)
        if mode not in idx:
            if want:
                bad.append(f"{opname} {mode}: no policy in the kernel, the spec has "
                           f"request attributes {[n for n, _ in want.values()]}")
            continue
        if mode not in op.yaml:
            bad.append(f"{opname} {mode}: the kernel has a policy, the spec no {mode}")
            continue
        got = policies.get(idx[mode], {})
        for aid in sorted(set(got) | set(want)):
            if aid not in want:
                bad.append(f"{opname} {mode}: the kernel accepts attribute {aid} "
                           f"({got[aid].get('type')}), the spec's request does not list it")
                continue
            name, pol = want[aid]
            if aid not in got:
                bad.append(f"{opname} {mode}: {name} ({aid}) has no policy in the kernel")
                continue
            kpol = {k: got[aid][k] for k in pol if k in got[aid]}
            if kpol != pol:
                bad.append(f"{opname} {mode}: {name}: the kernel's {got[aid]}, the spec's {pol}")
        summary.append(f"{mode}: " + ', '.join(
            f"{n} {' '.join(f'{k}={v}' for k, v in p.items())}" for n, p in want.values()))
    for b in bad:
        print('# ' + b)
    if not bad:
        print(f"# {opname}: " + '; '.join(summary))
    return 1 if bad else 0


def cmd_events(ynl, spec, group, match, count, timeout, cmd):
    sys.path.insert(0, os.path.join(ynl, 'tools/net/ynl'))
    from lib import YnlFamily  # noqa: E402 (from the kernel's tools)

    fam = YnlFamily(spec, '')
    fam.ntf_subscribe(group)
    run = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if run.returncode:
        sys.stderr.write(run.stdout.decode(errors='replace'))
        print(f"# {' '.join(cmd)}: exit {run.returncode}", file=sys.stderr)
        return 1
    key, value = match.split('=', 1)
    deadline = time.monotonic() + timeout
    mine = []
    while True:
        fam.check_ntf()
        mine = [m for m in fam.async_msg_queue if str(m['msg'].get(key)) == value]
        left = deadline - time.monotonic()
        if len(mine) >= count or left <= 0:
            break
        select.select([fam.sock], [], [], left)
    print(to_json(mine))
    return 0


def main(argv):
    ynl, spec, cmd = argv[1], argv[2], argv[3]
    if cmd == 'events':
        return cmd_events(ynl, spec, argv[4], argv[5], int(argv[6]), float(argv[7]),
                          argv[8:])
    fam = load_family(ynl, spec)
    if cmd == 'facts':
        return cmd_facts(fam)
    if cmd == 'family':
        return cmd_family(fam, argv[4])
    if cmd == 'policy':
        return cmd_policy(fam, argv[4], argv[5])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
