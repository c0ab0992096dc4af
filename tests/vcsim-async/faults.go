// faults.go — fault details where a real vCenter puts them (realism item 8).
//
// MethodFault (vim.fault.MethodFault) carries, besides its type, "faultCause: fault which is
// the cause of this fault" and "faultMessage: message which has details about the error;
// message can also contain a key to message catalog which can be used to generate better
// localized messages" (vSphere Web Services API reference). vCenter 7/8 fill them: the
// type alone (InvalidArgument, SystemError) says little, the text is in faultMessage and
// in the fault of the component below that caused it. The simulator sets neither.
//
// Modelled here for one fault vtrunk's tests meet on purpose (30-partial-failure.sh): a NIC
// on a distributed switch that the VM's host is not a member of. The simulator fails that
// ReconfigVM_Task with InvalidArgument(invalidProperty spec.deviceChange.device.port.
// switchUuid), the same type and property a real vCenter names ("A specified parameter was
// not correct: spec.deviceChange.device.port.switchUuid", as users of terraform-provider-
// vsphere #1737 report it). This layer adds a faultMessage naming the host and the switch,
// and a faultCause: NotFound for the host's proxy switch of that distributed switch (the
// host-side object that would carry the port). The message keys are the layer's own
// (vtrunk.vcsim.*), not vCenter's catalog keys; what is modelled is where the text is.
package main

import (
	"fmt"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

// detailFault adds faultMessage and faultCause to the fault f of a ReconfigVM_Task on vm.
func detailFault(vm types.ManagedObjectReference, f types.BaseMethodFault) types.BaseMethodFault {
	ia, ok := f.(*types.InvalidArgument)
	if !ok || ia.InvalidProperty != "spec.deviceChange.device.port.switchUuid" || len(ia.FaultMessage) > 0 {
		return f
	}
	host := "its host"
	if v, ok := simulator.Map.Get(vm).(*simulator.VirtualMachine); ok && v.Runtime.Host != nil {
		if h, ok := simulator.Map.Get(*v.Runtime.Host).(*simulator.HostSystem); ok {
			host = fmt.Sprintf("host %q", h.Name)
		}
	}
	ia.FaultMessage = []types.LocalizableMessage{{Key: "vtrunk.vcsim.hostNotMember",
		Message: fmt.Sprintf("%s is not a member of the distributed switch of the NIC's port", host)}}
	ia.FaultCause = &types.LocalizedMethodFault{
		Fault: &types.NotFound{VimFault: types.VimFault{MethodFault: types.MethodFault{
			FaultMessage: []types.LocalizableMessage{{Key: "vtrunk.vcsim.noProxySwitch",
				Message: fmt.Sprintf("%s has no proxy switch for that switch", host)}}}}},
		LocalizedMessage: "The object or item referred to could not be found.",
	}
	return ia
}
