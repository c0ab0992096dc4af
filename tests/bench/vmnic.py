#!/usr/bin/python3
"""vmnic.py — a one-object-per-call CLI, for the benchmark's naive loop (loop_apply.sh).

It stands for what an admin's shell loop calls once per VM (a govc- or PowerCLI-like command):
each invocation is a new process that logs in, finds its objects by inventory path, does
one thing, waits for it, reads the result and logs out. Written with Debian's pyVmomi the
plain way (attribute access, pyVim.task.WaitForTask); run it with /usr/bin/python3.

  vmnic.py add-portgroup SWITCH NAME RANGES   create a VLAN-trunk port group ("100-200,300")
  vmnic.py add-nic VM PORTGROUP [TYPE]        add one NIC (default vmxnet3) on the distributed
                                              port group; prints the MAC vCenter assigned

Per add-nic, the requests are: GET vimServiceVersions.xml, RetrieveServiceContent (x2),
Login, FindByInventoryPath for the VM and the port group, the port group's key, config and
switch uuid (one property read each), ReconfigVM_Task, the task wait (CreateFilter,
WaitForUpdates, DestroyPropertyFilter, and a read of the task's info), the VM's devices,
Logout.

Connection: VCSIM_URL, VCSIM_USER, VCSIM_PASSWORD (TLS not verified); datacenter from
VMNIC_DATACENTER (default DC0). Exit 0 done, 1 failed.
"""
import os
import ssl
import sys
from urllib.parse import urlsplit

from pyVim.connect import SmartConnect, Disconnect
from pyVim.task import WaitForTask
from pyVmomi import vim

VS = vim.dvs.VmwareDistributedVirtualSwitch
DC = os.environ.get("VMNIC_DATACENTER", "DC0")
NIC_TYPES = {"vmxnet3": vim.vm.device.VirtualVmxnet3, "e1000e": vim.vm.device.VirtualE1000e,
             "e1000": vim.vm.device.VirtualE1000}


def find(content, path, what):
    obj = content.searchIndex.FindByInventoryPath(path)
    if obj is None:
        raise SystemExit("vmnic: %s %r not found" % (what, path))
    return obj


def add_portgroup(content, switch, name, ranges):
    dvs = find(content, "%s/network/%s" % (DC, switch), "switch")
    vlans = []
    for part in ranges.split(","):
        lo, _, hi = part.partition("-")
        vlans.append(vim.NumericRange(start=int(lo), end=int(hi or lo)))
    spec = vim.dvs.DistributedVirtualPortgroup.ConfigSpec(
        name=name, type="earlyBinding", numPorts=8, autoExpand=True,
        defaultPortConfig=VS.VmwarePortConfigPolicy(vlan=VS.TrunkVlanSpec(vlanId=vlans, inherited=False)))
    WaitForTask(dvs.AddDVPortgroup_Task([spec]))


def add_nic(content, vm_name, pg_name, nic_type="vmxnet3"):
    vm = find(content, "%s/vm/%s" % (DC, vm_name), "VM")
    pg = find(content, "%s/network/%s" % (DC, pg_name), "port group")
    port = vim.dvs.PortConnection(portgroupKey=pg.key,
                                  switchUuid=pg.config.distributedVirtualSwitch.uuid)
    nic = NIC_TYPES[nic_type](
        key=-1, addressType="generated",
        backing=vim.vm.device.VirtualEthernetCard.DistributedVirtualPortBackingInfo(port=port),
        connectable=vim.vm.device.VirtualDevice.ConnectInfo(startConnected=True, connected=True,
                                                            allowGuestControl=True))
    spec = vim.vm.ConfigSpec(deviceChange=[vim.vm.device.VirtualDeviceSpec(operation="add", device=nic)])
    WaitForTask(vm.ReconfigVM_Task(spec))
    macs = [d.macAddress for d in vm.config.hardware.device
            if isinstance(d, vim.vm.device.VirtualEthernetCard)
            and isinstance(d.backing, vim.vm.device.VirtualEthernetCard.DistributedVirtualPortBackingInfo)
            and d.backing.port.portgroupKey == port.portgroupKey]
    if not macs or not macs[-1]:
        raise SystemExit("vmnic: %s: no MAC on %s after the reconfigure" % (vm_name, pg_name))
    print(macs[-1])


def main(argv):
    cmds = {"add-portgroup": (4, add_portgroup), "add-nic": (3, add_nic)}
    if len(argv) < 2 or argv[1] not in cmds or len(argv) - 1 < cmds[argv[1]][0] - (argv[1] == "add-nic"):
        sys.stderr.write(__doc__)
        return 2
    u = urlsplit(os.environ["VCSIM_URL"])
    si = SmartConnect(host=u.hostname, port=u.port or 443, path=u.path or "/sdk",
                      user=os.environ.get("VCSIM_USER", ""), pwd=os.environ.get("VCSIM_PASSWORD", ""),
                      sslContext=ssl._create_unverified_context())
    try:
        cmds[argv[1]][1](si.RetrieveContent(), *argv[2:])
    except vim.fault.VimFault as e:
        sys.stderr.write("vmnic: %s: %s\n" % (type(e).__name__, e.msg))
        return 1
    finally:
        Disconnect(si)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
