#include "vm_modules.h"

#include "vm_alloc.h"

char *vm_modules_emit(const struct vm_plan *plan)
{
	(void)plan;
	return vm_xstrdup("# Written by vtrunk: 802.1Q VLAN tagging, for Docker's ipvlan "
			  "networks on the trunk NIC.\n8021q\n");
}
