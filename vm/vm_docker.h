/* vm_docker.h — the Docker side of one agent: etc/docker/daemon.json (only for Docker
 * older than 19.03, where ipvlan needs "experimental") and docker-networks.sh, one
 * `docker network create -d ipvlan` per VLAN with the agent's block as --ip-range.
 *
 * Ownership: returned strings are owned by the caller (free()); plan and agent are
 * borrowed; agent may be NULL.
 */
#ifndef VM_DOCKER_H
#define VM_DOCKER_H

#include <stddef.h>

#include "vm_guest.h"
#include "vm_plan.h"

/* NULL when the plan's Docker version needs no daemon.json. */
char *vm_docker_daemon_emit(const struct vm_plan *plan);
char *vm_docker_networks_emit(const struct vm_plan *plan, size_t agent_index,
			      const struct vm_guest_agent *agent);

#endif
