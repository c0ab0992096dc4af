#!/bin/sh
# deps.sh build|test — installs the Debian packages vtrunk needs that are missing.
# As root it runs apt-get; otherwise it prints the exact command and fails.
set -eu
BUILD_PKGS="gcc make pkg-config libcurl4-openssl-dev libxml2-dev libssl-dev libcjson-dev"
# Test tools: cmocka, vcsim (Go + govmomi sources), pyvmomi as an independent reader,
# the real guest-side parsers (netplan, ifupdown), shellcheck, valgrind, curl/openssl for probes; qemu,
# Debian's kernel and mmdebstrap for the guest tests (check-agents.sh builds its agent VMs).
TEST_PKGS="libcmocka-dev libyaml-dev clang libclang-rt-14-dev golang-go golang-github-vmware-govmomi-dev python3 python3-pyvmomi \
netplan.io python3-yaml ifupdown jq valgrind openssl curl iproute2 procps time qemu-system-x86 linux-image-amd64 busybox-static cpio mmdebstrap e2fsprogs man-db groff-base bsdextrautils shellcheck"
case "${1:-build}" in
build) want="$BUILD_PKGS" ;;
test) want="$BUILD_PKGS $TEST_PKGS" ;;
*) echo "usage: deps.sh build|test" >&2; exit 2 ;;
esac
missing=""
for p in $want; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in *" installed") ;; *) missing="$missing $p" ;; esac
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "vtrunk: missing Debian packages:$missing" >&2
	echo "vtrunk: install them with: sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "vtrunk: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || true
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >&2
