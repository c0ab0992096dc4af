// slots.go — PCI slot numbers of ethernet cards, as ESXi assigns them (realism item 7).
//
// VirtualDevice.slotInfo (vim.vm.device.VirtualDevice) is "information about the bus slot of
// the device in a virtual machine"; for a PCI device it is a VirtualDevicePciBusSlotInfo whose
// pciSlotNumber is the .vmx key ethernetN.pciSlotNumber. The simulator leaves slotInfo unset.
// ESXi numbers the ethernet cards of a virtual machine by their ethernetN index (the order
// they were added: their order in config.hardware.device here; the simulator's keys are not
// in that order): on hardware version 7 and later, where vmxnet3/e1000e cards sit on PCIe
// root ports, ethernet0 is at 160, ethernet1 at 192, ethernet2 at 224, ethernet3 at 256 (then
// 1184, 1216, ... behind the next functions of the bridges; modelled here as 32 apart); an
// e1000 on the legacy PCI bus sits at 32, 33, ... These values are the commonly observed ones,
// not a VMware table. VMware KB 2047927 (knowledge.broadcom.com, legacyId 2047927) documents
// how such a number maps to the guest's PCI topology — bits FFF.BBBBB.DDDDD: function, bus
// (behind pciBridge<B-1>), device; its example is ethernet4 at 1216 — and that the
// hypervisor plugs the device into that slot when the VM powers on. The guest name ens<slot>
// is systemd-udev's slot-based name (ID_NET_NAME_SLOT, "s<slot>" after the "en" prefix,
// systemd.net-naming-scheme(7)), from the PCI hotplug slot number the firmware reports;
// neither source says that VMware's firmware reports pciSlotNumber there, which is what
// VMware Linux guests are observed to show (ens160, ens192, ens32).
//
// When: ESXi assigns a new card's slot when the VM powers on; a card added to a powered-off VM
// gets it on that reconfigure here (the VM cannot run without it) and a card added to a running
// VM keeps no slotInfo until the next reconfigure of the powered-off VM — the case vtrunk
// falls back to binding by MAC. The VMs the model creates get theirs at start-up.
//
// The simulator's template card is an e1000 already at 32 (true to ESXi: e1000 sits on the
// legacy PCI bus, ens32). With -model-nic vmxnet3 (tests/lib/vcsim.sh: VCSIM_MODEL_NIC=vmxnet3)
// the model's VMs get a vmxnet3 card instead, at 160.
//
// For tests — a VM with the management NIC at 160 and the trunk NIC at 192:
//
//	VCSIM_KIND=async VCSIM_MODEL_NIC=vmxnet3, vcsim_start; pyread.py power VM off; vtrunk apply
//	(the trunk card is ethernet1, slot 192 at that reconfigure). See tests/integration/61-pci-slots.sh.
package main

import (
	"flag"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

var modelNIC = flag.String("model-nic", "", `"vmxnet3": the model's VMs get vmxnet3 cards instead of e1000 (async test vCenter)`)

// modelVmxnet3 turns vm's e1000 cards into vmxnet3 ones, keeping key, MAC and backing.
func modelVmxnet3(vm *simulator.VirtualMachine) {
	for i, d := range vm.Config.Hardware.Device {
		if e, ok := d.(*types.VirtualE1000); ok {
			c := e.VirtualEthernetCard
			c.SlotInfo = nil
			vm.Config.Hardware.Device[i] = &types.VirtualVmxnet3{VirtualVmxnet: types.VirtualVmxnet{VirtualEthernetCard: c}}
		}
	}
}

// ethernetSlot is the slot of the card with ethernetN index n, of the given card type.
func ethernetSlot(n int, legacy bool) int32 {
	if legacy {
		return int32(32 + n)
	}
	return int32(160 + 32*n)
}

// assignSlots gives every ethernet card of vm without a slot the one ESXi would; cards that
// have one keep it (ESXi never renumbers a card). Reports whether anything changed.
func assignSlots(vm *simulator.VirtualMachine) bool {
	if vm.Config == nil {
		return false
	}
	var cards []types.BaseVirtualEthernetCard
	used := map[int32]bool{}
	for _, d := range vm.Config.Hardware.Device {
		c, ok := d.(types.BaseVirtualEthernetCard)
		if !ok {
			continue
		}
		cards = append(cards, c)
		if s, ok := c.GetVirtualEthernetCard().SlotInfo.(*types.VirtualDevicePciBusSlotInfo); ok {
			used[s.PciSlotNumber] = true
		}
	}
	changed := false
	for n, c := range cards {
		e := c.GetVirtualEthernetCard()
		if e.SlotInfo != nil {
			continue
		}
		_, legacy := c.(*types.VirtualE1000) // legacy PCI bus; vmxnet3/e1000e are PCIe
		slot := ethernetSlot(n, legacy)
		for used[slot] { // a removed card's slot is not reused while another holds it
			n++
			slot = ethernetSlot(n, legacy)
		}
		used[slot] = true
		e.SlotInfo = &types.VirtualDevicePciBusSlotInfo{PciSlotNumber: slot}
		changed = true
	}
	return changed
}

// stampSlots runs assignSlots on vm and publishes the change to property collectors.
func stampSlots(m *simulator.Registry, vm *simulator.VirtualMachine) {
	if assignSlots(vm) {
		m.Update(vm, []types.PropertyChange{{Name: "config.hardware.device",
			Val: vm.Config.Hardware.Device, Op: types.PropertyChangeOpAssign}})
	}
}
