#!/bin/bash
# check-guest.sh [DIR...] — checks rendered guest trees (DIR/<vm>/..., DIR/summary.json,
# as `vtrunk render -o DIR` or `vtrunk apply -o DIR` write them) with the real tools:
#   - file modes (netplan 0600, scripts 0755, others 0644);
#   - netplan generate --root-dir on each netplan file: exit 0, nothing on stderr,
#     the networkd files it makes carry the addresses and MACs of summary.json;
#   - ifquery and ifup --no-act (ifupdown) on each interfaces file;
#   - bash -n on the scripts; docker-networks.sh run against a fake docker that logs;
#   - vtrunk-apply.sh --root twice (the second run changes nothing), merging a
#     daemon.json that has other keys (kept), with python3 and with jq; a daemon.json
#     it cannot parse is refused and left alone; --dry-run writes nothing.
# Without DIR, it renders into a temporary directory and checks what it rendered:
#   - fixtures/golden/*.plan.json with `$VTRUNK render` (tests/run.sh sets VTRUNK;
#     default build/vtrunk), the way a user gets the files offline;
#   - the unit-test cases with `test_guest --write` ($TEST_GUEST, default the first
#     of build/tests/test_guest, build/asan/tests/test_guest), which include NIC
#     facts (MACs) that only `apply` against vCenter would otherwise provide.
# Needs netplan.io, ifupdown, python3 and jq (tests/lib/deps.sh test); not root.
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
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else nok "$name"; fi
}
quiet() { "$@" >/dev/null 2>&1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/check-guest-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
# A new empty directory under $WORK for one check ($RANDOM names could meet: two
# checks would then share a root and see each other's files).
fresh_dir() { mktemp -d "$WORK/$1.XXXXXX"; }

for tool in netplan ifquery ifup python3 jq; do
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
	local t=$1 name=$2 i=$3 sum=$4 f=$1/etc/network/interfaces st out trunk mgmt addr ip4
	st=$(fresh_dir ifstate)
	mkdir -p "$st"
	trunk=$(jget "$sum" "s['trunk_ifname']")
	mgmt=$(jget "$sum" "s['mgmt_ifname']")
	addr=$(jget "$sum" "s['agents'][$i]['mgmt_address']")
	ip4=${addr%/*}
	out=$(ifquery -i "$f" --state-dir="$st" -l 2>&1)
	check "$name: ifquery -l lists lo, $mgmt and $trunk" [ "$(echo $out)" = "lo $mgmt $trunk" ]
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

# docker-networks.sh against a docker that logs its arguments; "inspect" succeeds for
# the networks named in $FAKE_EXISTING.
check_networks() {
	local t=$1 name=$2 i=$3 sum=$4 bin=$WORK/fakebin log=$WORK/docker.log n want
	mkdir -p "$bin"
	cat >"$bin/docker" <<'EOF'
#!/bin/sh
printf '%s\n' "$*" >>"$FAKE_LOG"
if [ "$1 $2" = "network inspect" ]; then
	case " ${FAKE_EXISTING:-} " in *" $3 "*) exit 0 ;; esac
	exit 1
fi
exit 0
EOF
	chmod +x "$bin/docker"
	: >"$log"
	check "$name: docker-networks.sh runs" env PATH="$bin:$PATH" FAKE_LOG="$log" bash "$t/docker-networks.sh"
	n=$(jget "$sum" "len(s['agents'][$i]['ranges'])")
	for k in $(seq 0 $((n - 1))); do
		want=$(jget "$sum" "(lambda r, d: 'network create -d %s --subnet=%s --gateway=%s --ip-range=%s -o %s_mode=%s -o parent=%s %s' % (d, r['subnet'], r['gateway'], r['ip_range'], d, s['vlans'][$k]['mode'], r['parent'], r['network']))(s['agents'][$i]['ranges'][$k], s.get('container_driver', 'ipvlan'))")
		check "$name: docker-networks.sh runs: docker $want" grep -qxF "$want" "$log"
	done
	check "$name: docker-networks.sh creates $n network(s)" [ "$(grep -c '^network create' "$log")" = "$n" ]
	: >"$log"
	env PATH="$bin:$PATH" FAKE_LOG="$log" FAKE_EXISTING="$(jget "$sum" "' '.join(v['network'] for v in s['vlans'])")" bash "$t/docker-networks.sh"
	check "$name: docker-networks.sh leaves existing networks alone" bash -c '! grep -q "^network create" "$1"' _ "$log"
}

# A digest of a tree: paths, modes and contents.
snap() { (cd "$1" && find . -type f -printf '%p %m\n' | sort && find . -type f -print0 | sort -z | xargs -0r sha256sum); }

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
	for f in etc/network/interfaces etc/netplan/60-vtrunk.yaml etc/modules-load.d/vtrunk.conf; do
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
	if [ -f "$t/etc/network/interfaces" ] && [ -f "$t/etc/netplan/60-vtrunk.yaml" ]; then
		check "$name: apply --format ifupdown exits 0" quiet bash "$t/vtrunk-apply.sh" --root "$root" --format ifupdown
		check "$name: apply --format ifupdown installs no netplan file" bash -c '[ -f "$1/etc/network/interfaces" ] && [ ! -e "$1/etc/netplan" ]' _ "$root"
	elif [ ! -f "$t/etc/netplan/60-vtrunk.yaml" ]; then
		out=$(bash "$t/vtrunk-apply.sh" --root "$root" --format netplan 2>&1)
		check "$name: apply --format netplan refused without a netplan file" [ $? != 0 ]
		check "$name: ...saying so" grep -q 'no netplan file' <<<"$out"
	fi
	out=$(bash "$t/vtrunk-apply.sh" --root 2>&1)
	check "$name: apply --root without DIR is a usage error" [ $? = 2 ]

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

# The live path (no --root): in a private mount namespace where /etc is a copy of
# this machine's, with apt-get, modprobe, netplan, ifup, systemctl and docker
# replaced by stand-ins that log. Needs root and unshare; skipped otherwise.
LIVE_OK=
live_ready() {
	if [ -z "$LIVE_OK" ]; then
		LIVE_OK=no
		if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
			cp -a /etc "$WORK/etc.pristine" 2>/dev/null && LIVE_OK=yes
		fi
		[ "$LIVE_OK" = yes ] || echo "# live-path checks skipped: they need root and unshare -m"
	fi
	[ "$LIVE_OK" = yes ]
}
# live_run ETC FAKEBIN LOG SCRIPT: runs SCRIPT with ETC as /etc; prints its output.
live_run() {
	unshare -m bash -c 'mount --bind "$1" /etc && FAKE_LOG=$3 PATH=$2:$PATH exec bash "$4"' _ "$@" 2>&1
}
check_live() {
	local t=$1 name=$2 etc fake log out rc c
	live_ready || return 0
	etc=$(fresh_dir etc)
	fake=$(fresh_dir livebin)
	log=$fake/log
	cp -a "$WORK/etc.pristine/." "$etc"
	mkdir -p "$fake"
	for c in apt-get modprobe netplan ifup systemctl docker; do
		cat >"$fake/$c" <<'EOF'
#!/bin/sh
printf '%s %s\n' "${0##*/}" "$*" >>"$FAKE_LOG"
[ "${0##*/} $1 $2" = "docker network inspect" ] && exit 1
# What the stand-in apt-get "installs", its dpkg-query reports (below).
[ "${0##*/}" = apt-get ] && printf '%s\n' "$@" >>"$FAKE_LOG.installed"
exit 0
EOF
		chmod +x "$fake/$c"
	done
	# dpkg-query as on a machine whose packages are this one's plus what the stand-in
	# apt-get installed: the second run must not depend on whether this machine has vlan.
	cat >"$fake/dpkg-query" <<'EOF'
#!/bin/sh
for a; do pkg=$a; done
if grep -qx "$pkg" "$FAKE_LOG.installed" 2>/dev/null; then
	printf 'install ok installed'
	exit 0
fi
exec /usr/bin/dpkg-query "$@"
EOF
	chmod +x "$fake/dpkg-query"
	: >"$log"
	if grep -q "^TRUNK_MAC=." "$t/vtrunk-apply.sh"; then
		out=$(live_run "$etc" "$fake" "$log" "$t/vtrunk-apply.sh")
		rc=$?
		check "$name: live: refused on a machine without vCenter's MACs" [ $rc != 0 ]
		check "$name: live: ...saying which MAC is missing" grep -q 'no NIC here has MAC' <<<"$out"
		check "$name: live: ...before changing anything" [ ! -s "$log" ]
		rm -rf "$etc"
		return 0
	fi
	out=$(live_run "$etc" "$fake" "$log" "$t/vtrunk-apply.sh")
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
	if grep -q '^HAVE_NETPLAN=1' "$t/vtrunk-apply.sh"; then
		check "$name: live: netplan file installed 600" bash -c 'cmp -s "$1" "$2" && [ "$(stat -c %a "$2")" = 600 ]' _ "$t/etc/netplan/60-vtrunk.yaml" "$etc/netplan/60-vtrunk.yaml"
		check "$name: live: netplan apply" grep -qx 'netplan apply' "$log"
		check "$name: live: /etc/network/interfaces left alone on a netplan system" cmp -s /etc/network/interfaces "$etc/network/interfaces"
	else
		check "$name: live: interfaces installed" cmp -s "$t/etc/network/interfaces" "$etc/network/interfaces"
		check "$name: live: the previous interfaces file kept aside" cmp -s /etc/network/interfaces "$etc/network/interfaces.vtrunk-orig"
		check "$name: live: ifup brings up the trunk only" bash -c '[ "$(grep "^ifup" "$1")" = "ifup $2" ]' _ "$log" "$(sed -n "s/^TRUNK=//p" "$t/vtrunk-apply.sh")"
	fi
	if [ -f "$t/etc/docker/daemon.json" ]; then
		check "$name: live: daemon.json written" cmp -s "$t/etc/docker/daemon.json" "$etc/docker/daemon.json"
		check "$name: live: docker restarted for daemon.json" grep -qx 'systemctl restart docker' "$log"
	else
		check "$name: live: no docker restart" bash -c '! grep -q "^systemctl" "$1"' _ "$log"
	fi
	check "$name: live: docker-networks.sh ran" grep -Eq '^docker network create -d (ipvlan|macvlan)' "$log"

	: >"$log"
	out=$(live_run "$etc" "$fake" "$log" "$t/vtrunk-apply.sh")
	rc=$?
	check "$name: live: second run exits 0" [ $rc = 0 ]
	check "$name: live: second run applies no network change" bash -c '! grep -qE "^(netplan|ifup|systemctl|apt-get)" "$1"' _ "$log"
	check "$name: live: second run leaves /etc/modules alone" [ "$(grep -c '^8021q$' "$etc/modules")" = 1 ]
	rm -rf "$etc" "$fake" "$log.installed"
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
		for f in etc/modules-load.d/vtrunk.conf etc/network/interfaces etc/docker/daemon.json; do
			[ -f "$t/$f" ] && check "$name: $f mode 644" mode_is "$t/$f" 644
		done
		for f in docker-networks.sh vtrunk-apply.sh; do
			check "$name: $f mode 755" mode_is "$t/$f" 755
			check "$name: bash -n $f" bash -n "$t/$f"
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
		[ -f "$t/etc/network/interfaces" ] && check_ifupdown "$t" "$name" "$i" "$sum"
		check_networks "$t" "$name" "$i" "$sum"
		check_apply "$t" "$name"
		check_live "$t" "$name"
	done
}

for d in "$@"; do
	check_tree "${d%/}"
done
echo "check-guest: $pass passed, $fail failed"
[ "$fail" = 0 ]
