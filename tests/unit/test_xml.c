/* test_xml.c — the SOAP writer (escaping, envelopes that parse back to what was put in),
 * the reader on captured vcsim answers, hand-shaped vCenter 8 answers and hostile bodies
 * (fixtures/soap/{vcsim,vcenter8,hostile}), API version negotiation, and vs_xml_echo. */
#include "unit.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>

#include "fixture.h"
#include "vm_vlan.h"
#include "vs_session.h"
#include "vs_xml.h"

#define XSI "http://www.w3.org/2001/XMLSchema-instance"

static char *escaped(const char *text)
{
	struct vm_buf b = {0};

	vs_xml_escape_add(&b, text);
	return vm_buf_steal(&b);
}

static void assert_escapes(const char *text, const char *want)
{
	char *got = escaped(text);

	assert_string_equal(got, want);
	free(got);
}

/* --- writer --- */

static void test_escape_markup(void **state)
{
	(void)state;
	assert_escapes("&", "&amp;");
	assert_escapes("<", "&lt;");
	assert_escapes(">", "&gt;");
	assert_escapes("\"", "&quot;");
	assert_escapes("'", "&apos;");
	assert_escapes("a&b<c>d\"e'f", "a&amp;b&lt;c&gt;d&quot;e&apos;f");
	/* Already-escaped text is escaped again: the writer never trusts its input. */
	assert_escapes("&amp;", "&amp;amp;");
	assert_escapes("]]>", "]]&gt;");
	assert_escapes("plain text 123", "plain text 123");
	assert_escapes("", "");
}

static void test_escape_whitespace_and_controls(void **state)
{
	struct vm_buf b = {0};

	(void)state;
	/* Tabs and line ends become character references, so attribute-value
	 * normalisation cannot turn them into spaces. */
	assert_escapes("\t", "&#9;");
	assert_escapes("\n", "&#10;");
	assert_escapes("\r", "&#13;");
	assert_escapes("a\tb\r\nc", "a&#9;b&#13;&#10;c");
	/* Other C0 controls cannot be written in XML 1.0 at all (not even as references):
	 * each becomes U+FFFD. */
	assert_escapes("\x01", "\xef\xbf\xbd");
	assert_escapes("a\x1b[0mb", "a\xef\xbf\xbd[0mb");
	assert_escapes("\x1f\x0b\x0c", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	/* DEL and UTF-8 are legal as they are. */
	assert_escapes("\x7f", "\x7f");
	assert_escapes("tr\xc3\xaas \xe2\x82\xac", "tr\xc3\xaas \xe2\x82\xac");
	/* NULL adds nothing. */
	vs_xml_escape_add(&b, NULL);
	assert_int_equal(b.len, 0);
	vm_buf_reset(&b);
}

/* The element `name` anywhere below n (depth first). */
static xmlNode *find_elem(xmlNode *n, const char *name)
{
	for (xmlNode *c = n; c; c = c->next) {
		xmlNode *hit;
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp((const char *)c->name, name) == 0)
			return c;
		if ((hit = find_elem(c->children, name)) != NULL)
			return hit;
	}
	return NULL;
}

static void assert_text(xmlNode *n, const char *want)
{
	xmlChar *t;

	assert_non_null(n);
	t = xmlNodeGetContent(n);
	assert_non_null(t);
	assert_string_equal((const char *)t, want);
	xmlFree(t);
}

static void assert_attr(xmlNode *n, const char *name, const char *ns, const char *want)
{
	xmlChar *v = ns ? xmlGetNsProp(n, (const xmlChar *)name, (const xmlChar *)ns)
			: xmlGetNoNsProp(n, (const xmlChar *)name);

	if (!v)
		fail_msg("<%s> has no attribute %s", (const char *)n->name, name);
	assert_string_equal((const char *)v, want);
	xmlFree(v);
}

static void test_envelope_round_trip(void **state)
{
	/* Every character XML treats specially, in element text and in attributes. */
	static const char user[] = "VSPHERE.LOCAL\\a&b<c>d\"e'f\tg\nh\ri ]]> &amp; tr\xc3\xaas";
	static const char password[] = "p&ss<w>rd\"'!\t \r\n&#x41;<![CDATA[x]]>";
	const struct vs_moref sm = {"SessionManager", "Session<Mgr>&\"'"};
	const struct vs_moref odd = {"Type\twith\nbreaks", "v a\tl\rue"};
	struct vm_buf b = {0};
	xmlDoc *doc;
	xmlNode *root, *body, *login, *n;

	(void)state;
	vs_soap_begin(&b, "Login", &sm);
	vs_soap_elem(&b, "userName", user);
	vs_soap_elem(&b, "password", password);
	vs_soap_elem_long(&b, "count", -42);
	vs_soap_elem_bool(&b, "yes", 1);
	vs_soap_elem_bool(&b, "no", 0);
	vs_soap_moref(&b, "odd", &odd);
	vs_soap_open(&b, "spec", "Type & \"Sub\"");
	vs_soap_elem(&b, "empty", "");
	vs_soap_close(&b, "spec");
	vs_soap_end(&b, "Login");

	doc = xmlReadMemory(b.data, (int)b.len, NULL, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		fail_msg("the envelope is not well-formed XML: %s", b.data);
	root = xmlDocGetRootElement(doc);
	assert_string_equal((const char *)root->name, "Envelope");
	assert_string_equal((const char *)root->ns->href, "http://schemas.xmlsoap.org/soap/envelope/");
	body = vs_xml_child(root, "Body");
	assert_non_null(body);
	login = vs_xml_child(body, NULL);
	assert_string_equal((const char *)login->name, "Login");
	assert_non_null(login->ns);
	assert_string_equal((const char *)login->ns->href, "urn:vim25");
	assert_null(vs_xml_next(login, NULL));

	n = vs_xml_child(login, "_this");
	assert_text(n, sm.value);
	assert_attr(n, "type", NULL, sm.type);
	assert_text(vs_xml_child(login, "userName"), user);
	assert_text(vs_xml_child(login, "password"), password);
	assert_int_equal(vs_xml_long_get(vs_xml_child(login, "count"), 0), -42);
	assert_int_equal(vs_xml_bool_get(vs_xml_child(login, "yes"), -1), 1);
	assert_int_equal(vs_xml_bool_get(vs_xml_child(login, "no"), -1), 0);
	n = vs_xml_child(login, "odd");
	assert_text(n, odd.value);
	assert_attr(n, "type", NULL, odd.type);
	n = vs_xml_child(login, "spec");
	assert_attr(n, "type", XSI, "Type & \"Sub\"");
	assert_text(vs_xml_child(n, "empty"), "");
	/* Element order is what was written. */
	n = vs_xml_child(login, NULL);
	static const char *const order[] = {"_this", "userName", "password", "count", "yes", "no", "odd", "spec"};
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++, n = vs_xml_next(n, NULL)) {
		assert_non_null(n);
		assert_string_equal((const char *)n->name, order[i]);
	}
	assert_null(n);
	xmlFreeDoc(doc);
	vm_buf_reset(&b);
}

static void test_envelope_controls_stay_well_formed(void **state)
{
	const struct vs_moref self = {"Folder", "group-d1"};
	struct vm_buf b = {0};
	struct vm_err err = {0};
	xmlDoc *doc;

	(void)state;
	vs_soap_begin(&b, "CreateFolder", &self);
	vs_soap_elem(&b, "name", "bell\x07 and escape\x1b");
	vs_soap_end(&b, "CreateFolder");
	/* vtrunk's own reader (strict: no recovery) accepts it, with U+FFFD in place. */
	doc = vs_xml_read(b.data, b.len, "envelope", &err);
	if (!doc)
		fail_msg("%s", err.msg);
	assert_text(find_elem(xmlDocGetRootElement(doc), "name"), "bell\xef\xbf\xbd and escape\xef\xbf\xbd");
	xmlFreeDoc(doc);
	vm_buf_reset(&b);
}

/* --- reader: successful answers --- */

static void test_parse_success(void **state)
{
	xmlNode *ret;
	xmlDoc *doc;
	struct vs_moref ref;
	char type[64];

	(void)state;
	doc = fixture_soap(FIXTURE("soap/vcsim/RetrieveServiceContent.xml"), "RetrieveServiceContent", &ret);
	assert_string_equal((const char *)ret->name, "RetrieveServiceContentResponse");
	assert_int_equal(vs_xml_moref_get(vs_xml_path(ret, "returnval/rootFolder"), &ref), 0);
	assert_string_equal(ref.type, "Folder");
	assert_string_equal(ref.value, "group-d1");
	assert_int_equal(vs_xml_moref_get(vs_xml_path(ret, "returnval/about/fullName"), &ref), -1);
	xmlFreeDoc(doc);

	/* vcsim writes xsi:type with the prefix "XMLSchema-instance:"; a real vCenter with
	 * "xsi:". Both are the same attribute to the reader. */
	doc = fixture_soap(FIXTURE("soap/vcsim/RetrievePropertiesEx-network.xml"), "RetrievePropertiesEx", &ret);
	vs_xml_type_copy(find_elem(ret, "defaultPortConfig"), type, sizeof(type));
	assert_string_equal(type, "VMwareDVSPortSetting");
	xmlFreeDoc(doc);
	doc = fixture_soap(FIXTURE("soap/vcenter8/RetrievePropertiesEx-page1.xml"), "RetrievePropertiesEx", &ret);
	vs_xml_type_copy(find_elem(ret, "defaultPortConfig"), type, sizeof(type));
	assert_string_equal(type, "VMwareDVSPortSetting");
	vs_xml_type_copy(find_elem(ret, "obj"), type, sizeof(type));
	assert_string_equal(type, "");
	xmlFreeDoc(doc);
	doc = fixture_soap(FIXTURE("soap/vcenter8/ContinueRetrievePropertiesEx-page2.xml"),
			   "ContinueRetrievePropertiesEx", &ret);
	assert_string_equal((const char *)ret->name, "ContinueRetrievePropertiesExResponse");
	xmlFreeDoc(doc);
}

/* --- reader: faults --- */

struct fault_case {
	const char *path, *method, *fault, *text;
};

static void test_parse_faults(void **state)
{
	static const struct fault_case cases[] = {
		{"soap/vcsim/Login-InvalidLogin.xml", "Login", "InvalidLogin", "Login failure"},
		{"soap/vcsim/CreateContainerView-NotAuthenticated.xml", "CreateContainerView", "NotAuthenticated", ""},
		{"soap/vcenter8/fault-InvalidLogin.xml", "Login", "InvalidLogin",
		 "Cannot complete login due to an incorrect user name or password."},
		{"soap/vcenter8/fault-NotAuthenticated.xml", "RetrievePropertiesEx", "NotAuthenticated",
		 "The session is not authenticated."},
		{"soap/vcenter8/fault-DuplicateName.xml", "CreateFolder", "DuplicateName",
		 "The name 'Kasm & Agents' already exists. (Kasm & Agents)"},
		{"soap/vcenter8/fault-InvalidArgument.xml", "ReconfigureDVPortgroup_Task", "InvalidArgument",
		 "(spec.defaultPortConfig.vlan.vlanId)"},
		/* faultMessage, a DVS objectFault with its own fault and faultMessage (key and args
		 * when there is no message text), and a faultCause chain are kept and shown. */
		{"soap/vcenter8/fault-DvsApplyOperationFault.xml", "ReconfigureDVPortgroup_Task",
		 "DvsApplyOperationFault",
		 "The operation failed. (Cannot reconfigure port group Kasm-Trunk.); on DistributedVirtualPortgroup "
		 "dvportgroup-1041: InvalidArgument: A specified parameter was not correct: "
		 "spec.defaultPortConfig.lacpPolicy (com.vmware.vim.vpxd.dvs.lacpNotSupported [setting=lacpPolicy])"},
		{"soap/vcenter8/fault-SystemError-cause.xml", "AddDVPortgroup_Task", "SystemError",
		 "(com.vmware.vim.vpxd.dvs.updateFailed [dvs=DSwitch]); caused by PlatformConfigFault "
		 "(Host esx-07.lab: the proxy switch has no free ports.)"},
		/* A type no API defines is still the server's fault: reported by its name. */
		{"soap/hostile/fault-unknown-type.xml", "RetrievePropertiesEx", "VtrunkImaginaryFault",
		 "Something no API version documents went wrong."},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct fault_case *c = &cases[i];
		struct vs_http_resp r;
		struct vm_err err = {0};
		xmlDoc *doc = (xmlDoc *)&err; /* must be cleared */
		xmlNode *ret = (xmlNode *)&err;
		char path[256], head[256];

		snprintf(path, sizeof(path), "fixtures/%s", c->path);
		fixture_resp(&r, path, 500, "text/xml; charset=utf-8");
		assert_int_equal(vs_soap_parse(&r, c->method, &doc, &ret, &err), -1);
		assert_null(doc);
		assert_null(ret);
		if (err.kind != VM_ERR_FAULT)
			fail_msg("%s: kind %s, want fault (%s)", c->path, vm_err_kind_name(err.kind), err.msg);
		assert_string_equal(err.fault, c->fault);
		assert_int_equal(err.http_status, 500);
		/* "<method>: <Type>: <faultstring>" */
		snprintf(head, sizeof(head), "%s: %s", c->method, c->fault);
		assert_true(strncmp(err.msg, head, strlen(head)) == 0);
		assert_contains(err.msg, c->text);
		vs_http_resp_clear(&r);
	}
}

static void test_parse_fault_without_detail(void **state)
{
	struct vs_http_resp r;
	struct vm_err err = {0};
	xmlDoc *doc;
	xmlNode *ret;

	(void)state;
	fixture_resp_text(&r,
			  "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body>"
			  "<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>it broke</faultstring>"
			  "</soapenv:Fault></soapenv:Body></soapenv:Envelope>",
			  500, "text/xml");
	assert_int_equal(vs_soap_parse(&r, "Logout", &doc, &ret, &err), -1);
	assert_int_equal(err.kind, VM_ERR_FAULT);
	assert_string_equal(err.fault, "UnknownFault");
	assert_string_equal(err.msg, "Logout: UnknownFault: it broke");
	vs_http_resp_clear(&r);
}

/* --- reader: hostile answers --- */

static int entity_loads;
static xmlExternalEntityLoader real_loader;

/* Records every attempt to load an external entity or DTD, then lets it proceed as
 * it would have: the test sees what the code under test asks for, unchanged. */
static xmlParserInputPtr counting_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
	entity_loads++;
	return real_loader(url, id, ctxt);
}

/* Parses a hostile answer; it must fail with kind parse or http, with `want` in the
 * message; the message must never carry /etc/passwd's content. */
static void assert_refused(const char *path, const char *text, long status, const char *ctype,
			   enum vm_err_kind kind, const char *const *want)
{
	struct vs_http_resp r;
	struct vm_err err = {0};
	xmlDoc *doc = (xmlDoc *)&err;
	xmlNode *ret = (xmlNode *)&err;
	time_t t0 = time(NULL);

	if (path)
		fixture_resp(&r, path, status, ctype);
	else
		fixture_resp_text(&r, text, status, ctype);
	real_loader = xmlGetExternalEntityLoader();
	entity_loads = 0;
	xmlSetExternalEntityLoader(counting_loader);
	assert_int_equal(vs_soap_parse(&r, "RetrievePropertiesEx", &doc, &ret, &err), -1);
	xmlSetExternalEntityLoader(real_loader);
	assert_null(doc);
	assert_null(ret);
	if (err.kind != kind)
		fail_msg("%s: kind %s, want %s (%s)", path ? path : text, vm_err_kind_name(err.kind),
			 vm_err_kind_name(kind), err.msg);
	assert_int_equal(entity_loads, 0);
	assert_null(strstr(err.msg, "root:"));
	assert_string_equal(err.fault, "");
	assert_contains(err.msg, "RetrievePropertiesEx");
	for (; want && *want; want++)
		assert_contains(err.msg, *want);
	/* Entity bombs and deep nesting end at once, not after minutes of work. */
	assert_true(time(NULL) - t0 < 10);
	vs_http_resp_clear(&r);
}

static void test_hostile_html(void **state)
{
	static const char *const want[] = {"HTML page", "SOAP envelope was expected", NULL};

	(void)state;
	/* A proxy's error page: HTTP kind, whatever the body says. */
	assert_refused(FIXTURE("soap/hostile/html-error.html"), NULL, 503, "text/html; charset=iso-8859-1",
		       VM_ERR_HTTP, want);
	assert_refused(FIXTURE("soap/hostile/html-error.html"), NULL, 503, "", VM_ERR_HTTP, want);
	/* An HTML page with 200 (a captive portal, a login page) cannot be read. */
	assert_refused(FIXTURE("soap/hostile/html-error.html"), NULL, 200, "", VM_ERR_PARSE, want);
	assert_refused(NULL, "\n  <html><body>hi</body></html>", 200, "", VM_ERR_PARSE, want);
	/* Well-formed XHTML naming an external DTD: recognised as HTML, the DTD not fetched. */
	assert_refused(FIXTURE("soap/hostile/html-xhtml-503.html"), NULL, 503, "text/html", VM_ERR_HTTP, want);
	assert_refused(FIXTURE("soap/hostile/html-xhtml-503.html"), NULL, 503, "", VM_ERR_HTTP, want);
}

static void test_hostile_truncated(void **state)
{
	static const char *const want[] = {"not well-formed XML", NULL};

	(void)state;
	assert_refused(FIXTURE("soap/hostile/truncated-envelope.xml"), NULL, 200, "text/xml", VM_ERR_PARSE, want);
	/* A body cut off by a failing proxy with its own status is an HTTP error. */
	assert_refused(FIXTURE("soap/hostile/truncated-envelope.xml"), NULL, 502, "text/xml", VM_ERR_HTTP, want);
}

static void test_hostile_external_entity(void **state)
{
	static const char *const want[] = {"DOCTYPE", NULL};
	struct vm_err err = {0};
	size_t len;
	char *body;

	(void)state;
	assert_refused(FIXTURE("soap/hostile/xxe-external-entity.xml"), NULL, 200, "text/xml", VM_ERR_PARSE, want);
	/* An external DTD subset is not fetched either. */
	assert_refused(NULL,
		       "<?xml version=\"1.0\"?>\n<!DOCTYPE Envelope SYSTEM \"file:///etc/passwd\">\n"
		       "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">"
		       "<soapenv:Body><RetrievePropertiesExResponse xmlns=\"urn:vim25\"/></soapenv:Body></soapenv:Envelope>",
		       200, "text/xml", VM_ERR_PARSE, want);
	/* The generic reader refuses it the same way. */
	body = fixture_read(FIXTURE("soap/hostile/xxe-external-entity.xml"), &len);
	entity_loads = 0;
	real_loader = xmlGetExternalEntityLoader();
	xmlSetExternalEntityLoader(counting_loader);
	assert_null(vs_xml_read(body, len, "answer", &err));
	xmlSetExternalEntityLoader(real_loader);
	assert_int_equal(entity_loads, 0);
	assert_int_equal(err.kind, VM_ERR_PARSE);
	assert_contains(err.msg, "answer: ");
	assert_contains(err.msg, "DOCTYPE");
	free(body);
}

static void test_hostile_entity_bomb(void **state)
{
	static const char *const want[] = {NULL};

	(void)state;
	/* Refused either by the parser's amplification guard or for its DOCTYPE. */
	assert_refused(FIXTURE("soap/hostile/billion-laughs.xml"), NULL, 200, "text/xml", VM_ERR_PARSE, want);
}

static void test_hostile_deep_nesting(void **state)
{
	static const char *const want[] = {"not well-formed XML", NULL};

	(void)state;
	assert_refused(FIXTURE("soap/hostile/deep-nesting.xml"), NULL, 200, "text/xml", VM_ERR_PARSE, want);
}

static void test_hostile_unexpected_response(void **state)
{
	static const char *const want[] = {"expected <RetrievePropertiesExResponse>",
					    "got <RetrieveServiceContentResponse>", NULL};

	(void)state;
	assert_refused(FIXTURE("soap/hostile/unexpected-response.xml"), NULL, 200, "text/xml", VM_ERR_PARSE, want);
}

static void test_hostile_not_soap(void **state)
{
	static const char *const envelope[] = {"not a SOAP envelope", NULL};
	static const char *const empty[] = {"empty answer", "SOAP envelope was expected", NULL};

	(void)state;
	assert_refused(NULL, "<?xml version=\"1.0\"?><namespaces version=\"1.0\"/>", 200, "text/xml",
		       VM_ERR_PARSE, envelope);
	assert_refused(NULL,
		       "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">"
		       "<soapenv:Body>  </soapenv:Body></soapenv:Envelope>",
		       200, "text/xml", VM_ERR_PARSE, envelope);
	assert_refused(NULL, "", 200, "", VM_ERR_PARSE, empty);
	assert_refused(NULL, "", 503, "", VM_ERR_HTTP, empty);
	/* The right answer with an error status is not taken as a success. */
	{
		static const char *const status[] = {"HTTP 404", NULL};
		assert_refused(NULL,
			       "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">"
			       "<soapenv:Body><RetrievePropertiesExResponse xmlns=\"urn:vim25\"/></soapenv:Body>"
			       "</soapenv:Envelope>",
			       404, "text/xml", VM_ERR_HTTP, status);
	}
}

/* --- API version negotiation --- */

static void assert_picks(const char *xml, const char *want)
{
	char out[32] = "";
	struct vm_err err = {0};

	if (vs_session_version_pick(xml, strlen(xml), out, sizeof(out), &err) < 0)
		fail_msg("no version picked: %s", err.msg);
	assert_string_equal(out, want);
}

static void assert_no_pick(const char *xml, enum vm_err_kind kind, const char *want)
{
	char out[32] = "untouched";
	struct vm_err err = {0};

	assert_int_equal(vs_session_version_pick(xml, strlen(xml), out, sizeof(out), &err), -1);
	assert_string_equal(out, "untouched");
	assert_int_equal(err.kind, kind);
	assert_contains(err.msg, want);
}

#define VERSIONS(body) "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<namespaces version=\"1.0\">" body "</namespaces>\n"
#define VIM25(own, priors) \
	"<namespace><name>urn:vim25</name><version>" own "</version><priorVersions>" priors "</priorVersions></namespace>"
#define V(x) "<version>" x "</version>"

static void test_version_pick_fixtures(void **state)
{
	char *xml;

	(void)state;
	xml = fixture_read(FIXTURE("soap/vcsim/vimServiceVersions.xml"), NULL);
	assert_picks(xml, "6.5");
	free(xml);
	xml = fixture_read(FIXTURE("soap/vcenter8/vimServiceVersions.xml"), NULL);
	assert_picks(xml, "8.0.1.0");
	free(xml);
}

static void test_version_pick_synthetic(void **state)
{
	(void)state;
	/* A newer server than vtrunk knows: the newest prior version from 6.5 to 8.x. */
	assert_picks(VERSIONS(VIM25("9.0.0.0", V("8.0.3.0") V("8.0.2.0") V("8.0.1.0") V("8.0.0.0") V("7.0.3.0")
					   V("7.0"))),
		     "8.0.3.0");
	/* Order in the file does not matter; components compare as numbers. */
	assert_picks(VERSIONS(VIM25("9.0", V("7.0.3.2") V("6.7") V("8.0.2.0") V("8.0.10.0") V("6.5"))), "8.0.10.0");
	/* The server's own version, when in range, wins. */
	assert_picks(VERSIONS(VIM25("6.5", V("6.0") V("5.5"))), "6.5");
	assert_picks(VERSIONS(VIM25("6.7.3", V("6.7.2") V("6.5"))), "6.7.3");
	assert_picks(VERSIONS(VIM25("7.0.3.0", "")), "7.0.3.0");
	/* Other namespaces are ignored, wherever they are. */
	assert_picks(VERSIONS("<namespace><name>urn:vim2</name><version>8.9</version></namespace>"
			      VIM25("9.1", V("7.0.1.0") V("6.0"))),
		     "7.0.1.0");
	/* Nothing from 6.5 on: refused, naming what the server offers. */
	assert_no_pick(VERSIONS(VIM25("6.0", V("5.5") V("5.1") V("2.5u2server"))), VM_ERR_USAGE, "6.0");
	assert_no_pick(VERSIONS(VIM25("6.0", V("5.5"))), VM_ERR_USAGE, "6.5 to 8.x");
	assert_no_pick(VERSIONS(VIM25("9.0", V("6.0") V("5.5"))), VM_ERR_USAGE, "9.0");
	assert_no_pick(VERSIONS("<namespace><name>urn:vim2</name><version>2.0</version></namespace>"),
		       VM_ERR_PARSE, "no urn:vim25");
	assert_no_pick("<html><body>Not Found</body></html", VM_ERR_PARSE, "vimServiceVersions.xml");
	assert_no_pick("<?xml version=\"1.0\"?><!DOCTYPE namespaces [<!ENTITY v \"8.0\">]>"
		       "<namespaces version=\"1.0\">" VIM25("&v;", "") "</namespaces>",
		       VM_ERR_PARSE, "DOCTYPE");
}

/* --- vs_xml_echo --- */

static int is_blank(const xmlNode *n)
{
	if (n->type != XML_TEXT_NODE)
		return 0;
	for (const xmlChar *p = n->content; p && *p; p++)
		if (*p != ' ' && *p != '\n' && *p != '\t' && *p != '\r')
			return 0;
	return 1;
}

static const xmlNode *next_significant(const xmlNode *n)
{
	while (n && (n->type == XML_COMMENT_NODE || is_blank(n)))
		n = n->next;
	return n;
}

/* Structural equality as vSphere reads it: local names, xsi:type (local part), plain
 * attributes, text; whitespace between elements and namespace prefixes do not count. */
static void assert_same_tree(const xmlNode *a, const xmlNode *b, const char *where)
{
	char ta[128], tb[128];
	const xmlNode *ca, *cb;

	assert_non_null(a);
	assert_non_null(b);
	if (a->type != b->type)
		fail_msg("%s: node types differ", where);
	if (a->type == XML_TEXT_NODE || a->type == XML_CDATA_SECTION_NODE) {
		assert_string_equal((const char *)a->content, (const char *)b->content);
		return;
	}
	if (strcmp((const char *)a->name, (const char *)b->name) != 0)
		fail_msg("%s: <%s> became <%s>", where, (const char *)a->name, (const char *)b->name);
	vs_xml_type_copy(a, ta, sizeof(ta));
	vs_xml_type_copy(b, tb, sizeof(tb));
	if (strcmp(ta, tb) != 0)
		fail_msg("%s/%s: xsi:type \"%s\" became \"%s\"", where, (const char *)a->name, ta, tb);
	for (const xmlAttr *at = a->properties; at; at = at->next) {
		xmlChar *va, *vb;
		if (at->ns)
			continue;
		va = xmlGetNoNsProp(a, at->name);
		vb = xmlGetNoNsProp(b, at->name);
		if (!vb || strcmp((const char *)va, (const char *)vb) != 0)
			fail_msg("%s/%s: attribute %s lost or changed", where, (const char *)a->name,
				 (const char *)at->name);
		xmlFree(va);
		xmlFree(vb);
	}
	for (ca = next_significant(a->children), cb = next_significant(b->children); ca || cb;
	     ca = next_significant(ca->next), cb = next_significant(cb->next)) {
		char sub[512];
		if (!ca || !cb)
			fail_msg("%s/%s: %s", where, (const char *)a->name, ca ? "children lost" : "children added");
		snprintf(sub, sizeof(sub), "%s/%s", where, (const char *)a->name);
		assert_same_tree(ca, cb, sub);
	}
}

static void fill_trunk(struct vm_buf *b, void *arg)
{
	const struct vm_vlan_set *set = arg;

	vs_soap_open(b, "vlan", "VmwareDistributedVirtualSwitchTrunkVlanSpec");
	vs_soap_elem_bool(b, "inherited", 0);
	for (size_t i = 0; i < set->n; i++) {
		vs_soap_open(b, "vlanId", NULL);
		vs_soap_elem_long(b, "start", set->r[i].lo);
		vs_soap_elem_long(b, "end", set->r[i].hi);
		vs_soap_close(b, "vlanId");
	}
	vs_soap_close(b, "vlan");
}

/* The DVPortgroupConfigInfo of the port group `key` in a parsed answer. */
static xmlNode *pg_config(xmlNode *ret, const char *key)
{
	for (xmlNode *o = vs_xml_path(ret, "returnval/objects"); o; o = vs_xml_next(o, "objects")) {
		char v[96];
		if (vs_xml_text_copy(vs_xml_child(o, "obj"), v, sizeof(v)) < 0 || strcmp(v, key) != 0)
			continue;
		for (xmlNode *ps = vs_xml_child(o, "propSet"); ps; ps = vs_xml_next(ps, "propSet")) {
			char name[32];
			if (vs_xml_text_copy(vs_xml_child(ps, "name"), name, sizeof(name)) == 0 &&
			    strcmp(name, "config") == 0)
				return vs_xml_child(ps, "val");
		}
	}
	fail_msg("no config for %s", key);
	return NULL;
}

/* Echoes node as `name` (replacing `skip` with fill) and parses the result back. */
static xmlDoc *echo_parse(const char *name, const xmlNode *node, const char *skip,
			  void (*fill)(struct vm_buf *, void *), void *arg, xmlNode **out)
{
	struct vm_buf b = {0};
	xmlDoc *doc;

	vm_buf_adds(&b, "<wrap xmlns:xsi=\"" XSI "\">");
	vs_xml_echo(&b, name, node, skip, fill, arg);
	vm_buf_adds(&b, "</wrap>");
	doc = xmlReadMemory(b.data, (int)b.len, NULL, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		fail_msg("vs_xml_echo wrote XML that does not parse: %s", b.data);
	*out = vs_xml_child(xmlDocGetRootElement(doc), NULL);
	assert_non_null(*out);
	assert_null(vs_xml_next(*out, NULL));
	vm_buf_reset(&b);
	return doc;
}

/* Echoes defaultPortConfig with its vlan replaced and checks that everything else came
 * back unchanged, in order, and the new vlan is exactly the fill's. */
static void check_echo_vlan(const char *path, const char *pg_key)
{
	struct vm_vlan_set set = {0};
	xmlNode *ret, *dpc, *echoed, *want_vlan;
	xmlDoc *doc, *edoc, *vdoc;
	const xmlNode *a, *e;
	int seen_vlan = 0;

	assert_int_equal(vm_vlan_parse("10-20,4000", &set, NULL), 0);
	doc = fixture_soap(path, "RetrievePropertiesEx", &ret);
	dpc = vs_xml_child(pg_config(ret, pg_key), "defaultPortConfig");
	assert_non_null(dpc);
	assert_non_null(vs_xml_child(dpc, "vlan"));
	edoc = echo_parse("defaultPortConfig", dpc, "vlan", fill_trunk, &set, &echoed);
	/* What the fill writes, parsed the same way, for comparison. */
	{
		struct vm_buf b = {0};
		vm_buf_adds(&b, "<wrap xmlns:xsi=\"" XSI "\">");
		fill_trunk(&b, &set);
		vm_buf_adds(&b, "</wrap>");
		vdoc = xmlReadMemory(b.data, (int)b.len, NULL, NULL, XML_PARSE_NONET);
		assert_non_null(vdoc);
		want_vlan = vs_xml_child(xmlDocGetRootElement(vdoc), "vlan");
		vm_buf_reset(&b);
	}
	assert_string_equal((const char *)echoed->name, "defaultPortConfig");
	{
		char t[64];
		vs_xml_type_copy(echoed, t, sizeof(t));
		assert_string_equal(t, "VMwareDVSPortSetting");
	}
	for (a = vs_xml_child(dpc, NULL), e = vs_xml_child(echoed, NULL); a || e;
	     a = vs_xml_next(a, NULL), e = vs_xml_next(e, NULL)) {
		assert_non_null(a);
		assert_non_null(e);
		if (strcmp((const char *)a->name, "vlan") == 0) {
			seen_vlan++;
			assert_same_tree(want_vlan, e, "vlan");
		} else {
			assert_same_tree(a, e, "defaultPortConfig");
		}
	}
	assert_int_equal(seen_vlan, 1);
	xmlFreeDoc(vdoc);
	xmlFreeDoc(edoc);
	xmlFreeDoc(doc);
	vm_vlan_set_clear(&set);
}

static void test_echo_replaces_vlan(void **state)
{
	(void)state;
	/* A real vCenter's full VMwareDVSPortSetting (xsi: prefix) ... */
	check_echo_vlan(FIXTURE("soap/vcenter8/RetrievePropertiesEx-page1.xml"), "dvportgroup-30");
	/* ... and vcsim's (XMLSchema-instance: prefix, VLAN-ID spec replaced by a trunk). */
	check_echo_vlan(FIXTURE("soap/vcsim/RetrievePropertiesEx-network.xml"), "dvportgroup-13");
}

static void test_echo_whole_config(void **state)
{
	xmlNode *ret, *cfg, *echoed;
	xmlDoc *doc, *edoc;

	(void)state;
	/* Without skip the whole subtree comes back as it was: escaped text (the
	 * description has & and <>), moref type attributes, xsi:types at every depth. */
	doc = fixture_soap(FIXTURE("soap/vcenter8/RetrievePropertiesEx-page1.xml"), "RetrievePropertiesEx", &ret);
	cfg = pg_config(ret, "dvportgroup-30");
	edoc = echo_parse("val", cfg, NULL, NULL, NULL, &echoed);
	assert_same_tree(cfg, echoed, "");
	assert_text(vs_xml_child(echoed, "description"),
		    "Managed by vtrunk: VLAN trunk for Docker ipvlan/macvlan networks & <more>");
	xmlFreeDoc(edoc);

	/* A NULL fill drops the skipped child. */
	edoc = echo_parse("defaultPortConfig", vs_xml_child(cfg, "defaultPortConfig"), "vlan", NULL, NULL, &echoed);
	assert_null(vs_xml_child(echoed, "vlan"));
	assert_non_null(vs_xml_child(echoed, "uplinkTeamingPolicy"));
	assert_non_null(vs_xml_child(echoed, "securityPolicy"));
	xmlFreeDoc(edoc);
	xmlFreeDoc(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_markup),
		cmocka_unit_test(test_escape_whitespace_and_controls),
		cmocka_unit_test(test_envelope_round_trip),
		cmocka_unit_test(test_envelope_controls_stay_well_formed),
		cmocka_unit_test(test_parse_success),
		cmocka_unit_test(test_parse_faults),
		cmocka_unit_test(test_parse_fault_without_detail),
		cmocka_unit_test(test_hostile_html),
		cmocka_unit_test(test_hostile_truncated),
		cmocka_unit_test(test_hostile_external_entity),
		cmocka_unit_test(test_hostile_entity_bomb),
		cmocka_unit_test(test_hostile_deep_nesting),
		cmocka_unit_test(test_hostile_unexpected_response),
		cmocka_unit_test(test_hostile_not_soap),
		cmocka_unit_test(test_version_pick_fixtures),
		cmocka_unit_test(test_version_pick_synthetic),
		cmocka_unit_test(test_echo_replaces_vlan),
		cmocka_unit_test(test_echo_whole_config),
	};
	int rc = cmocka_run_group_tests_name("xml", tests, NULL, NULL);

	xmlCleanupParser();
	return rc;
}
