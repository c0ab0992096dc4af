#!/usr/bin/python3
"""pyvmomi_apply.py — the benchmark's reference: vtrunk's job written with pyVmomi the way a
competent admin would write it (Debian's python3-pyvmomi; run it with /usr/bin/python3).

  pyvmomi_apply.py [--switch DVS0] [--portgroup Kasm-Trunk] [--vlans 100-200]
                   [--datacenter DC0] [--nic-type vmxnet3]

Connection from the environment: VCSIM_URL (https://host:port/sdk), VCSIM_USER,
VCSIM_PASSWORD; TLS is not verified (a benchmark against the local vcsim).

What it does, round trip by round trip (every call below is one HTTP request):
  1. one session: SmartConnect (GET vimServiceVersions.xml, RetrieveServiceContent, Login);
  2. one ContainerView (switches, port groups, VMs) and ONE RetrievePropertiesEx through the
     PropertyCollector for the switch, the port groups and every VM's name -- never
     per-object property access (pyVmomi would spend a round trip on each attribute);
  3. AddDVPortgroup_Task with a VmwareDistributedVirtualSwitchTrunkVlanSpec, awaited through a
     PropertyCollector filter (CreateFilter + WaitForUpdatesEx), then one small retrieval of
     the port groups (name, key) through the same view for the new key;
  4. one ReconfigVM_Task per VM (a vmxnet3 NIC on a DistributedVirtualPortBackingInfo),
     issued back to back without waiting, then ONE filter over all the tasks and
     WaitForUpdatesEx until every task is done;
  5. one RetrievePropertiesEx of every VM's config.hardware.device for the new MACs;
  6. Logout.
pyVmomi is synchronous, so step 4 sends the calls one after the other on one connection
(no threads: that is what "back to back" gives with this library).

Prints one JSON document: {"vms": N, "macs": M, "seconds": t, "failed": F}
(t measured from before the connection to after the logout, inside the process).
Exit 0 when every VM got its NIC and a MAC; 1 otherwise.
"""
import argparse
import json
import os
import ssl
import sys
import time
from urllib.parse import urlsplit

from pyVim.connect import SmartConnect, Disconnect
from pyVmomi import vim, vmodl

PC = vmodl.query.PropertyCollector
VS = vim.dvs.VmwareDistributedVirtualSwitch
NIC_TYPES = {"vmxnet3": vim.vm.device.VirtualVmxnet3, "e1000e": vim.vm.device.VirtualE1000e,
             "e1000": vim.vm.device.VirtualE1000}


def parse_ranges(text):
    out = []
    for part in text.split(","):
        lo, _, hi = part.strip().partition("-")
        out.append(vim.NumericRange(start=int(lo), end=int(hi or lo)))
    return out


def connect_env():
    """SmartConnect to VCSIM_URL as VCSIM_USER (TLS not verified: the local vcsim)."""
    u = urlsplit(os.environ["VCSIM_URL"])
    return SmartConnect(host=u.hostname, port=u.port or 443, path=u.path or "/sdk",
                        user=os.environ.get("VCSIM_USER", ""), pwd=os.environ.get("VCSIM_PASSWORD", ""),
                        sslContext=ssl._create_unverified_context())


def retrieve(pc, spec):
    """RetrievePropertiesEx plus ContinueRetrievePropertiesEx pages: [ObjectContent]."""
    out = []
    res = pc.RetrievePropertiesEx([spec], PC.RetrieveOptions())
    while res is not None:
        out.extend(res.objects)
        if not res.token:
            break
        res = pc.ContinueRetrievePropertiesEx(res.token)
    return out


def view_spec(view, props):
    """A FilterSpec over a ContainerView: props is {managed type: [paths]}."""
    walk = PC.TraversalSpec(name="view", type=vim.view.ContainerView, path="view", skip=False)
    return PC.FilterSpec(
        objectSet=[PC.ObjectSpec(obj=view, skip=True, selectSet=[walk])],
        propSet=[PC.PropertySpec(type=t, pathSet=p, all=False) for t, p in props.items()])


def props_of(oc):
    return {p.name: p.val for p in oc.propSet}


def wait_tasks(pc, tasks):
    """One filter for all tasks; WaitForUpdatesEx until each is done. {moid: error or None}."""
    spec = PC.FilterSpec(objectSet=[PC.ObjectSpec(obj=t, skip=False) for t in tasks],
                         propSet=[PC.PropertySpec(type=vim.Task, pathSet=["info.state", "info.error"])])
    flt = pc.CreateFilter(spec, partialUpdates=False)
    pending = {t._moId for t in tasks}
    result, errors, version = {}, {}, ""
    try:
        while pending:
            upd = pc.WaitForUpdatesEx(version, PC.WaitOptions(maxWaitSeconds=60))
            if upd is None:
                continue
            version = upd.version
            for fs in upd.filterSet or []:
                for os_ in fs.objectSet or []:
                    moid = os_.obj._moId
                    for ch in os_.changeSet or []:
                        if ch.name == "info.error" and ch.val is not None:
                            errors[moid] = ch.val
                        elif ch.name == "info.state" and ch.val in ("success", "error"):
                            pending.discard(moid)
                            result[moid] = ch.val
    finally:
        # A competent admin tidies up; the filter would also die with the session.
        flt.Destroy()
    return {m: (None if s == "success" else errors.get(m, "error")) for m, s in result.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--datacenter", default="DC0")
    ap.add_argument("--switch", default="DVS0")
    ap.add_argument("--portgroup", default="Kasm-Trunk")
    ap.add_argument("--vlans", default="100-200")
    ap.add_argument("--nic-type", default="vmxnet3", choices=sorted(NIC_TYPES))
    args = ap.parse_args()

    t0 = time.monotonic()
    si = connect_env()
    try:
        content = si.RetrieveContent()
        pc = content.propertyCollector
        view = content.viewManager.CreateContainerView(
            content.rootFolder, [vim.DistributedVirtualSwitch, vim.dvs.DistributedVirtualPortgroup,
                                 vim.VirtualMachine], True)
        # Step 2: switch, port groups and VMs in one retrieval.
        dvs = None
        pgs, vms = {}, []
        for oc in retrieve(pc, view_spec(view, {vim.DistributedVirtualSwitch: ["name", "uuid"],
                                                 vim.dvs.DistributedVirtualPortgroup: ["name", "key"],
                                                 vim.VirtualMachine: ["name"]})):
            p = props_of(oc)
            if isinstance(oc.obj, vim.DistributedVirtualSwitch):
                if p.get("name") == args.switch:
                    dvs, dvs_uuid = oc.obj, p["uuid"]
            elif isinstance(oc.obj, vim.dvs.DistributedVirtualPortgroup):
                pgs[p["name"]] = p["key"]
            elif isinstance(oc.obj, vim.VirtualMachine):
                vms.append((p["name"], oc.obj))
        if dvs is None:
            raise SystemExit("pyvmomi_apply: switch %r not found" % args.switch)

        # Step 3: the trunk port group (created when missing), then its key.
        if args.portgroup not in pgs:
            spec = vim.dvs.DistributedVirtualPortgroup.ConfigSpec(
                name=args.portgroup, type="earlyBinding", numPorts=8, autoExpand=True,
                description="created by pyvmomi_apply.py",
                defaultPortConfig=VS.VmwarePortConfigPolicy(
                    vlan=VS.TrunkVlanSpec(vlanId=parse_ranges(args.vlans), inherited=False)))
            task = dvs.AddDVPortgroup_Task([spec])
            err = wait_tasks(pc, [task]).get(task._moId)
            if err is not None:
                raise SystemExit("pyvmomi_apply: AddDVPortgroup_Task: %s" % err)
            for oc in retrieve(pc, view_spec(view, {vim.dvs.DistributedVirtualPortgroup: ["name", "key"]})):
                p = props_of(oc)
                if "name" in p:
                    pgs[p["name"]] = p["key"]
        pg_key = pgs[args.portgroup]

        # Step 4: every ReconfigVM_Task back to back, then one wait for all of them.
        conn = vim.vm.device.VirtualDevice.ConnectInfo(startConnected=True, connected=True,
                                                       allowGuestControl=True)
        backing = vim.vm.device.VirtualEthernetCard.DistributedVirtualPortBackingInfo(
            port=vim.dvs.PortConnection(switchUuid=dvs_uuid, portgroupKey=pg_key))
        nic = NIC_TYPES[args.nic_type](key=-1, backing=backing, connectable=conn, addressType="generated")
        cfg = vim.vm.ConfigSpec(deviceChange=[vim.vm.device.VirtualDeviceSpec(operation="add", device=nic)])
        tasks, names = [], {}
        for name, vm in vms:
            t = vm.ReconfigVM_Task(cfg)
            tasks.append(t)
            names[t._moId] = name
        outcome = wait_tasks(pc, tasks)
        failed = sorted(names[m] for m in names if outcome.get(m, "lost") is not None)

        # Step 5: one retrieval of every VM's devices; the MAC of its NIC on the trunk.
        macs = {}
        for oc in retrieve(pc, view_spec(view, {vim.VirtualMachine: ["name", "config.hardware.device"]})):
            p = props_of(oc)
            for d in p.get("config.hardware.device") or []:
                b = getattr(d, "backing", None)
                if isinstance(d, vim.vm.device.VirtualEthernetCard) and isinstance(
                        b, vim.vm.device.VirtualEthernetCard.DistributedVirtualPortBackingInfo) and \
                        b.port.portgroupKey == pg_key and d.macAddress:
                    macs[p["name"]] = d.macAddress
    finally:
        Disconnect(si)
    seconds = time.monotonic() - t0
    json.dump({"vms": len(vms), "macs": len(macs), "seconds": round(seconds, 3), "failed": len(failed)},
              sys.stdout)
    sys.stdout.write("\n")
    if failed:
        sys.stderr.write("pyvmomi_apply: %d task(s) failed, first: %s\n" % (len(failed), failed[0]))
    return 0 if not failed and len(macs) == len(vms) else 1


if __name__ == "__main__":
    sys.exit(main())
