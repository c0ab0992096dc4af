/* test_nic.c — the NIC diff (vm/vm_nic.c): trunk NIC present, absent, two of them;
 * management NIC on a distributed port group, a standard network or an NSX-T opaque network;
 * unrelated NICs; disconnected NICs to connect. */
#include "unit.h"

#include "vm_nic.h"

#define DV(k, pg) {k, {VM_NIC_BACKING_DVPORT, "uuid-1", pg, NULL, NULL, NULL, NULL}, 0}
#define NET(k, ref, name) {k, {VM_NIC_BACKING_NETWORK, NULL, NULL, ref, name, NULL, NULL}, 0}

static const struct vm_nic_net trunk = {VM_NIC_BACKING_DVPORT, "uuid-1", "dvportgroup-50", NULL, NULL, NULL, NULL};
static const struct vm_nic_net mgmt_dv = {VM_NIC_BACKING_DVPORT, "uuid-1", "dvportgroup-13", NULL, NULL, NULL, NULL};
static const struct vm_nic_net mgmt_std = {VM_NIC_BACKING_NETWORK, NULL, NULL, "network-7", "VM Network", NULL, NULL};

static void test_nothing_there(void **state)
{
	struct vm_nic_diff d;
	(void)state;
	vm_nic_diff_get(NULL, 0, &trunk, &mgmt_std, &d);
	assert_int_equal(d.trunk, -1);
	assert_int_equal(d.mgmt, -1);
	assert_true(d.add_trunk);
	assert_true(d.add_mgmt);
	assert_int_equal(d.n_remove, 0);
	assert_true(vm_nic_diff_pending(&d));
}

static void test_in_sync(void **state)
{
	const struct vm_nic_have nics[] = {NET(4000, "network-7", "VM Network"), DV(4001, "dvportgroup-50")};
	struct vm_nic_diff d;
	(void)state;
	vm_nic_diff_get(nics, 2, &trunk, &mgmt_std, &d);
	assert_int_equal(d.trunk, 1);
	assert_int_equal(d.mgmt, 0);
	assert_false(d.add_trunk);
	assert_false(d.add_mgmt);
	assert_false(vm_nic_diff_pending(&d));
}

static void test_trunk_absent_mgmt_dvpg(void **state)
{
	const struct vm_nic_have nics[] = {DV(4000, "dvportgroup-13")};
	struct vm_nic_diff d;
	(void)state;
	vm_nic_diff_get(nics, 1, &trunk, &mgmt_dv, &d);
	assert_true(d.add_trunk);
	assert_false(d.add_mgmt);
	assert_int_equal(d.mgmt, 0);
	assert_int_equal(d.n_unrelated, 0);
}

static void test_two_trunk_nics_keep_lowest_key(void **state)
{
	const struct vm_nic_have nics[] = {DV(4003, "dvportgroup-50"), NET(4000, "network-7", "VM Network"),
					   DV(4001, "dvportgroup-50")};
	struct vm_nic_diff d;
	(void)state;
	vm_nic_diff_get(nics, 3, &trunk, &mgmt_std, &d);
	assert_int_equal(d.trunk, 2); /* key 4001 */
	assert_int_equal(d.n_remove, 1);
	assert_int_equal(d.remove[0], 0); /* key 4003 */
	assert_false(d.add_trunk);
	assert_true(vm_nic_diff_pending(&d));
}

static void test_unrelated_left_alone(void **state)
{
	const struct vm_nic_have nics[] = {DV(4000, "dvportgroup-99"), NET(4001, "network-8", "Backup"),
					   {4002, {VM_NIC_BACKING_OTHER, NULL, NULL, NULL, NULL, NULL, NULL}, 0}};
	struct vm_nic_diff d;
	(void)state;
	vm_nic_diff_get(nics, 3, &trunk, &mgmt_std, &d);
	assert_int_equal(d.n_unrelated, 3);
	assert_int_equal(d.n_remove, 0);
	assert_true(d.add_trunk);
	assert_true(d.add_mgmt);
}

static void test_two_mgmt_nics_never_removed(void **state)
{
	const struct vm_nic_have nics[] = {NET(4001, "network-7", "VM Network"), NET(4000, "network-7", "VM Network"),
					   DV(4002, "dvportgroup-50")};
	struct vm_nic_diff d;
	(void)state;
	vm_nic_diff_get(nics, 3, &trunk, &mgmt_std, &d);
	assert_int_equal(d.mgmt, 1); /* key 4000 */
	assert_int_equal(d.n_mgmt, 2);
	assert_int_equal(d.n_remove, 0);
	assert_false(vm_nic_diff_pending(&d));
}

static void test_standard_network_by_name_when_no_ref(void **state)
{
	const struct vm_nic_have nics[] = {NET(4000, NULL, "VM Network")};
	const struct vm_nic_have other[] = {NET(4000, "network-9", "VM Network")};
	struct vm_nic_diff d;
	(void)state;
	vm_nic_diff_get(nics, 1, &trunk, &mgmt_std, &d);
	assert_int_equal(d.mgmt, 0);
	/* Same name but another network object (another datacenter's): not ours. */
	vm_nic_diff_get(other, 1, &trunk, &mgmt_std, &d);
	assert_int_equal(d.mgmt, -1);
	assert_true(d.add_mgmt);
}

static void test_trunk_on_other_switch_is_unrelated(void **state)
{
	const struct vm_nic_have nics[] = {{4000, {VM_NIC_BACKING_DVPORT, "uuid-2", "dvportgroup-50", NULL, NULL, NULL, NULL}, 0}};
	struct vm_nic_diff d;
	(void)state;
	vm_nic_diff_get(nics, 1, &trunk, NULL, &d);
	assert_true(d.add_trunk);
	assert_false(d.add_mgmt);
	assert_int_equal(d.n_unrelated, 1);
}

/* NSX-T: a NIC on an opaque network is on it by opaqueNetworkId and type, not "other". */
static void test_opaque_mgmt(void **state)
{
	const struct vm_nic_net mgmt = {VM_NIC_BACKING_OPAQUE, NULL, NULL, "opaquenetwork-14", "DC0_NSX0",
					"5c2f41d8", "nsx.LogicalSwitch"};
	const struct vm_nic_have nics[] = {
		{4000, {VM_NIC_BACKING_OPAQUE, NULL, NULL, NULL, NULL, "5c2f41d8", "nsx.LogicalSwitch"}, 0},
		DV(4001, "dvportgroup-50"),
		{4002, {VM_NIC_BACKING_OPAQUE, NULL, NULL, NULL, NULL, "other-id", "nsx.LogicalSwitch"}, 0},
	};
	struct vm_nic_diff d;
	(void)state;
	vm_nic_diff_get(nics, 3, &trunk, &mgmt, &d);
	assert_int_equal(d.mgmt, 0);
	assert_int_equal(d.trunk, 1);
	assert_false(d.add_mgmt);
	assert_int_equal(d.n_unrelated, 1);
	assert_false(vm_nic_diff_pending(&d));
	/* Another segment's id, or the same id of another type, is another network. */
	vm_nic_diff_get(nics + 2, 1, &trunk, &mgmt, &d);
	assert_true(d.add_mgmt);
}

/* A disconnected kept NIC is to be connected; a disconnected unrelated or surplus one is
 * left alone. */
static void test_disconnected(void **state)
{
	struct vm_nic_have nics[] = {NET(4000, "network-7", "VM Network"), DV(4001, "dvportgroup-50"),
				     DV(4002, "dvportgroup-50"), NET(4003, "network-9", "Other")};
	struct vm_nic_diff d;
	(void)state;
	nics[2].disconnected = nics[3].disconnected = 1;
	vm_nic_diff_get(nics, 4, &trunk, &mgmt_std, &d);
	assert_false(d.connect_trunk);
	assert_false(d.connect_mgmt);
	nics[1].disconnected = 1;
	vm_nic_diff_get(nics, 4, &trunk, &mgmt_std, &d);
	assert_true(d.connect_trunk);
	assert_false(d.connect_mgmt);
	nics[0].disconnected = 1;
	nics[2].disconnected = 0;
	vm_nic_diff_get(nics, 3, &trunk, &mgmt_std, &d);
	assert_true(d.connect_trunk);
	assert_true(d.connect_mgmt);
	assert_true(vm_nic_diff_pending(&d));
	nics[1].disconnected = nics[0].disconnected = 0;
	vm_nic_diff_get(nics, 2, &trunk, &mgmt_std, &d);
	assert_false(vm_nic_diff_pending(&d));
}

static void test_type_names(void **state)
{
	(void)state;
	assert_string_equal(vm_nic_type_name(VM_NIC_VMXNET3), "VirtualVmxnet3");
	assert_string_equal(vm_nic_type_name(VM_NIC_E1000E), "VirtualE1000e");
	assert_string_equal(vm_nic_type_name(VM_NIC_E1000), "VirtualE1000");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nothing_there),
		cmocka_unit_test(test_in_sync),
		cmocka_unit_test(test_trunk_absent_mgmt_dvpg),
		cmocka_unit_test(test_two_trunk_nics_keep_lowest_key),
		cmocka_unit_test(test_unrelated_left_alone),
		cmocka_unit_test(test_two_mgmt_nics_never_removed),
		cmocka_unit_test(test_standard_network_by_name_when_no_ref),
		cmocka_unit_test(test_trunk_on_other_switch_is_unrelated),
		cmocka_unit_test(test_opaque_mgmt),
		cmocka_unit_test(test_disconnected),
		cmocka_unit_test(test_type_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
