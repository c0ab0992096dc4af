/* test_netfind.c — the management network by name (vs_vm_network_find): a distributed port
 * group, an NSX-T opaque network, and several port groups of one name (an NSX segment on
 * several switches) resolved by the switch the agent's host is attached to, refused,
 * naming them, when still ambiguous. */
#include "unit.h"

#include <string.h>

#include "vs_vm.h"

static struct vs_moref ref(const char *type, const char *value)
{
	struct vs_moref r;
	memset(&r, 0, sizeof(r));
	snprintf(r.type, sizeof(r.type), "%s", type);
	snprintf(r.value, sizeof(r.value), "%s", value);
	return r;
}

/* DC0: switch DVSA on host-1, DVSB on host-2 and host-3; "Seg" on both, "Opq" an opaque
 * network. */
struct world {
	struct vs_inventory inv;
	struct vs_dc dc;
	struct vs_switch sw[2];
	struct vs_moref hosts_a[1], hosts_b[2];
	struct vs_portgroup pgs[3];
	struct vs_vm vm;
};

static void world_init(struct world *w)
{
	memset(w, 0, sizeof(*w));
	w->dc.name = "DC0";
	w->hosts_a[0] = ref("HostSystem", "host-1");
	w->hosts_b[0] = ref("HostSystem", "host-2");
	w->hosts_b[1] = ref("HostSystem", "host-3");
	w->sw[0] = (struct vs_switch){.name = "DVSA", .uuid = "uuid-a", .hosts = w->hosts_a, .n_hosts = 1};
	w->sw[1] = (struct vs_switch){.name = "DVSB", .uuid = "uuid-b", .hosts = w->hosts_b, .n_hosts = 2};
	for (int i = 0; i < 2; i++) {
		w->pgs[i].name = "Seg";
		w->pgs[i].is_dvpg = 1;
		w->pgs[i].sw = i;
		w->pgs[i].key = i ? "dvportgroup-2" : "dvportgroup-1";
		w->pgs[i].ref = ref("DistributedVirtualPortgroup", w->pgs[i].key);
	}
	w->pgs[2].name = "Opq";
	w->pgs[2].sw = -1;
	w->pgs[2].ref = ref("OpaqueNetwork", "opaquenetwork-9");
	w->pgs[2].opaque_id = "5c2f41d8";
	w->pgs[2].opaque_type = "nsx.LogicalSwitch";
	w->inv.dcs = &w->dc;
	w->inv.n_dcs = 1;
	w->inv.switches = w->sw;
	w->inv.n_switches = 2;
	w->inv.pgs = w->pgs;
	w->inv.n_pgs = 3;
	w->vm.name = "agent-1";
}

static void test_opaque(void **state)
{
	struct world w;
	struct vm_nic_net net;
	struct vm_err err;
	(void)state;
	world_init(&w);
	assert_int_equal(vs_vm_network_find(&w.inv, 0, "Opq", NULL, &net, &err), 0);
	assert_int_equal(net.backing, VM_NIC_BACKING_OPAQUE);
	assert_string_equal(net.opaque_id, "5c2f41d8");
	assert_string_equal(net.opaque_type, "nsx.LogicalSwitch");
}

static void test_same_named_by_host(void **state)
{
	struct world w;
	struct vm_nic_net net;
	struct vm_err err;
	(void)state;
	world_init(&w);
	/* Without a VM: ambiguous, both named. */
	assert_int_equal(vs_vm_network_find(&w.inv, 0, "Seg", NULL, &net, &err), -1);
	assert_int_equal(err.kind, VM_ERR_USAGE);
	assert_non_null(strstr(err.msg, "2 networks are named \"Seg\""));
	assert_non_null(strstr(err.msg, "dvportgroup-1 on switch \"DVSA\""));
	assert_non_null(strstr(err.msg, "dvportgroup-2 on switch \"DVSB\""));
	/* Its host on DVSB only: DVSB's. */
	w.vm.host = ref("HostSystem", "host-3");
	assert_int_equal(vs_vm_network_find(&w.inv, 0, "Seg", &w.vm, &net, &err), 0);
	assert_int_equal(net.backing, VM_NIC_BACKING_DVPORT);
	assert_string_equal(net.portgroup_key, "dvportgroup-2");
	assert_string_equal(net.switch_uuid, "uuid-b");
	w.vm.host = ref("HostSystem", "host-1");
	assert_int_equal(vs_vm_network_find(&w.inv, 0, "Seg", &w.vm, &net, &err), 0);
	assert_string_equal(net.portgroup_key, "dvportgroup-1");
	/* On neither: refused, naming both and the host. */
	w.vm.host = ref("HostSystem", "host-9");
	assert_int_equal(vs_vm_network_find(&w.inv, 0, "Seg", &w.vm, &net, &err), -1);
	assert_non_null(strstr(err.msg, "none of them"));
	assert_non_null(strstr(err.msg, "DVSA"));
	assert_non_null(strstr(err.msg, "DVSB"));
	assert_non_null(strstr(err.msg, "host-9"));
	/* On both: refused. */
	w.hosts_a[0] = ref("HostSystem", "host-2");
	w.vm.host = ref("HostSystem", "host-2");
	assert_int_equal(vs_vm_network_find(&w.inv, 0, "Seg", &w.vm, &net, &err), -1);
	assert_non_null(strstr(err.msg, "several of them"));
	assert_non_null(strstr(err.msg, "\"agent-1\""));
}

static void test_not_found(void **state)
{
	struct world w;
	struct vm_nic_net net;
	struct vm_err err;
	(void)state;
	world_init(&w);
	assert_int_equal(vs_vm_network_find(&w.inv, 0, "Nope", &w.vm, &net, &err), -1);
	assert_int_equal(err.kind, VM_ERR_NOTFOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_opaque),
		cmocka_unit_test(test_same_named_by_host),
		cmocka_unit_test(test_not_found),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
