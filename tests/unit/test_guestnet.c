/* test_guestnet.c — guest.net (ArrayOfGuestNicInfo) as vCenter sends it: each NIC's MAC and
 * IPv4 addresses from ipAddress[] and ipConfig.ipAddress[], IPv6 left out, found by MAC
 * whatever its case. The answer is shaped as the vSphere API reference's GuestNicInfo. */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "vm_ipplan.h"
#include "vs_guestnet.h"
#include "vs_xml.h"

static const char answer[] =
	"<val xmlns=\"urn:vim25\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\""
	" xsi:type=\"ArrayOfGuestNicInfo\">"
	"<GuestNicInfo><network>Kasm-Trunk</network><macAddress>00:50:56:aa:bb:01</macAddress>"
	"<connected>true</connected><deviceConfigId>4000</deviceConfigId></GuestNicInfo>"
	"<GuestNicInfo><network>VM Network</network>"
	"<ipAddress>10.0.0.11</ipAddress><ipAddress>fe80::250:56ff:feaa:bb02</ipAddress>"
	"<macAddress>00:50:56:AA:BB:02</macAddress><connected>true</connected>"
	"<deviceConfigId>4001</deviceConfigId>"
	"<ipConfig><ipAddress><ipAddress>10.0.0.11</ipAddress><prefixLength>24</prefixLength>"
	"<state>preferred</state></ipAddress>"
	"<ipAddress><ipAddress>10.0.0.99</ipAddress><prefixLength>24</prefixLength></ipAddress>"
	"<ipAddress><ipAddress>fe80::1</ipAddress><prefixLength>64</prefixLength></ipAddress>"
	"</ipConfig></GuestNicInfo>"
	"<GuestNicInfo><ipAddress>10.0.0.200</ipAddress></GuestNicInfo>"
	"</val>";

static void test_parse(void **state)
{
	xmlDoc *doc = xmlReadMemory(answer, (int)strlen(answer), NULL, NULL, XML_PARSE_NONET);
	struct vs_guest_net gn = {0};
	const struct vs_guest_nic *g;
	char ip[VM_IP_STRLEN];

	(void)state;
	assert_non_null(doc);
	vs_guestnet_parse(&gn, xmlDocGetRootElement(doc));
	assert_true(gn.reported);
	assert_int_equal(gn.n_nics, 3);
	g = vs_guestnet_find(&gn, "00:50:56:aa:bb:01");
	assert_non_null(g);
	assert_int_equal(g->n_ipv4, 0);
	/* Case differs from the device's MAC; the duplicate 10.0.0.11 counts once. */
	g = vs_guestnet_find(&gn, "00:50:56:aa:bb:02");
	assert_non_null(g);
	assert_int_equal(g->n_ipv4, 2);
	vm_ip_format(g->ipv4[0], ip);
	assert_string_equal(ip, "10.0.0.11");
	vm_ip_format(g->ipv4[1], ip);
	assert_string_equal(ip, "10.0.0.99");
	/* An entry without a MAC is never anyone's. */
	assert_null(vs_guestnet_find(&gn, ""));
	assert_null(vs_guestnet_find(&gn, NULL));
	assert_null(vs_guestnet_find(&gn, "00:50:56:aa:bb:03"));
	/* A second guest.net in one answer replaces the first. */
	vs_guestnet_parse(&gn, xmlDocGetRootElement(doc));
	assert_int_equal(gn.n_nics, 3);
	vs_guestnet_clear(&gn);
	assert_int_equal(gn.n_nics, 0);
	assert_false(gn.reported);
	xmlFreeDoc(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
