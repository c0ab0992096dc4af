#!/bin/bash
# test-proxy.sh — self-test of the fault-injecting proxy (tests/proxy, tests/lib/proxy.sh)
# against a real vcsim, with curl, raw SOAP and pyvmomi.
# Usage: tests/lib/test-proxy.sh   (from anywhere; builds build/vcsim and build/vtproxy if needed)
# shellcheck disable=SC2016,SC2317 # sh -c scripts are single-quoted; check calls functions
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/vcsim.sh disable=SC1091
. "$here/vcsim.sh"
# shellcheck source=tests/lib/proxy.sh disable=SC1091
. "$here/proxy.sh"
cd "$VCSIM_ROOT" || exit 1

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
bad() { fail=$((fail + 1)); echo "not ok - $*"; }
check() { # check NAME COMMAND... — passes when the command succeeds
	local name=$1
	shift
	if "$@"; then ok "$name"; else bad "$name"; fi
}
finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
}
# js 'python expression over j' < json
js() { /usr/bin/python3 -c 'import json,sys; j=json.load(sys.stdin); sys.exit(0 if eval("(" + sys.argv[1] + ")") else 1)' "$@"; }
out=$(mktemp -d) || exit 1
t0=$(date +%s)

if [ ! -x build/vcsim ] && ! make -s build/vcsim >"$out/make.log" 2>&1; then
	cat "$out/make.log"
	bad "make build/vcsim"
	finish
fi
if ! vcsim_start --vms 4 --trap; then bad "vcsim_start"; finish; fi
if ! proxy_start --rule 'RetrieveServiceContent:2:503' --trap; then bad "proxy_start"; finish; fi
ok "proxy_start (build/vtproxy built on demand)"
trap >"$out/traps"
check "--trap keeps vcsim_stop on EXIT" grep -q "^trap -- 'proxy_stop; vcsim_stop' EXIT" "$out/traps"
trap 'proxy_stop; vcsim_stop; [ -z "${rec_pid:-}" ] || kill "$rec_pid" 2>/dev/null; rm -rf "$out"' EXIT
base=${PROXY_URL%/sdk}
check "PROXY_URL is https on loopback, /sdk" sh -c 'case $PROXY_URL in https://127.0.0.1:*/sdk) ;; *) exit 1 ;; esac'
check "proxy is not a job of this shell" test "$(ps -o ppid= -p "$PROXY_PID" | tr -d ' ')" != $$
served=$(openssl s_client -connect "${base#https://}" </dev/null 2>/dev/null |
	openssl x509 -noout -fingerprint -sha256 | sed 's/.*=//' | tr 'A-F' 'a-f')
check "PROXY_SHA256 is the served certificate's" test "$served" = "$PROXY_SHA256"
check "PROXY_CERT verifies as a CA for 127.0.0.1 and localhost" sh -c \
	"curl -s --fail --cacert '$PROXY_CERT' -o /dev/null '$base/proxy/stats' &&
	curl -s --cacert '$PROXY_CERT' -o /dev/null 'https://localhost:${base##*:}/sdk'"
check "served certificate is P-256" sh -c "openssl x509 -in '$PROXY_CERT' -noout -text | grep -q 'NIST CURVE: P-256'"

# soap BODY: a SOAP envelope around BODY. post FILE [curl args]: POSTs FILE through the proxy;
# leaves the answer in $out/body (or $OUTF) and its headers in $out/hdr; prints "RC CODE BYTES SECONDS".
soap() { printf '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>%s</soapenv:Body></soapenv:Envelope>' "$1"; }
soap '<RetrieveServiceContent xmlns="urn:vim25"><_this type="ServiceInstance">ServiceInstance</_this></RetrieveServiceContent>' >"$out/rsc.xml"
soap '<CreateContainerView xmlns="urn:vim25"><_this type="ViewManager">ViewManager</_this><container type="Folder">group-d1</container><type>VirtualMachine</type><recursive>true</recursive></CreateContainerView>' >"$out/ccv.xml"
soap '<RetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this><specSet></specSet><options></options></RetrievePropertiesEx>' >"$out/rpe.xml"
soap "<Login xmlns=\"urn:vim25\"><_this type=\"SessionManager\">SessionManager</_this><userName>$VCSIM_USER</userName><password>$VCSIM_PASSWORD</password></Login>" >"$out/login.xml"
post() {
	local f=$1 rc
	shift
	rm -f "$out/body" "$out/hdr"
	curl -sk -H 'Content-Type: text/xml; charset=utf-8' -H 'SOAPAction: urn:vim25/8.0.2.0' \
		--data-binary "@$f" -D "$out/hdr" -o "${OUTF:-$out/body}" -w '%{http_code} %{size_download} %{time_total}' \
		"$@" "$PROXY_URL" >"$out/w"
	rc=$?
	echo "$rc $(cat "$out/w")"
}
codes() { # codes FILE N: the HTTP codes of N calls, one connection each
	local i r=""
	for i in $(seq "$2"); do r="$r $(post "$1" | cut -d' ' -f2)"; done
	echo "${r# }"
}
gone() { [ -n "$1" ] && ! _proxy_alive "$1"; } # a zombie counts as gone
ctype() { sed -n 's/^[Cc]ontent-[Tt]ype: *//p' "$out/hdr" | tr -d '\r'; }
total=0 # proxied requests before the last reset, to check the log's line count
reset_all() {
	total=$((total + $(proxy_count)))
	proxy_reset "$@" && vcsim_reset_stats
}

# A rule given to proxy_start.
check "--rule RetrieveServiceContent:2:503 hits the 2nd call only" test "$(codes "$out/rsc.xml" 3)" = "200 503 200"
check "vcsim saw the 2 forwarded calls" test "$(vcsim_count RetrieveServiceContent)" = 2

# Plain forwarding.
reset_all
check "reset dropped the start-up rule" test "$(codes "$out/rsc.xml" 2)" = "200 200"
check "answer relayed (rootFolder)" grep -q '<rootFolder type="Folder">' "$out/body"
read -r rc code _ < <(post "$out/login.xml" -c "$out/jar")
check "Login through the proxy: 200" test "$rc/$code" = 0/200
check "Set-Cookie relayed" grep -q '^Set-Cookie: vmware_soap_session=' "$out/hdr"
read -r rc code _ < <(post "$out/ccv.xml" -b "$out/jar")
check "Cookie forwarded: CreateContainerView in the session" sh -c "test '$code' = 200 && grep -q 'type=\"ContainerView\"' '$out/body'"
read -r rc code _ < <(post "$out/ccv.xml")
check "upstream's own fault relayed (500 NotAuthenticated without a cookie)" sh -c \
	"test '$code' = 500 && grep -q 'xsi:type=\"NotAuthenticated\"' '$out/body'"
curl -sk -o /dev/null -H 'Content-Type: text/xml' --data-binary "@$out/rsc.xml" "$PROXY_URL" \
	--next -sk -o /dev/null -H 'Content-Type: text/xml' --data-binary "@$out/rsc.xml" "$PROXY_URL"
proxy_stats >"$out/stats.json"
check "stats: requests, methods" js 'j["requests"] == 7 and j["methods"] == {"RetrieveServiceContent": 4, "Login": 1, "CreateContainerView": 2}' <"$out/stats.json"
check "keep-alive: 2 requests of one curl on one connection (7 requests, 6 connections)" \
	js 'j["connections"] == 6' <"$out/stats.json"
check "proxy_count" test "$(proxy_count Login)/$(proxy_count CreateContainerView)/$(proxy_count Nope)/$(proxy_count)" = 1/2/0/7
check "vcsim saw the same" test "$(vcsim_count)" = 7
if VCSIM_URL=$PROXY_URL vcsim_pyread vms >"$out/vms.json" 2>"$out/py.err"; then
	ok "pyvmomi through the proxy (pyread vms)"
else
	cat "$out/py.err"
	bad "pyvmomi through the proxy (pyread vms)"
fi
check "pyread saw 4 VMs" js 'len(j) == 4' <"$out/vms.json"
check "pyread's Login, property reads and Logout went through" sh -c \
	"test $(proxy_count Login) = 2 && test $(proxy_count RetrievePropertiesEx) -ge 1 && test $(proxy_count Logout) = 1"

# Concurrency: 8 calls, each held 1 s, at once.
reset_all
proxy_rule 'RetrieveServiceContent:*:delay:1'
start=$(date +%s%N)
for i in 1 2 3 4 5 6 7 8; do
	curl -sk -o /dev/null -w '%{http_code}\n' -H 'Content-Type: text/xml' --data-binary "@$out/rsc.xml" "$PROXY_URL" >"$out/par.$i" &
done
wait
ms=$((($(date +%s%N) - start) / 1000000))
check "8 concurrent connections, each delayed 1 s, done in ${ms} ms" test "$ms" -ge 1000 -a "$ms" -lt 2500
check "all 8 answered 200" test "$(cat "$out"/par.* | grep -c '^200$')" = 8
proxy_stats >"$out/stats.json"
check "max_inflight 8" js 'j["max_inflight"] == 8' <"$out/stats.json"

# drop: forwarded, then no answer.
reset_all
proxy_rule CreateContainerView:1:drop
read -r rc code bytes _ < <(post "$out/ccv.xml" -b "$out/jar")
check "drop: client got no answer (curl 52, 0 bytes)" test "$rc/$bytes" = 52/0
check "drop: vcsim counted the call" test "$(vcsim_count CreateContainerView)" = 1
check "drop: one fault in stats" test "$(proxy_faults drop)" = 1
check "drop: logged" grep -q 'CreateContainerView call=1 -> drop \[CreateContainerView:1:drop\]' "$PROXY_LOG"
# On a connection libcurl has used before, a request that gets no byte back is re-sent on a
# fresh connection, silently: shown here, not asserted (it is libcurl's doing, not the proxy's).
reset_all
proxy_rule CreateContainerView:2:drop
curl -sk -o /dev/null -b "$out/jar" -H 'Content-Type: text/xml' --data-binary "@$out/ccv.xml" "$PROXY_URL" \
	--next -sk -o /dev/null -w '%{http_code}' -b "$out/jar" -H 'Content-Type: text/xml' --data-binary "@$out/ccv.xml" "$PROXY_URL" >"$out/w"
echo "# note: drop on a reused connection: curl got HTTP $(cat "$out/w"), vcsim saw CreateContainerView $(vcsim_count CreateContainerView) times for 2 requests (libcurl re-sends a request whose reused connection closes with no answer)"

# 503, 502, 504: not forwarded; "next" counts from now.
reset_all
post "$out/rsc.xml" >/dev/null
proxy_rule 'RetrieveServiceContent:next:503'
read -r rc code _ < <(post "$out/rsc.xml")
check "503: HTTP 503, text/html" sh -c "test '$code' = 503 && case '$(ctype)' in text/html*) ;; *) exit 1 ;; esac && grep -q '<html' '$out/body'"
proxy_rule 'RetrieveServiceContent:next:502' 'RetrieveServiceContent:next:504'
check "502 then (next counted from when both were added) 502 again, not 504" test "$(codes "$out/rsc.xml" 2)" = "502 200"
proxy_rule 'RetrieveServiceContent:next2:504'
check "next2: 504 504 200" test "$(codes "$out/rsc.xml" 3)" = "504 504 200"
check "vcsim saw only the unfaulted calls (1 + 1 + 1)" test "$(vcsim_count RetrieveServiceContent)" = 3

# N+, N-M, *, first rule wins.
reset_all
proxy_rule 'RetrieveServiceContent:2+:503'
check "2+: 200 503 503 503" test "$(codes "$out/rsc.xml" 4)" = "200 503 503 503"
reset_all
proxy_rule '*:2-3:502'
r="$(post "$out/rsc.xml" | cut -d' ' -f2) $(post "$out/ccv.xml" | cut -d' ' -f2) $(codes "$out/rsc.xml" 2)"
check "*:2-3 counts every request: 200 502 502 200" test "$r" = "200 502 502 200"
reset_all
proxy_rule 'RetrieveServiceContent:1:503' '*:1:502'
check "first matching rule wins" test "$(codes "$out/rsc.xml" 1)" = 503
proxy_rules >"$out/rules.json"
check "proxy_rules lists both, with hits" js '[(r["spec"], r["hits"]) for r in j] == [("RetrieveServiceContent:1:503", 1), ("*:1:502", 0)]' <"$out/rules.json"
for spec in 'Foo:0:drop' 'Foo:1:explode' 'Foo:1:drop:3' 'Foo:x:503' 'Foo:1' 'F-o:1:503' 'Foo:1:delay' 'Foo:1:big:lots' 'Foo:3-2:503' \
	'Foo:1:late' 'Foo:1:late:200' 'Foo:1:late:502:x' 'Foo:1:late:502:-1' 'Foo:1:after' 'Foo:1:after:503:1' 'Foo:1:503:1:2' \
	'Foo:1:trickle' 'Foo:1:trickle:0' 'Foo:1:trickle:x' 'Foo:1:endless:-1' 'Foo:1:endless:x' 'Foo:1:endless:1:x' \
	'Foo:1:stall:1:2'; do
	if proxy_rule 'Bar:1:503' "$spec" 2>"$out/err"; then bad "bad rule $spec accepted"; else
		check "bad rule $spec refused: $(head -c 90 "$out/err")" grep -q "$spec" "$out/err"
	fi
done
proxy_rules >"$out/rules.json"
check "refused rules added nothing (not even the good one with them)" js 'len(j) == 2' <"$out/rules.json"
proxy_clear_rules
check "proxy_clear_rules" test "$(proxy_rules)" = "[]"

# notauth: vcsim's own fault, byte for byte, not forwarded.
reset_all
proxy_rule CreateContainerView:next:notauth
read -r rc code _ < <(post "$out/ccv.xml" -b "$out/jar")
check "notauth: HTTP 500 text/xml" sh -c "test '$code' = 500 && case '$(ctype)' in text/xml*) ;; *) exit 1 ;; esac"
check "notauth: identical to vcsim's fault (fixtures/soap/vcsim/CreateContainerView-NotAuthenticated.xml)" \
	cmp -s "$out/body" fixtures/soap/vcsim/CreateContainerView-NotAuthenticated.xml
check "notauth: not forwarded" test "$(vcsim_count CreateContainerView)" = 0

# expire: the session really ends at vcsim.
reset_all
read -r rc code _ < <(post "$out/login.xml" -c "$out/jar2")
read -r rc code2 _ < <(post "$out/ccv.xml" -b "$out/jar2")
check "expire: a fresh session works" test "$code/$code2" = 200/200
proxy_rule CreateContainerView:next:expire
read -r rc code _ < <(post "$out/ccv.xml" -b "$out/jar2")
check "expire: vcsim answers 500 NotAuthenticated" sh -c "test '$code' = 500 && grep -q 'xsi:type=\"NotAuthenticated\"' '$out/body'"
check "expire: vcsim got a Logout and the call" test "$(vcsim_count Logout)/$(vcsim_count CreateContainerView)" = 1/2
read -r rc code _ < <(post "$out/ccv.xml" -b "$out/jar2")
check "expire: the session stays gone" test "$code" = 500

# html
reset_all
proxy_rule 'RetrieveServiceContent:1:html'
read -r rc code _ < <(post "$out/rsc.xml")
check "html: HTTP 200 text/html page" sh -c "test '$code' = 200 && case '$(ctype)' in text/html*) ;; *) exit 1 ;; esac && grep -q '<!DOCTYPE html>' '$out/body'"
check "html: not forwarded" test "$(vcsim_count)" = 0

# stall
reset_all
proxy_rule 'RetrieveServiceContent:1:stall:1' 'RetrieveServiceContent:2:stall'
read -r rc code bytes secs < <(post "$out/rsc.xml" --max-time 10)
check "stall:1: no answer, closed after ~1 s (curl $rc after $secs s)" sh -c \
	"test '$rc/$bytes' = 52/0 && python3 -c 'import sys; sys.exit(not 0.9 <= $secs < 4)'"
read -r rc code bytes secs < <(post "$out/rsc.xml" --max-time 1)
check "stall (600 s): client times out (curl 28)" test "$rc/$bytes" = 28/0
check "stall: not forwarded" test "$(vcsim_count)" = 0
check "proxy still answers after the stalled client left" test "$(codes "$out/rsc.xml" 1)" = 200

# big
reset_all
proxy_rule 'RetrievePropertiesEx:1:big' 'RetrievePropertiesEx:2:big:1M'
read -r rc code bytes secs < <(OUTF=/dev/null post "$out/rpe.xml")
check "big: 200 and 104857600 bytes (curl $rc, $secs s)" test "$rc/$code/$bytes" = 0/200/104857600
check "big: text/xml, chunked" sh -c "case '$(ctype)' in text/xml*) ;; *) exit 1 ;; esac && grep -qi '^Transfer-Encoding: chunked' '$out/hdr'"
hwm=$(awk '$1 == "VmHWM:" { print $2 }' "/proc/$PROXY_PID/status")
check "big: proxy peak RSS ${hwm} kB < 64 MiB" test "$hwm" -lt 65536
read -r rc code bytes secs < <(post "$out/rpe.xml")
check "big:1M: exactly 1048576 bytes of well-formed SOAP with many <objects>" sh -c \
	"test '$bytes' = 1048576 && /usr/bin/python3 -c '
import sys, xml.etree.ElementTree as E
r = E.parse(sys.argv[1]).getroot()
n = len(r.findall(\".//{urn:vim25}objects\"))
sys.exit(not (r.tag.endswith(\"Envelope\") and n > 5000))' '$out/body'"
check "big: not forwarded" test "$(vcsim_count)" = 0

# trickle:BPS: forwarded, relayed whole but slowly; a client that gives up ends it.
reset_all
read -r rc code full _ < <(post "$out/rsc.xml")
cp "$out/body" "$out/rsc.plain"
proxy_rule 'RetrieveServiceContent:2:trickle:2000' 'RetrieveServiceContent:3:trickle:1'
read -r rc code bytes secs < <(post "$out/rsc.xml")
check "trickle:2000: the whole answer ($bytes of $full bytes, identical) in $secs s, about $full/2000 s" sh -c \
	"test '$rc/$code/$bytes' = 0/200/$full && cmp -s '$out/body' '$out/rsc.plain' &&
	python3 -c 'import sys; sys.exit(not $full / 2000 * 0.8 <= $secs < $full / 2000 + 3)'"
read -r rc code bytes secs < <(post "$out/rsc.xml" --max-time 3)
check "trickle:1: status at once, then a byte a second: the client gives up after 3 s with $bytes bytes (curl 28)" \
	sh -c "test '$rc/$code' = 28/200 && test '$bytes' -ge 1 -a '$bytes' -le 4"
until_log() { local i=0; while ! grep -q -- "$1" "$PROXY_LOG" && [ $i -lt 40 ]; do sleep 0.05; i=$((i + 1)); done; grep -q -- "$1" "$PROXY_LOG"; }
check "trickle: the proxy stops when the client is gone (logged)" until_log 'trickle: stopped after'
check "trickle: forwarded (vcsim saw 3 calls)" test "$(vcsim_count RetrieveServiceContent)" = 3

# endless[:N[:S]]: a page of N objects and a fresh token, every time, not forwarded.
reset_all
soap '<ContinueRetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this><token>endless-1</token></ContinueRetrievePropertiesEx>' >"$out/crpe.xml"
proxy_rule 'RetrievePropertiesEx:1:endless' 'ContinueRetrievePropertiesEx:1-2:endless:3' 'ContinueRetrievePropertiesEx:3:endless:0:1'
# page FILE: "RESPONSE-ELEMENT TOKEN OBJECTS FIRST-NAME" of a well-formed endless page.
page() { /usr/bin/python3 -c '
import sys, xml.etree.ElementTree as E
V = "{urn:vim25}"
r = E.parse(sys.argv[1]).getroot()[0][0]
rv = r.find(V + "returnval")
objs = rv.findall(V + "objects")
first = objs[0].find(V + "propSet").find(V + "val").text if objs else "-"
print(r.tag[len(V):], rv.find(V + "token").text, len(objs), first)' "$1"; }
post "$out/rpe.xml" >/dev/null
check "endless: RetrievePropertiesEx gets a page of 500 objects and a token" test "$(page "$out/body")" = "RetrievePropertiesExResponse endless-1 500 endless-1-1"
post "$out/crpe.xml" >/dev/null
p2=$(page "$out/body")
post "$out/crpe.xml" >/dev/null
p3=$(page "$out/body")
check "endless:3: each continuation a new page with a fresh token ($p2; $p3)" \
	test "$p2/$p3" = "ContinueRetrievePropertiesExResponse endless-2 3 endless-2-1/ContinueRetrievePropertiesExResponse endless-3 3 endless-3-1"
read -r rc code bytes secs < <(post "$out/crpe.xml")
check "endless:0:1: no object, still a token, after 1 s ($secs s)" sh -c \
	"test '$(page "$out/body")' = 'ContinueRetrievePropertiesExResponse endless-4 0 -' && python3 -c 'import sys; sys.exit(not 0.9 <= $secs < 4)'"
check "endless: text/xml, not forwarded" sh -c "case '$(ctype)' in text/xml*) ;; *) exit 1 ;; esac && test $(vcsim_count) = 0"

# truncate
reset_all
read -r rc code full _ < <(post "$out/rsc.xml")
proxy_rule 'RetrieveServiceContent:next:truncate'
read -r rc code bytes _ < <(post "$out/rsc.xml")
len=$(sed -n 's/^Content-Length: *\([0-9]*\).*/\1/p' "$out/hdr")
check "truncate: full Content-Length ($len), half the body ($bytes), curl 18" test "$rc/$code/$len/$bytes" = "18/200/$full/$((full / 2))"
check "truncate: forwarded" test "$(vcsim_count RetrieveServiceContent)" = 2

# reset
reset_all
proxy_rule 'RetrieveServiceContent:1:reset'
read -r rc code bytes _ < <(post "$out/rsc.xml")
check "reset: connection reset (curl $rc: 56 or 35), nothing received" sh -c "case '$rc/$bytes' in 56/0 | 35/0) ;; *) exit 1 ;; esac"
check "reset: not forwarded" test "$(vcsim_count)" = 0

# late:NNN[:S]: the gateway's page at once, the request itself reaches vcsim S seconds later,
# once, with the client's headers and body. after:NNN: forwarded, its answer replaced.
# vpath "POST /path": vcsim's count of that path. until_is V CMD...: polls CMD (every 50 ms, up
# to 5 s) until it prints V.
vpath() { vcsim_stats | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["paths"].get(sys.argv[1], 0))' "$1"; }
until_is() {
	local want=$1 i=0
	shift
	while [ "$("$@")" != "$want" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	[ "$("$@")" = "$want" ]
}
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
reset_all
read -r rc code _ < <(post "$out/login.xml" -c "$out/jar3")
soap '<RetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this><specSet><propSet><type>Datacenter</type><pathSet>vmFolder</pathSet></propSet><objectSet><obj type="Folder">group-d1</obj><skip>true</skip><selectSet xsi:type="TraversalSpec" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><type>Folder</type><path>childEntity</path></selectSet></objectSet></specSet><options></options></RetrievePropertiesEx>' >"$out/vmfolder.xml"
post "$out/vmfolder.xml" -b "$out/jar3" >/dev/null
vmf=$(sed -n 's/.*type="Folder">\([^<]*\)<\/val>.*/\1/p' "$out/body")
check "late: a session and DC0's VM folder ($vmf)" test "$code" = 200 -a -n "$vmf"
for f in late after; do
	soap "<CreateFolder xmlns=\"urn:vim25\"><_this type=\"Folder\">$vmf</_this><name>$f-folder</name></CreateFolder>" >"$out/cf-$f.xml"
done
proxy_rule 'RetrieveServiceContent:next:502'
post "$out/rsc.xml" >/dev/null
cp "$out/body" "$out/plain502"
reset_all
proxy_rule 'CreateFolder:next:late:502:0.5'
read -r rc code _ < <(post "$out/cf-late.xml" -b "$out/jar3")
t=$(date +%s%N)
n0=$(vcsim_count CreateFolder)
proxy_stats >"$out/stats.json"
check "late:502:0.5: HTTP 502 at once, the plain 502 action's page" sh -c \
	"test '$code' = 502 && case '$(ctype)' in text/html*) ;; *) exit 1 ;; esac && cmp -s '$out/body' '$out/plain502'"
check "late: not at vcsim yet when the client has its answer" test "$n0" = 0
check "late: stats: a late fault of the rule, pending" js 'j["late_pending"] == 1 and [(f["action"], f["rule"], f.get("pending")) for f in j["faults"]] == [("late", "CreateFolder:next:late:502:0.5", True)]' <"$out/stats.json"
until_is 1 vcsim_count CreateFolder
ms=$(ms_since "$t")
check "late: vcsim got the CreateFolder after the delay (${ms} ms after the answer)" \
	test "$(vcsim_count CreateFolder)" = 1 -a "$ms" -ge 400 -a "$ms" -lt 3000
check "proxy_wait_late: the late copy answered" proxy_wait_late 5
sleep 0.5
proxy_stats >"$out/stats.json"
check "late: exactly once at vcsim (still 1 call, 0.5 s later)" test "$(vcsim_count CreateFolder)/$(vcsim_count)" = 1/1
check "late: stats: the same call (1 request), upstream's HTTP 200 recorded, nothing pending" js 'j["requests"] == 1 and j["methods"] == {"CreateFolder": 1} and j["late_pending"] == 0 and [(f["call"], f.get("upstream"), "pending" in f) for f in j["faults"]] == [(1, 200, False)]' <"$out/stats.json"
read -r rc code _ < <(post "$out/cf-late.xml" -b "$out/jar3")
check "late: the folder was made (the copy had the session's Cookie): CreateFolder again fails DuplicateName" \
	sh -c "test '$code' = 500 && grep -q 'DuplicateName' '$out/body'"
check "late: logged: the call, the answer, the forward, upstream's answer" sh -c "
	grep -q 'CreateFolder call=1 -> late \[CreateFolder:next:late:502:0.5\]' '$PROXY_LOG' &&
	grep -q '#1 late: answered 502; forwarding in 0.5 s' '$PROXY_LOG' &&
	grep -q '#1 late: forwarding now, 0.5[0-9] s after the answer' '$PROXY_LOG' &&
	grep -q '#1 late: discarded upstream.s HTTP 200 answer' '$PROXY_LOG'"
reset_all
proxy_rule 'CreateFolder:next:after:503'
read -r rc code _ < <(post "$out/cf-after.xml" -b "$out/jar3")
n0=$(vcsim_count CreateFolder)
check "after:503: the client sees HTTP 503 with the HTML page" sh -c \
	"test '$code' = 503 && case '$(ctype)' in text/html*) ;; *) exit 1 ;; esac && grep -q '<title>503 Service Unavailable</title>' '$out/body'"
check "after: vcsim had the call, once, before the answer" test "$n0" = 1
read -r rc code _ < <(post "$out/cf-after.xml" -b "$out/jar3")
check "after: the folder was made: CreateFolder again fails DuplicateName" sh -c "test '$code' = 500 && grep -q 'DuplicateName' '$out/body'"
proxy_stats >"$out/stats.json"
check "after: stats: an after fault with upstream's HTTP 200" js 'j["methods"] == {"CreateFolder": 2} and [(f["action"], f["call"], f.get("upstream")) for f in j["faults"]] == [("after", 1, 200)]' <"$out/stats.json"
check "after: logged" grep -q "#1 after: discarded upstream's HTTP 200 answer ([0-9]* bytes); answering 503" "$PROXY_LOG"

# The same for REST (N-th call forms), the session in vmware-api-session-id.
reset_all
token=$(curl -sk -X POST -u "$VCSIM_USER:$VCSIM_PASSWORD" "$base/rest/com/vmware/cis/session" |
	/usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["value"])')
mkcat() { # mkcat NAME: create a tag category through the proxy; prints the HTTP code
	curl -sk -o "$out/body" -D "$out/hdr" -w '%{http_code}' -H 'Content-Type: application/json' -H "vmware-api-session-id: $token" \
		--data-binary "{\"create_spec\": {\"name\": \"$1\", \"description\": \"vtproxy test\", \"cardinality\": \"MULTIPLE\", \"associable_types\": []}}" \
		"$base/rest/com/vmware/cis/tagging/category"
}
catpath='POST /rest/com/vmware/cis/tagging/category'
proxy_rule 'REST:2:late:502:0.5' 'REST:3:after:503'
code=$(mkcat late-cat)
t=$(date +%s%N)
n0=$(vpath "$catpath")
check "REST:2:late:502:0.5: HTTP 502 at once, not at vcsim yet" test "$code/$n0/$(ctype)" = "502/0/text/html; charset=utf-8"
until_is 1 vpath "$catpath"
ms=$(ms_since "$t")
check "REST late: vcsim got the POST after the delay (${ms} ms after the answer)" \
	test "$(vpath "$catpath")" = 1 -a "$ms" -ge 400 -a "$ms" -lt 3000
code=$(mkcat after-cat)
check "REST:3:after:503: HTTP 503, vcsim had the POST (2 in all)" test "$code/$(vpath "$catpath")" = 503/2
proxy_wait_late 5
sleep 0.3
proxy_stats >"$out/stats.json"
check "REST: each POST once at vcsim" test "$(vpath "$catpath")" = 2
check "REST: stats: 3 calls, both faults with upstream's HTTP 200" js 'j["methods"] == {"REST": 3} and [(f["call"], f["action"], f.get("upstream")) for f in j["faults"]] == [(2, "late", 200), (3, "after", 200)]' <"$out/stats.json"
if vcsim_pyread tag late-cat none >"$out/t1.json" 2>"$out/py.err" && vcsim_pyread tag after-cat none >"$out/t2.json" 2>>"$out/py.err"; then
	check "REST late: its category exists at vcsim (the copy had the session header and the body)" \
		js 'j["category"]' <"$out/t1.json"
	check "REST after: its category exists at vcsim" js 'j["category"]' <"$out/t2.json"
else
	cat "$out/py.err"
	bad "REST late and after: pyread tag"
fi

# A late copy byte for byte, against an upstream that records what it gets; and a proxy whose
# starting shell is gone delivers a pending late copy before it exits.
cat >"$out/rec.py" <<'EOF'
import base64, http.server, json, os, sys, threading, time
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with open(sys.argv[2], "a") as f:
            f.write(json.dumps({"method": self.command, "path": self.path, "headers": self.headers.items(),
                                "body": base64.b64encode(body).decode()}) + "\n")
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", "3")
        self.end_headers()
        self.wfile.write(b"ok\n")
    do_PUT = do_POST
    def log_message(self, *a):
        pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
ppid = os.getppid()
def watch():  # gone with the shell that started it
    while os.getppid() == ppid:
        time.sleep(0.5)
    os._exit(0)
threading.Thread(target=watch, daemon=True).start()
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(s.server_address[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
s.serve_forever()
EOF
/usr/bin/python3 "$out/rec.py" "$out/rec.port" "$out/rec.jsonl" &
rec_pid=$!
i=0
while [ ! -s "$out/rec.port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
rport=$(cat "$out/rec.port" 2>/dev/null)
recs() { if [ -f "$out/rec.jsonl" ]; then wc -l <"$out/rec.jsonl" | tr -d ' '; else echo 0; fi; }
(
	unset PROXY_PID
	proxy_start --upstream "http://127.0.0.1:$rport/sdk" --rule 'CreateFolder:1:late:502:0.3' --rule 'REST:1:late:504:0' || exit 1
	post "$out/cf-late.xml" -H 'Cookie: vmware_soap_session="late-1"; other=2' | cut -d' ' -f2 >"$out/rec.w1"
	curl -sk -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: application/json' -H 'vmware-api-session-id: tok-123' \
		--data-binary '{"a": "b c"}' "${PROXY_URL%/sdk}/api/cis/tagging/category?x=1&y=%2F" >"$out/rec.w2"
	proxy_wait_late 5
	proxy_stats >"$out/rec.stats"
	proxy_stop
)
check "recorder: late:502:0.3 and late:504:0 answered 502 and 504" test "$(cat "$out/rec.w1" "$out/rec.w2" 2>/dev/null | tr '\n' ' ')" = "502 504"
check "recorder: each late copy came once with the client's method, path, Cookie, SOAPAction, Content-Type, vmware-api-session-id and body" \
	/usr/bin/python3 -c '
import base64, json, sys
r = {x["method"]: x for x in map(json.loads, open(sys.argv[1]))}
h = {m: {k.lower(): v for k, v in x["headers"]} for m, x in r.items()}
body = lambda m: base64.b64decode(r[m]["body"])
sys.exit(not (sum(1 for _ in open(sys.argv[1])) == 2 and sorted(r) == ["POST", "PUT"] and
	r["POST"]["path"] == "/sdk" and body("POST") == open(sys.argv[2], "rb").read() and
	h["POST"]["cookie"] == "vmware_soap_session=\"late-1\"; other=2" and
	h["POST"]["soapaction"] == "urn:vim25/8.0.2.0" and h["POST"]["content-type"] == "text/xml; charset=utf-8" and
	r["PUT"]["path"] == "/api/cis/tagging/category?x=1&y=%2F" and body("PUT") == b"{\"a\": \"b c\"}" and
	h["PUT"]["vmware-api-session-id"] == "tok-123" and h["PUT"]["content-type"] == "application/json"))' \
	"$out/rec.jsonl" "$out/cf-late.xml"
check "recorder: stats: 2 requests, 2 late faults answered 200" js 'j["requests"] == 2 and j["methods"] == {"CreateFolder": 1, "REST": 1} and [f.get("upstream") for f in j["faults"]] == [200, 200]' <"$out/rec.stats"
n=$(recs)
env -u PROXY_PID sh -c '. tests/lib/proxy.sh; proxy_start --upstream "$2" --rule "*:1:late:502:1" || exit 1
	echo "$PROXY_PID $PROXY_DIR" >"$1/pid3"
	curl -sk -o /dev/null -w "%{http_code}" -H "Content-Type: text/plain" --data-binary orphan "$PROXY_URL" >"$1/code3"' \
	sh "$out" "http://127.0.0.1:$rport/sdk"
t=$(date +%s%N)
pid3="" dir3=""
[ ! -f "$out/pid3" ] || read -r pid3 dir3 <"$out/pid3"
sleep 0.7
state=dead
if _proxy_alive "$pid3"; then state=alive; fi
state="$state/$(recs)"
i=0
while _proxy_alive "$pid3" && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
ms=$(ms_since "$t")
check "parent gone with a late:502:1 copy due: the client had 502, 0.7 s later the proxy still runs, nothing sent yet" \
	test "$(cat "$out/code3" 2>/dev/null)/$state" = "502/alive/$n"
delivered() { gone "$pid3" && [ "$(recs)" = $((n + 1)) ] && tail -n 1 "$out/rec.jsonl" | grep -q '"b3JwaGFu"' && [ ! -e "$dir3" ]; }
check "then it delivers the copy and exits (${ms} ms), removing its PROXY_DIR" delivered
kill "$rec_pid" 2>/dev/null
wait "$rec_pid" 2>/dev/null
rec_pid=""

# stats and faults across several rules; reset --keep-rules.
reset_all
proxy_rule 'RetrieveServiceContent:2:503' 'CreateContainerView:1+:notauth' 'Login:1:html'
codes "$out/rsc.xml" 3 >/dev/null
codes "$out/ccv.xml" 2 >/dev/null
post "$out/login.xml" >/dev/null
proxy_stats >"$out/stats.json"
check "stats: 6 requests by method" js 'j["requests"] == 6 and j["methods"] == {"RetrieveServiceContent": 3, "CreateContainerView": 2, "Login": 1}' <"$out/stats.json"
check "stats: the faults, in order, with call numbers" js '[(f["method"], f["call"], f["rule"], f["action"]) for f in j["faults"]] == [
	("RetrieveServiceContent", 2, "RetrieveServiceContent:2:503", "503"),
	("CreateContainerView", 1, "CreateContainerView:1+:notauth", "notauth"),
	("CreateContainerView", 2, "CreateContainerView:1+:notauth", "notauth"),
	("Login", 1, "Login:1:html", "html")]' <"$out/stats.json"
check "proxy_faults" test "$(proxy_faults)/$(proxy_faults notauth)/$(proxy_faults Login:1:html)" = 4/2/1
check "vcsim saw the 2 unfaulted calls" test "$(vcsim_count)" = 2
reset_all --keep-rules
check "reset --keep-rules: counters zero, rules kept and count again from 1" \
	test "$(proxy_count)/$(codes "$out/rsc.xml" 2)" = "0/200 503"
total=$((total + $(proxy_count)))
check "log: one line per proxied request ($total)" test "$(grep -c ' -> ' "$PROXY_LOG")" = "$total"

# vtrunk itself, pinned to the proxy's certificate (when built).
if [ -x build/vtrunk ]; then
	reset_all
	if build/vtrunk ls vms --url "$PROXY_URL" --username "$VCSIM_USER" --password-file "$VCSIM_PASSWORD_FILE" \
		--thumbprint "$PROXY_SHA256" >"$out/vt.out" 2>&1; then
		ok "vtrunk ls vms --thumbprint \$PROXY_SHA256 through the proxy"
	else
		cat "$out/vt.out"
		bad "vtrunk ls vms --thumbprint \$PROXY_SHA256 through the proxy"
	fi
	check "vtrunk's calls went through the proxy" test "$(proxy_count Login)" -ge 1
	if build/vtrunk ls vms --url "$PROXY_URL" --username "$VCSIM_USER" --password-file "$VCSIM_PASSWORD_FILE" \
		--thumbprint "$VCSIM_SHA256" >"$out/vt.out" 2>&1; then bad "vtrunk refuses vcsim's thumbprint on the proxy"; else
		ok "vtrunk refuses vcsim's thumbprint on the proxy"
	fi
else
	echo "# skip: build/vtrunk not built; vtrunk --thumbprint not tried"
fi

# Upstream down, parent gone, dash, SIGTERM.
env -u PROXY_PID dash -c '. tests/lib/proxy.sh; trap "echo caller-trap" EXIT
	proxy_start --upstream https://127.0.0.1:1/sdk --trap || exit 1
	echo "$PROXY_PID" >"$1/pid1"; trap >"$1/traps1"
	curl -sk -o /dev/null -w "%{http_code}" "$PROXY_URL" >"$1/code1"' sh "$out" >"$out/dash.out" 2>&1
check "under dash: --trap chains the caller's trap, which still runs" sh -c \
	"grep -q \"^trap -- 'proxy_stop; echo caller-trap' EXIT\" '$out/traps1' && grep -q caller-trap '$out/dash.out'"
check "upstream down: 502" test "$(cat "$out/code1" 2>/dev/null)" = 502
check "--trap stopped it at exit" gone "$(cat "$out/pid1")"
env -u PROXY_PID sh -c '. tests/lib/proxy.sh; proxy_start --upstream "$VCSIM_URL" &&
	echo "$PROXY_PID $PROXY_DIR" >"$1/pid2"' sh "$out"
read -r pid2 dir2 <"$out/pid2"
i=0
while _proxy_alive "$pid2" && [ $i -lt 40 ]; do sleep 0.1; i=$((i + 1)); done
check "exits by itself when the starting shell is gone ($((i * 100)) ms)" gone "$pid2"
check "and removes its PROXY_DIR" test -n "$dir2" -a ! -e "$dir2"
proxy_rule 'RetrieveServiceContent:next:late:502:30'
post "$out/rsc.xml" >/dev/null
pid=$PROXY_PID
start=$(date +%s%N)
proxy_stop
ms=$((($(date +%s%N) - start) / 1000000))
stopped() { gone "$pid" && [ "$ms" -lt 1000 ]; }
check "proxy_stop: SIGTERM ends it at once, a pending late copy notwithstanding (${ms} ms)" stopped
check "proxy_stop unsets PROXY_URL" test -z "${PROXY_URL:-}"
echo "# $(($(date +%s) - t0)) s"
finish
