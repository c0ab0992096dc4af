/* test_guestinfo.c — the guestinfo.vtrunk.* values: base64 against RFC 4648's vectors
 * and OpenSSL's decoder, the values against the emitters' files (golden plan
 * fixtures/golden/basic.plan.json), removal, and the comparison with what a VM holds. */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "cli_plan.h"
#include "vm_alloc.h"
#include "vm_docker.h"
#include "vm_guestinfo.h"
#include "vm_netplan.h"

static void test_base64_vectors(void **state)
{
	static const char *const v[][2] = {
		{"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
		{"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char *e = vm_base64_encode(v[i][0], strlen(v[i][0]));
		assert_string_equal(e, v[i][1]);
		free(e);
	}
}

/* OpenSSL decodes every length and byte value back to the input. */
static void test_base64_roundtrip(void **state)
{
	unsigned char in[300], out[400];
	(void)state;
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(i * 37 + 11);
	for (size_t n = 0; n <= sizeof(in); n += 7) {
		char *e = vm_base64_encode(in, n);
		int got = EVP_DecodeBlock(out, (const unsigned char *)e, (int)strlen(e));
		size_t pad = (n % 3) ? 3 - n % 3 : 0; /* EVP_DecodeBlock keeps the padding's zero bytes */
		assert_int_equal((size_t)got, n + pad);
		assert_memory_equal(out, in, n);
		assert_int_equal(strlen(e), 4 * ((n + 2) / 3));
		free(e);
	}
}

static struct vm_plan *load(void)
{
	struct vm_plan *p = NULL;
	struct vm_err err = {0};
	if (cli_plan_load_file("fixtures/golden/basic.plan.json", &p, &err) < 0)
		fail_msg("basic.plan.json: %s", err.msg);
	return p;
}

static const char *value(const struct vm_guestinfo *gi, const char *key)
{
	for (size_t k = 0; k < gi->n; k++)
		if (strcmp(gi->key[k], key) == 0)
			return gi->value[k];
	fail_msg("no key %s", key);
	return NULL;
}

static void assert_decodes_to(const char *b64, const char *text)
{
	size_t n = strlen(b64);
	unsigned char *out = malloc(n + 1);
	int got;
	assert_non_null(out);
	got = EVP_DecodeBlock(out, (const unsigned char *)b64, (int)n);
	assert_true(got >= (int)strlen(text));
	assert_memory_equal(out, text, strlen(text));
	for (int i = (int)strlen(text); i < got; i++)
		assert_int_equal(out[i], 0); /* only padding beyond the text */
	free(out);
}

static void test_build_matches_files(void **state)
{
	struct vm_plan *p = load();
	struct vm_guest_nic t = {.mac = "00:50:56:AA:BB:01", .key = 4000}, m = {.mac = "00:50:56:aa:bb:02", .key = 4001};
	struct vm_guest_agent ga = {&t, &m};
	(void)state;
	for (size_t i = 0; i < p->n_agents; i++) {
		struct vm_guestinfo gi;
		char *np = vm_netplan_emit(p, i, &ga), *dn = vm_docker_networks_emit(p, i, &ga);
		vm_guestinfo_build(p, i, &ga, &gi);
		assert_int_equal(gi.n, 4);
		assert_decodes_to(value(&gi, VM_GI_NETPLAN), np);
		assert_decodes_to(value(&gi, VM_GI_DOCKER), dn);
		assert_string_equal(value(&gi, VM_GI_NETPLAN ".encoding"), "base64");
		assert_string_equal(value(&gi, VM_GI_DOCKER ".encoding"), "base64");
		assert_non_null(strstr(np, "00:50:56:aa:bb:01")); /* the MAC is in what is compared */
		free(np);
		free(dn);
		vm_guestinfo_clear(&gi);
		assert_int_equal(gi.n, 0);
	}
	vm_plan_free(&p);
}

static void test_no_netplan_format(void **state)
{
	struct vm_plan *p = load();
	struct vm_guestinfo gi;
	(void)state;
	p->guest.formats = VM_FMT_IFUPDOWN;
	vm_guestinfo_build(p, 0, NULL, &gi);
	assert_string_equal(value(&gi, VM_GI_NETPLAN), "");
	assert_string_equal(value(&gi, VM_GI_NETPLAN ".encoding"), "");
	assert_string_equal(value(&gi, VM_GI_DOCKER ".encoding"), "base64");
	vm_guestinfo_clear(&gi);
	vm_plan_free(&p);
}

/* A fake VM: a NULL-terminated key, value list. */
static const char *lookup(const char *key, const void *arg)
{
	for (const char *const *kv = arg; *kv; kv += 2)
		if (strcmp(kv[0], key) == 0)
			return kv[1];
	return NULL;
}

static void test_differs(void **state)
{
	struct vm_plan *p = load();
	struct vm_guestinfo gi, rm;
	const char *none[] = {NULL};
	(void)state;
	vm_guestinfo_build(p, 1, NULL, &gi);
	vm_guestinfo_build_removal(&rm);
	{
		const char *same[] = {VM_GI_NETPLAN, gi.value[0], VM_GI_NETPLAN ".encoding", "base64",
				      VM_GI_DOCKER, gi.value[2], VM_GI_DOCKER ".encoding", "base64", NULL};
		const char *stale[] = {VM_GI_NETPLAN, "Zm9v", VM_GI_NETPLAN ".encoding", "base64",
				       VM_GI_DOCKER, gi.value[2], VM_GI_DOCKER ".encoding", "base64", NULL};
		const char *empty[] = {VM_GI_NETPLAN, "", "guestinfo.other", "x", NULL};
		assert_int_equal(vm_guestinfo_differs(&gi, lookup, same), 0);
		assert_int_equal(vm_guestinfo_differs(&gi, lookup, stale), 1);
		assert_int_equal(vm_guestinfo_differs(&gi, lookup, none), 1);
		/* Removal: needed while any key has a value; an empty one is no key at all. */
		assert_int_equal(vm_guestinfo_differs(&rm, lookup, same), 1);
		assert_int_equal(vm_guestinfo_differs(&rm, lookup, none), 0);
		assert_int_equal(vm_guestinfo_differs(&rm, lookup, empty), 0);
	}
	vm_guestinfo_clear(&gi);
	vm_guestinfo_clear(&rm);
	vm_plan_free(&p);
}

/* A plan with n VLANs (ids 1..n, a /24 each) and one agent. */
static struct vm_plan *plan_with_vlans(int n)
{
	struct vm_buf b = {0};
	struct vm_plan *p = NULL;
	struct vm_err err = {0};

	vm_buf_adds(&b, "{\"switch\": \"S\", \"trunk\": {\"portgroup\": \"T\", \"vlans\": \"1-4094\"},"
			" \"management\": {\"network\": \"M\"}, \"vlans\": [");
	for (int i = 1; i <= n; i++)
		vm_buf_addf(&b, "%s{\"id\": %d, \"subnet\": \"10.%d.%d.0/24\", \"gateway\": \"10.%d.%d.1\","
				" \"agent_prefix\": 26}", i > 1 ? ", " : "", i, i / 256, i % 256, i / 256, i % 256);
	vm_buf_adds(&b, "], \"agents\": [{\"vm\": \"a\", \"mgmt_address\": \"192.168.0.10\"}]}");
	if (cli_plan_load_string(b.data, "<test>", &p, &err) < 0)
		fail_msg("plan with %d VLANs: %s", n, err.msg);
	vm_buf_reset(&b);
	return p;
}

/* About 570 bytes of base64 a VLAN in docker-networks.sh: some 1750 VLANs reach what
 * VMware Tools can hand the guest. */
static void test_size_check(void **state)
{
	struct vm_plan *p;
	struct vm_err err = {0};
	(void)state;
	p = plan_with_vlans(1000);
	assert_int_equal(vm_guestinfo_size_check(p, &err), 0);
	vm_plan_free(&p);
	p = plan_with_vlans(2000);
	assert_int_equal(vm_guestinfo_size_check(p, &err), -1);
	assert_int_equal(err.kind, VM_ERR_USAGE);
	assert_non_null(strstr(err.msg, "guestinfo.vtrunk.docker of agents[0] (\"a\")"));
	assert_non_null(strstr(err.msg, "leave out --guestinfo"));
	vm_plan_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64_vectors),
		cmocka_unit_test(test_base64_roundtrip),
		cmocka_unit_test(test_build_matches_files),
		cmocka_unit_test(test_no_netplan_format),
		cmocka_unit_test(test_differs),
		cmocka_unit_test(test_size_check),
	};
	return cmocka_run_group_tests_name("guestinfo", tests, NULL, NULL);
}
