#!/bin/bash
# capture-fixtures.sh — regenerates fixtures/soap/vcsim/: the answers vcsim gives to what
# vtrunk sends, captured from `vtrunk --debug` traces, plus a failing task captured with a
# short raw-SOAP client (vtrunk itself never sends a duplicate port group name).
#
# Usage: tests/lib/capture-fixtures.sh [--keep DIR]   (from anywhere; builds what is missing)
#   --keep DIR   also leave the raw traces in DIR
#
# The unit tests (tests/unit/test_*.c) read these files; after regenerating, run `make unit`
# and review `git diff fixtures/soap/vcsim` (the morefs, keys and UUIDs vcsim hands out are
# deterministic for a given govmomi version; timestamps in TaskInfo are not).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root" || exit 1
keep=""
while [ $# -gt 0 ]; do
	case "$1" in
	--keep) keep=${2:?--keep needs a directory}; shift 2 ;;
	-h | --help) sed -n '2,11p' "$0"; exit 0 ;;
	*) echo "capture-fixtures.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
PY=/usr/bin/python3
dest=fixtures/soap/vcsim

make -s all build/vcsim || exit 1
work=$(mktemp -d "${TMPDIR:-/tmp}/capture.XXXXXX") || exit 1
out="$work/out"
mkdir -p "$out"
# shellcheck source=tests/lib/vcsim.sh disable=SC1091
. "$here/vcsim.sh"
# TMPDIR on tmpfs keeps vcsim's per-VM folders off the disk (see DESIGN.md).
if [ -d /dev/shm ] && [ -w /dev/shm ]; then export TMPDIR=/dev/shm; fi
vcsim_start --vms 4 --trap || exit 1
trap 'vcsim_stop; rm -rf "$work"' EXIT

export VTRUNK_URL=$VCSIM_URL VTRUNK_USERNAME=$VCSIM_USER
unset VTRUNK_PASSWORD VTRUNK_INSECURE VTRUNK_THUMBPRINT GOVC_URL GOVC_INSECURE GOVC_PASSWORD
conn=(--thumbprint "$VCSIM_SHA256" --password-file "$VCSIM_PASSWORD_FILE")

# split_trace TRACE [Method#n=name ...] — turns one --debug trace into answer files in $out.
# The trace is "> POST url\n<body>\n\n" then "< HTTP s, N bytes, T ms\n<body>\n\n" per
# exchange. An answer is named after the request's method (the first element of the SOAP
# Body; vimServiceVersions.xml for the GET), "<Method>-<FaultType>.xml" for a SOAP fault,
# or as the mapping says ("RetrievePropertiesEx#2=RetrievePropertiesEx-updated" names the
# second RetrievePropertiesEx answer of this trace; "=-" drops it). Unmapped answers keep the
# first one captured in this run, so later traces do not overwrite earlier ones. A mapped
# call vtrunk no longer makes is simply absent; only the files listed in `need` below, which
# the unit tests read, must be there.
split_trace() {
	"$PY" - "$out" "$@" <<'PY'
import os, re, sys
out, trace, maps = sys.argv[1], sys.argv[2], sys.argv[3:]
names = dict(m.split("=", 1) for m in maps)
text = open(trace, encoding="utf-8", errors="surrogateescape").read()
head = re.compile(r"^(> (?:GET|POST) \S+|< HTTP \d+, \d+ bytes, \d+ ms|< error: .*)\n", re.M)
marks = list(head.finditer(text))
parts = []
for i, m in enumerate(marks):
    end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
    body = text[m.end():end]
    if body.endswith("\n\n"):  # the trace's own separator
        body = body[:-2]
    parts.append((m.group(1), body))
seen = {}
manifest = open(os.path.join(out, ".manifest"), "a", encoding="utf-8")
for (req, rbody), (ans, abody) in zip(parts[0::2], parts[1::2]):
    if not req.startswith(">") or not ans.startswith("< HTTP"):
        sys.exit("capture: unexpected trace layout near %r" % req)
    if req.startswith("> GET"):
        method = os.path.basename(req.split()[2])[:-4]  # vimServiceVersions
    else:
        mm = re.search(r"<(?:\w+:)?Body>\s*<(\w+)", rbody)
        method = mm.group(1) if mm else "Unknown"
    seen[method] = seen.get(method, 0) + 1
    name = names.get("%s#%d" % (method, seen[method])) or names.get(method)
    if name == "-":
        continue
    if not name:
        fault = re.search(r"<detail>\s*<\w+[^>]*?type=\"(?:\w+:)?(\w+)\"", abody)
        name = "%s-%s" % (method, fault.group(1)) if fault else method
        if os.path.exists(os.path.join(out, name + ".xml")):
            continue
    with open(os.path.join(out, name + ".xml"), "w", encoding="utf-8", errors="surrogateescape") as f:
        f.write(abody)
    status = re.match(r"< (HTTP \d+)", ans).group(1)
    manifest.write("%s.xml\t%s\t%s\t%s\n" % (name, os.path.basename(trace), method, status))
PY
}

# vt NAME ARGS... — one vtrunk run with its trace in $work/NAME.log; echo its exit code.
vt() {
	local name=$1
	shift
	build/vtrunk "$@" --debug "$work/$name.log" >"$work/$name.out" 2>"$work/$name.err"
	echo "capture: vtrunk $* -> exit $?" >&2
}

vt ls-vms ls vms "${conn[@]}"
split_trace "$work/ls-vms.log" RetrievePropertiesEx=RetrievePropertiesEx-vms

vt apply-create apply -f fixtures/plans/portgroup-only.json -o "$work/apply1" "${conn[@]}"
split_trace "$work/apply-create.log" \
	"RetrievePropertiesEx#1=RetrievePropertiesEx-network" \
	"RetrievePropertiesEx#2=-" \
	"WaitForUpdatesEx#1=WaitForUpdatesEx-AddDVPortgroup"

cat >"$work/changed.json" <<'J'
{ "datacenter": "DC0", "switch": "DVS0",
  "trunk": { "portgroup": "Kasm-Trunk", "vlans": "100-150,300-310,4000" } }
J
vt apply-update apply -f "$work/changed.json" -o "$work/apply2" "${conn[@]}"
split_trace "$work/apply-update.log" \
	"RetrievePropertiesEx#1=RetrievePropertiesEx-trunk" \
	"RetrievePropertiesEx#2=RetrievePropertiesEx-updated" \
	"WaitForUpdatesEx#1=WaitForUpdatesEx-ReconfigureDVPortgroup"

# --guestinfo: agents' extraConfig, once as vtrunk wrote it and once after a key was set to
# "" (vcsim appends a set key rather than replacing it: the reader takes the last one).
cat >"$work/gi.json" <<'J'
{ "datacenter": "DC0", "switch": "DVS0", "trunk": { "portgroup": "GI", "vlans": "100-200" },
  "management": { "network": "VM Network" },
  "vlans": [ { "id": 150, "subnet": "10.150.0.0/22", "gateway": "10.150.0.1", "agent_prefix": 25 } ],
  "agents": [ { "vm": "DC0_H0_VM0", "mgmt_address": "10.0.0.5" } ] }
J
vt gi-apply apply -f "$work/gi.json" --guestinfo -o "$work/gi" "${conn[@]}"
vcsim_pyread set-extra DC0_H0_VM0 guestinfo.vtrunk.docker "" >/dev/null || exit 1
vt gi-status status -f "$work/gi.json" --guestinfo "${conn[@]}"
split_trace "$work/gi-status.log" "RetrievePropertiesEx#1=RetrievePropertiesEx-guestinfo"

(umask 077 && printf 'not-the-password' >"$work/badpw")
vt bad-login ls switches --thumbprint "$VCSIM_SHA256" --password-file "$work/badpw"
split_trace "$work/bad-login.log"

# A task that fails, and a call without a session: raw SOAP (the certificate is vcsim's
# self-signed test one, hence the unverified context).
"$PY" - "$VCSIM_URL" "$VCSIM_USER" "$VCSIM_PASSWORD_FILE" "$out" <<'PY' || exit 1
import http.cookiejar, os, re, ssl, sys, time, urllib.error, urllib.request
url, user, pwfile, out = sys.argv[1:5]
password = open(pwfile, encoding="utf-8").read()
jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(
    urllib.request.HTTPSHandler(context=ssl._create_unverified_context()),
    urllib.request.HTTPCookieProcessor(jar))

def esc(s):
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&apos;"))

def call(method, this_type, this, inner=""):
    body = ('<?xml version="1.0" encoding="UTF-8"?>'
            '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"'
            ' xmlns:xsd="http://www.w3.org/2001/XMLSchema"'
            ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>'
            '<%s xmlns="urn:vim25"><_this type="%s">%s</_this>%s</%s>'
            '</soapenv:Body></soapenv:Envelope>' % (method, this_type, esc(this), inner, method))
    req = urllib.request.Request(url, data=body.encode(), method="POST", headers={
        "Content-Type": "text/xml; charset=utf-8", "SOAPAction": '"urn:vim25/6.5"'})
    try:
        with opener.open(req, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()

def save(name, text, status, method):
    # vcsim puts the session id into the morefs of session objects (property filters,
    # views): redact it as vtrunk's trace does.
    for c in jar:
        v = (c.value or "").strip('"')
        if len(v) >= 3:
            text = text.replace(v, "(redacted)")
    with open(os.path.join(out, name + ".xml"), "w", encoding="utf-8") as f:
        f.write(text)
    with open(os.path.join(out, ".manifest"), "a", encoding="utf-8") as m:
        m.write("%s.xml\traw-soap\t%s\tHTTP %d\n" % (name, method, status))

def returnval(text):
    m = re.search(r'<returnval type="(\w+)">([^<]+)</returnval>', text)
    if not m:
        sys.exit("capture: no managed object in: " + text[:400])
    return m.group(1), m.group(2)

# No session yet: vCenter answers NotAuthenticated.
st, text = call("CreateContainerView", "ViewManager", "ViewManager",
                '<container type="Folder">group-d1</container><type>Datacenter</type>'
                '<recursive>true</recursive>')
if "NotAuthenticated" not in text:
    sys.exit("capture: expected NotAuthenticated, got HTTP %d: %s" % (st, text[:400]))
save("CreateContainerView-NotAuthenticated", text, st, "CreateContainerView")

st, text = call("Login", "SessionManager", "SessionManager",
                "<userName>%s</userName><password>%s</password>" % (esc(user), esc(password)))
if st != 200:
    sys.exit("capture: login failed: " + text[:400])
st, text = call("FindByInventoryPath", "SearchIndex", "SearchIndex",
                "<inventoryPath>DC0/network/DVS0</inventoryPath>")
dvs_type, dvs = returnval(text)
# DC0_DVPG0 exists on every vcsim: the task fails with DuplicateName.
st, text = call("AddDVPortgroup_Task", dvs_type, dvs,
                "<spec><name>DC0_DVPG0</name><numPorts>8</numPorts>"
                "<type>earlyBinding</type></spec>")
save("AddDVPortgroup_Task-duplicate", text, st, "AddDVPortgroup_Task")
_, task = returnval(text)
st, text = call("CreateFilter", "PropertyCollector", "propertyCollector",
                '<spec><propSet><type>Task</type><all>false</all><pathSet>info</pathSet></propSet>'
                '<objectSet><obj type="Task">%s</obj><skip>false</skip></objectSet></spec>'
                '<partialUpdates>false</partialUpdates>' % esc(task))
_, pfilter = returnval(text)
for _ in range(20):
    st, text = call("WaitForUpdatesEx", "PropertyCollector", "propertyCollector",
                    "<options><maxWaitSeconds>10</maxWaitSeconds></options>")
    if "<state>error</state>" in text or "<state>success</state>" in text:
        break
    time.sleep(0.2)
if "DuplicateName" not in text:
    sys.exit("capture: expected the task to fail with DuplicateName, got: " + text[:600])
save("WaitForUpdatesEx-DuplicateName", text, st, "WaitForUpdatesEx")
call("DestroyPropertyFilter", "PropertyFilter", pfilter)
call("Logout", "SessionManager", "SessionManager")
PY

need="vimServiceVersions RetrieveServiceContent Login Login-InvalidLogin
RetrievePropertiesEx-vms RetrievePropertiesEx-network RetrievePropertiesEx-trunk
AddDVPortgroup_Task WaitForUpdatesEx-AddDVPortgroup ReconfigureDVPortgroup_Task
WaitForUpdatesEx-ReconfigureDVPortgroup CreateContainerView-NotAuthenticated
AddDVPortgroup_Task-duplicate WaitForUpdatesEx-DuplicateName RetrievePropertiesEx-guestinfo"
missing=""
for n in $need; do [ -s "$out/$n.xml" ] || missing="$missing $n"; done
if [ -n "$missing" ]; then
	echo "capture-fixtures.sh: not captured:$missing (traces in $work kept as $work.failed)" >&2
	cp -r "$work" "$work.failed"
	exit 1
fi

if [ -n "$keep" ]; then
	mkdir -p "$keep" && cp "$work"/*.log "$keep"/
fi
mkdir -p "$dest"
rm -f "$dest"/*.xml
cp "$out"/*.xml "$dest"/
{
	echo "# Answers of vcsim (govmomi $(dpkg-query -W -f='${Version}' golang-github-vmware-govmomi-dev 2>/dev/null || echo '?'), API 6.5),"
	echo "# written by tests/lib/capture-fixtures.sh: do not edit by hand, regenerate."
	echo "# file<TAB>source trace<TAB>method<TAB>answer"
	sort "$out/.manifest"
} >"$dest/MANIFEST"
n=$(find "$out" -name "*.xml" | wc -l)
echo "capture-fixtures.sh: wrote $n answers to $dest/" >&2
