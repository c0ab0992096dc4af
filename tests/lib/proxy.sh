# proxy.sh — start and drive the fault-injecting HTTPS proxy (tests/proxy, built on demand as
# build/vtproxy) between vtrunk and vcsim. Source it from sh or bash, after vcsim.sh:
#
#   . tests/lib/vcsim.sh; . tests/lib/proxy.sh
#   vcsim_start --trap
#   proxy_start [--upstream URL] [--rule SPEC]... [--log FILE] [--port N] [--trap] [--no-parent]
#   vtrunk ... --url "$PROXY_URL" --thumbprint "$PROXY_SHA256" ...   (or --ca-file "$PROXY_CERT")
#   proxy_rule SPEC...          add rules at run time (all or none: a bad spec adds nothing)
#   proxy_rules; proxy_clear_rules
#   proxy_vtrunk_env            VTRUNK_URL/USERNAME/PASSWORD/THUMBPRINT for vcsim through the proxy
#   proxy_plan8 FILE            a plan of the eight VMs of `vcsim_start --vms 8`
#   proxy_stats                 {"requests": N, "methods": {...}, "faults": [...], "rules": [...],
#                                "connections": N, "max_inflight": N, "late_pending": N}
#                               (a fault: {"method", "call", "request", "rule", "action"}; for drop,
#                               after and late also "upstream": the status of the discarded
#                               answer, or "error"; late: "pending": true until its copy is answered)
#   proxy_count [METHOD]        calls of METHOD seen by the proxy (no argument: all requests)
#   proxy_faults [ACTION|SPEC]  how many faults were injected (of that action or rule)
#   proxy_reset [--keep-rules]  zero the counters and faults; drops the rules unless --keep-rules
#                               (late copies still pending are delivered all the same)
#   proxy_wait_late [S]         wait (up to S seconds, default 30) until no late copy is pending;
#                               1 if some still are
#   proxy_stop
#
# Rule SPEC: METHOD:CALL:ACTION[:ARG]   (late: METHOD:CALL:late:NNN[:S]; endless: METHOD:CALL:endless:N[:S])
#   METHOD  SOAP method (first element in the Body), REST for any request to /rest/ or /api/
#           (the tag calls), or * for any request (GETs count too)
#   CALL    N | N+ (N and later) | N-M | * (every call) | next | nextK (the next K calls from now)
#           counted per method (for *: all requests) from proxy_start or the last proxy_reset,
#           every call counts, faulted or not
#   ACTION  drop       forward, then close the connection without answering (the answer is lost).
#                      On a connection that carried an earlier request, libcurl then re-sends
#                      the request by itself on a fresh connection (the next call, forwarded):
#                      a non-idempotent call reaches vCenter twice unless the client prevents it
#           502|503|504|4xx|5xx  that status with an HTML page, not forwarded
#           notauth    HTTP 500 with a NotAuthenticated SOAP fault like vcsim's, not forwarded
#           expire     Logout of the client's session upstream, then forward (vcsim answers
#                      NotAuthenticated; vcsim counts one more Logout)
#           html       HTTP 200 text/html login page, not forwarded
#           stall[:S]  no answer for S seconds (default 600), then close; not forwarded
#           delay:S    forward, relay the answer S seconds later
#           trickle:BPS  forward, relay the status and headers at once, then the body at BPS
#                      bytes a second (fractions allowed); a server that stops sending
#           big[:SIZE] HTTP 200 text/xml, chunked, SIZE bytes (default 100M; K/M/G binary) of a
#                      well-formed SOAP answer with endless <objects>; not forwarded
#           endless[:N[:S]]  (RetrievePropertiesEx, ContinueRetrievePropertiesEx) HTTP 200 with
#                      a well-formed page of N objects (default 500; 0 allowed) and a fresh
#                      token (endless-P, P the pages served so far), S seconds after the
#                      request (default 0); not forwarded: a server that keeps paging
#           truncate   forward, relay the full Content-Length but half the body, close
#           reset      TCP RST once the request is read; not forwarded
#           late:NNN[:S]  (NNN 400-599) NNN with the HTML page at once, then S seconds later
#                      (default 1, fractions allowed) the same request goes upstream in the
#                      background: method, path, headers (Cookie, SOAPAction, Content-Type,
#                      vmware-api-session-id) and body as the client sent them; the answer is
#                      discarded (logged, and in the fault's "upstream"). The copy is the same
#                      call: not counted again, no rule applies to it. Sent even when the client
#                      has hung up; a proxy whose starting shell is gone waits for it before it
#                      exits (proxy_stop does not: a pending copy is lost). A gateway's 502 while
#                      the request still reaches vCenter: vcsim counts the call once, S s later
#           after:NNN  (NNN 400-599) forward, read upstream's whole answer, discard it, answer
#                      NNN with the HTML page: the change is made, the client sees a gateway error
#   e.g. ReconfigVM_Task:3:drop  '*:1:503'  RetrievePropertiesEx:2+:notauth
#        WaitForUpdatesEx:1:stall:30  RetrievePropertiesEx:1:big:104857600
#        ReconfigVM_Task:next:late:502:0.5  REST:2:after:503  RetrievePropertiesEx:*:trickle:1
#        'ContinueRetrievePropertiesEx:*:endless:500:0.3'
#   The first matching rule (in the order added) applies. Quote specs with * in them.
#
# proxy_start exports PROXY_URL (https://127.0.0.1:PORT/sdk), PROXY_SHA256 and PROXY_SHA1 (of its
# fresh self-signed P-256 certificate, for --thumbprint), PROXY_CERT (that certificate as PEM,
# for --ca-file), PROXY_PID, PROXY_DIR (its temp dir) and PROXY_LOG (one line per request);
# --upstream defaults to $VCSIM_URL. It returns 1 (after printing the proxy's output) if the
# proxy is not ready within 30 s. --trap adds proxy_stop to the EXIT trap (keeping a trap
# already there, e.g. vcsim_stop: call vcsim_start --trap first) and makes INT/TERM exit
# through it. The proxy exits by itself (removing PROXY_DIR) when the shell that started it is
# gone, unless --no-parent. Environment: PROXY_BIN overrides build/vtproxy (else built when missing or
# older than tests/proxy/*.go; needs go).

# shellcheck disable=SC3028 # empty outside bash, which is handled
_px_self=${BASH_SOURCE:-}
if [ -n "$_px_self" ]; then
	PROXY_ROOT=$(cd "$(dirname "$_px_self")/../.." && pwd)
elif [ -z "${PROXY_ROOT:-}" ]; then
	PROXY_ROOT=${VCSIM_ROOT:-$(pwd)}
fi
export PROXY_ROOT

# _proxy_build: prints the binary, building build/vtproxy when missing or stale.
_proxy_build() {
	if [ -n "${PROXY_BIN:-}" ]; then
		printf '%s\n' "$PROXY_BIN"
		return 0
	fi
	_px_bin="$PROXY_ROOT/build/vtproxy"
	_px_stale=0
	if [ ! -x "$_px_bin" ] || [ -n "$(find "$PROXY_ROOT/tests/proxy" -name '*.go' -newer "$_px_bin")" ]; then
		_px_stale=1
	fi
	if [ "$_px_stale" = 1 ]; then
		mkdir -p "$PROXY_ROOT/build" || return 1
		# A private name, then rename: scripts running in parallel may build at the same time.
		_px_tmp="$PROXY_ROOT/build/.vtproxy.$$"
		if ! (cd "$PROXY_ROOT/tests/proxy" && GO111MODULE=off GOPATH=${GOPATH:-/usr/share/gocode} GOFLAGS='' \
			go build -o "$_px_tmp" .) >&2; then
			rm -f "$_px_tmp"
			echo "proxy_start: cannot build tests/proxy" >&2
			return 1
		fi
		mv -f "$_px_tmp" "$_px_bin" || return 1
	fi
	printf '%s\n' "$_px_bin"
}

proxy_start() {
	_px_up=${VCSIM_URL:-} _px_trap=0 _px_parent=1 _px_log="" _px_port=0
	# Options are consumed from the front; the binary's arguments are appended at the back.
	_px_n=$#
	while [ "$_px_n" -gt 0 ]; do
		_px_a=$1
		shift
		_px_n=$((_px_n - 1))
		case "$_px_a" in
		--upstream | --rule | --log | --port)
			if [ "$_px_n" -lt 1 ]; then
				echo "proxy_start: $_px_a needs a value" >&2
				return 2
			fi
			case "$_px_a" in
			--upstream) _px_up=$1 ;;
			--rule) set -- "$@" -rule "$1" ;;
			--log) _px_log=$1 ;;
			--port) _px_port=$1 ;;
			esac
			shift
			_px_n=$((_px_n - 1)) ;;
		--trap) _px_trap=1 ;;
		--no-parent) _px_parent=0 ;;
		*) echo "proxy_start: unknown option $_px_a" >&2; return 2 ;;
		esac
	done
	if [ -z "$_px_up" ]; then
		echo "proxy_start: no --upstream and no VCSIM_URL" >&2
		return 2
	fi
	if [ -n "${PROXY_PID:-}" ] && _proxy_alive "$PROXY_PID"; then
		echo "proxy_start: the proxy is already running (pid $PROXY_PID); call proxy_stop first" >&2
		return 1
	fi
	_px_bin=$(_proxy_build) || return 1
	PROXY_DIR=$(mktemp -d "${TMPDIR:-/tmp}/vtproxy.XXXXXX") || return 1
	export PROXY_DIR
	PROXY_LOG=${_px_log:-$PROXY_DIR/requests.log}
	export PROXY_LOG
	set -- "$@" -listen "127.0.0.1:$_px_port" -upstream "$_px_up" -log "$PROXY_LOG" \
		-cert-out "$PROXY_DIR/cert.pem"
	if [ "$_px_parent" = 1 ]; then
		set -- "$@" -parent "$$" -orphan-rm "$PROXY_DIR"
	fi
	# From a subshell, so that it is not a job of the caller's shell (a bare `wait` returns).
	("$_px_bin" "$@" </dev/null >"$PROXY_DIR/stdout" 2>"$PROXY_DIR/stderr" &
		echo $! >"$PROXY_DIR/pid")
	PROXY_PID=$(cat "$PROXY_DIR/pid")
	export PROXY_PID
	_px_i=0
	while ! grep -q '^PROXY_READY=1$' "$PROXY_DIR/stdout" 2>/dev/null; do
		if ! _proxy_alive "$PROXY_PID" || [ $_px_i -ge 300 ]; then
			echo "proxy_start: the proxy did not become ready; its output:" >&2
			cat "$PROXY_DIR/stdout" "$PROXY_DIR/stderr" >&2
			proxy_stop
			return 1
		fi
		sleep 0.1
		_px_i=$((_px_i + 1))
	done
	PROXY_URL=$(sed -n 's/^PROXY_URL=//p' "$PROXY_DIR/stdout")
	PROXY_SHA256=$(sed -n 's/^PROXY_SHA256=//p' "$PROXY_DIR/stdout")
	PROXY_SHA1=$(sed -n 's/^PROXY_SHA1=//p' "$PROXY_DIR/stdout")
	PROXY_CERT="$PROXY_DIR/cert.pem"
	export PROXY_URL PROXY_SHA256 PROXY_SHA1 PROXY_CERT
	if [ "$_px_trap" = 1 ]; then
		# Keep what is already on EXIT (vcsim_stop). `trap` prints the traps; into a file, as
		# dash prints none inside $(...).
		trap >"$PROXY_DIR/traps"
		_px_old=$(sed -n "s/^trap -- '\(.*\)' EXIT\$/\1/p" "$PROXY_DIR/traps")
		case "$_px_old" in
		*proxy_stop*) ;;
		"") trap proxy_stop EXIT ;;
		*)
			# shellcheck disable=SC2064 # the old trap's text is wanted now
			trap "proxy_stop; $_px_old" EXIT ;;
		esac
		trap 'exit 130' INT
		trap 'exit 143' TERM
	fi
	return 0
}

# _proxy_alive PID: running and not a zombie.
_proxy_alive() {
	kill -0 "$1" 2>/dev/null || return 1
	case $(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) in
	Z* | X*) return 1 ;;
	esac
	return 0
}

# proxy_stop: TERM, then KILL after 5 s; removes PROXY_DIR. Safe to call twice.
proxy_stop() {
	if [ -n "${PROXY_PID:-}" ] && _proxy_alive "$PROXY_PID"; then
		kill -TERM "$PROXY_PID" 2>/dev/null || :
		_px_i=0
		while _proxy_alive "$PROXY_PID" && [ $_px_i -lt 50 ]; do
			sleep 0.1
			_px_i=$((_px_i + 1))
		done
		if _proxy_alive "$PROXY_PID"; then
			kill -KILL "$PROXY_PID" 2>/dev/null || :
		fi
	fi
	if [ -n "${PROXY_DIR:-}" ]; then
		rm -rf "$PROXY_DIR"
	fi
	unset PROXY_PID PROXY_DIR PROXY_URL PROXY_SHA256 PROXY_SHA1 PROXY_CERT PROXY_LOG
	return 0
}

# _proxy_ctl METHOD PATH [curl args]: a control request; the answer on stdout; 1 (with the
# proxy's message on stderr) when refused.
_proxy_ctl() {
	if [ -z "${PROXY_URL:-}" ]; then
		echo "proxy: not started" >&2
		return 1
	fi
	_px_m=$1 _px_p=$2
	shift 2
	_px_out=$(curl -sS -k --max-time 10 -X "$_px_m" "$@" -w '\n%{http_code}' "${PROXY_URL%/sdk}$_px_p") || return 1
	_px_code=${_px_out##*
}
	_px_out=${_px_out%
*}
	if [ "$_px_code" != 200 ]; then
		printf '%s\n' "$_px_out" >&2
		return 1
	fi
	printf '%s\n' "$_px_out"
}

# proxy_rule SPEC...: add rules (prints nothing; 1 and the reason on stderr if one is bad).
proxy_rule() {
	if [ $# -eq 0 ]; then
		echo "proxy_rule: no rule given" >&2
		return 2
	fi
	printf '%s\n' "$@" | _proxy_ctl POST /proxy/rules -H 'Content-Type: text/plain' --data-binary @- >/dev/null
}

proxy_rules() {
	_proxy_ctl GET /proxy/rules
}

proxy_clear_rules() {
	_proxy_ctl DELETE /proxy/rules >/dev/null
}

proxy_stats() {
	_proxy_ctl GET /proxy/stats
}

proxy_reset() {
	case "${1:-}" in
	"") _proxy_ctl POST /proxy/reset >/dev/null ;;
	--keep-rules) _proxy_ctl POST '/proxy/reset?keep=rules' >/dev/null ;;
	*) echo "proxy_reset: unknown option $1" >&2; return 2 ;;
	esac
}

# proxy_count [METHOD]: calls of METHOD (0 if none); no argument: all proxied requests.
proxy_count() {
	proxy_stats | /usr/bin/python3 -c '
import json, sys
s = json.load(sys.stdin)
print(s["methods"].get(sys.argv[1], 0) if len(sys.argv) > 1 else s["requests"])' "$@"
}

# proxy_wait_late [S]: until no late copy is pending (late_pending 0), polling every 0.1 s for up
# to S seconds (a whole number, default 30); 1 if some still are (or the proxy does not answer).
proxy_wait_late() {
	case "${1:-30}" in
	*[!0-9]*) echo "proxy_wait_late: want whole seconds, not $1" >&2; return 2 ;;
	esac
	_px_n=$((${1:-30} * 10))
	while :; do
		if proxy_stats | /usr/bin/python3 -c '
import json, sys
sys.exit(json.load(sys.stdin)["late_pending"] != 0)' 2>/dev/null; then
			return 0
		fi
		[ "$_px_n" -gt 0 ] || return 1
		sleep 0.1
		_px_n=$((_px_n - 1))
	done
}

# proxy_faults [ACTION|SPEC]: faults injected (of that action, e.g. drop, or that rule spec).
proxy_faults() {
	proxy_stats | /usr/bin/python3 -c '
import json, sys
f = json.load(sys.stdin)["faults"]
a = sys.argv[1:]
print(len([x for x in f if not a or a[0] in (x["action"], x["rule"])]))' "$@"
}

# proxy_vtrunk_env: vtrunk talks to vcsim through the proxy (its URL, its certificate's pin,
# vcsim's credentials).
proxy_vtrunk_env() {
	export VTRUNK_URL=$PROXY_URL VTRUNK_USERNAME=$VCSIM_USER VTRUNK_THUMBPRINT=$PROXY_SHA256
	export VTRUNK_PASSWORD=$VCSIM_PASSWORD
}

# proxy_plan8 FILE: a plan of the eight VMs of `vcsim_start --vms 8` (four a pool), trunk
# port group Kasm-Trunk on DVS0, management "VM Network".
proxy_plan8() {
	/usr/bin/python3 - "$1" <<'PY'
import json, sys
agents = [{"vm": f"{p}_VM{i}", "mgmt_address": f"10.0.0.{10 + k}"}
          for k, (p, i) in enumerate([(p, i) for p in ("DC0_H0", "DC0_C0_RP0") for i in range(4)])]
json.dump({"switch": "DVS0", "trunk": {"portgroup": "Kasm-Trunk", "vlans": "100-200"},
           "management": {"network": "VM Network"}, "agents": agents}, open(sys.argv[1], "w"))
PY
}
