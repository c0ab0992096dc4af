#!/usr/bin/python3
"""pyclone.py — makes and destroys autoscale clones, and reads what vtrunk did to them, for
the `vtrunk watch` tests (an independent reader: pyvmomi, not vtrunk's code).

Connection as pyread.py (VCSIM_URL, VCSIM_USER, VCSIM_PASSWORD).

  pyclone.py clone SRC PREFIX FIRST COUNT   COUNT clones of VM SRC named PREFIX<FIRST>..,
                                            their tasks in flight together; prints
                                            {"NAME": creation time (epoch s), ...}
  pyclone.py destroy NAME...                powers off and destroys them
  pyclone.py check PREFIX TRUNK_PG MGMT_NET every VM named PREFIX*: {"NAME": {"moref", "trunk":
                                            NICs on TRUNK_PG, "mgmt": NICs on MGMT_NET,
                                            "slot": guestinfo.vtrunk.slot or null,
                                            "gi": whether guestinfo.vtrunk.docker is set}}
  pyclone.py watch-until PREFIX TRUNK_PG MGMT_NET TIMEOUT [NAME...]
                                            polls check until every NAME (the clone output,
                                            on stdin) has one trunk NIC, one management
                                            NIC, a slot and its guestinfo; prints
                                            {"NAME": seconds from creation to then}
  pyclone.py strip NAME TRUNK_PG             removes VM NAME's NICs on TRUNK_PG (a change the
                                            watcher's filter does not report)
  pyclone.py kill-sessions USER             TerminateSession on every session of USER but
                                            this one (a forced expiry)
"""
import json
import sys
import time

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from pyread import Fail, connect, objects, wait  # noqa: E402,F401
from pyVmomi import vim, vmodl  # noqa: E402


def find_vm(content, name):
    for vm in objects(content, vim.VirtualMachine):
        if vm.name == name:
            return vm
    raise Fail("VM %s not found" % name)


def cmd_clone(content, src, prefix, first, count):
    vm = find_vm(content, src)
    spec = vim.vm.CloneSpec(location=vim.vm.RelocateSpec(), powerOn=False, template=False)
    tasks, out = [], {}
    for i in range(int(first), int(first) + int(count)):
        name = "%s%d" % (prefix, i)
        tasks.append((name, vm.CloneVM_Task(folder=vm.parent, name=name, spec=spec)))
    # One filter on every task: each clone's creation time is when its task is seen to
    # end, not when a sequential wait would get round to it.
    pc = content.propertyCollector
    by_id = {t._moId: name for name, t in tasks}
    spec = vmodl.query.PropertyCollector.FilterSpec(
        objectSet=[vmodl.query.PropertyCollector.ObjectSpec(obj=t) for _, t in tasks],
        propSet=[vmodl.query.PropertyCollector.PropertySpec(type=vim.Task, pathSet=["info.state"])])
    filt = pc.CreateFilter(spec, True)
    version = ""
    try:
        while len(out) < len(tasks):
            update = pc.WaitForUpdatesEx(version, vmodl.query.PropertyCollector.WaitOptions(maxWaitSeconds=60))
            if update is None:
                raise Fail("clone tasks did not end within 60 s")
            version = update.version
            now = time.time()
            for fs in update.filterSet or []:
                for obj in fs.objectSet or []:
                    for change in obj.changeSet or []:
                        if change.name == "info.state" and change.val == vim.TaskInfo.State.success:
                            out[by_id[obj.obj._moId]] = now
                        elif change.name == "info.state" and change.val == vim.TaskInfo.State.error:
                            raise Fail("clone %s failed" % by_id[obj.obj._moId])
    finally:
        filt.Destroy()
    return out


def cmd_destroy(content, names):
    want = set(names)
    tasks = [vm.Destroy_Task() for vm in objects(content, vim.VirtualMachine) if vm.name in want]
    for t in tasks:
        wait(t)
    return {"destroyed": len(tasks)}


def nic_nets(devices, pg_keys, mgmt_net):
    trunk = mgmt = 0
    for d in devices or []:
        if not isinstance(d, vim.vm.device.VirtualEthernetCard):
            continue
        b = d.backing
        if isinstance(b, vim.vm.device.VirtualEthernetCard.DistributedVirtualPortBackingInfo):
            trunk += b.port.portgroupKey in pg_keys
        elif isinstance(b, vim.vm.device.VirtualEthernetCard.NetworkBackingInfo):
            mgmt += b.deviceName == mgmt_net
    return trunk, mgmt


def retrieve_vms(content):
    """Every VM's name, devices and extraConfig in one RetrievePropertiesEx (and its
    continuations): a poll costs a few calls, not several per VM."""
    pc = content.propertyCollector
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
    PCq = vmodl.query.PropertyCollector
    spec = PCq.FilterSpec(
        objectSet=[PCq.ObjectSpec(obj=view, skip=True, selectSet=[
            PCq.TraversalSpec(name="view", type=vim.view.ContainerView, path="view", skip=False)])],
        propSet=[PCq.PropertySpec(type=vim.VirtualMachine,
                                  pathSet=["name", "config.hardware.device", "config.extraConfig"])])
    out = []
    try:
        res = pc.RetrievePropertiesEx([spec], PCq.RetrieveOptions())
        while res:
            for o in res.objects:
                props = {p.name: p.val for p in o.propSet or []}
                out.append((o.obj._moId, props))
            res = pc.ContinueRetrievePropertiesEx(res.token) if res.token else None
    finally:
        view.Destroy()
    return out


def cmd_check(content, prefix, trunk_pg, mgmt_net):
    keys = {pg.key for pg in objects(content, vim.dvs.DistributedVirtualPortgroup) if pg.name == trunk_pg}
    out = {}
    for moid, props in retrieve_vms(content):
        name = props.get("name", "")
        if not name.startswith(prefix) or "config.hardware.device" not in props:
            continue
        trunk, mgmt = nic_nets(props.get("config.hardware.device"), keys, mgmt_net)
        # The last entry of a key counts (the Debian simulator appends a changed key).
        extra = {o.key: o.value for o in props.get("config.extraConfig") or []}
        slot = int(extra["guestinfo.vtrunk.slot"]) if extra.get("guestinfo.vtrunk.slot") else None
        gi = bool(extra.get("guestinfo.vtrunk.docker"))
        out[name] = {"moref": moid, "trunk": trunk, "mgmt": mgmt, "slot": slot, "gi": gi}
    return out


def cmd_watch_until(content, prefix, trunk_pg, mgmt_net, timeout, created):
    """created: {name: creation time}; returns {name: latency} (null: not done in time)."""
    left = dict(created)
    out = {}
    end = time.time() + float(timeout)
    while left and time.time() < end:
        state = cmd_check(content, prefix, trunk_pg, mgmt_net)
        now = time.time()
        for name in list(left):
            s = state.get(name)
            if s and s["trunk"] == 1 and s["mgmt"] == 1 and s["slot"] is not None and s["gi"]:
                out[name] = round(now - left.pop(name), 3)
        time.sleep(0.2)
    for name in left:
        out[name] = None
    return out


def cmd_strip(content, name, trunk_pg):
    vm = find_vm(content, name)
    keys = {pg.key for pg in objects(content, vim.dvs.DistributedVirtualPortgroup) if pg.name == trunk_pg}
    Dev = vim.vm.device
    changes = [Dev.VirtualDeviceSpec(operation=Dev.VirtualDeviceSpec.Operation.remove, device=d)
               for d in vm.config.hardware.device
               if isinstance(d, Dev.VirtualEthernetCard) and
               isinstance(d.backing, Dev.VirtualEthernetCard.DistributedVirtualPortBackingInfo) and
               d.backing.port.portgroupKey in keys]
    if changes:
        wait(vm.ReconfigVM_Task(vim.vm.ConfigSpec(deviceChange=changes)))
    return {"removed": len(changes)}


def cmd_kill_sessions(content, user):
    sm = content.sessionManager
    mine = sm.currentSession.key
    n = 0
    for s in sm.sessionList:
        name = s.userName.split("\\")[-1].split("@")[0]
        if s.key != mine and name == user.split("@")[0]:
            sm.TerminateSession([s.key])
            n += 1
    return {"terminated": n}


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    si = connect()
    content = si.RetrieveContent()
    cmd, args = argv[1], argv[2:]
    try:
        if cmd == "clone":
            out = cmd_clone(content, *args)
        elif cmd == "destroy":
            out = cmd_destroy(content, args)
        elif cmd == "check":
            out = cmd_check(content, *args)
        elif cmd == "watch-until":
            created = json.load(sys.stdin)
            out = cmd_watch_until(content, args[0], args[1], args[2], args[3], created)
        elif cmd == "strip":
            out = cmd_strip(content, *args)
        elif cmd == "kill-sessions":
            out = cmd_kill_sessions(content, *args)
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except Fail as e:
        print("pyclone: %s" % e, file=sys.stderr)
        return e.code
    print(json.dumps(out, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
