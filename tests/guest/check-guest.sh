#!/bin/bash
# check-guest.sh [DIR...] — checks rendered guest trees (DIR/<vm>/..., DIR/summary.json,
# as `vtrunk render -o DIR` or `vtrunk apply -o DIR` write them) with the real tools:
#   - file modes (netplan 0600, scripts 0755, others 0644);
#   - netplan generate --root-dir on each netplan file: exit 0, nothing on stderr,
#     the networkd files it makes carry the addresses and MACs of summary.json;
#   - ifquery and ifup --no-act (ifupdown) on each interfaces.d/vtrunk file;
#   - bash -n and shellcheck (warnings and errors) on the scripts; docker-networks.sh run against a fake docker that logs
#     (drift reported, --recreate, every VLAN tried after a failed create);
#   - vtrunk-apply.sh --root twice (the second run changes nothing), merging a
#     daemon.json that has other keys (kept), with python3 and with jq; a daemon.json
#     it cannot parse is refused and left alone; --dry-run writes nothing.
# Without DIR, it renders into a temporary directory and checks what it rendered:
#   - fixtures/golden/*.plan.json with `$VTRUNK render` (tests/run.sh sets VTRUNK;
#     default build/vtrunk), the way a user gets the files offline;
#   - the unit-test cases with `test_guest --write` ($TEST_GUEST, default the first
#     of build/tests/test_guest, build/asan/tests/test_guest), which include NIC
#     facts (MACs) that only `apply` against vCenter would otherwise provide.
#   - as root: vtrunk-apply.sh on the live path, each run in its own network namespace
#     (veth NICs with the plan's names, MACs and addresses) and mount namespace (/etc a
#     copy): refusals that change nothing (missing MAC, swapped names, a third name,
#     another address, cloud-init's file, a stanza in /etc/network/interfaces), what
#     --take-over/--rename/--readdress do, the interfaces.d merge read back by the real
#     ifquery/ifup --no-act, and reruns that converge; their count is printed.
# Needs netplan.io, ifupdown, python3, jq and iproute2 (tests/lib/deps.sh test); root
# only for the live checks.
# Prints "ok - NAME" / "not ok - NAME" per check and ends with "N passed, N failed";
# exits 1 when anything failed.
set -u

pass=0
fail=0
ok() {
	pass=$((pass + 1))
	echo "ok - $*"
}
nok() {
	fail=$((fail + 1))
	echo "not ok - $*"
}
# check NAME CMD...: passes when CMD succeeds.
LIVE_N=0
check() {
	local name=$1
	shift
	case $name in *": live"*) LIVE_N=$((LIVE_N + 1)) ;; esac
	if "$@"; then ok "$name"; else nok "$name"; fi
}
quiet() { "$@" >/dev/null 2>&1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/check-guest-XXXXXX")
NETNS=()
trap 'for ns in "${NETNS[@]}"; do ip netns del "$ns" 2>/dev/null; done; rm -rf "$WORK"' EXIT
# A new empty directory under $WORK for one check ($RANDOM names could meet: two
# checks would then share a root and see each other's files).
fresh_dir() { mktemp -d "$WORK/$1.XXXXXX"; }

for tool in netplan ifquery ifup python3 jq ip; do
	command -v "$tool" >/dev/null 2>&1 || { echo "check-guest: $tool is missing (tests/lib/deps.sh test)" >&2; exit 2; }
done

if [ $# -eq 0 ]; then
	cd "$(dirname "$0")/../.." || exit 2
	VTRUNK=${VTRUNK:-build/vtrunk}
	if [ -z "${TEST_GUEST:-}" ]; then
		for TEST_GUEST in build/tests/test_guest build/asan/tests/test_guest ""; do
			[ -x "$TEST_GUEST" ] && break
		done
	fi
	[ -x "$VTRUNK" ] || [ -n "$TEST_GUEST" ] || { echo "check-guest: neither $VTRUNK nor test_guest is built (make all build/tests/test_guest)" >&2; exit 2; }
	if [ -x "$VTRUNK" ]; then
		for plan in fixtures/golden/*.plan.json; do
			c=$(basename "$plan" .plan.json)
			check "render: $VTRUNK render -f $plan" quiet "$VTRUNK" -q render -f "$plan" -o "$WORK/render/$c"
			# The golden files are the unit tests' expectations; the CLI must agree.
			check "render: $c matches fixtures/golden/$c" diff -r "$WORK/render/$c" "fixtures/golden/$c"
		done
	fi
	if [ -n "$TEST_GUEST" ]; then
		check "render: $TEST_GUEST --write" "$TEST_GUEST" --write "$WORK/test_guest"
		for d in "$WORK"/test_guest/*; do
			[ -d "$WORK/render/$(basename "$d")" ] || mv "$d" "$WORK/render/"
		done
		# Issue 15: VM names holding U+2028, NEL, a C1 CSI or a newline, emitted
		# straight (the plan loader refuses them): the real netplan must see exactly
		# the plan's address, and bash must read VM= back as the very name.
		check "hostile names: $TEST_GUEST --hostile" "$TEST_GUEST" --hostile "$WORK/hostile"
		for d in "$WORK"/hostile/*; do
			n=$(basename "$d")
			err=$(netplan generate --root-dir "$d" 2>&1 >/dev/null)
			check "hostile name $n: netplan generate exits 0" netplan generate --root-dir "$d"
			check "hostile name $n: netplan generate prints no warning${err:+ (got: $err)}" [ -z "$err" ]
			check "hostile name $n: the only address is the plan's 10.0.0.11/24" \
				bash -c '[ "$(cat "$1"/run/systemd/network/*.network | grep "^Address=" | sort -u)" = "Address=10.0.0.11/24" ]' _ "$d"
			check "hostile name $n: bash reads VM= of vtrunk-apply.sh back as the name" \
				bash -c 'eval "$(grep "^VM=" "$1/vtrunk-apply.sh")"; [ "$VM" = "$(cat "$1/name")" ]' _ "$d"
			check "hostile name $n: no C1, line separator or bidi byte in the files" \
				bash -c '! LC_ALL=C grep -qP "\xc2[\x80-\x9f]|\xe2\x80[\xa8-\xae]|\xe2\x81[\xa6-\xa9]" "$1/vtrunk-apply.sh" "$1/etc/netplan/60-vtrunk.yaml"' _ "$d"
		done
	fi
	set -- "$WORK"/render/*
fi

# Reads one value from summary.json: jget FILE PYTHON-EXPRESSION-ON-s
jget() {
	python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

mode_is() { [ "$(stat -c %a "$1")" = "$2" ]; }

# A root holding only the netplan file, so nothing of this machine's /etc takes part.
check_netplan() {
	local t=$1 name=$2 i=$3 sum=$4 root err trunk mgmt tmac mmac addr gw
	root=$(fresh_dir np)
	mkdir -p "$root/etc/netplan"
	cp -p "$t/etc/netplan/60-vtrunk.yaml" "$root/etc/netplan/"
	err=$(netplan generate --root-dir "$root" 2>&1 >/dev/null)
	check "$name: netplan generate exits 0" netplan generate --root-dir "$root"
	check "$name: netplan generate prints no warning${err:+ (got: $err)}" [ -z "$err" ]
	trunk=$(jget "$sum" "s['trunk_ifname']")
	mgmt=$(jget "$sum" "s['mgmt_ifname']")
	addr=$(jget "$sum" "s['agents'][$i]['mgmt_address']")
	local net=$root/run/systemd/network
	check "$name: netplan makes a networkd file for the trunk" [ -f "$net/10-netplan-$trunk.network" ]
	check "$name: the trunk gets no address" bash -c '! grep -q "^Address=" "$1"' _ "$net/10-netplan-$trunk.network"
	check "$name: the trunk has no link-local address" grep -qx 'LinkLocalAddressing=no' "$net/10-netplan-$trunk.network"
	check "$name: the trunk is not waited for at boot" grep -qx 'RequiredForOnline=no' "$net/10-netplan-$trunk.network"
	check "$name: the management NIC gets $addr" grep -qx "Address=$addr" "$net/10-netplan-$mgmt.network"
	tmac=$(jget "$sum" "(s['agents'][$i]['nics']['trunk'] or {}).get('mac') or ''")
	mmac=$(jget "$sum" "(s['agents'][$i]['nics']['mgmt'] or {}).get('mac') or ''")
	if [ -n "$tmac" ] && [ "$tmac" != "$mmac" ]; then
		check "$name: the trunk is matched by MAC $tmac" grep -qx "PermanentMACAddress=$tmac" "$net/10-netplan-$trunk.network"
		check "$name: the trunk is named $trunk by MAC" grep -qx "Name=$trunk" "$net/10-netplan-$trunk.link"
	else
		check "$name: the trunk is bound by name" bash -c '! grep -q "MACAddress=" "$1"' _ "$net/10-netplan-$trunk.network"
	fi
	if [ -n "$mmac" ] && [ "$tmac" != "$mmac" ]; then
		check "$name: the management NIC is matched by MAC $mmac" grep -qx "PermanentMACAddress=$mmac" "$net/10-netplan-$mgmt.network"
	fi
	gw=$(sed -n 's/^ *via: "\(.*\)"$/\1/p' "$t/etc/netplan/60-vtrunk.yaml")
	if [ -n "$gw" ]; then
		check "$name: default route via $gw" bash -c 'grep -qx "Destination=0.0.0.0/0" "$1" && grep -qx "Gateway=$2" "$1"' _ "$net/10-netplan-$mgmt.network" "$gw"
	fi
}

check_ifupdown() {
	local t=$1 name=$2 i=$3 sum=$4 f=$1/etc/network/interfaces.d/vtrunk st out trunk mgmt addr ip4
	st=$(fresh_dir ifstate)
	mkdir -p "$st"
	trunk=$(jget "$sum" "s['trunk_ifname']")
	mgmt=$(jget "$sum" "s['mgmt_ifname']")
	addr=$(jget "$sum" "s['agents'][$i]['mgmt_address']")
	ip4=${addr%/*}
	out=$(ifquery -i "$f" --state-dir="$st" -l 2>&1)
	check "$name: ifquery -l lists lo, $mgmt and $trunk" [ "$(echo $out)" = "lo $mgmt $trunk" ]
	check "$name: interfaces.d/vtrunk has no stanza for lo (/etc/network/interfaces keeps it)" bash -c '! grep -q "^iface lo" "$1"' _ "$f"
	out=$(ifquery -i "$f" --state-dir="$st" "$mgmt" 2>&1)
	check "$name: ifquery $mgmt shows address $ip4" grep -qx "address: $ip4" <<<"$out"
	out=$(ifquery -i "$f" --state-dir="$st" "$trunk" 2>&1)
	check "$name: ifquery $trunk shows no address" bash -c '! grep -q "^address:" <<<"$1"' _ "$out"
	out=$(ifup --no-act -i "$f" --state-dir="$st" -a 2>&1)
	check "$name: ifup --no-act -a exits 0" quiet ifup --no-act -i "$f" --state-dir="$st" -a
	check "$name: ifup would add $addr to $mgmt" bash -c 'grep -q "ip addr add $2/.* dev $3 " <<<"$1"' _ "$out" "$ip4" "$mgmt"
	check "$name: ifup would bring $trunk up" bash -c 'grep -q "ip link set dev $2 up" <<<"$1"' _ "$out" "$trunk"
	check "$name: ifup reports no error" bash -c '! grep -v "^run-parts" <<<"$1" | grep -qiE "error|unknown|ignor|warn"' _ "$out"
}

# A docker that logs its arguments and keeps networks as files in $FAKE_NETS/<name>
# holding what `docker network inspect -f` prints for them ("driver subnet gateway
# ip-range parent aux:NAME=IP ..." as Docker's template prints a map: sorted by name, one
# space after each); $FAKE_CONTAINERS containers are attached to each; the networks
# named in $FAKE_FAIL_CREATE fail to be created.
fake_docker() {
	cat >"$1/docker" <<'EOF'
#!/bin/bash
printf '%s\n' "$*" >>"$FAKE_LOG"
for name; do :; done
f=${FAKE_NETS:-/nonexistent}/$name
case "$1 $2" in
"network inspect")
	[ -f "$f" ] || exit 1
	case $4 in *Containers*) echo "${FAKE_CONTAINERS:-0}" ;; *) cat "$f" ;; esac ;;
"network rm") rm -f "$f" ;;
"network create")
	case " ${FAKE_FAIL_CREATE:-} " in *" $name "*) echo "Error response from daemon: fake failure" >&2; exit 1 ;; esac
	shift 2
	aux=
	while [ $# -gt 1 ]; do
		case $1 in
		--aux-address=*) aux="$aux${1#*=}"$'\n' ;;
		-d) d=$2; shift ;;
		--subnet=*) sn=${1#*=} ;;
		--gateway=*) gw=${1#*=} ;;
		--ip-range=*) r=${1#*=} ;;
		-o) case $2 in parent=*) p=${2#parent=} ;; esac; shift ;;
		esac
		shift
	done
	aux=$(printf %s "$aux" | LC_ALL=C sort | tr '\n' ' ')
	[ -z "${FAKE_NETS:-}" ] || echo "$d $sn $gw $r $p aux:$aux" >"$f" ;;
esac
exit 0
EOF
	chmod +x "$1/docker"
}
# The inspect answer for network K of agent I, as planned.
net_want() { jget "$1" "(lambda r: '%s %s %s %s %s aux:%s' % (s.get('container_driver', 'ipvlan'), r['subnet'], r['gateway'], r['ip_range'], r['parent'], ''.join('%s=%s ' % kv for kv in sorted(r['aux_addresses'].items()))))(s['agents'][$2]['ranges'][$3])"; }

check_networks() {
	local t=$1 name=$2 i=$3 sum=$4 bin=$WORK/fakebin log=$WORK/docker.log n want nets k first out rc
	mkdir -p "$bin"
	fake_docker "$bin"
	: >"$log"
	check "$name: docker-networks.sh runs" env PATH="$bin:$PATH" FAKE_LOG="$log" bash "$t/docker-networks.sh"
	n=$(jget "$sum" "len(s['agents'][$i]['ranges'])")
	for k in $(seq 0 $((n - 1))); do
		# With an --aux-address for each vlans[].reserved address in this agent's block.
		want=$(jget "$sum" "(lambda r, d: 'network create -d %s --subnet=%s --gateway=%s --ip-range=%s%s -o %s_mode=%s -o parent=%s %s' % (d, r['subnet'], r['gateway'], r['ip_range'], ''.join(' --aux-address=%s=%s' % kv for kv in r['aux_addresses'].items()), d, s['vlans'][$k]['mode'], r['parent'], r['network']))(s['agents'][$i]['ranges'][$k], s.get('container_driver', 'ipvlan'))")
		check "$name: docker-networks.sh runs: docker $want" grep -qxF "$want" "$log"
	done
	check "$name: docker-networks.sh creates $n network(s)" [ "$(grep -c '^network create' "$log")" = "$n" ]
	[ "$n" -gt 0 ] || return 0
	nets=$(fresh_dir nets)
	for k in $(seq 0 $((n - 1))); do
		net_want "$sum" "$i" "$k" >"$nets/$(jget "$sum" "s['agents'][$i]['ranges'][$k]['network']")"
	done
	: >"$log"
	out=$(env PATH="$bin:$PATH" FAKE_LOG="$log" FAKE_NETS="$nets" bash "$t/docker-networks.sh" 2>&1)
	check "$name: docker-networks.sh leaves networks as planned alone" bash -c '[ $2 = 0 ] && ! grep -qE "^network (create|rm)" "$1"' _ "$log" $?

	# Drift: the first network has another subnet and driver.
	first=$(jget "$sum" "s['agents'][$i]['ranges'][0]['network']")
	# An aux address the plan does not want is drift too (checked when it wants some).
	want=$(net_want "$sum" "$i" 0)
	if [ "${want##*aux:}" != "" ]; then
		echo "${want%%aux:*}aux:" >"$nets/$first"
		out=$(env PATH="$bin:$PATH" FAKE_LOG="$log" FAKE_NETS="$nets" bash "$t/docker-networks.sh" 2>&1)
		check "$name: drift: a network without the planned aux addresses is reported" \
			bash -c '[ $2 = 1 ] && grep -qF "$3 differs" <<<"$1"' _ "$out" $? "$first"
	fi
	echo "macvlan 192.0.2.0/24 192.0.2.1 192.0.2.0/26 eth9.7 aux:" >"$nets/$first"
	[ "$n" -lt 2 ] || rm -f "$nets/$(jget "$sum" "s['agents'][$i]['ranges'][1]['network']")"
	: >"$log"
	out=$(env PATH="$bin:$PATH" FAKE_LOG="$log" FAKE_NETS="$nets" bash "$t/docker-networks.sh" 2>&1)
	rc=$?
	check "$name: drift: a network that differs makes docker-networks.sh exit 1" [ $rc = 1 ]
	check "$name: drift: ...reported with what it has and what is wanted" grep -qF "$first differs: it has (driver subnet gateway ip-range parent aux) 'macvlan 192.0.2.0/24" <<<"$out"
	check "$name: drift: ...and neither removed nor recreated without --recreate" bash -c '! grep -qxE "network (rm|create .*) $2" "$1"' _ "$log" "$first"
	if [ "$n" -ge 2 ]; then
		check "$name: drift: the other VLANs are still created" grep -q "^network create .* $(jget "$sum" "s['agents'][$i]['ranges'][1]['network']")\$" "$log"
	fi
	: >"$log"
	out=$(env PATH="$bin:$PATH" FAKE_LOG="$log" FAKE_NETS="$nets" FAKE_CONTAINERS=2 bash "$t/docker-networks.sh" --recreate 2>&1)
	rc=$?
	check "$name: drift: --recreate with containers attached is refused" bash -c '[ $3 = 1 ] && ! grep -qx "network rm $2" "$1"' _ "$log" "$first" $rc
	: >"$log"
	out=$(env PATH="$bin:$PATH" FAKE_LOG="$log" FAKE_NETS="$nets" bash "$t/docker-networks.sh" --recreate 2>&1)
	rc=$?
	check "$name: drift: --recreate removes and recreates it" bash -c '[ $3 = 0 ] && grep -qx "network rm $2" "$1" && grep -q "^network create .* $2\$" "$1"' _ "$log" "$first" $rc
	check "$name: drift: ...as planned" [ "$(cat "$nets/$first")" = "$(net_want "$sum" "$i" 0)" ]

	# A failed create does not stop the later VLANs.
	: >"$log"
	out=$(env PATH="$bin:$PATH" FAKE_LOG="$log" FAKE_FAIL_CREATE="$first" bash "$t/docker-networks.sh" 2>&1)
	rc=$?
	check "$name: a failed create: exit 1" [ $rc = 1 ]
	check "$name: a failed create: every VLAN is still tried" [ "$(grep -c '^network create' "$log")" = "$n" ]
}

# A digest of a tree: paths, modes and contents.
snap() { (cd "$1" && find . -type f -printf '%p %m\n' | sort && find . -type f -print0 | sort -z | xargs -0r sha256sum); }

# --root trees holding other files for the same NICs: refused with nothing changed,
# or with --take-over disabled while what is not vtrunk's stays.
check_merge() {
	local t=$1 name=$2 root out rc before trunk mgmt mmac
	trunk=$(sed -n 's/^TRUNK=//p' "$t/vtrunk-apply.sh")
	mgmt=$(sed -n 's/^MGMT=//p' "$t/vtrunk-apply.sh")
	mmac=$(sed -n 's/^MGMT_MAC=//p' "$t/vtrunk-apply.sh")
	if [ -f "$t/etc/network/interfaces.d/vtrunk" ]; then
		# A third NIC with a post-up route, and no source line for interfaces.d.
		root=$(fresh_dir root)
		mkdir -p "$root/etc/network"
		printf 'auto lo\niface lo inet loopback\n\nauto ens224\niface ens224 inet static\n\taddress 192.168.5.10/24\n\tpost-up ip route add 192.168.99.0/24 via 192.168.5.1\n' >"$root/etc/network/interfaces"
		cp -p "$root/etc/network/interfaces" "$WORK/interfaces.before"
		out=$(bash "$t/vtrunk-apply.sh" --root "$root" --format ifupdown 2>&1)
		check "$name: merge: apply with a third NIC's stanza exits 0" [ $? = 0 ]
		check "$name: merge: the third NIC's stanza and its post-up stay" bash -c 'diff <(head -n 7 "$1") "$2" >/dev/null' _ "$root/etc/network/interfaces" "$WORK/interfaces.before"
		check "$name: merge: the source line for interfaces.d is added" grep -qx 'source /etc/network/interfaces.d/\*' "$root/etc/network/interfaces"
		check "$name: merge: interfaces.d/vtrunk installed" cmp -s "$t/etc/network/interfaces.d/vtrunk" "$root/etc/network/interfaces.d/vtrunk"
		check "$name: merge: the replaced interfaces file is kept and listed" bash -c 'cmp -s "$1" "$2" && grep -qF "$2" <<<"$3"' _ "$WORK/interfaces.before" "$root/etc/network/interfaces.vtrunk-orig" "$out"
		# ifquery reads the source line's absolute path: point it into the root.
		sed "s#^source /etc/#source $root/etc/#" "$root/etc/network/interfaces" >"$root/interfaces.q"
		out=$(ifquery -i "$root/interfaces.q" --state-dir="$(fresh_dir st)" -l 2>&1)
		check "$name: merge: ifquery -l lists lo, ens224, $mgmt and $trunk" [ "$(echo $out)" = "lo ens224 $mgmt $trunk" ]
		out=$(ifup --no-act -i "$root/interfaces.q" --state-dir="$(fresh_dir st)" -a 2>&1)
		check "$name: merge: ifup --no-act -a still runs the third NIC's post-up" grep -q 'ip route add 192.168.99.0/24 via 192.168.5.1' <<<"$out"
		before=$(snap "$root")
		out=$(bash "$t/vtrunk-apply.sh" --root "$root" --format ifupdown 2>&1)
		check "$name: merge: a second run changes nothing" bash -c '[ "$(snap "$1")" = "$2" ] && grep -q "nothing to change" <<<"$3"' _ "$root" "$before" "$out"

		# The Debian installer's stanza for the management NIC.
		root=$(fresh_dir root)
		mkdir -p "$root/etc/network"
		printf 'source /etc/network/interfaces.d/*\nauto lo\niface lo inet loopback\n\nallow-hotplug %s\niface %s inet dhcp\n\nauto ens224\niface ens224 inet manual\n' "$mgmt" "$mgmt" >"$root/etc/network/interfaces"
		before=$(snap "$root")
		out=$(bash "$t/vtrunk-apply.sh" --root "$root" --format ifupdown 2>&1)
		rc=$?
		check "$name: merge: a stanza for $mgmt in /etc/network/interfaces is refused" [ $rc = 1 ]
		check "$name: merge: ...saying --take-over" grep -q 'refused: .*interfaces has stanzas for .*--take-over' <<<"$out"
		check "$name: merge: ...with nothing changed" [ "$(snap "$root")" = "$before" ]
		out=$(bash "$t/vtrunk-apply.sh" --root "$root" --format ifupdown --take-over 2>&1)
		check "$name: merge: --take-over exits 0" [ $? = 0 ]
		sed "s#^source /etc/#source $root/etc/#" "$root/etc/network/interfaces" >"$root/interfaces.q"
		out=$(ifquery -i "$root/interfaces.q" --state-dir="$(fresh_dir st)" -l 2>&1)
		check "$name: merge: --take-over: ifquery -l lists lo, ens224, $mgmt and $trunk once each" [ "$(echo $(sort <<<"$out"))" = "$(echo $(printf '%s\n' lo ens224 "$mgmt" "$trunk" | sort))" ]
		check "$name: merge: --take-over: $mgmt gets vtrunk's static address" bash -c 'ifquery -i "$1" --state-dir="$2" "$3" | grep -q "^address: "' _ "$root/interfaces.q" "$(fresh_dir st)" "$mgmt"
		check "$name: merge: --take-over: the old stanza is commented out, not lost" grep -q "^# disabled by vtrunk (--take-over): iface $mgmt inet dhcp" "$root/etc/network/interfaces"
	fi
	if [ -f "$t/etc/netplan/60-vtrunk.yaml" ]; then
		# cloud-init's fallback file for a clone: match by MAC plus set-name.
		root=$(fresh_dir root)
		mkdir -p "$root/etc/netplan" "$root/etc/cloud/cloud.cfg.d"
		{
			echo "# This file is generated from information provided by the datasource.  Changes"
			echo "# to it will not persist across an instance reboot.  To disable cloud-init's"
			echo "# network configuration capabilities, write a file"
			echo "network:"
			echo "    ethernets:"
			echo "        $mgmt:"
			echo "            dhcp4: true"
			if [ -n "$mmac" ]; then
				echo "            match:"
				echo "                macaddress: $mmac"
				echo "            set-name: $mgmt"
			fi
			echo "    version: 2"
		} >"$root/etc/netplan/50-cloud-init.yaml"
		chmod 600 "$root/etc/netplan/50-cloud-init.yaml"
		before=$(snap "$root")
		out=$(bash "$t/vtrunk-apply.sh" --root "$root" --format netplan 2>&1)
		rc=$?
		check "$name: merge: cloud-init's 50-cloud-init.yaml is refused" [ $rc = 1 ]
		check "$name: merge: ...saying --take-over and cloud-init" grep -q "refused: .*50-cloud-init.yaml (cloud-init's).*--take-over" <<<"$out"
		check "$name: merge: ...with nothing changed" [ "$(snap "$root")" = "$before" ]
		out=$(bash "$t/vtrunk-apply.sh" --root "$root" --format netplan --take-over 2>&1)
		check "$name: merge: cloud-init --take-over exits 0" [ $? = 0 ]
		check "$name: merge: --take-over moves 50-cloud-init.yaml aside" bash -c '[ ! -e "$1/etc/netplan/50-cloud-init.yaml" ] && [ -f "$1/etc/netplan/50-cloud-init.yaml.vtrunk-orig" ]' _ "$root"
		check "$name: merge: --take-over turns cloud-init's network config off" grep -qx 'network: {config: disabled}' "$root/etc/cloud/cloud.cfg.d/99-disable-network-config.cfg"
		local err
		err=$(netplan generate --root-dir "$root" 2>&1 >/dev/null)
		check "$name: merge: after --take-over netplan generate gives $mgmt no DHCP" bash -c '[ -z "$2" ] && ! grep -qx "DHCP=ipv4" "$1"/run/systemd/network/*.network' _ "$root" "$err"
	fi
}

check_apply() {
	local t=$1 name=$2 root out rc before have_daemon tool
	root=$(fresh_dir root)
	have_daemon=0
	[ -f "$t/etc/docker/daemon.json" ] && have_daemon=1
	mkdir -p "$root/etc/docker"
	# A last line without a newline, as an editor may leave it.
	printf '# /etc/modules\nloop' >"$root/etc/modules"
	printf '{\n  "log-driver": "json-file",\n  "registry-mirrors": ["https://mirror.example"],\n  "experimental": false\n}\n' >"$root/etc/docker/daemon.json"

	out=$(bash "$t/vtrunk-apply.sh" --dry-run --root "$root" 2>&1)
	rc=$?
	check "$name: apply --dry-run exits 0${out:+}" [ $rc = 0 ]
	check "$name: apply --dry-run writes nothing" [ "$(find "$root" -type f | wc -l)" = 2 ]
	check "$name: apply --dry-run says what it would write" grep -q 'would write .*/etc/modules-load.d/vtrunk.conf' <<<"$out"

	out=$(bash "$t/vtrunk-apply.sh" --root "$root" 2>&1)
	rc=$?
	[ $rc = 0 ] || echo "$out"
	check "$name: apply --root exits 0" [ $rc = 0 ]
	for f in etc/network/interfaces.d/vtrunk etc/netplan/60-vtrunk.yaml etc/modules-load.d/vtrunk.conf; do
		[ -f "$t/$f" ] || continue
		check "$name: apply installs $f" cmp -s "$t/$f" "$root/$f"
		check "$name: apply installs $f with mode $(stat -c %a "$t/$f")" mode_is "$root/$f" "$(stat -c %a "$t/$f")"
	done
	check "$name: apply appends 8021q to /etc/modules, keeping its lines" \
		[ "$(cat "$root/etc/modules")" = "$(printf '# /etc/modules\nloop\n8021q')" ]
	if [ $have_daemon = 1 ]; then
		check "$name: daemon.json merged: experimental true, other keys kept" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(not (d == {"log-driver": "json-file", "registry-mirrors": ["https://mirror.example"], "experimental": True}))' "$root/etc/docker/daemon.json"
		check "$name: the previous daemon.json is kept aside" grep -q '"experimental": false' "$root/etc/docker/daemon.json.vtrunk-orig"
	else
		check "$name: daemon.json left alone (Docker >= 19.03)" grep -q '"experimental": false' "$root/etc/docker/daemon.json"
	fi
	if [ -f "$t/etc/netplan/60-vtrunk.yaml" ]; then
		local err
		err=$(netplan generate --root-dir "$root" 2>&1 >/dev/null)
		check "$name: netplan accepts the installed root without warning${err:+ (got: $err)}" [ -z "$err" ]
		rm -rf "$root/run"
	fi

	before=$(snap "$root")
	out=$(bash "$t/vtrunk-apply.sh" --root "$root" 2>&1)
	rc=$?
	check "$name: apply --root again exits 0" [ $rc = 0 ]
	check "$name: apply --root again changes nothing" [ "$(snap "$root")" = "$before" ]
	check "$name: apply --root again says so" grep -q 'nothing to change' <<<"$out"

	# --format picks one interface file.
	root=$(fresh_dir root)
	if [ -f "$t/etc/network/interfaces.d/vtrunk" ] && [ -f "$t/etc/netplan/60-vtrunk.yaml" ]; then
		check "$name: apply --format ifupdown exits 0" quiet bash "$t/vtrunk-apply.sh" --root "$root" --format ifupdown
		check "$name: apply --format ifupdown installs no netplan file" bash -c '[ -f "$1/etc/network/interfaces.d/vtrunk" ] && [ ! -e "$1/etc/netplan" ]' _ "$root"
	elif [ ! -f "$t/etc/netplan/60-vtrunk.yaml" ]; then
		out=$(bash "$t/vtrunk-apply.sh" --root "$root" --format netplan 2>&1)
		check "$name: apply --format netplan refused without a netplan file" [ $? != 0 ]
		check "$name: ...saying so" grep -q 'no netplan file' <<<"$out"
	fi
	out=$(bash "$t/vtrunk-apply.sh" --root 2>&1)
	check "$name: apply --root without DIR is a usage error" [ $? = 2 ]
	check_merge "$t" "$name"

	[ $have_daemon = 1 ] || return 0
	for tool in python3 jq; do
		# jq: a fresh root, so the merge itself goes through jq.
		root=$(fresh_dir root)
		mkdir -p "$root/etc/docker"
		printf '{"log-driver": "json-file", "log-opts": {"max-size": "10m"}}' >"$root/etc/docker/daemon.json"
		check "$name: apply merges daemon.json with $tool" quiet env VTRUNK_JSON_TOOL=$tool bash "$t/vtrunk-apply.sh" --root "$root"
		check "$name: $tool merge keeps the other keys" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(not (d == {"log-driver": "json-file", "log-opts": {"max-size": "10m"}, "experimental": True}))' "$root/etc/docker/daemon.json"
		before=$(snap "$root")
		out=$(VTRUNK_JSON_TOOL=$tool bash "$t/vtrunk-apply.sh" --root "$root" 2>&1)
		check "$name: $tool: second run changes nothing" [ "$(snap "$root")" = "$before" ]

		for bad in '{"log-driver": ' '["experimental"]' '{"a": 1} {"b": 2}'; do
			root=$(fresh_dir root)
			mkdir -p "$root/etc/docker"
			printf '%s' "$bad" >"$root/etc/docker/daemon.json"
			out=$(VTRUNK_JSON_TOOL=$tool bash "$t/vtrunk-apply.sh" --root "$root" 2>&1)
			rc=$?
			check "$name: $tool: daemon.json '$bad' is refused" [ $rc != 0 ]
			check "$name: $tool: the refusal names daemon.json" grep -q 'daemon.json' <<<"$out"
			check "$name: $tool: the refused daemon.json is left as it was" [ "$(cat "$root/etc/docker/daemon.json")" = "$bad" ]
		done
		root=$(fresh_dir root)
		mkdir -p "$root/etc/docker"
		printf '\n' >"$root/etc/docker/daemon.json"
		check "$name: $tool: an empty daemon.json is merged as {}" quiet env VTRUNK_JSON_TOOL=$tool bash "$t/vtrunk-apply.sh" --root "$root"
		check "$name: $tool: ...into {\"experimental\": true}" python3 -c '
import json, sys
sys.exit(json.load(open(sys.argv[1])) != {"experimental": True})' "$root/etc/docker/daemon.json"
	done
}

# The live path (no --root): each run in a network namespace of its own (veth NICs
# standing in for the VM's, with the plan's or a test's names, MACs and addresses) and
# a mount namespace where /etc is a copy of this machine's, with apt-get, apt-cache,
# modprobe, netplan, ifup, ifdown, systemctl and docker replaced by stand-ins that log
# (netplan apply and ifup bring the links up, so the namespace's state is what a rerun
# sees). Needs root, unshare and `ip netns`; skipped otherwise, and then said so.
LIVE_OK=
live_ready() {
	if [ -z "$LIVE_OK" ]; then
		LIVE_OK=no
		if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null && ip netns add "vtcg$$" 2>/dev/null; then
			ip netns del "vtcg$$"
			cp -a /etc "$WORK/etc.pristine" 2>/dev/null && LIVE_OK=yes
			# Only the test's own files configure NICs in the copy.
			rm -rf "$WORK/etc.pristine/netplan" "$WORK/etc.pristine/network/interfaces.d" "$WORK/etc.pristine/cloud" "$WORK/etc.pristine/systemd/network"
			mkdir -p "$WORK/etc.pristine/netplan" "$WORK/etc.pristine/network"
			printf 'source /etc/network/interfaces.d/*\n\n# The loopback network interface\nauto lo\niface lo inet loopback\n' >"$WORK/etc.pristine/network/interfaces"
		fi
		[ "$LIVE_OK" = yes ] || echo "# live-path checks skipped: they need root, unshare -m and ip netns"
	fi
	[ "$LIVE_OK" = yes ]
}
NS_N=0
# new_ns SPEC...: a network namespace holding one veth NIC a SPEC "name,mac,addr,up"
# (mac, addr and up may be empty); sets NS to its name.
new_ns() {
	local ns spec n m a u k=0
	NS=
	NS_N=$((NS_N + 1))
	ns=vtcg$$-$NS_N
	ip netns add "$ns" || return 1
	for spec; do
		IFS=, read -r n m a u <<<"$spec"
		ip -n "$ns" link add "$n" type veth peer name "vtp$k" || return 1
		[ -z "$m" ] || ip -n "$ns" link set dev "$n" address "$m"
		[ -z "$a" ] || ip -n "$ns" addr add "$a" dev "$n"
		[ "$u" != up ] || ip -n "$ns" link set dev "$n" up
		k=$((k + 1))
	done
	NS=$ns
	NETNS+=("$ns")
}
# live_run NS ETC FAKEBIN LOG SCRIPT [ARG...]: runs SCRIPT in NS with ETC as /etc.
live_run() {
	local ns=$1
	shift
	ip netns exec "$ns" bash -c 'mount --bind "$1" /etc && FAKE_LOG=$3 PATH=$2:$PATH exec bash "$4" "${@:5}"' _ "$@" 2>&1
}
# live_in NS ETC CMD...: CMD in NS with ETC as /etc (the real tools, no stand-ins).
live_in() {
	local ns=$1 etc=$2
	shift 2
	ip netns exec "$ns" bash -c 'mount --bind "$1" /etc && exec "${@:2}"' _ "$etc" "$@" 2>&1
}
link_up() { ip -n "$1" -o link show dev "$2" 2>/dev/null | grep -qE '<([^>]*,)?UP[,>]'; }
# live_setup: a fresh ETC copy and stand-ins; sets etc, fake, log.
live_setup() {
	local c
	etc=$(fresh_dir etc)
	fake=$(fresh_dir livebin)
	log=$fake/log
	cp -a "$WORK/etc.pristine/." "$etc"
	for c in apt-get apt-cache modprobe netplan ifup ifdown systemctl; do
		cat >"$fake/$c" <<'EOF'
#!/bin/bash
printf '%s %s\n' "${0##*/}" "$*" >>"$FAKE_LOG"
case "${0##*/} ${1:-}" in
"netplan apply")
	[ -z "${FAKE_FAIL_NETPLAN:-}" ] || { echo "fake netplan apply failure" >&2; exit 1; }
	for d in /sys/class/net/*; do ip link set dev "${d##*/}" up; done ;;
ifup*) for a; do :; done; ip link set dev "$a" up ;;
ifdown*) for a; do :; done; ip link set dev "$a" down ;;
# An agent without a package mirror.
"apt-cache policy") printf 'vlan:\n  Installed: (none)\n  Candidate: (none)\n' ;;
esac
exit 0
EOF
		chmod +x "$fake/$c"
	done
	fake_docker "$fake"
	mkdir -p "$fake/nets"
	: >"$log"
}
snap_etc() { snap "$1" | grep -v ' \./ld\.so\.cache'; }
export -f snap snap_etc

check_live() {
	local t=$1 name=$2 etc fake log out rc ns before trunk mgmt tmac mmac maddr tspec mspec np=0 ifd=0
	live_ready || return 0
	trunk=$(sed -n 's/^TRUNK=//p' "$t/vtrunk-apply.sh")
	mgmt=$(sed -n 's/^MGMT=//p' "$t/vtrunk-apply.sh")
	tmac=$(sed -n 's/^TRUNK_MAC=//p' "$t/vtrunk-apply.sh")
	mmac=$(sed -n 's/^MGMT_MAC=//p' "$t/vtrunk-apply.sh")
	maddr=$(sed -n 's/^MGMT_ADDR=//p' "$t/vtrunk-apply.sh")
	grep -q '^HAVE_NETPLAN=1' "$t/vtrunk-apply.sh" && np=1
	grep -q '^HAVE_IFUPDOWN=1' "$t/vtrunk-apply.sh" && ifd=1
	# The VM as vCenter describes it: trunk down and without address, management up.
	tspec="$trunk,${tmac:-02:00:00:00:00:01},,"
	mspec="$mgmt,${mmac:-02:00:00:00:00:02},$maddr,up"

	live_setup
	new_ns; ns=$NS
	before=$(snap_etc "$etc")
	out=$(live_run "$ns" "$etc" "$fake" "$log" "$t/vtrunk-apply.sh")
	rc=$?
	check "$name: live: refused on a machine without the plan's NICs" [ $rc = 1 ]
	if [ -n "$tmac" ]; then
		check "$name: live: ...saying which MAC is missing" grep -q 'no NIC here has MAC' <<<"$out"
	else
		check "$name: live: ...saying which NIC is missing" grep -q "there is no NIC $trunk here" <<<"$out"
	fi
	check "$name: live: ...before changing anything" bash -c '[ ! -s "$1" ] && [ "$(snap_etc "$2")" = "$3" ]' _ "$log" "$etc" "$before"

	new_ns "$tspec" "$mspec"; ns=$NS
	out=$(live_run "$ns" "$etc" "$fake" "$log" "$t/vtrunk-apply.sh")
	rc=$?
	[ $rc = 0 ] || echo "$out" | sed 's/^/#   /'
	check "$name: live: vtrunk-apply.sh exits 0" [ $rc = 0 ]
	check "$name: live: 8021q listed in /etc/modules-load.d" cmp -s "$t/etc/modules-load.d/vtrunk.conf" "$etc/modules-load.d/vtrunk.conf"
	check "$name: live: 8021q appended to /etc/modules once" [ "$(grep -c '^8021q$' "$etc/modules")" = 1 ]
	if [ -d /sys/module/8021q ]; then
		check "$name: live: 8021q already loaded, no modprobe" bash -c '! grep -q "^modprobe" "$1"' _ "$log"
	else
		check "$name: live: modprobe 8021q" grep -qx 'modprobe 8021q' "$log"
	fi
	check "$name: live: no apt-get without --install-vlan" bash -c '! grep -q "^apt-get" "$1"' _ "$log"
	if [ $np = 1 ]; then
		check "$name: live: netplan file installed 600" bash -c 'cmp -s "$1" "$2" && [ "$(stat -c %a "$2")" = 600 ]' _ "$t/etc/netplan/60-vtrunk.yaml" "$etc/netplan/60-vtrunk.yaml"
		check "$name: live: netplan apply" grep -qx 'netplan apply' "$log"
		check "$name: live: /etc/network/interfaces left alone on a netplan system" cmp -s "$WORK/etc.pristine/network/interfaces" "$etc/network/interfaces"
	else
		check "$name: live: interfaces.d/vtrunk installed" cmp -s "$t/etc/network/interfaces.d/vtrunk" "$etc/network/interfaces.d/vtrunk"
		check "$name: live: /etc/network/interfaces left alone (it sources interfaces.d)" cmp -s "$WORK/etc.pristine/network/interfaces" "$etc/network/interfaces"
		check "$name: live: ifup brings up the trunk only" bash -c '[ "$(grep "^ifup" "$1")" = "ifup $2" ]' _ "$log" "$trunk"
	fi
	check "$name: live: the trunk is up afterwards" link_up "$ns" "$trunk"
	if [ -f "$t/etc/docker/daemon.json" ]; then
		check "$name: live: daemon.json written" cmp -s "$t/etc/docker/daemon.json" "$etc/docker/daemon.json"
		check "$name: live: docker restarted for daemon.json" grep -qx 'systemctl restart docker' "$log"
	else
		check "$name: live: no docker restart" bash -c '! grep -q "^systemctl" "$1"' _ "$log"
	fi
	check "$name: live: docker-networks.sh ran" grep -Eq '^network create -d (ipvlan|macvlan)' "$log"

	: >"$log"
	out=$(FAKE_NETS=$fake/nets live_run "$ns" "$etc" "$fake" "$log" "$t/vtrunk-apply.sh")
	rc=$?
	check "$name: live: second run exits 0" [ $rc = 0 ]
	check "$name: live: second run applies no network change" bash -c '! grep -qE "^(netplan|ifup|ifdown|systemctl|apt-get)" "$1"' _ "$log"
	check "$name: live: second run leaves /etc/modules alone" [ "$(grep -c '^8021q$' "$etc/modules")" = 1 ]

	# Converge: the files are in place but the trunk is down (a reboot that failed to
	# bring it up, files copied by hand, a first run that died after writing).
	new_ns "$tspec" "$mspec"; ns=$NS
	: >"$log"
	out=$(live_run "$ns" "$etc" "$fake" "$log" "$t/vtrunk-apply.sh")
	rc=$?
	check "$name: live: files in place, trunk down: exits 0" [ $rc = 0 ]
	check "$name: live: files in place, trunk down: the network is applied" grep -qE '^(netplan apply|ifup )' "$log"
	check "$name: live: files in place, trunk down: not \"nothing to change\"" bash -c '! grep -q "nothing to change" <<<"$1"' _ "$out"
	check "$name: live: files in place, trunk down: the trunk is up afterwards" link_up "$ns" "$trunk"
	rm -rf "$etc" "$fake"

	# A first run that failed (netplan apply, or for ifupdown ifup, exits non-zero),
	# then a rerun once the cause is gone: it applies the network.
	live_setup
	new_ns "$tspec" "$mspec"; ns=$NS
	if [ $np = 1 ]; then
		out=$(FAKE_FAIL_NETPLAN=1 live_run "$ns" "$etc" "$fake" "$log" "$t/vtrunk-apply.sh")
		rc=$?
	else
		printf '#!/bin/sh\necho "fake ifup failure" >&2\nexit 1\n' >"$fake/ifup.fail"
		chmod +x "$fake/ifup.fail"
		mv "$fake/ifup" "$fake/ifup.ok"
		mv "$fake/ifup.fail" "$fake/ifup"
		out=$(live_run "$ns" "$etc" "$fake" "$log" "$t/vtrunk-apply.sh")
		rc=$?
		mv -f "$fake/ifup.ok" "$fake/ifup"
	fi
	check "$name: live: a failed network step makes the run exit non-zero" [ $rc != 0 ]
	: >"$log"
	out=$(live_run "$ns" "$etc" "$fake" "$log" "$t/vtrunk-apply.sh")
	rc=$?
	check "$name: live: rerun after a failed first run exits 0" [ $rc = 0 ]
	check "$name: live: rerun after a failed first run applies the network" grep -qE '^(netplan apply|ifup )' "$log"
	check "$name: live: ...and the trunk is up" link_up "$ns" "$trunk"
	rm -rf "$etc" "$fake"

	if [ -f "$t/etc/docker/daemon.json" ]; then
		# A daemon.json with a comment (dockerd refuses it too): refused before any file
		# is written; once fixed, the run applies the network.
		live_setup
		mkdir -p "$etc/docker"
		printf '{\n  // mirrors\n  "log-driver": "json-file"\n}\n' >"$etc/docker/daemon.json"
		new_ns "$tspec" "$mspec"; ns=$NS
			before=$(snap_etc "$etc")
		out=$(live_run "$ns" "$etc" "$fake" "$log" "$t/vtrunk-apply.sh")
		rc=$?
		check "$name: live: daemon.json with a comment is refused" bash -c '[ $1 = 1 ] && grep -q "refused: .*daemon.json is not valid JSON" <<<"$2"' _ $rc "$out"
		check "$name: live: ...before any file is written" bash -c '[ ! -s "$1" ] && [ "$(snap_etc "$2")" = "$3" ]' _ "$log" "$etc" "$before"
		printf '{\n  "log-driver": "json-file"\n}\n' >"$etc/docker/daemon.json"
		out=$(live_run "$ns" "$etc" "$fake" "$log" "$t/vtrunk-apply.sh")
		rc=$?
		check "$name: live: fixed daemon.json: the rerun exits 0 and applies the network" bash -c '[ $2 = 0 ] && grep -qE "^(netplan apply|ifup )" "$1"' _ "$log" $rc
		check "$name: live: fixed daemon.json: the trunk is up" link_up "$ns" "$trunk"
		rm -rf "$etc" "$fake"
	fi

	# --install-vlan on an agent without a package mirror: 8021q is enough.
	live_setup
	new_ns "$tspec" "$mspec"; ns=$NS
	out=$(live_run "$ns" "$etc" "$fake" "$log" "$t/vtrunk-apply.sh" --install-vlan)
	rc=$?
	check "$name: live: --install-vlan offline exits 0" [ $rc = 0 ]
	check "$name: live: --install-vlan offline: no apt-get install, a warning" bash -c '! grep -q "^apt-get" "$1" && grep -q "no package source here offers vlan" <<<"$2"' _ "$log" "$out"
	check "$name: live: --install-vlan offline: 8021q still persisted" grep -qx 8021q "$etc/modules-load.d/vtrunk.conf"
	rm -rf "$etc" "$fake"

	# The management NIC has another address than the files give it.
	live_setup
	new_ns "$tspec" "$mgmt,${mmac:-02:00:00:00:00:02},198.51.100.7/24,up"; ns=$NS
	before=$(snap_etc "$etc")
	out=$(live_run "$ns" "$etc" "$fake" "$log" "$t/vtrunk-apply.sh")
	rc=$?
	check "$name: live: another management address is refused" bash -c '[ $1 = 1 ] && grep -q "refused: the management NIC .* has 198.51.100.7/24 now, but the files give it .*--readdress" <<<"$2"' _ $rc "$out"
	check "$name: live: ...with nothing changed" bash -c '[ ! -s "$1" ] && [ "$(snap_etc "$2")" = "$3" ]' _ "$log" "$etc" "$before"
	out=$(live_run "$ns" "$etc" "$fake" "$log" "$t/vtrunk-apply.sh" --readdress)
	check "$name: live: --readdress applies it" [ $? = 0 ]
	rm -rf "$etc" "$fake"

	if [ -n "$tmac" ] && [ -n "$mmac" ]; then
		# Swapped names: the NIC with the management MAC (and address) is called
		# $trunk here, as on a VM installed with one NIC at slot 160.
		live_setup
		new_ns "$mgmt,$tmac,," "$trunk,$mmac,$maddr,up"; ns=$NS
			before=$(snap_etc "$etc")
		out=$(live_run "$ns" "$etc" "$fake" "$log" "$t/vtrunk-apply.sh")
		rc=$?
		check "$name: live: swapped names are refused" [ $rc = 1 ]
		check "$name: live: ...naming both NICs and --rename" bash -c 'grep -q "management NIC (MAC $2) is named $3 here, but the files call it $4.*--rename" <<<"$1" && grep -q "trunk NIC (MAC $5) is named $4 here" <<<"$1"' _ "$out" "$mmac" "$trunk" "$mgmt" "$tmac"
		check "$name: live: ...with nothing changed (no file, no command)" bash -c '[ ! -s "$1" ] && [ "$(snap_etc "$2")" = "$3" ]' _ "$log" "$etc" "$before"
		if [ $np = 1 ]; then
			# The same with --from-guestinfo: the checks use the guestinfo file's facts.
			printf '#!/bin/bash\ncase $1 in\n"info-get guestinfo.vtrunk.netplan") base64 -w0 "%s" ;;\n"info-get guestinfo.vtrunk.docker") base64 -w0 "%s" ;;\n*.encoding) echo base64 ;;\n*) exit 1 ;;\nesac\n' \
				"$t/etc/netplan/60-vtrunk.yaml" "$t/docker-networks.sh" >"$fake/vmware-rpctool"
			chmod +x "$fake/vmware-rpctool"
			out=$(live_run "$ns" "$etc" "$fake" "$log" "$t/vtrunk-apply.sh" --from-guestinfo)
			rc=$?
			check "$name: live: --from-guestinfo: swapped names are refused too" bash -c '[ $1 = 1 ] && grep -q "management NIC (MAC $3) is named" <<<"$2"' _ $rc "$out" "$mmac"
			check "$name: live: --from-guestinfo: ...with nothing changed" bash -c '[ ! -s "$1" ] && [ "$(snap_etc "$2")" = "$3" ]' _ "$log" "$etc" "$before"
		fi
		rm -rf "$etc" "$fake"

		# A third name: an E1000 management NIC at PCI slot 32 is ens32.
		live_setup
		new_ns "$tspec" "ens32,$mmac,$maddr,up"; ns=$NS
			before=$(snap_etc "$etc")
		out=$(live_run "$ns" "$etc" "$fake" "$log" "$t/vtrunk-apply.sh")
		rc=$?
		check "$name: live: a third name (ens32) is refused" bash -c '[ $1 = 1 ] && grep -q "named ens32 here, but the files call it" <<<"$2"' _ $rc "$out"
		check "$name: live: ...with nothing changed" bash -c '[ ! -s "$1" ] && [ "$(snap_etc "$2")" = "$3" ]' _ "$log" "$etc" "$before"
		out=$(live_run "$ns" "$etc" "$fake" "$log" "$t/vtrunk-apply.sh" --rename)
		rc=$?
		check "$name: live: --rename installs the files, applies nothing until the reboot" bash -c '[ $1 = 0 ] && ! grep -qE "^(netplan|ifup|ifdown|network create)" "$2" && grep -q "reboot, then run me again" <<<"$3"' _ $rc "$log" "$out"
		if [ $np = 0 ]; then
			check "$name: live: --rename with ifupdown names $mgmt by MAC at boot" bash -c 'grep -qx "PermanentMACAddress=$2" "$1" && grep -qx "Name=$3" "$1"' _ "$etc/systemd/network/10-vtrunk-mgmt.link" "$mmac" "$mgmt"
		fi
		rm -rf "$etc" "$fake"
	fi

	if [ $np = 1 ]; then
		# cloud-init's fallback file for the management NIC, on the live path.
		live_setup
		printf '# generated by cloud-init\nnetwork:\n    ethernets:\n        %s:\n            dhcp4: true\n%s            set-name: %s\n    version: 2\n' \
			"$mgmt" "${mmac:+            match:
                macaddress: $mmac
}" "$mgmt" >"$etc/netplan/50-cloud-init.yaml"
		new_ns "$tspec" "$mspec"; ns=$NS
			before=$(snap_etc "$etc")
		out=$(live_run "$ns" "$etc" "$fake" "$log" "$t/vtrunk-apply.sh")
		rc=$?
		check "$name: live: cloud-init's netplan file is refused" bash -c '[ $1 = 1 ] && grep -q "refused: .*50-cloud-init.yaml (cloud-init.s).*--take-over" <<<"$2"' _ $rc "$out"
		check "$name: live: ...with nothing changed" bash -c '[ ! -s "$1" ] && [ "$(snap_etc "$2")" = "$3" ]' _ "$log" "$etc" "$before"
		out=$(live_run "$ns" "$etc" "$fake" "$log" "$t/vtrunk-apply.sh" --take-over)
		rc=$?
		check "$name: live: --take-over exits 0 and applies" bash -c '[ $1 = 0 ] && grep -qx "netplan apply" "$2"' _ $rc "$log"
		check "$name: live: --take-over disables cloud-init's network config, keeps its file" bash -c 'grep -qx "network: {config: disabled}" "$1/cloud/cloud.cfg.d/99-disable-network-config.cfg" && [ -f "$1/netplan/50-cloud-init.yaml.vtrunk-orig" ] && [ ! -e "$1/netplan/50-cloud-init.yaml" ]' _ "$etc"
		rm -rf "$etc" "$fake"
	fi
	if [ $ifd = 1 ]; then
		# The interfaces.d merge on the live path, read back by the real ifquery/ifup.
		live_setup
		printf 'auto lo\niface lo inet loopback\n\nauto ens224\niface ens224 inet static\n\taddress 192.168.5.10/24\n\tpost-up ip route add 192.168.99.0/24 via 192.168.5.1\n' >"$etc/network/interfaces"
		new_ns "$tspec" "$mspec" "ens224,,192.168.5.10/24,up"; ns=$NS
			out=$(live_run "$ns" "$etc" "$fake" "$log" "$t/vtrunk-apply.sh" --format ifupdown)
		rc=$?
		check "$name: live: interfaces.d merge with a third NIC exits 0" [ $rc = 0 ]
		out=$(live_in "$ns" "$etc" ifquery --state-dir="$(fresh_dir st)" -l)
		check "$name: live: ifquery -l lists lo, ens224, $mgmt and $trunk" [ "$(echo $out)" = "lo ens224 $mgmt $trunk" ]
		out=$(live_in "$ns" "$etc" ifup --no-act --state-dir="$(fresh_dir st)" -a)
		check "$name: live: ifup --no-act -a keeps the third NIC's post-up" grep -q 'ip route add 192.168.99.0/24 via 192.168.5.1' <<<"$out"
		check "$name: live: ifup --no-act -a gives $mgmt ${maddr%/*}" grep -q "ip addr add ${maddr%/*}/.* dev $mgmt " <<<"$out"
		rm -rf "$etc" "$fake"
	fi
}

check_tree() {
	local dir=$1 sum=$1/summary.json n
	check "$dir: summary.json is JSON" python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$sum" || return
	n=$(jget "$sum" "len(s['agents'])")
	for i in $(seq 0 $((n - 1))); do
		local vm t name
		vm=$(jget "$sum" "s['agents'][$i]['vm']")
		t=$dir/$vm
		name="$(basename "$dir")/$vm"
		check "$name: directory exists" [ -d "$t" ] || continue
		check "$name: modules-load.d names 8021q" grep -qx 8021q "$t/etc/modules-load.d/vtrunk.conf"
		check "$name: no whole /etc/network/interfaces (interfaces.d/vtrunk instead)" [ ! -e "$t/etc/network/interfaces" ]
		for f in etc/modules-load.d/vtrunk.conf etc/network/interfaces.d/vtrunk etc/docker/daemon.json; do
			[ -f "$t/$f" ] && check "$name: $f mode 644" mode_is "$t/$f" 644
		done
		for f in docker-networks.sh vtrunk-apply.sh; do
			check "$name: $f mode 755" mode_is "$t/$f" 755
			check "$name: bash -n $f" bash -n "$t/$f"
			check "$name: shellcheck -S warning $f" shellcheck -S warning "$t/$f"
		done
		if [ -f "$t/etc/docker/daemon.json" ]; then
			check "$name: daemon.json is {\"experimental\": true}" python3 -c '
import json, sys
sys.exit(json.load(open(sys.argv[1])) != {"experimental": True})' "$t/etc/docker/daemon.json"
		fi
		if [ -f "$t/etc/netplan/60-vtrunk.yaml" ]; then
			check "$name: netplan file mode 600" mode_is "$t/etc/netplan/60-vtrunk.yaml" 600
			check_netplan "$t" "$name" "$i" "$sum"
		fi
		[ -f "$t/etc/network/interfaces.d/vtrunk" ] && check_ifupdown "$t" "$name" "$i" "$sum"
		check_networks "$t" "$name" "$i" "$sum"
		check_apply "$t" "$name"
		check_live "$t" "$name"
	done
}

for d in "$@"; do
	check_tree "${d%/}"
done
if [ "$LIVE_OK" = yes ]; then
	echo "check-guest: $LIVE_N live checks (network namespaces, as root)"
else
	echo "check-guest: 0 live checks: skipped (not root, or no unshare/ip netns)"
fi
echo "check-guest: $pass passed, $fail failed"
[ "$fail" = 0 ]
