#!/usr/bin/python3
"""verify.py PORTGROUP N [RANGES] — did a benchmark run do the job? (Debian's pyVmomi.)

Checks, in one retrieval through a ContainerView, that the distributed port group PORTGROUP
exists as a VLAN trunk (with RANGES, default 100-200), that vCenter holds exactly N VMs and
that every one of them has exactly ONE NIC on that port group, with a MAC.
Connection: VCSIM_URL, VCSIM_USER, VCSIM_PASSWORD. Prints
{"ok": bool, "vms": N, "done": K, "problems": [first few]}; exit 0 when ok, 1 otherwise.
"""
import json
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pyvmomi_apply import connect_env, props_of, retrieve, view_spec  # noqa: E402
from pyVim.connect import Disconnect  # noqa: E402
from pyVmomi import vim  # noqa: E402

VS = vim.dvs.VmwareDistributedVirtualSwitch
DVP = vim.vm.device.VirtualEthernetCard.DistributedVirtualPortBackingInfo


def main(argv):
    if len(argv) not in (3, 4):
        sys.stderr.write(__doc__)
        return 2
    name, want_n = argv[1], int(argv[2])
    want_ranges = argv[3] if len(argv) == 4 else "100-200"
    problems, done, vms = [], 0, 0
    si = connect_env()
    try:
        content = si.RetrieveContent()
        view = content.viewManager.CreateContainerView(
            content.rootFolder, [vim.dvs.DistributedVirtualPortgroup, vim.VirtualMachine], True)
        objs = retrieve(content.propertyCollector, view_spec(view, {
            vim.dvs.DistributedVirtualPortgroup: ["name", "key", "config.defaultPortConfig"],
            vim.VirtualMachine: ["name", "config.hardware.device"]}))
        pgs = [props_of(o) for o in objs if isinstance(o.obj, vim.dvs.DistributedVirtualPortgroup)]
        pgs = [p for p in pgs if p.get("name") == name]
        key = None
        if len(pgs) != 1:
            problems.append("%d port groups named %r" % (len(pgs), name))
        else:
            key = pgs[0]["key"]
            vlan = pgs[0]["config.defaultPortConfig"].vlan
            got = ",".join("%d-%d" % (r.start, r.end) if r.start != r.end else str(r.start)
                           for r in getattr(vlan, "vlanId", []) or [])
            if not isinstance(vlan, VS.TrunkVlanSpec) or got != want_ranges:
                problems.append("port group %r is not a trunk of %s (%s %s)" % (
                    name, want_ranges, type(vlan).__name__, got))
        for o in objs:
            if not isinstance(o.obj, vim.VirtualMachine):
                continue
            vms += 1
            p = props_of(o)
            nics = [d for d in p.get("config.hardware.device") or []
                    if isinstance(d, vim.vm.device.VirtualEthernetCard) and isinstance(d.backing, DVP)
                    and d.backing.port.portgroupKey == key]
            if len(nics) == 1 and nics[0].macAddress:
                done += 1
            elif len(problems) < 5:
                problems.append("%s: %d NICs on %s" % (p.get("name"), len(nics), name))
        if vms != want_n:
            problems.insert(0, "%d VMs, expected %d" % (vms, want_n))
        if done != vms:
            problems.insert(0, "%d of %d VMs without exactly one NIC on %s" % (vms - done, vms, name))
    finally:
        Disconnect(si)
    ok = not problems
    json.dump({"ok": ok, "vms": vms, "done": done, "problems": problems}, sys.stdout)
    sys.stdout.write("\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
