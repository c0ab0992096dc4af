/* cli_addrcheck.h — plan, apply and status compare each agent's mgmt_address with the
 * IPv4 addresses VMware Tools reports for its management NIC's MAC (guest.net), so a
 * typo in the plan does not re-address a production agent at its next reboot.
 *
 * A difference is a warning naming both addresses (stderr, and "mgmt_check" in the
 * report); with --strict it is an error before anything is changed. No Tools data for
 * the NIC is a note; agents whose address comes from DHCP, agents not found and
 * management NICs still to be added are not checked. */
#ifndef CLI_ADDRCHECK_H
#define CLI_ADDRCHECK_H

#include "cli_sync.h"
#include "vm_err.h"

/* After the agents' diffs (a->vm, a->diff.mgmt). 0, or -1 with err set (--strict and a
 * difference: kind fault, exit 1). */
int cli_addrcheck(struct cli_sync *r, struct vm_err *err);

#endif
