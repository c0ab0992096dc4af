#!/usr/bin/python3
"""pyread.py — an independent reader (and drift-maker) of a vCenter, for vtrunk's tests.

Uses Debian's pyvmomi, so run it with /usr/bin/python3. Connection from the environment:
VCSIM_URL (https://host:port/sdk), VCSIM_USER, VCSIM_PASSWORD; TLS is not verified.

  pyread.py portgroup NAME            one port group as JSON ({"exists": false} if none)
  pyread.py vms                       every VM with its NICs
  pyread.py switches                  every distributed switch with its port group names
  pyread.py set-trunk NAME RANGES     make NAME a VLAN trunk ("10-20,30"), keeping the rest
  pyread.py set-trunk-only NAME RANGES   the same with a spec of configVersion and VLAN alone
  pyread.py set-vlan NAME ID          make NAME a plain VLAN-id port group (0 = none)
  pyread.py add-portgroup SWITCH NAME [--vlan ID | --trunk RANGES] [--ports N] [--binding T]
  pyread.py add-switch DC NAME [--no-hosts | --hosts H1,H2] [--version 6.6.0]
  pyread.py add-hosts SWITCH [--hosts H1,H2]   make (those or all) hosts members
  pyread.py remove-nic VM KEY
  pyread.py set-connected VM KEY on|off  a NIC's connected and startConnected (a device edit)
  pyread.py power VM on|off
  pyread.py set-security NAME on|off  allow promiscuous, MAC changes, forged transmits (or not)
  pyread.py set-mac-management NAME promiscuous|learning|off
                                      set macManagementPolicy alone (securityPolicy untouched)
  pyread.py guestinfo VM              the VM's guestinfo.* extraConfig as {key: value}
                                      (the last entry of a key; empty values left out)
  pyread.py set-extra VM KEY VALUE    set one extraConfig key
  pyread.py move VM FOLDER            move the VM (by name or moid) into FOLDER under its
                                      datacenter's vm folder, made when missing
  pyread.py rename KIND OLD NEW       rename a VM, portgroup or switch (Rename_Task), e.g. to
                                      a name with a newline or U+2028 as vCenter allows
  pyread.py tag CATEGORY TAG          through the REST API (/rest/com/vmware/cis): whether the
                                      category and tag exist, and the names of the objects the
                                      tag is attached to ({"VirtualMachine": [...], ...})
  pyread.py make-tag CATEGORY TAG [--cardinality SINGLE]  make them (REST) when missing
  pyread.py untag CATEGORY TAG VM     detach the tag from one VM (REST)
  pyread.py attach CATEGORY TAG VM    attach the tag to one VM (REST)
  pyread.py tag-fill COUNT [--tags K] [--prefix P] [--attach-to VM,VM] [--attach-every J]
                                      a large tag inventory (REST, one kept-alive connection):
                                      COUNT categories P0001.. with K tags t1..tK each (default
                                      2, "Fill"); t1 of every J-th category (default: none) is
                                      attached to those VMs; {"categories": N, "tags": N, ...}

Output is one JSON document on stdout. Exit status: 0 done, 1 vSphere fault or not found,
2 usage, 3 cannot connect or login refused; the reason goes to stderr, starting with the
fault's type name when there is one (e.g. "pyread: InvalidLogin: ...").
"""
import base64
import json
import os
import re
import signal
import ssl
import sys
import urllib.error
import urllib.request
from urllib.parse import quote, urlsplit

from pyVim.connect import Connect, Disconnect
from pyVmomi import vim, vmodl

VS = vim.dvs.VmwareDistributedVirtualSwitch


class Fail(Exception):
    def __init__(self, msg, code=1):
        super().__init__(msg)
        self.code = code


def connect():
    url = os.environ.get("VCSIM_URL")
    if not url:
        raise Fail("VCSIM_URL is not set", 2)
    u = urlsplit(url if "//" in url else "https://" + url)
    try:
        # vcsim says API 6.5, whose types lack what came later (macManagementPolicy in
        # 6.7); vcsim answers with its newer types anyway, so read them as 6.7 does.
        return Connect(host=u.hostname, port=u.port or 443, path=u.path or "/sdk",
                       user=os.environ.get("VCSIM_USER", ""), pwd=os.environ.get("VCSIM_PASSWORD", ""),
                       version="vim.version.version12", sslContext=ssl._create_unverified_context())
    except vmodl.MethodFault as e:
        raise Fail("%s: %s" % (type(e).__name__.split(".")[-1], e.msg), 3)
    except OSError as e:
        raise Fail("cannot connect to %s: %s" % (url, e), 3)


def objects(content, kind):
    view = content.viewManager.CreateContainerView(content.rootFolder, [kind], True)
    try:
        return list(view.view)
    finally:
        view.Destroy()


def parse_ranges(text):
    out = []
    for part in text.split(","):
        lo, _, hi = part.strip().partition("-")
        try:
            lo, hi = int(lo), int(hi or lo)
        except ValueError:
            raise Fail("bad VLAN range %r" % part, 2)
        if not 0 <= lo <= hi <= 4094:
            raise Fail("bad VLAN range %r" % part, 2)
        out.append(vim.NumericRange(start=lo, end=hi))
    return out


def vlan_json(vlan):
    """(vlan_type, ranges, vlan_id, inherited) of a port setting's vlan spec."""
    if isinstance(vlan, VS.TrunkVlanSpec):
        return "trunk", [[r.start, r.end] for r in vlan.vlanId], None, bool(vlan.inherited)
    if isinstance(vlan, VS.PvlanSpec):
        return "pvlan", [], vlan.pvlanId, bool(vlan.inherited)
    if isinstance(vlan, VS.VlanIdSpec):
        return ("vlan" if vlan.vlanId else "none"), [], vlan.vlanId, bool(vlan.inherited)
    return "none", [], None, bool(vlan.inherited) if vlan is not None else False


def pg_json(pg):
    c = pg.config
    vlan = c.defaultPortConfig.vlan if c.defaultPortConfig is not None else None
    vtype, ranges, vid, inherited = vlan_json(vlan)
    return {"exists": True, "name": pg.name, "config_name": c.name, "key": c.key,
            "switch": c.distributedVirtualSwitch.name if c.distributedVirtualSwitch else None,
            "vlan_type": vtype, "ranges": ranges, "vlan_id": vid, "inherited": inherited,
            "binding": c.type, "num_ports": c.numPorts, "auto_expand": c.autoExpand,
            "description": c.description, "config_version": c.configVersion,
            "security": security_json(c.defaultPortConfig),
            "mac_learning": mac_learning_json(c.defaultPortConfig),
            "mac_management": mac_management_json(c.defaultPortConfig)}


def security_json(setting):
    sec = getattr(setting, "securityPolicy", None) if setting is not None else None
    if sec is None:
        return None
    val = lambda p: p.value if p is not None else None
    return {"allow_promiscuous": val(sec.allowPromiscuous), "mac_changes": val(sec.macChanges),
            "forged_transmits": val(sec.forgedTransmits)}


def mac_learning_json(setting):
    mm = getattr(setting, "macManagementPolicy", None) if setting is not None else None
    if mm is None or mm.macLearningPolicy is None:
        return None
    return {"enabled": mm.macLearningPolicy.enabled, "forged_transmits": mm.forgedTransmits,
            "mac_changes": mm.macChanges, "allow_promiscuous": mm.allowPromiscuous}


def unescape(name):
    """An entity name as people write it: vCenter stores /, \\ and % as %2f, %5c, %25
    (vim.ManagedEntity.name); one pass, so a decoded % stays literal."""
    return re.sub(r"%(2[fF]|5[cC]|25)",
                  lambda m: {"2f": "/", "5c": "\\", "25": "%"}[m.group(1).lower()], name)


def mac_management_json(setting):
    """The whole macManagementPolicy (switch 6.6+), learning None when it has no learning policy."""
    mm = getattr(setting, "macManagementPolicy", None) if setting is not None else None
    if mm is None:
        return None
    ml = mm.macLearningPolicy
    return {"allow_promiscuous": mm.allowPromiscuous, "mac_changes": mm.macChanges,
            "forged_transmits": mm.forgedTransmits, "learning": ml.enabled if ml is not None else None}


def set_mac_management(setting, promiscuous, learning):
    """macManagementPolicy alone, the deprecated securityPolicy left as it is."""
    setting.macManagementPolicy = vim.dvs.VmwareDistributedVirtualSwitch.MacManagementPolicy(
        inherited=False, allowPromiscuous=promiscuous, macChanges=True, forgedTransmits=True,
        macLearningPolicy=vim.dvs.VmwareDistributedVirtualSwitch.MacLearningPolicy(
            inherited=False, enabled=learning))


def find_pgs(content, name):
    return [pg for pg in objects(content, vim.dvs.DistributedVirtualPortgroup)
            if name in (pg.name, pg.config.name, unescape(pg.name))]


def find_one(content, kind, name, what):
    found = [o for o in objects(content, kind) if name in (o.name, unescape(o.name))]
    if len(found) != 1:
        raise Fail("%s %r: %s" % (what, name, "not found" if not found else "ambiguous"))
    return found[0]


def wait(task):
    """Waits for the task to end (a filter on info.state, WaitForUpdatesEx); its result, or Fail
    with its fault. Not pyVim's WaitForTask: when it sees a task running, it reads
    task.info.name as a method, and vcsim names tasks its own way ("ReconfigureDvPortgroup"),
    which pyVmomi cannot resolve (AttributeError), so it breaks on a vCenter whose tasks end
    after the call returns."""
    pc = vim.ServiceInstance("ServiceInstance", task._stub).content.propertyCollector
    spec = vmodl.query.PropertyCollector.FilterSpec(
        objectSet=[vmodl.query.PropertyCollector.ObjectSpec(obj=task)],
        propSet=[vmodl.query.PropertyCollector.PropertySpec(type=vim.Task, pathSet=["info.state"])])
    filt = pc.CreateFilter(spec, True)
    try:
        version, state = "", None
        while state not in (vim.TaskInfo.State.success, vim.TaskInfo.State.error):
            update = pc.WaitForUpdatesEx(version, vmodl.query.PropertyCollector.WaitOptions(maxWaitSeconds=60))
            if update is None:
                raise Fail("task %s did not end within 60 s" % task._moId)
            version = update.version
            for fs in update.filterSet or []:
                for obj in fs.objectSet or []:
                    for change in obj.changeSet or []:
                        if change.name == "info.state":
                            state = change.val
    finally:
        filt.Destroy()
    if state == vim.TaskInfo.State.error:
        e = task.info.error
        raise Fail("%s: %s" % (type(e).__name__.split(".")[-1], e.msg or "task failed"))
    return task.info.result


def cmd_portgroup(content, name):
    pgs = find_pgs(content, name)
    if not pgs:
        return {"exists": False, "name": name}
    out = pg_json(pgs[0])
    if len(pgs) > 1:
        out["all"] = [pg_json(pg) for pg in pgs]
    return out


def cmd_vms(content):
    pg_names = {pg.key: pg.name for pg in objects(content, vim.dvs.DistributedVirtualPortgroup)}
    out = []
    for vm in sorted(objects(content, vim.VirtualMachine), key=lambda v: v.name):
        nics = []
        for d in vm.config.hardware.device if vm.config else []:
            if not isinstance(d, vim.vm.device.VirtualEthernetCard):
                continue
            b, conn = d.backing, d.connectable
            nic = {"key": d.key, "label": d.deviceInfo.label if d.deviceInfo else None,
                   "type": type(d).__name__.split(".")[-1], "mac": d.macAddress,
                   "backing": "other", "portgroup_key": None, "portgroup": None,
                   "switch_uuid": None, "network": None,
                   "pci_slot": d.slotInfo.pciSlotNumber if isinstance(
                       d.slotInfo, vim.vm.device.VirtualDevice.PciBusSlotInfo) else None,
                   "connected": conn.connected if conn else None,
                   "start_connected": conn.startConnected if conn else None,
                   "allow_guest_control": conn.allowGuestControl if conn else None,
                   # guest.net: what VMware Tools reports for this NIC's MAC
                   "guest_ips": sorted({ip for g in (vm.guest.net if vm.guest else None) or []
                                        if (g.macAddress or "").lower() == (d.macAddress or "").lower()
                                        for ip in (g.ipAddress or [])})}
            if isinstance(b, vim.vm.device.VirtualEthernetCard.DistributedVirtualPortBackingInfo):
                nic.update(backing="dvport", portgroup_key=b.port.portgroupKey,
                           portgroup=pg_names.get(b.port.portgroupKey),
                           switch_uuid=b.port.switchUuid)
            elif isinstance(b, vim.vm.device.VirtualEthernetCard.OpaqueNetworkBackingInfo):
                nic.update(backing="opaque", network=b.opaqueNetworkId,
                           opaque_type=b.opaqueNetworkType)
            elif isinstance(b, vim.vm.device.VirtualEthernetCard.NetworkBackingInfo):
                nic.update(backing="network",
                           network=b.network.name if b.network else b.deviceName)
            nics.append(nic)
        out.append({"name": vm.name, "moid": vm._moId,
                    "host": vm.runtime.host.name if vm.runtime.host else None,
                    "uuid": vm.config.uuid if vm.config else None,
                    "instance_uuid": vm.config.instanceUuid if vm.config else None, "nics": nics})
    return out


def cmd_switches(content):
    return [{"name": s.name, "uuid": s.uuid, "moid": s._moId,
             "portgroups": [pg.name for pg in s.portgroup]}
            for s in objects(content, vim.DistributedVirtualSwitch)]


def reconfigure_setting(content, name, change):
    pgs = find_pgs(content, name)
    if len(pgs) != 1:
        raise Fail("port group %r: %s" % (name, "not found" if not pgs else "ambiguous"))
    pg, c = pgs[0], pgs[0].config
    setting = c.defaultPortConfig or VS.VmwarePortConfigPolicy()
    change(setting)
    # vcsim replaces every field with what the spec carries: send the current values.
    spec = vim.dvs.DistributedVirtualPortgroup.ConfigSpec(
        name=c.name, type=c.type, numPorts=c.numPorts, autoExpand=c.autoExpand,
        description=c.description, configVersion=c.configVersion, policy=c.policy,
        portNameFormat=c.portNameFormat, defaultPortConfig=setting,
        vmVnicNetworkResourcePoolKey=c.vmVnicNetworkResourcePoolKey)
    wait(pg.ReconfigureDVPortgroup_Task(spec))
    return pg_json(pg)


def set_security(setting, on):
    bp = lambda v: vim.BoolPolicy(inherited=False, value=v)
    setting.securityPolicy = vim.dvs.VmwareDistributedVirtualSwitch.SecurityPolicy(
        inherited=False, allowPromiscuous=bp(on), macChanges=bp(on), forgedTransmits=bp(on))


def reconfigure_vlan(content, name, vlan):
    pgs = find_pgs(content, name)
    if len(pgs) != 1:
        raise Fail("port group %r: %s" % (name, "not found" if not pgs else "ambiguous"))
    pg, c = pgs[0], pgs[0].config
    setting = c.defaultPortConfig or VS.VmwarePortConfigPolicy()
    setting.vlan = vlan
    # vcsim replaces every field with what the spec carries: send the current values.
    spec = vim.dvs.DistributedVirtualPortgroup.ConfigSpec(
        name=c.name, type=c.type, numPorts=c.numPorts, autoExpand=c.autoExpand,
        description=c.description, configVersion=c.configVersion, policy=c.policy,
        portNameFormat=c.portNameFormat, defaultPortConfig=setting,
        vmVnicNetworkResourcePoolKey=c.vmVnicNetworkResourcePoolKey)
    wait(pg.ReconfigureDVPortgroup_Task(spec))
    return pg_json(pg)


def set_trunk_only(content, name, ranges):
    """A spec as a real vCenter takes it: configVersion and the VLAN spec, nothing else (unset
    properties are left unchanged, DVPortgroupConfigSpec)."""
    pgs = find_pgs(content, name)
    if len(pgs) != 1:
        raise Fail("port group %r: %s" % (name, "not found" if not pgs else "ambiguous"))
    pg = pgs[0]
    spec = vim.dvs.DistributedVirtualPortgroup.ConfigSpec(
        configVersion=pg.config.configVersion, defaultPortConfig=VS.VmwarePortConfigPolicy(
            vlan=VS.TrunkVlanSpec(vlanId=parse_ranges(ranges), inherited=False)))
    wait(pg.ReconfigureDVPortgroup_Task(spec))
    return pg_json(pg)


def cmd_add_portgroup(content, switch, name, opts):
    dvs = find_one(content, vim.DistributedVirtualSwitch, switch, "switch")
    vlan = VS.VlanIdSpec(vlanId=int(opts.get("--vlan", 0)), inherited=False)
    if "--trunk" in opts:
        vlan = VS.TrunkVlanSpec(vlanId=parse_ranges(opts["--trunk"]), inherited=False)
    spec = vim.dvs.DistributedVirtualPortgroup.ConfigSpec(
        name=name, type=opts.get("--binding", "earlyBinding"),
        numPorts=int(opts.get("--ports", 8)),
        defaultPortConfig=VS.VmwarePortConfigPolicy(vlan=vlan))
    wait(dvs.AddDVPortgroup_Task([spec]))
    pg = [pg for pg in dvs.portgroup if name in (pg.name, unescape(pg.name))][-1]
    if name.startswith("NSX-"):
        # The simulator lets NSX- names repeat (an NSX segment on several switches) and gives
        # them a config.backingType that this pyVmomi's schema lacks: its config is unreadable.
        return {"name": pg.name, "moid": pg._moId}
    return pg_json(pg)


def cmd_add_switch(content, dc_name, name, opts):
    dc = find_one(content, vim.Datacenter, dc_name, "datacenter")
    create = vim.DistributedVirtualSwitch.CreateSpec(configSpec=VS.ConfigSpec(name=name))
    if opts.get("--version"):
        create.productInfo = vim.dvs.ProductSpec(version=opts["--version"], name="DVS",
                                                 vendor="VMware, Inc.")
    wait(dc.networkFolder.CreateDVS_Task(create))
    dvs = [s for s in objects(content, vim.DistributedVirtualSwitch) if s.name == name][0]
    if "--no-hosts" not in opts:
        add_hosts(content, dvs, opts.get("--hosts"))
    return {"name": dvs.name, "uuid": dvs.uuid, "moid": dvs._moId,
            "portgroups": [pg.name for pg in dvs.portgroup]}


def add_hosts(content, dvs, names=None):
    # vcsim ignores hosts in the create spec; a NIC on the switch needs its host a member.
    hosts = objects(content, vim.HostSystem)
    if names:
        hosts = [h for h in hosts if h.name in names.split(",")]
    members = [vim.dvs.HostMember.ConfigSpec(operation="add", host=h) for h in hosts
               if h not in dvs.summary.hostMember]
    if members:
        wait(dvs.ReconfigureDvs_Task(VS.ConfigSpec(
            configVersion=dvs.config.configVersion, host=members)))


def cmd_add_hosts(content, name, opts):
    dvs = find_one(content, vim.DistributedVirtualSwitch, name, "switch")
    add_hosts(content, dvs, opts.get("--hosts"))
    return {"name": dvs.name, "hosts": sorted(h.name for h in dvs.summary.hostMember)}


def cmd_remove_nic(content, vm_name, key):
    vm = find_one(content, vim.VirtualMachine, vm_name, "VM")
    config = vm.config  # one read: the device and the changeVersion it goes with
    dev = [d for d in config.hardware.device if d.key == int(key)]
    if not dev:  # vcsim would silently succeed
        raise Fail("VM %r has no device %s" % (vm_name, key))
    change = vim.vm.device.VirtualDeviceSpec(operation="remove", device=dev[0])
    # changeVersion: applied only if nobody changed the VM since it was read, as a careful
    # client asks (vim.vm.ConfigSpec; the asynchronous test vCenter checks it).
    wait(vm.ReconfigVM_Task(vim.vm.ConfigSpec(changeVersion=config.changeVersion,
                                              deviceChange=[change])))
    return {"vm": vm_name, "removed": int(key)}


def cmd_set_connected(content, vm_name, key, state):
    """Sets a NIC's connectable.connected and startConnected (an edit of the device as read)."""
    vm = find_one(content, vim.VirtualMachine, vm_name, "VM")
    config = vm.config
    dev = [d for d in config.hardware.device if d.key == int(key)]
    if not dev:
        raise Fail("VM %r has no device %s" % (vm_name, key))
    dev[0].connectable.connected = dev[0].connectable.startConnected = state == "on"
    change = vim.vm.device.VirtualDeviceSpec(operation="edit", device=dev[0])
    wait(vm.ReconfigVM_Task(vim.vm.ConfigSpec(changeVersion=config.changeVersion,
                                              deviceChange=[change])))
    return {"vm": vm_name, "key": int(key), "connected": state == "on"}


def cmd_power(content, vm_name, state):
    vm = find_one(content, vim.VirtualMachine, vm_name, "VM")
    wait(vm.PowerOnVM_Task() if state == "on" else vm.PowerOffVM_Task())
    return {"vm": vm_name, "power": vm.runtime.powerState}


def cmd_guestinfo(content, vm_name):
    vm = find_one(content, vim.VirtualMachine, vm_name, "VM")
    out = {}
    for o in vm.config.extraConfig:  # vcsim appends a set key: the last one counts
        if o.key.startswith("guestinfo."):
            out[o.key] = o.value
    return {k: v for k, v in out.items() if v != ""}


def cmd_set_extra(content, vm_name, key, value):
    vm = find_one(content, vim.VirtualMachine, vm_name, "VM")
    wait(vm.ReconfigVM_Task(vim.vm.ConfigSpec(changeVersion=vm.config.changeVersion,
                                              extraConfig=[vim.option.OptionValue(key=key, value=value)])))
    return {"vm": vm_name, key: value}


def cmd_rename(content, kind, old, new):
    types = {"vm": vim.VirtualMachine, "portgroup": vim.dvs.DistributedVirtualPortgroup,
             "switch": vim.DistributedVirtualSwitch}
    if kind not in types:
        raise Fail("rename: KIND is one of %s" % ", ".join(sorted(types)), 2)
    obj = find_one(content, types[kind], old, kind)
    wait(obj.Rename_Task(new))
    return {"old": old, "new": obj.name}


def cmd_move(content, name, folder):
    found = [o for o in objects(content, vim.VirtualMachine) if name in (o.name, o._moId)]
    if len(found) != 1:
        raise Fail("vm %r: %s" % (name, "not found" if not found else "ambiguous"))
    vm = found[0]
    dc = vm.parent
    while not isinstance(dc, vim.Datacenter):
        dc = dc.parent
    sub = [f for f in dc.vmFolder.childEntity if isinstance(f, vim.Folder) and f.name == folder]
    dest = sub[0] if sub else dc.vmFolder.CreateFolder(folder)
    wait(dest.MoveIntoFolder_Task([vm]))
    return {"vm": vm._moId, "folder": dest._moId}


def rest(method, path, token=None, body=None):
    """One call to vCenter's REST API (the /rest flavour, which vcsim has); the answer's value."""
    u = urlsplit(os.environ["VCSIM_URL"])
    req = urllib.request.Request("https://%s%s" % (u.netloc, path), method=method,
                                 data=None if body is None else json.dumps(body).encode())
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("vmware-api-session-id", token)
    else:
        cred = "%s:%s" % (os.environ.get("VCSIM_USER", ""), os.environ.get("VCSIM_PASSWORD", ""))
        req.add_header("Authorization", "Basic " + base64.b64encode(cred.encode()).decode())
    try:
        with urllib.request.urlopen(req, context=ssl._create_unverified_context()) as r:
            text = r.read()
    except urllib.error.HTTPError as e:
        raise Fail("REST %s %s: HTTP %d %s" % (method, path, e.code, e.read()[:200]))
    return json.loads(text).get("value") if text.strip() else None


BASE = "/rest/com/vmware/cis"


def find_tag(token, category, tag):
    """(category object or None, tag object or None), by name, through REST."""
    cat = [c for c in (rest("GET", BASE + "/tagging/category/id:" + quote(i), token)
                       for i in rest("GET", BASE + "/tagging/category", token) or [])
           if c["name"] == category]
    if not cat:
        return None, None
    tags = [t for t in (rest("GET", BASE + "/tagging/tag/id:" + quote(i), token)
                        for i in rest("POST", BASE + "/tagging/tag/id:" + quote(cat[0]["id"]) +
                                      "?~action=list-tags-for-category", token, {}) or [])
            if t["name"] == tag]
    return cat[0], (tags[0] if tags else None)


def cmd_make_tag(content, category, tag, opts):
    token = rest("POST", BASE + "/session")
    try:
        cat, t = find_tag(token, category, tag)
        if not cat:
            rest("POST", BASE + "/tagging/category", token, {"create_spec": {
                "name": category, "description": "made by pyread",
                "cardinality": opts.get("--cardinality", "MULTIPLE"), "associable_types": []}})
        if not t:
            cat, _ = find_tag(token, category, tag)
            rest("POST", BASE + "/tagging/tag", token, {"create_spec": {
                "name": tag, "description": "made by pyread", "category_id": cat["id"]}})
        return {"category": category, "tag": tag}
    finally:
        rest("DELETE", BASE + "/session", token)


def cmd_untag(content, category, tag, vm_name, action="detach"):
    vm = find_one(content, vim.VirtualMachine, vm_name, "VM")
    token = rest("POST", BASE + "/session")
    try:
        _, t = find_tag(token, category, tag)
        if not t:
            raise Fail("no tag %s/%s" % (category, tag))
        rest("POST", BASE + "/tagging/tag-association/id:" + quote(t["id"]) + "?~action=" + action, token,
             {"object_id": {"id": vm._moId, "type": "VirtualMachine"}})
        return {"vm": vm_name, action + "ed": "%s/%s" % (category, tag)}
    finally:
        rest("DELETE", BASE + "/session", token)


def cmd_tag(content, category, tag):
    base = BASE
    token = rest("POST", base + "/session")
    try:
        out = {"category": False, "tag": False, "attached": {}}
        cat, t = find_tag(token, category, tag)
        if not cat:
            return out
        out["category"] = True
        out["cardinality"] = cat["cardinality"]
        out["associable_types"] = sorted(cat.get("associable_types") or [])
        if not t:
            return out
        out["tag"] = True
        objs = rest("POST", base + "/tagging/tag-association/id:" + quote(t["id"]) +
                    "?~action=list-attached-objects", token, {}) or []
        names = {}
        for kind in (vim.VirtualMachine, vim.dvs.DistributedVirtualPortgroup):
            for o in objects(content, kind):
                names[(kind.__name__.split(".")[-1], o._moId)] = o.name
        for o in objs:
            t = o["type"]
            out["attached"].setdefault(t, []).append(names.get((t, o["id"]), o["id"]))
        for v in out["attached"].values():
            v.sort()
        return out
    finally:
        rest("DELETE", base + "/session", token)


def options(args, allowed, flags=()):
    opts, rest = {}, []
    while args:
        a = args.pop(0)
        if a in flags:
            opts[a] = True
        elif a in allowed:
            if not args:
                raise Fail("%s needs a value" % a, 2)
            opts[a] = args.pop(0)
        elif a.startswith("--"):
            raise Fail("unknown option %s" % a, 2)
        else:
            rest.append(a)
    return opts, rest


def cmd_tag_fill(content, count, opts):
    import http.client
    n, k = int(count), int(opts.get("--tags", "2"))
    prefix, every = opts.get("--prefix", "Fill"), int(opts.get("--attach-every", "0"))
    vms = [find_one(content, vim.VirtualMachine, v, "VM")
           for v in opts.get("--attach-to", "").split(",") if v]
    u = urlsplit(os.environ["VCSIM_URL"])
    conn = http.client.HTTPSConnection(u.hostname, u.port, context=ssl._create_unverified_context())
    token = rest("POST", BASE + "/session")

    def call(method, path, body):
        conn.request(method, BASE + path, body=json.dumps(body),
                     headers={"Content-Type": "application/json", "vmware-api-session-id": token})
        r = conn.getresponse()
        text = r.read()
        if r.status != 200:
            raise Fail("REST %s %s: HTTP %d %s" % (method, path, r.status, text[:200]))
        return json.loads(text).get("value") if text.strip() else None

    attached = 0
    try:
        for i in range(1, n + 1):
            cat = call("POST", "/tagging/category", {"create_spec": {
                "name": "%s%04d" % (prefix, i), "description": "tag-fill", "cardinality": "MULTIPLE",
                "associable_types": []}})
            for j in range(1, k + 1):
                tag = call("POST", "/tagging/tag", {"create_spec": {
                    "name": "t%d" % j, "description": "tag-fill", "category_id": cat}})
                if j == 1 and every and i % every == 0 and vms:
                    call("POST", "/tagging/tag-association/id:" + quote(tag) +
                         "?~action=attach-tag-to-multiple-objects",
                         {"object_ids": [{"id": v._moId, "type": "VirtualMachine"} for v in vms]})
                    attached += 1
        return {"categories": n, "tags": n * k, "attached_tags": attached}
    finally:
        conn.close()
        rest("DELETE", BASE + "/session", token)


COMMANDS = {  # name: (positional count, value options, flag options, function)
    "portgroup": (1, (), (), lambda c, a, o: cmd_portgroup(c, a[0])),
    "vms": (0, (), (), lambda c, a, o: cmd_vms(c)),
    "switches": (0, (), (), lambda c, a, o: cmd_switches(c)),
    "set-trunk": (2, (), (), lambda c, a, o: reconfigure_vlan(
        c, a[0], VS.TrunkVlanSpec(vlanId=parse_ranges(a[1]), inherited=False))),
    "set-trunk-only": (2, (), (), lambda c, a, o: set_trunk_only(c, a[0], a[1])),
    "set-vlan": (2, (), (), lambda c, a, o: reconfigure_vlan(
        c, a[0], VS.VlanIdSpec(vlanId=int(a[1]), inherited=False))),
    "add-portgroup": (2, ("--vlan", "--trunk", "--ports", "--binding"), (),
                      lambda c, a, o: cmd_add_portgroup(c, a[0], a[1], o)),
    "add-switch": (2, ("--hosts", "--version"), ("--no-hosts",), lambda c, a, o: cmd_add_switch(c, a[0], a[1], o)),
    "add-hosts": (1, ("--hosts",), (), lambda c, a, o: cmd_add_hosts(c, a[0], o)),
    "remove-nic": (2, (), (), lambda c, a, o: cmd_remove_nic(c, a[0], a[1])),
    "set-security": (2, (), (), lambda c, a, o: reconfigure_setting(
        c, a[0], lambda st: set_security(st, a[1] == "on"))),
    "set-connected": (3, (), (), lambda c, a, o: cmd_set_connected(c, a[0], a[1], a[2])),
    "power": (2, (), (), lambda c, a, o: cmd_power(c, a[0], a[1])),
    "set-mac-management": (2, (), (), lambda c, a, o: reconfigure_setting(
        c, a[0], lambda st: set_mac_management(st, a[1] == "promiscuous", a[1] == "learning"))),
    "guestinfo": (1, (), (), lambda c, a, o: cmd_guestinfo(c, a[0])),
    "set-extra": (3, (), (), lambda c, a, o: cmd_set_extra(c, a[0], a[1], a[2])),
    "rename": (3, (), (), lambda c, a, o: cmd_rename(c, a[0], a[1], a[2])),
    "move": (2, (), (), lambda c, a, o: cmd_move(c, a[0], a[1])),
    "tag": (2, (), (), lambda c, a, o: cmd_tag(c, a[0], a[1])),
    "make-tag": (2, ("--cardinality",), (), lambda c, a, o: cmd_make_tag(c, a[0], a[1], o)),
    "untag": (3, (), (), lambda c, a, o: cmd_untag(c, a[0], a[1], a[2])),
    "attach": (3, (), (), lambda c, a, o: cmd_untag(c, a[0], a[1], a[2], "attach")),
    "tag-fill": (1, ("--tags", "--prefix", "--attach-to", "--attach-every"), (),
                 lambda c, a, o: cmd_tag_fill(c, a[0], o)),
}


def main(argv):
    if len(argv) < 2 or argv[1] not in COMMANDS:
        sys.stderr.write(__doc__)
        return 2
    si = None
    try:
        npos, allowed, flags, fn = COMMANDS[argv[1]]
        opts, args = options(argv[2:], allowed, flags)
        if len(args) != npos:
            raise Fail("%s takes %d argument(s)" % (argv[1], npos), 2)
        si = connect()
        result = fn(si.RetrieveContent(), args, opts)
        json.dump(result, sys.stdout, indent=1, sort_keys=True)
        sys.stdout.write("\n")
        return 0
    except Fail as e:
        sys.stderr.write("pyread: %s\n" % e)
        return e.code
    except ValueError as e:
        sys.stderr.write("pyread: %s\n" % e)
        return 2
    except vmodl.MethodFault as e:
        sys.stderr.write("pyread: %s: %s\n" % (type(e).__name__.split(".")[-1], e.msg))
        return 1
    finally:
        if si is not None:
            try:
                Disconnect(si)
            except Exception:
                pass


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # quiet under `| head`
    sys.exit(main(sys.argv))
