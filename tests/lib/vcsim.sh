# vcsim.sh — start and stop the test vCenter (build/vcsim). Source it from sh or bash:
#
#   . tests/lib/vcsim.sh
#   vcsim_start [--vms N] [--delay MS] [--pg N] [--opaque N] [--user U] [--password P]
#               [--gen-cert | --tls-cert FILE --tls-key FILE] [--trap] [--no-parent]
#               [--task-delay MS] (the asynchronous test vCenter only)
#   ... use $VCSIM_URL $VCSIM_USER $VCSIM_PASSWORD $VCSIM_PASSWORD_FILE $VCSIM_SHA256 ...
#   vcsim_env                   export VTRUNK_URL, VTRUNK_USERNAME, VTRUNK_THUMBPRINT and
#                               VTRUNK_PASSWORD for this vcsim (vtrunk then needs no flags)
#   vcsim_stats; vcsim_reset_stats; vcsim_count [METHOD]; vcsim_pyread ARGS...
#   vcsim_stop
#
# One instance per shell. vcsim_start exports VCSIM_URL, VCSIM_SHA256, VCSIM_SHA1, VCSIM_PID,
# VCSIM_USER, VCSIM_PASSWORD, VCSIM_PASSWORD_FILE (0600, no trailing newline), VCSIM_CERT (PEM
# of the served certificate), VCSIM_DIR (this instance's temp dir: password, cert, stdout,
# stderr), VCSIM_ROOT (the repo) and VCSIM_PYREAD; it returns 1 (after printing vcsim's
# output) if vcsim is not ready within 30 s (VCSIM_READY_S: large inventories). --trap installs `trap vcsim_stop EXIT` (and makes
# INT/TERM exit through it). vcsim exits by itself when the shell that started it is gone,
# unless --no-parent. --gen-cert serves a fresh P-256 certificate for 127.0.0.1 and localhost
# that OpenSSL accepts as a CA (--ca-file "$VCSIM_CERT"); the default certificate is Go's RSA-1024
# test one, which OpenSSL 3 at its default security level refuses to verify ("key too weak").
# Environment: VCSIM_KIND picks the test vCenter: "debian" (default; build/vcsim, Debian's
# govmomi 0.24, tasks end before the call returns) or "async" (build/vcsim-async, govmomi's
# module, tests/vcsim-async: tasks take VCSIM_TASK_DELAY ms (default 300, with jitter) unless
# --task-delay says otherwise, and changeVersion/configVersion are checked). VCSIM_BIN
# overrides the binary. vcsim_async tells which one runs (exit 0: async).

# Locate the repo from this file: bash tells us; plain sh falls back to the working directory.
# shellcheck disable=SC3028 # empty outside bash, which is handled
_vcsim_self=${BASH_SOURCE:-}
if [ -n "$_vcsim_self" ]; then
	VCSIM_ROOT=$(cd "$(dirname "$_vcsim_self")/../.." && pwd)
elif [ -z "${VCSIM_ROOT:-}" ]; then
	VCSIM_ROOT=$(pwd)
fi
export VCSIM_ROOT
VCSIM_PYREAD="$VCSIM_ROOT/tests/lib/pyread.py"
export VCSIM_PYREAD

vcsim_start() {
	_vs_vms=4 _vs_delay=0 _vs_pg=1 _vs_opaque=0 _vs_user="admin@vsphere.local" _vs_pw='VMware1!'
	_vs_trap=0 _vs_parent=1 _vs_gen=0 _vs_cert="" _vs_key="" _vs_tdelay=${VCSIM_TASK_DELAY:-300}
	while [ $# -gt 0 ]; do
		case "$1" in
		--vms | --delay | --pg | --opaque | --user | --password | --tls-cert | --tls-key | --task-delay)
			if [ $# -lt 2 ]; then
				echo "vcsim_start: $1 needs a value" >&2
				return 2
			fi
			case "$1" in
			--vms) _vs_vms=$2 ;; --delay) _vs_delay=$2 ;; --pg) _vs_pg=$2 ;; --opaque) _vs_opaque=$2 ;;
			--user) _vs_user=$2 ;; --password) _vs_pw=$2 ;;
			--tls-cert) _vs_cert=$2 ;; --tls-key) _vs_key=$2 ;;
			--task-delay)
				if ! vcsim_async; then
					echo "vcsim_start: --task-delay needs VCSIM_KIND=async" >&2
					return 2
				fi
				_vs_tdelay=$2 ;;
			esac
			shift 2 ;;
		--trap) _vs_trap=1; shift ;;
		--no-parent) _vs_parent=0; shift ;;
		--gen-cert) _vs_gen=1; shift ;;
		*) echo "vcsim_start: unknown option $1" >&2; return 2 ;;
		esac
	done
	if [ -n "${VCSIM_PID:-}" ] && _vcsim_alive "$VCSIM_PID"; then
		echo "vcsim_start: vcsim is already running (pid $VCSIM_PID); call vcsim_stop first" >&2
		return 1
	fi
	if vcsim_async; then
		_vs_bin=${VCSIM_BIN:-$VCSIM_ROOT/build/vcsim-async}
	else
		_vs_bin=${VCSIM_BIN:-$VCSIM_ROOT/build/vcsim}
	fi
	if [ ! -x "$_vs_bin" ]; then
		echo "vcsim_start: $_vs_bin is missing; run: make $(basename "$_vs_bin" | sed 's,^,build/,')" >&2
		return 1
	fi
	VCSIM_DIR=$(mktemp -d "${TMPDIR:-/tmp}/vcsim.XXXXXX") || return 1
	export VCSIM_DIR
	# The password goes through a file: argv is visible to every user.
	(umask 077 && printf '%s' "$_vs_pw" >"$VCSIM_DIR/password") || return 1
	set -- -listen 127.0.0.1:0 -vms "$_vs_vms" -delay "$_vs_delay" -pg "$_vs_pg" -opaque "$_vs_opaque" \
		-user "$_vs_user" -password-file "$VCSIM_DIR/password" -cert-out "$VCSIM_DIR/cert.pem"
	if [ "$_vs_parent" = 1 ]; then
		set -- "$@" -parent "$$"
	fi
	if vcsim_async; then
		set -- "$@" -task-delay "$_vs_tdelay"
		if [ -n "${VCSIM_MODEL_NIC:-}" ]; then # vmxnet3: the model's VMs' cards (slots.go)
			set -- "$@" -model-nic "$VCSIM_MODEL_NIC"
		fi
	fi
	if [ "$_vs_gen" = 1 ]; then
		if ! openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
			-subj /CN=vcsim -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
			-keyout "$VCSIM_DIR/key.pem" -out "$VCSIM_DIR/served.pem" >"$VCSIM_DIR/openssl.log" 2>&1; then
			cat "$VCSIM_DIR/openssl.log" >&2
			rm -rf "$VCSIM_DIR"
			return 1
		fi
		_vs_cert="$VCSIM_DIR/served.pem" _vs_key="$VCSIM_DIR/key.pem"
	fi
	if [ -n "$_vs_cert" ]; then
		set -- "$@" -cert "$_vs_cert" -key "$_vs_key"
	fi
	# Started from a subshell so that it is not a job of the caller's shell: a bare `wait`
	# in a test (for its own background jobs) must not wait for vcsim too.
	("$_vs_bin" "$@" </dev/null >"$VCSIM_DIR/stdout" 2>"$VCSIM_DIR/stderr" &
		echo $! >"$VCSIM_DIR/pid")
	VCSIM_PID=$(cat "$VCSIM_DIR/pid")
	export VCSIM_PID
	_vs_i=0
	while ! grep -q '^VCSIM_READY=1$' "$VCSIM_DIR/stdout" 2>/dev/null; do
		if ! _vcsim_alive "$VCSIM_PID" || [ $_vs_i -ge $((${VCSIM_READY_S:-30} * 10)) ]; then
			echo "vcsim_start: vcsim did not become ready; its output:" >&2
			cat "$VCSIM_DIR/stdout" "$VCSIM_DIR/stderr" >&2
			vcsim_stop
			return 1
		fi
		sleep 0.1
		_vs_i=$((_vs_i + 1))
	done
	VCSIM_URL=$(sed -n 's/^VCSIM_URL=//p' "$VCSIM_DIR/stdout")
	VCSIM_SHA256=$(sed -n 's/^VCSIM_SHA256=//p' "$VCSIM_DIR/stdout")
	VCSIM_SHA1=$(sed -n 's/^VCSIM_SHA1=//p' "$VCSIM_DIR/stdout")
	VCSIM_USER=$_vs_user VCSIM_PASSWORD=$_vs_pw
	VCSIM_PASSWORD_FILE="$VCSIM_DIR/password" VCSIM_CERT="$VCSIM_DIR/cert.pem"
	export VCSIM_URL VCSIM_SHA256 VCSIM_SHA1 VCSIM_USER VCSIM_PASSWORD VCSIM_PASSWORD_FILE VCSIM_CERT
	if [ "$_vs_trap" = 1 ]; then
		trap vcsim_stop EXIT
		trap 'exit 130' INT
		trap 'exit 143' TERM
	fi
	return 0
}

# vcsim_async: whether the asynchronous test vCenter is the one vcsim_start runs.
vcsim_async() {
	case "${VCSIM_KIND:-debian}" in
	async) return 0 ;;
	debian) return 1 ;;
	*) echo "vcsim: VCSIM_KIND=$VCSIM_KIND: must be debian or async" >&2; return 1 ;;
	esac
}

# _vcsim_alive PID: running and not a zombie (the container's PID 1 may never reap it).
_vcsim_alive() {
	kill -0 "$1" 2>/dev/null || return 1
	case $(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) in
	Z* | X*) return 1 ;;
	esac
	return 0
}

# vcsim_stop: TERM, then KILL after 5 s; removes VCSIM_DIR. Safe to call twice.
vcsim_stop() {
	if [ -n "${VCSIM_PID:-}" ] && _vcsim_alive "$VCSIM_PID"; then
		kill -TERM "$VCSIM_PID" 2>/dev/null || :
		_vs_i=0
		while _vcsim_alive "$VCSIM_PID" && [ $_vs_i -lt 50 ]; do
			sleep 0.1
			_vs_i=$((_vs_i + 1))
		done
		if _vcsim_alive "$VCSIM_PID"; then
			kill -KILL "$VCSIM_PID" 2>/dev/null || :
		fi
	fi
	if [ -n "${VCSIM_DIR:-}" ]; then
		rm -rf "$VCSIM_DIR"
	fi
	unset VCSIM_PID VCSIM_DIR VCSIM_URL VCSIM_SHA256 VCSIM_SHA1 VCSIM_PASSWORD_FILE VCSIM_CERT
	return 0
}

# vcsim_env: vtrunk's connection settings for this vcsim, in the environment.
vcsim_env() {
	export VTRUNK_URL="$VCSIM_URL" VTRUNK_USERNAME="$VCSIM_USER" VTRUNK_THUMBPRINT="$VCSIM_SHA256"
	export VTRUNK_PASSWORD="$VCSIM_PASSWORD"
}

# vcsim_stats: the request counters as JSON:
# {"requests": N, "methods": {"Login": 1, ...}, "paths": {"POST /sdk": N, ...},
#  "connections": N, "max_inflight": N}
vcsim_stats() {
	curl -sk --fail "${VCSIM_URL%/sdk}/vcsim/stats"
}

vcsim_reset_stats() {
	curl -sk --fail -X POST "${VCSIM_URL%/sdk}/vcsim/stats/reset" >/dev/null
}

# vcsim_restart [DOWN_MS]: a vCenter restart (asynchronous test vCenter only, restart.go):
# every session, filter and view gone, connections cut, requests refused for DOWN_MS
# (default 3000). Prints {"restarts": N, "terminated": N}.
vcsim_restart() {
	curl -sk --fail -X POST "${VCSIM_URL%/sdk}/vcsim/restart?down=${1:-3000}"
}

# vcsim_count [METHOD]: how many calls of that SOAP method (0 if none); no argument: all requests.
vcsim_count() {
	vcsim_stats | /usr/bin/python3 -c '
import json, sys
s = json.load(sys.stdin)
print(s["methods"].get(sys.argv[1], 0) if len(sys.argv) > 1 else s["requests"])' "$@"
}

# vcsim_pyread ARGS: tests/lib/pyread.py against this instance.
vcsim_pyread() {
	/usr/bin/python3 "$VCSIM_PYREAD" "$@"
}
