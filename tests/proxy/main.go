// Command vtproxy is vtrunk's fault-injecting HTTPS proxy for tests: it sits between vtrunk
// and vcsim, forwards every request, counts SOAP calls per method and, by rule, breaks the
// N-th call of a method in one of several ways (a lost answer, 503, NotAuthenticated, an
// expired session, HTML, a stall, a trickling answer, an oversized or truncated body, endless
// pages, a reset connection, a gateway error while the request still reaches upstream, at once
// or later).
//
// Build: tests/lib/proxy.sh builds it on demand (build/vtproxy) with
//
//	cd tests/proxy && GO111MODULE=off GOFLAGS= go build -o ../../build/vtproxy .
//
// Interface (see tests/lib/proxy.sh for the shell side):
//
//	vtproxy -upstream https://127.0.0.1:PORT/sdk [-listen 127.0.0.1:0] [-rule SPEC]...
//	        [-log FILE] [-cert-out FILE] [-parent PID [-orphan-rm DIR]] [-upstream-timeout 10m]
//
// On start it generates a self-signed P-256 certificate for 127.0.0.1, ::1 and localhost and
// prints PROXY_URL=, PROXY_SHA256=, PROXY_SHA1=, PROXY_PID= and finally PROXY_READY=1.
//
// Rule SPEC: METHOD:CALL:ACTION[:ARG] (late and endless take two: METHOD:CALL:late:NNN[:S],
// METHOD:CALL:endless:N[:S])
//
//	METHOD  a SOAP method name (local name of the first element in the Body), REST for any
//	        request to the vSphere Automation API (/rest/... or /api/...), or * for any
//	        request (every proxied request counts for *, GETs included)
//	CALL    N      the N-th call (1-based, counted from start or the last reset)
//	        N+     the N-th and every later call
//	        N-M    calls N to M
//	        *      every call
//	        next   the next call (from the count when the rule is added); nextK: the next K
//	ACTION  drop      forward, wait for upstream's answer, then close the client connection
//	                  without a byte of answer. Beware: when that connection had carried an
//	                  earlier request, libcurl silently re-sends the request on a new
//	                  connection (its "Connection died, retrying a fresh connect"), which
//	                  this proxy counts as the next call and forwards unless a rule covers it
//	        NNN       (400-599, e.g. 502, 503, 504) answer that status with a small HTML page,
//	                  not forwarded
//	        notauth   answer 500 with a NotAuthenticated SOAP fault (vcsim's shape), not forwarded
//	        expire    send upstream a SessionManager Logout with the client's Cookie, then
//	                  forward the request: upstream itself answers NotAuthenticated
//	        html      answer 200 text/html with an HTML page, not forwarded
//	        stall:S   read the request, do not forward, answer nothing for S seconds (default
//	                  600; fractions allowed), then close; ends early if the client hangs up
//	        delay:S   forward, hold upstream's answer S seconds, then relay it
//	        trickle:BPS  forward, then relay upstream's answer (status and headers at once)
//	                  at BPS bytes a second (fractions allowed, e.g. 0.5; in pieces of BPS/10
//	                  bytes, at least 1); ends early if the client hangs up
//	        big:SIZE  answer 200 text/xml, chunked, exactly SIZE bytes (default 100M; suffixes
//	                  K, M, G are binary): a well-formed SOAP answer holding ever more <objects>
//	                  elements, generated as it is sent (constant memory), not forwarded
//	        endless[:N[:S]]  answer 200 text/xml with a well-formed page of N objects
//	                  (default 500; 0 allowed) and a fresh token, every time, S seconds after
//	                  the request (default 0; fractions allowed), not forwarded: a server
//	                  that keeps paging. Meant for RetrievePropertiesEx and
//	                  ContinueRetrievePropertiesEx (the answer element is named after the
//	                  call); the objects are VirtualMachines vm-endless-P-I named endless-P-I
//	                  (P counts the pages served since start, I from 1), the token endless-P;
//	                  generated as sent (constant memory)
//	        truncate  forward, then relay the status, the headers with the full Content-Length
//	                  and only the first half of the body, and close
//	        reset     close the TCP connection with a RST as soon as the request is read, not
//	                  forwarded
//	        late:NNN[:S]  (NNN 400-599) answer NNN with the HTML page of the plain NNN action at
//	                  once, then, S seconds later (default 1; fractions allowed; 0: right after
//	                  the answer), forward the same request upstream in the background: the
//	                  client's method, path, headers (Cookie, SOAPAction, Content-Type,
//	                  vmware-api-session-id, ...; hop-by-hop ones dropped as always) and body,
//	                  byte for byte. Upstream's answer is discarded. The late copy is the same
//	                  call: it is not counted again (requests, methods) and no rule sees it. It
//	                  is sent even if the client has hung up; a proxy whose -parent is gone
//	                  waits for pending late copies before it exits (a SIGTERM/SIGINT/SIGHUP
//	                  does not wait: they are lost, and logged). Models a gateway that answered
//	                  502 while the request still reached vCenter afterwards
//	        after:NNN (NNN 400-599) forward, wait for upstream's whole answer, discard it, then
//	                  answer NNN with the HTML page (also when upstream failed). Models a request
//	                  that went through while the answer was replaced by a gateway error
//
// The first matching rule (in the order added) applies; a call that no rule matches is
// forwarded. Control endpoints (same port, never forwarded, never counted):
//
//	GET    /proxy/stats   {"requests": N, "methods": {...}, "faults": [...], "rules": [...],
//	                       "connections": N, "max_inflight": N, "late_pending": N}
//	                      (connections: those that carried a proxied request; max_inflight:
//	                      most requests at once; late_pending: late copies not yet answered by
//	                      upstream, not zeroed by a reset). A fault is {"method", "call",
//	                      "request", "rule", "action"}, plus for drop, after and late
//	                      "upstream": the HTTP status of the discarded answer (once known) or
//	                      "error": why there is none; a late fault has "pending": true until its
//	                      copy has been answered
//	POST   /proxy/reset   zero the counters and faults and drop the rules (?keep=rules keeps
//	                      them); answers the stats it cleared
//	GET    /proxy/rules   the rules, with their hits
//	POST   /proxy/rules   add rules: a JSON string, a list of strings, {"rule": S} or
//	                      {"rules": [S...]}, or plain text (specs separated by white space);
//	                      ?replace=1 replaces the current rules. 400 on a bad spec (none added).
//	DELETE /proxy/rules   drop every rule
//
// One line per proxied request goes to -log: time, request number, connection, HTTP method and
// path, SOAP method and its call number, and the action with the rule that chose it; notes
// about a request follow on lines "#N ..." (no " -> " in them), e.g. for late "#N late: answered
// 502; forwarding in 0.5 s", "#N late: forwarding now, 0.50 s after the answer" and "#N late:
// discarded upstream's HTTP 200 answer (B bytes)" (or "#N late: upstream: ERROR"), for after
// "#N after: discarded upstream's HTTP 200 answer (B bytes); answering 503".
package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

const (
	maxRequestBody = 64 << 20  // a bigger request is refused (413)
	maxRelayBody   = 512 << 20 // truncate reads the whole answer first; more is cut here
	maxSoapTokens  = 64        // XML tokens read to find the method and _this
)

// rule is one parsed SPEC; From..To is the range of call numbers (To 0: no end).
type rule struct {
	Spec   string  `json:"spec"`
	Method string  `json:"method"`
	From   int     `json:"from"`
	To     int     `json:"to"`
	Action string  `json:"action"`
	Status int     `json:"status,omitempty"`           // for NNN, late, after
	Secs   float64 `json:"seconds,omitempty"`          // for stall, delay, late, endless
	Size   int64   `json:"size,omitempty"`             // for big; objects a page for endless
	Rate   float64 `json:"bytes_per_second,omitempty"` // for trickle
	Hits   int     `json:"hits"`
}

type fault struct {
	Method  string `json:"method"`  // SOAP method, or "GET /path" for other requests
	Call    int    `json:"call"`    // the call number the rule matched (per method, or overall for *)
	Request int    `json:"request"` // the request number, overall
	Rule    string `json:"rule"`
	Action  string `json:"action"`
	// For drop, after and late: upstream's status (its answer was discarded), or why none.
	Upstream int    `json:"upstream,omitempty"`
	Error    string `json:"error,omitempty"`
	Pending  bool   `json:"pending,omitempty"` // late: the copy is not answered yet
}

type proxy struct {
	upstream *url.URL
	tr       *http.Transport
	timeout  time.Duration

	mu           sync.Mutex
	requests     int
	methods      map[string]int
	faults       []*fault // updated in place (under mu) when a forwarded copy is answered
	rules        []*rule
	seenConns    map[int]bool // connections that carried a proxied request since the reset
	inflight     int
	maxInflight  int
	latePending  int // late copies scheduled or on their way, not yet answered
	connIDs      map[net.Conn]int
	nextConn     int
	endlessPages int // pages served by endless since start (their numbers and tokens)

	logMu sync.Mutex
	logW  io.Writer
}

var methodRe = regexp.MustCompile(`^(\*|[A-Za-z_][A-Za-z0-9_]*)$`)

// parseSize: bytes, with an optional binary K, M or G suffix.
func parseSize(s string) (int64, error) {
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "K"), strings.HasSuffix(s, "k"):
		mult, s = 1<<10, s[:len(s)-1]
	case strings.HasSuffix(s, "M"), strings.HasSuffix(s, "m"):
		mult, s = 1<<20, s[:len(s)-1]
	case strings.HasSuffix(s, "G"), strings.HasSuffix(s, "g"):
		mult, s = 1<<30, s[:len(s)-1]
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > (1<<42)/mult {
		return 0, fmt.Errorf("bad size %q", s)
	}
	return n * mult, nil
}

// parseRule parses METHOD:CALL:ACTION[:ARG]; count(method) gives the current call count,
// for "next".
func parseRule(spec string, count func(method string) int) (*rule, error) {
	p := strings.Split(spec, ":")
	if len(p) < 3 || len(p) > 5 || (len(p) == 5 && p[2] != "late" && p[2] != "endless") {
		return nil, fmt.Errorf("rule %q: want METHOD:CALL:ACTION[:ARG] (or METHOD:CALL:late:NNN[:S], METHOD:CALL:endless:N:S)", spec)
	}
	r := &rule{Spec: spec, Method: p[0], Action: p[2]}
	if !methodRe.MatchString(r.Method) {
		return nil, fmt.Errorf("rule %q: bad method %q (a SOAP method name or *)", spec, p[0])
	}
	call := p[1]
	num := func(s string) (int, error) {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1e9 {
			return 0, fmt.Errorf("rule %q: bad call %q (N, N+, N-M, *, next or nextK; N from 1)", spec, call)
		}
		return n, nil
	}
	var err error
	switch {
	case call == "*":
		r.From, r.To = 1, 0
	case strings.HasPrefix(call, "next"):
		k := 1
		if call != "next" {
			if k, err = num(call[4:]); err != nil {
				return nil, err
			}
		}
		c := count(r.Method)
		r.From, r.To = c+1, c+k
	case strings.HasSuffix(call, "+"):
		if r.From, err = num(call[:len(call)-1]); err != nil {
			return nil, err
		}
	case strings.Contains(call, "-"):
		a, b, _ := strings.Cut(call, "-")
		if r.From, err = num(a); err != nil {
			return nil, err
		}
		if r.To, err = num(b); err != nil {
			return nil, err
		}
		if r.To < r.From {
			return nil, fmt.Errorf("rule %q: empty call range %q", spec, call)
		}
	default:
		if r.From, err = num(call); err != nil {
			return nil, err
		}
		r.To = r.From
	}
	arg, hasArg := "", len(p) >= 4
	if hasArg {
		arg = p[3]
	}
	status := func(s string) (int, bool) {
		n, err := strconv.Atoi(s)
		return n, err == nil && len(s) == 3 && n >= 400 && n <= 599
	}
	noArg := func() error {
		if hasArg {
			return fmt.Errorf("rule %q: %s takes no argument", spec, r.Action)
		}
		return nil
	}
	// secs parses arg (has: given) as the seconds; def < 0: they are required.
	secs := func(arg string, has bool, def float64) error {
		r.Secs = def
		if !has {
			if def < 0 {
				return fmt.Errorf("rule %q: %s needs seconds (%s:S)", spec, r.Action, r.Action)
			}
			return nil
		}
		f, err := strconv.ParseFloat(arg, 64)
		if err != nil || !(f >= 0 && f <= 86400) { // NaN too
			return fmt.Errorf("rule %q: bad seconds %q (0 to 86400)", spec, arg)
		}
		r.Secs = f
		return nil
	}
	switch r.Action {
	case "drop", "notauth", "expire", "html", "truncate", "reset":
		err = noArg()
	case "stall":
		err = secs(arg, hasArg, 600)
	case "delay":
		err = secs(arg, hasArg, -1)
	case "late", "after":
		ok := false
		if hasArg {
			r.Status, ok = status(arg)
		}
		if !ok {
			what := "after:NNN"
			if r.Action == "late" {
				what = "late:NNN[:S]"
			}
			return nil, fmt.Errorf("rule %q: %s needs a status 400-599 (%s)", spec, r.Action, what)
		}
		if r.Action == "late" { // late:NNN[:S]: the seconds are the second argument
			if len(p) == 5 {
				err = secs(p[4], true, 1)
			} else {
				r.Secs = 1
			}
		}
	case "trickle":
		f, perr := strconv.ParseFloat(arg, 64)
		if !hasArg || perr != nil || !(f > 0 && f <= 1e9) { // NaN too
			return nil, fmt.Errorf("rule %q: trickle needs bytes a second above 0, up to 1e9 (trickle:BPS)", spec)
		}
		r.Rate = f
	case "endless":
		r.Size = 500
		if hasArg {
			n, perr := strconv.Atoi(arg)
			if perr != nil || n < 0 || n > 100000 {
				return nil, fmt.Errorf("rule %q: endless:N needs objects a page from 0 to 100000", spec)
			}
			r.Size = int64(n)
		}
		if len(p) == 5 {
			err = secs(p[4], true, 0)
		}
	case "big":
		r.Size = 100 << 20
		if hasArg {
			if r.Size, err = parseSize(arg); err != nil {
				err = fmt.Errorf("rule %q: %v", spec, err)
			}
		}
	default:
		n, ok := status(r.Action)
		if !ok {
			return nil, fmt.Errorf("rule %q: unknown action %q (drop, 4xx/5xx, notauth, expire, html, stall, delay, trickle, big, endless, truncate, reset, late, after)", spec, r.Action)
		}
		r.Status = n
		err = noArg()
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

// count: calls seen so far of method ("*": all requests). Holds p.mu.
func (p *proxy) count(method string) int {
	if method == "*" {
		return p.requests
	}
	return p.methods[method]
}

// addRules parses every spec first; none is added if one is bad.
func (p *proxy) addRules(specs []string, replace bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var rs []*rule
	for _, s := range specs {
		r, err := parseRule(s, p.count)
		if err != nil {
			return err
		}
		rs = append(rs, r)
	}
	if replace {
		p.rules = nil
	}
	p.rules = append(p.rules, rs...)
	return nil
}

// soapInfo: the local name of the first element inside the SOAP Body, and the type and
// value of its _this child ("" when absent).
func soapInfo(body []byte) (method, thisType, thisVal string) {
	t := bytes.TrimSpace(body)
	if len(t) == 0 || t[0] != '<' {
		return
	}
	d := xml.NewDecoder(bytes.NewReader(t))
	d.Strict = false
	inBody, depth := false, 0
	for i := 0; i < maxSoapTokens; i++ {
		tok, err := d.Token()
		if err != nil {
			return
		}
		switch e := tok.(type) {
		case xml.StartElement:
			if method != "" {
				depth++
				if depth == 1 && e.Name.Local == "_this" {
					for _, a := range e.Attr {
						if a.Name.Local == "type" {
							thisType = a.Value
						}
					}
					if cd, err := d.Token(); err == nil {
						if c, ok := cd.(xml.CharData); ok {
							thisVal = strings.TrimSpace(string(c))
						}
					}
					return
				}
			} else if inBody {
				method = e.Name.Local
			} else {
				inBody = e.Name.Local == "Body"
			}
		case xml.EndElement:
			if method != "" {
				if depth == 0 {
					return
				}
				depth--
			}
		}
	}
	return
}

var hopHeaders = []string{"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

// copyHeader copies h without hop-by-hop headers (and those named in Connection).
func copyHeader(dst, src http.Header) {
	skip := map[string]bool{}
	for _, h := range hopHeaders {
		skip[h] = true
	}
	for _, v := range src.Values("Connection") {
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); f != "" {
				skip[http.CanonicalHeaderKey(f)] = true
			}
		}
	}
	for k, vs := range src {
		if skip[http.CanonicalHeaderKey(k)] {
			continue
		}
		for _, v := range vs {
			dst.Add(k, v)
		}
	}
}

// forward sends the request upstream; the caller reads and closes the answer's body.
func (p *proxy) forward(ctx context.Context, r *http.Request, body []byte) (*http.Response, error) {
	u := *p.upstream
	u.Path, u.RawPath, u.RawQuery = r.URL.Path, r.URL.RawPath, r.URL.RawQuery
	var rd io.Reader = http.NoBody
	if len(body) > 0 || r.Method == http.MethodPost || r.Method == http.MethodPut {
		rd = bytes.NewReader(body)
	}
	out, err := http.NewRequestWithContext(ctx, r.Method, u.String(), rd)
	if err != nil {
		return nil, err
	}
	copyHeader(out.Header, r.Header)
	out.Header.Del("Content-Length")
	if _, ok := out.Header["User-Agent"]; !ok {
		out.Header["User-Agent"] = nil // do not add Go's
	}
	out.ContentLength = int64(len(body))
	return p.tr.RoundTrip(out)
}

// logout ends the session of cookie upstream (for expire); returns a note for the log.
func (p *proxy) logout(r *http.Request) string {
	cookie := r.Header.Get("Cookie")
	if cookie == "" {
		return "no cookie to log out"
	}
	env := `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><Logout xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this></Logout></soapenv:Body></soapenv:Envelope>`
	u := *p.upstream
	u.Path, u.RawPath, u.RawQuery = "/sdk", "", ""
	if p.upstream.Path != "" && p.upstream.Path != "/" {
		u.Path = p.upstream.Path
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(env))
	if err != nil {
		return "logout: " + err.Error()
	}
	out.Header.Set("Content-Type", "text/xml; charset=utf-8")
	out.Header.Set("Cookie", cookie)
	sa := r.Header.Get("SOAPAction")
	if sa == "" {
		sa = "urn:vim25/8.0.1.0"
	}
	out.Header.Set("SOAPAction", sa)
	resp, err := p.tr.RoundTrip(out)
	if err != nil {
		return "logout: " + err.Error()
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	return fmt.Sprintf("logout upstream: HTTP %d", resp.StatusCode)
}

func (p *proxy) logf(format string, a ...interface{}) {
	if p.logW == nil {
		return
	}
	line := time.Now().UTC().Format("2006-01-02T15:04:05.000Z ") + fmt.Sprintf(format, a...) + "\n"
	p.logMu.Lock()
	_, _ = io.WriteString(p.logW, line)
	p.logMu.Unlock()
}

// hangup takes the connection from the HTTP server and closes it: with a TLS close_notify,
// or, if rst, with a TCP RST (SO_LINGER 0) and no TLS alert.
func hangup(w http.ResponseWriter, rst bool) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	c, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if rst {
		if tc, ok := c.(*tls.Conn); ok {
			if tcp, ok := tc.NetConn().(*net.TCPConn); ok {
				_ = tcp.SetLinger(0)
				_ = tcp.Close()
				return
			}
		}
	}
	_ = c.Close()
}

// wait sleeps d, or less if the client goes away; reports whether the client is still there.
func wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func htmlPage(status int) []byte {
	title := fmt.Sprintf("%d %s", status, http.StatusText(status))
	return []byte("<!DOCTYPE html>\n<html><head><title>" + title + "</title></head><body><h1>" + title +
		"</h1><p>The server is temporarily unable to service your request (vtproxy fault injection).</p></body></html>\n")
}

const htmlLogin = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in - Corporate Access Gateway</title></head>
<body><h1>Corporate Access Gateway</h1><p>Your session has timed out. Please sign in again.</p>
<form method="post" action="/login"><input name="user"><input name="password" type="password"><button>Sign in</button></form>
</body></html>
`

const soapHead = `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>`

const soapTail = `</soapenv:Body></soapenv:Envelope>`

func xmlEscape(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// notAuthBody is vcsim's NotAuthenticated fault, naming the call's _this.
func notAuthBody(thisType, thisVal string) []byte {
	if thisType == "" || thisVal == "" {
		thisType, thisVal = "SessionManager", "SessionManager"
	}
	return []byte(soapHead + `<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring></faultstring><detail>` +
		`<NotAuthenticatedFault xmlns="urn:vim25" xsi:type="NotAuthenticated"><object type="` + xmlEscape(thisType) + `">` +
		xmlEscape(thisVal) + `</object><privilegeId>System.View</privilegeId></NotAuthenticatedFault></detail></soapenv:Fault>` + soapTail)
}

// writeBig streams exactly size bytes of a well-formed SOAP answer to method, built as it goes.
func writeBig(w io.Writer, method string, size int64) (int64, error) {
	if method == "" {
		method = "RetrievePropertiesEx"
	}
	head := soapHead + `<` + method + `Response xmlns="urn:vim25"><returnval>`
	tail := `</returnval></` + method + `Response>` + soapTail
	if size < int64(len(head)+len(tail)) {
		n, err := io.WriteString(w, (head + tail)[:size])
		return int64(n), err
	}
	const chunk = 64 << 10
	buf := make([]byte, 0, chunk+1024)
	buf = append(buf, head...)
	var sent int64
	left := size - int64(len(head)) - int64(len(tail)) // room for objects and padding
	for i := 1; ; i++ {
		obj := fmt.Sprintf(`<objects><obj type="VirtualMachine">vm-big-%d</obj><propSet><name>name</name><val xsi:type="xsd:string">big-%d</val></propSet></objects>`, i, i)
		if int64(len(obj)) > left {
			break
		}
		buf = append(buf, obj...)
		left -= int64(len(obj))
		if len(buf) >= chunk {
			n, err := w.Write(buf)
			sent += int64(n)
			if err != nil {
				return sent, err
			}
			buf = buf[:0]
		}
	}
	buf = append(buf, bytes.Repeat([]byte(" "), int(left))...)
	buf = append(buf, tail...)
	n, err := w.Write(buf)
	return sent + int64(n), err
}

// writeEndless writes one page of an endless RetrievePropertiesEx: n objects and a token that
// asks for the next page. Returns the bytes written.
func writeEndless(w io.Writer, method string, page, n int) (int64, error) {
	if method == "" {
		method = "RetrievePropertiesEx"
	}
	var buf bytes.Buffer
	var sent int64
	flush := func() error {
		k, err := w.Write(buf.Bytes())
		sent += int64(k)
		buf.Reset()
		return err
	}
	fmt.Fprintf(&buf, `%s<%sResponse xmlns="urn:vim25"><returnval><token>endless-%d</token>`, soapHead, method, page)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&buf, `<objects><obj type="VirtualMachine">vm-endless-%d-%d</obj><propSet><name>name</name><val xsi:type="xsd:string">endless-%d-%d</val></propSet></objects>`,
			page, i, page, i)
		if buf.Len() >= 64<<10 {
			if err := flush(); err != nil {
				return sent, err
			}
		}
	}
	fmt.Fprintf(&buf, `</returnval></%sResponse>%s`, method, soapTail)
	return sent, flush()
}

// trickle copies src to w at rate bytes a second, flushing each piece; it stops when the
// client's request context ends. Returns the bytes written.
func trickle(ctx context.Context, w deadlineWriter, src io.Reader, rate float64) (int64, error) {
	piece := int(rate / 10)
	if piece < 1 {
		piece = 1
	}
	pause := time.Duration(float64(piece) / rate * float64(time.Second))
	buf := make([]byte, piece)
	var sent int64
	f, _ := w.w.(http.Flusher)
	if f != nil {
		f.Flush() // the status and headers at once
	}
	for {
		k, rerr := io.ReadFull(src, buf)
		if k > 0 {
			n, err := w.Write(buf[:k])
			sent += int64(n)
			if err != nil {
				return sent, err
			}
			if f != nil {
				f.Flush()
			}
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			return sent, nil
		}
		if rerr != nil {
			return sent, rerr
		}
		if !wait(ctx, pause) {
			return sent, ctx.Err()
		}
	}
}

// truncated writes the answer by hand on the hijacked connection: full Content-Length,
// half the body, close.
func truncated(w http.ResponseWriter, resp *http.Response, body []byte) error {
	hj, ok := w.(http.Hijacker)
	if !ok {
		return errors.New("cannot hijack")
	}
	c, bw, err := hj.Hijack()
	if err != nil {
		return err
	}
	defer c.Close()
	h := http.Header{}
	copyHeader(h, resp.Header)
	h.Del("Content-Length")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Connection", "close")
	fmt.Fprintf(bw, "HTTP/1.1 %d %s\r\n", resp.StatusCode, http.StatusText(resp.StatusCode))
	_ = h.Write(bw)
	_, _ = bw.WriteString("\r\n")
	_, _ = bw.Write(body[:len(body)/2])
	return bw.Flush()
}

func (p *proxy) connID(r *http.Request) int {
	c, _ := r.Context().Value(connKey{}).(net.Conn)
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.connIDs[c]
}

type connKey struct{}

// ioIdle bounds every read of a request body and every write of an answer: a client that
// stops reading (say, in the middle of a big answer) or stops sending loses its connection.
const ioIdle = 60 * time.Second

// deadlineWriter sets a fresh write deadline on the connection before each write.
type deadlineWriter struct {
	w http.ResponseWriter
	c net.Conn
}

func (d deadlineWriter) Write(b []byte) (int, error) {
	if d.c != nil {
		_ = d.c.SetWriteDeadline(time.Now().Add(ioIdle))
	}
	return d.w.Write(b)
}

func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/proxy/") {
		p.control(w, r)
		return
	}
	nc, _ := r.Context().Value(connKey{}).(net.Conn)
	if nc != nil {
		// The server sets no deadlines of its own (no ReadTimeout, WriteTimeout): clear ours
		// for the next request on this connection. After a hijack this is a no-op.
		_ = nc.SetReadDeadline(time.Now().Add(ioIdle))
		defer func() { _ = nc.SetWriteDeadline(time.Time{}) }()
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
	if nc != nil {
		_ = nc.SetReadDeadline(time.Time{})
	}
	if err != nil {
		p.logf("c%d %s %s: cannot read the request: %v", p.connID(r), r.Method, r.URL.Path, err)
		return
	}
	if len(body) > maxRequestBody {
		http.Error(w, "request too large for vtproxy", http.StatusRequestEntityTooLarge)
		return
	}
	method, thisType, thisVal := "", "", ""
	if strings.HasPrefix(r.URL.Path, "/rest/") || strings.HasPrefix(r.URL.Path, "/api/") {
		method = "REST" // one counter for every REST call, whatever its HTTP method
	} else if r.Method == http.MethodPost {
		method, thisType, thisVal = soapInfo(body)
	}
	conn := p.connID(r)

	p.mu.Lock()
	p.requests++
	p.seenConns[conn] = true
	reqNo, call := p.requests, p.requests
	if method != "" {
		p.methods[method]++
		call = p.methods[method]
	}
	var rl *rule
	n := 0
	for _, x := range p.rules {
		if x.Method == "*" {
			n = reqNo
		} else if x.Method == method {
			n = call
		} else {
			continue
		}
		if n >= x.From && (x.To == 0 || n <= x.To) {
			rl = x
			break
		}
	}
	name := method
	if name == "" {
		name = r.Method + " " + r.URL.Path
	}
	action := "forward"
	var flt *fault
	if rl != nil {
		rl.Hits++
		action = rl.Action
		flt = &fault{Method: name, Call: n, Request: reqNo, Rule: rl.Spec, Action: rl.Action}
		if action == "late" {
			// Pending from now: once the client has the answer, the stats show the copy as due.
			flt.Pending = true
			p.latePending++
		}
		p.faults = append(p.faults, flt)
	}
	if p.inflight++; p.inflight > p.maxInflight {
		p.maxInflight = p.inflight
	}
	p.mu.Unlock()
	defer func() { p.mu.Lock(); p.inflight--; p.mu.Unlock() }()

	desc := "forward"
	if rl != nil {
		desc = fmt.Sprintf("%s [%s]", action, rl.Spec)
	}
	soapName := method
	if soapName == "" {
		soapName = "-"
	}
	p.logf("#%d c%d %s %s %s call=%d -> %s", reqNo, conn, r.Method, r.URL.Path, soapName, call, desc)

	fail := func(what string, err error) {
		p.logf("#%d %s: %v", reqNo, what, err)
	}
	// relay copies an upstream answer to the client.
	relay := func(resp *http.Response) {
		defer resp.Body.Close()
		copyHeader(w.Header(), resp.Header)
		w.WriteHeader(resp.StatusCode)
		if _, err := io.Copy(deadlineWriter{w, nc}, resp.Body); err != nil {
			fail("relaying the answer", err)
		}
	}
	upstreamDown := func(err error) {
		fail("upstream", err)
		http.Error(w, "vtproxy: upstream: "+err.Error(), http.StatusBadGateway)
	}
	bg := func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(context.Background(), p.timeout)
	}

	switch {
	case rl == nil || action == "expire":
		if action == "expire" {
			p.logf("#%d %s", reqNo, p.logout(r))
		}
		ctx, cancel := context.WithTimeout(r.Context(), p.timeout)
		defer cancel()
		resp, err := p.forward(ctx, r, body)
		if err != nil {
			upstreamDown(err)
			return
		}
		relay(resp)
	case action == "drop":
		if code, size, err := p.exchange(r, body, flt); err != nil {
			fail("upstream", err)
		} else {
			p.logf("#%d dropped upstream's HTTP %d answer (%d bytes)", reqNo, code, size)
		}
		hangup(w, false)
	case action == "after":
		if code, size, err := p.exchange(r, body, flt); err != nil {
			fail("after: upstream", err)
		} else {
			p.logf("#%d after: discarded upstream's HTTP %d answer (%d bytes); answering %d", reqNo, code, size, rl.Status)
		}
		gatewayError(w, rl.Status)
	case action == "late":
		// A copy of the request, usable after this handler has returned (r is not).
		late := r.Clone(context.Background())
		late.Body = nil
		d := time.Duration(rl.Secs * float64(time.Second))
		gatewayError(w, rl.Status)
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		p.logf("#%d late: answered %d; forwarding in %g s", reqNo, rl.Status, rl.Secs)
		answered := time.Now()
		go func() {
			time.Sleep(d)
			p.logf("#%d late: forwarding now, %.2f s after the answer", reqNo, time.Since(answered).Seconds())
			code, size, err := p.exchange(late, body, nil)
			p.record(flt, code, err, true)
			if err != nil {
				p.logf("#%d late: upstream: %v", reqNo, err)
			} else {
				p.logf("#%d late: discarded upstream's HTTP %d answer (%d bytes)", reqNo, code, size)
			}
		}()
	case action == "delay":
		ctx, cancel := bg()
		defer cancel()
		resp, err := p.forward(ctx, r, body)
		if err != nil {
			upstreamDown(err)
			return
		}
		if !wait(r.Context(), time.Duration(rl.Secs*float64(time.Second))) {
			resp.Body.Close()
			return
		}
		relay(resp)
	case action == "trickle":
		ctx, cancel := bg()
		defer cancel()
		resp, err := p.forward(ctx, r, body)
		if err != nil {
			upstreamDown(err)
			return
		}
		defer resp.Body.Close()
		copyHeader(w.Header(), resp.Header)
		w.WriteHeader(resp.StatusCode)
		if n, err := trickle(r.Context(), deadlineWriter{w, nc}, resp.Body, rl.Rate); err != nil {
			p.logf("#%d trickle: stopped after %d bytes: %v", reqNo, n, err)
		} else {
			p.logf("#%d trickle: relayed upstream's HTTP %d answer (%d bytes)", reqNo, resp.StatusCode, n)
		}
	case action == "endless":
		if !wait(r.Context(), time.Duration(rl.Secs*float64(time.Second))) {
			return
		}
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		p.mu.Lock()
		p.endlessPages++
		page := p.endlessPages
		p.mu.Unlock()
		if n, err := writeEndless(deadlineWriter{w, nc}, method, page, int(rl.Size)); err != nil {
			p.logf("#%d endless: client stopped reading after %d bytes: %v", reqNo, n, err)
		}
	case action == "truncate":
		ctx, cancel := bg()
		defer cancel()
		resp, err := p.forward(ctx, r, body)
		if err != nil {
			upstreamDown(err)
			return
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, maxRelayBody))
		resp.Body.Close()
		if err != nil {
			fail("reading upstream's answer", err)
			hangup(w, false)
			return
		}
		if err := truncated(w, resp, data); err != nil {
			fail("truncate", err)
		}
	case action == "stall":
		wait(r.Context(), time.Duration(rl.Secs*float64(time.Second)))
		hangup(w, false)
	case action == "reset":
		hangup(w, true)
	case action == "notauth":
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		b := notAuthBody(thisType, thisVal)
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write(b)
	case action == "html":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Length", strconv.Itoa(len(htmlLogin)))
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, htmlLogin)
	case action == "big":
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		if n, err := writeBig(deadlineWriter{w, nc}, method, rl.Size); err != nil {
			p.logf("#%d big: client stopped reading after %d bytes: %v", reqNo, n, err)
		}
	case rl.Status != 0:
		gatewayError(w, rl.Status)
	}
}

// gatewayError answers status with the small HTML page (NNN, late, after).
func gatewayError(w http.ResponseWriter, status int) {
	b := htmlPage(status)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// exchange forwards the request, independent of the client (who may hang up meanwhile), reads
// upstream's whole answer and discards it; it records the outcome in flt (drop, after, late).
func (p *proxy) exchange(r *http.Request, body []byte, flt *fault) (code int, size int64, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), p.timeout)
	defer cancel()
	resp, err := p.forward(ctx, r, body)
	if err == nil {
		code = resp.StatusCode
		size, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil {
			err = fmt.Errorf("reading upstream's HTTP %d answer: %v", code, err)
		}
	}
	if flt != nil {
		p.record(flt, code, err, false)
	}
	return code, size, err
}

// record notes upstream's answer to a forwarded fault (code 0: none, err says why); late: the
// late copy is no longer pending.
func (p *proxy) record(flt *fault, code int, err error, late bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	flt.Upstream, flt.Pending = code, false
	if err != nil {
		flt.Error = err.Error()
	}
	if late {
		p.latePending--
	}
}

// pendingLate: late copies not yet answered.
func (p *proxy) pendingLate() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.latePending
}

func (p *proxy) statsJSON() []byte {
	faults := p.faults
	if faults == nil {
		faults = []*fault{}
	}
	rules := p.rules
	if rules == nil {
		rules = []*rule{}
	}
	b, _ := json.Marshal(map[string]interface{}{"requests": p.requests, "methods": p.methods,
		"faults": faults, "rules": rules, "connections": len(p.seenConns), "max_inflight": p.maxInflight,
		"late_pending": p.latePending})
	return append(b, '\n')
}

func (p *proxy) control(w http.ResponseWriter, r *http.Request) {
	reply := func(b []byte) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
	}
	key := r.Method + " " + r.URL.Path
	switch key {
	case "GET /proxy/stats":
		p.mu.Lock()
		b := p.statsJSON()
		p.mu.Unlock()
		reply(b)
	case "POST /proxy/reset":
		p.mu.Lock()
		b := p.statsJSON()
		p.requests, p.methods, p.faults = 0, map[string]int{}, nil
		p.seenConns, p.maxInflight = map[int]bool{}, p.inflight
		if r.URL.Query().Get("keep") != "rules" {
			p.rules = nil
		} else {
			for _, x := range p.rules {
				x.Hits = 0
			}
		}
		p.mu.Unlock()
		reply(b)
	case "GET /proxy/rules", "DELETE /proxy/rules":
		p.mu.Lock()
		if r.Method == http.MethodDelete {
			p.rules = nil
		}
		rules := p.rules
		if rules == nil {
			rules = []*rule{}
		}
		b, _ := json.Marshal(rules)
		p.mu.Unlock()
		reply(append(b, '\n'))
	case "POST /proxy/rules":
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		specs, err := ruleSpecs(body)
		if err == nil && len(specs) == 0 {
			err = errors.New("no rule given")
		}
		if err == nil {
			err = p.addRules(specs, r.URL.Query().Get("replace") != "")
		}
		if err != nil {
			http.Error(w, "vtproxy: "+err.Error(), http.StatusBadRequest)
			return
		}
		for _, s := range specs {
			p.logf("rule added: %s", s)
		}
		p.mu.Lock()
		b, _ := json.Marshal(p.rules)
		p.mu.Unlock()
		reply(append(b, '\n'))
	default:
		http.Error(w, "vtproxy: no such control endpoint: "+key, http.StatusNotFound)
	}
}

// ruleSpecs reads a JSON string, list of strings, {"rule": S} or {"rules": [...]}, or plain text.
func ruleSpecs(body []byte) ([]string, error) {
	t := bytes.TrimSpace(body)
	if len(t) == 0 {
		return nil, nil
	}
	switch t[0] {
	case '"':
		var s string
		err := json.Unmarshal(t, &s)
		return []string{s}, err
	case '[':
		var l []string
		err := json.Unmarshal(t, &l)
		return l, err
	case '{':
		var o struct {
			Rule  string   `json:"rule"`
			Rules []string `json:"rules"`
		}
		if err := json.Unmarshal(t, &o); err != nil {
			return nil, err
		}
		if o.Rule != "" {
			o.Rules = append([]string{o.Rule}, o.Rules...)
		}
		return o.Rules, nil
	}
	return strings.Fields(string(t)), nil
}

// alive: the process exists and is not a zombie (an unreaped parent must count as gone).
func alive(pid int) bool {
	if syscall.Kill(pid, 0) == syscall.ESRCH {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	return len(f) == 0 || (f[0] != "Z" && f[0] != "X")
}

func fingerprint(sum []byte) string {
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02x", b)
	}
	return strings.Join(parts, ":")
}

// selfSigned makes a P-256 certificate for 127.0.0.1, ::1 and localhost, usable as its own CA.
func selfSigned() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return tls.Certificate{}, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "vtproxy"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, " ") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

func fatal(format string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "vtproxy: "+format+"\n", a...)
	os.Exit(2)
}

func main() {
	var rules multiFlag
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on (port 0 picks a free port)")
	upstream := flag.String("upstream", "", "https URL to forward to (its certificate is not verified)")
	flag.Var(&rules, "rule", "fault rule METHOD:CALL:ACTION[:ARG] (repeatable)")
	logFile := flag.String("log", "", "append one line per request to this file")
	certOut := flag.String("cert-out", "", "write the served certificate (PEM) to this file")
	parent := flag.Int("parent", 0, "exit when this process is gone")
	orphanRm := flag.String("orphan-rm", "", "directory to remove when exiting because -parent is gone")
	timeout := flag.Duration("upstream-timeout", 10*time.Minute, "limit for one upstream exchange")
	flag.Parse()
	if flag.NArg() > 0 {
		fatal("unexpected argument %q", flag.Arg(0))
	}
	u, err := url.Parse(*upstream)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		fatal("-upstream %q: want https://HOST:PORT[/sdk]", *upstream)
	}
	p := &proxy{
		upstream:  u,
		timeout:   *timeout,
		methods:   map[string]int{},
		connIDs:   map[net.Conn]int{},
		seenConns: map[int]bool{},
		tr: &http.Transport{
			Proxy:               nil, // never an HTTP(S)_PROXY from the environment
			TLSClientConfig:     &tls.Config{InsecureSkipVerify: true},
			DialContext:         (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
			TLSHandshakeTimeout: 10 * time.Second,
			MaxIdleConns:        128,
			MaxIdleConnsPerHost: 128,
			IdleConnTimeout:     60 * time.Second,
			DisableCompression:  true, // pass Accept-Encoding and Content-Encoding through untouched
		},
	}
	if err := p.addRules(rules, false); err != nil {
		fatal("%v", err)
	}
	if *logFile != "" {
		f, err := os.OpenFile(*logFile, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0644)
		if err != nil {
			fatal("%v", err)
		}
		p.logW = f
	}
	cert, err := selfSigned()
	if err != nil {
		fatal("generating the certificate: %v", err)
	}
	raw := cert.Certificate[0]
	if *certOut != "" {
		if err := os.WriteFile(*certOut, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: raw}), 0644); err != nil {
			fatal("%v", err)
		}
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fatal("cannot listen on %s: %v", *listen, err)
	}
	srv := &http.Server{
		Handler: p,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"http/1.1"},
			MinVersion: tls.VersionTLS12},
		TLSNextProto:      map[string]func(*http.Server, *tls.Conn, http.Handler){}, // no HTTP/2
		ReadHeaderTimeout: 60 * time.Second,
		IdleTimeout:       5 * time.Minute,
		ErrorLog:          log.New(os.Stderr, "vtproxy: ", log.LstdFlags),
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			return context.WithValue(ctx, connKey{}, c)
		},
		ConnState: func(c net.Conn, s http.ConnState) {
			p.mu.Lock()
			defer p.mu.Unlock()
			switch s {
			case http.StateNew:
				p.nextConn++
				p.connIDs[c] = p.nextConn
			case http.StateClosed, http.StateHijacked:
				delete(p.connIDs, c)
			}
		},
	}
	go func() {
		err := srv.ServeTLS(ln, "", "")
		fatal("serving: %v", err)
	}()
	s256, s1 := sha256.Sum256(raw), sha1.Sum(raw)
	fmt.Fprintf(os.Stdout, "PROXY_URL=https://%s/sdk\nPROXY_SHA256=%s\nPROXY_SHA1=%s\nPROXY_PID=%d\nPROXY_READY=1\n",
		ln.Addr().String(), fingerprint(s256[:]), fingerprint(s1[:]), os.Getpid())
	_ = os.Stdout.Sync()
	orphaned := make(chan struct{})
	if *parent > 0 {
		go func() {
			for alive(*parent) {
				time.Sleep(500 * time.Millisecond)
			}
			close(orphaned)
		}()
	}
	select {
	case s := <-sig:
		// Stopped: pending late copies are not waited for.
		if n := p.pendingLate(); n > 0 {
			p.logf("stopping on %v; %d late forward(s) still pending are lost", s, n)
		} else {
			p.logf("stopping on %v", s)
		}
	case <-orphaned:
		p.logf("parent %d is gone", *parent)
		// A late copy still due is delivered first (each is bounded by its delay and
		// -upstream-timeout); a signal meanwhile stops at once. (Closing ln now would end
		// srv.ServeTLS, whose goroutine exits with status 2: it keeps serving.)
		if n := p.pendingLate(); n > 0 {
			p.logf("waiting for %d late forward(s) before exiting", n)
		waiting:
			for p.pendingLate() > 0 {
				select {
				case s := <-sig:
					p.logf("stopping on %v; %d late forward(s) still pending are lost", s, p.pendingLate())
					break waiting
				case <-time.After(50 * time.Millisecond):
				}
			}
		}
		p.logf("exiting")
		if *orphanRm != "" {
			_ = os.RemoveAll(*orphanRm)
		}
	}
	_ = ln.Close()
	os.Exit(0)
}
