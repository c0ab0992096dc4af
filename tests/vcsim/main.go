// Command vcsim is vtrunk's test vCenter: govmomi's simulator.VPX() on loopback, with TLS,
// fixed credentials, per-call latency and a request counter (GET /vcsim/stats).
// Build: make build/vcsim. Interface: see tests/lib/vcsim.sh and DESIGN.md.
//
// This file is also the main.go of the second test vCenter (tests/vcsim-async, a symlink
// there): the same program on a current govmomi module, plus the layer in that folder's
// realism.go, which registers itself through the hooks below. Both kinds compile merge.go (a
// symlink there too): ReconfigureDVPortgroup_Task merges the spec as a real vCenter does.
package main

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/tls"
	"encoding/json"
	"encoding/pem"
	"encoding/xml"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/vmware/govmomi/simulator"
	_ "github.com/vmware/govmomi/vapi/simulator" // registers the REST endpoints
)

// stats counts what clients sent, so tests can assert on round trips and concurrency.
type stats struct {
	mu          sync.Mutex
	requests    int
	methods     map[string]int  // SOAP method (first child of Body)
	paths       map[string]int  // "POST /sdk", "GET /rest/..."
	conns       map[string]bool // distinct client addr:port = TCP connections
	inflight    int
	maxInflight int
}

func (s *stats) reset() {
	s.requests, s.maxInflight = 0, s.inflight
	s.methods, s.paths, s.conns = map[string]int{}, map[string]int{}, map[string]bool{}
}

func (s *stats) json() []byte {
	b, _ := json.Marshal(map[string]interface{}{"requests": s.requests, "methods": s.methods,
		"paths": s.paths, "connections": len(s.conns), "max_inflight": s.maxInflight})
	return append(b, '\n')
}

// soapMethod returns the local name of the first element inside the SOAP Body, or "".
func soapMethod(body []byte) string {
	d := xml.NewDecoder(bytes.NewReader(body))
	inBody := false
	for {
		tok, err := d.Token()
		if err != nil {
			return ""
		}
		if se, ok := tok.(xml.StartElement); ok {
			if inBody {
				return se.Name.Local
			}
			inBody = se.Name.Local == "Body"
		}
	}
}

func (s *stats) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/vcsim/stats", "/vcsim/stats/reset":
			want := map[string]string{"/vcsim/stats": http.MethodGet, "/vcsim/stats/reset": http.MethodPost}
			if r.Method != want[r.URL.Path] {
				http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
				return
			}
			s.mu.Lock()
			out := s.json() // reset answers with the counts it cleared
			if r.URL.Path == "/vcsim/stats/reset" {
				s.reset()
			}
			s.mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(out)
			return
		}
		method := ""
		if r.Method == http.MethodPost && r.Body != nil {
			body, err := io.ReadAll(r.Body)
			_ = r.Body.Close()
			if err != nil {
				http.Error(w, "cannot read body", http.StatusBadRequest)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body)) // give the real handler its body back
			if t := bytes.TrimSpace(body); len(t) > 0 && t[0] == '<' {
				method = soapMethod(t)
			}
		}
		s.mu.Lock()
		s.requests++
		if method != "" {
			s.methods[method]++
		}
		s.paths[r.Method+" "+r.URL.Path]++
		s.conns[r.RemoteAddr] = true
		if s.inflight++; s.inflight > s.maxInflight {
			s.maxInflight = s.inflight
		}
		s.mu.Unlock()
		defer func() { s.mu.Lock(); s.inflight--; s.mu.Unlock() }()
		next.ServeHTTP(w, r)
	})
}

// Hooks for the files of the second test vCenter (nil in this one): prepare runs once the
// inventory exists and before anything is served; serving runs once the server is up,
// before VCSIM_READY is printed (task delays are set there, after every set-up task).
var prepare, serving func(model *simulator.Model) error

// A third hook (nil in this one): wraps the simulator's HTTP handler (inside the counter).
var wrapHandler func(next http.Handler) http.Handler

// The server, once it listens (for the second test vCenter's restart.go, which drops every
// client connection).
var httpServer *simulator.Server

func fingerprint(sum []byte) string {
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02x", b)
	}
	return strings.Join(parts, ":")
}

// alive: the process exists and is not a zombie (an unreaped parent must count as gone).
func alive(pid int) bool {
	if syscall.Kill(pid, 0) == syscall.ESRCH {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true // no procfs: trust kill
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	return len(f) == 0 || (f[0] != "Z" && f[0] != "X")
}

func fail(format string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "vcsim: "+format+"\n", a...)
	os.Exit(2)
}

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on (port 0 picks a free port)")
	user := flag.String("user", "", "the only user name accepted (with -password-file)")
	pwFile := flag.String("password-file", "", "file holding the only password accepted (one trailing newline stripped)")
	vms := flag.Int("vms", 4, "total number of VMs (even: half on the cluster, half on the standalone host)")
	delay := flag.Int("delay", 0, "milliseconds of latency added to every SOAP call")
	pg := flag.Int("pg", 1, "number of DVPortgroups DC0_DVPG<n> on DVS0 (0: no switch, VMs on \"VM Network\")")
	// NSX-T: an OpaqueNetwork per datacenter (DC0_NSX<n>, type nsx.LogicalSwitch, a random
	// opaqueNetworkId), made by the simulator's own model (Model.OpaqueNetwork): the vSphere
	// API has no method to create one, NSX Manager does.
	opaque := flag.Int("opaque", 0, "number of OpaqueNetworks DC0_NSX<n> (NSX-T segments)")
	certFile := flag.String("cert", "", "PEM certificate to serve (with -key); default: Go's built-in RSA-1024 test certificate")
	keyFile := flag.String("key", "", "PEM private key for -cert")
	certOut := flag.String("cert-out", "", "write the served certificate (PEM) to this file")
	parent := flag.Int("parent", 0, "exit when this process is gone (no orphans when a test script is killed)")
	flag.Parse()
	if flag.NArg() > 0 {
		fail("unexpected argument %q", flag.Arg(0))
	}
	if *vms < 0 || *vms%2 != 0 {
		fail("-vms %d: must be even and >= 0 (the model puts the same number on the cluster and on the standalone host)", *vms)
	}
	if *delay < 0 || *pg < 0 {
		fail("-delay and -pg must be >= 0")
	}
	if (*user == "") != (*pwFile == "") {
		fail("-user and -password-file go together")
	}
	tlsConfig := new(tls.Config)
	if (*certFile == "") != (*keyFile == "") {
		fail("-cert and -key go together")
	} else if *certFile != "" {
		pair, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			fail("%v", err)
		}
		tlsConfig.Certificates = []tls.Certificate{pair}
	}
	var login *url.Userinfo
	if *pwFile != "" {
		b, err := os.ReadFile(*pwFile)
		if err != nil {
			fail("%v", err)
		}
		pw := strings.TrimSuffix(string(b), "\n")
		if pw == "" {
			fail("%s: empty password", *pwFile)
		}
		login = url.UserPassword(*user, pw)
	}
	// Caught from here on, so that a stop during start-up still removes the datastore dirs.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	// vcsim creates datastore and VM folders under $TMPDIR; tmpfs keeps start-up time steady.
	if os.Getenv("TMPDIR") == "" {
		if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
			os.Setenv("TMPDIR", "/dev/shm")
		}
	}

	model := simulator.VPX()
	model.Machine = *vms / 2
	model.Portgroup = *pg
	model.OpaqueNetwork = *opaque
	model.DelayConfig.Delay = *delay
	if err := model.Create(); err != nil {
		fail("creating the inventory: %v", err)
	}
	defer model.Remove()
	if prepare != nil {
		if err := prepare(model); err != nil {
			model.Remove()
			fail("%v", err)
		}
	}
	model.Service.RegisterEndpoints = true
	model.Service.TLS = tlsConfig
	// A Listen.User other than simulator.DefaultLogin makes Login compare both fields exactly;
	// without one vcsim accepts any non-empty user and password.
	model.Service.Listen = &url.URL{Host: *listen, User: login}

	srv := func() (srv *simulator.Server) {
		defer func() { // the listener panics when it cannot bind
			if e := recover(); e != nil {
				model.Remove()
				fail("cannot listen on %s: %v", *listen, e)
			}
		}()
		return model.Service.NewServer()
	}()
	httpServer = srv
	st := &stats{}
	st.reset()
	// NewServer has already started serving, so the handler is swapped afterwards. No request
	// can arrive before VCSIM_READY is printed; CloseClientConnections takes the server's
	// connection lock, which every new connection takes too, ordering this write before
	// any read of Handler.
	h := mergeSpecs(srv.Config.Handler) // merge.go: reconfigure merges, as on a real vCenter
	if wrapHandler != nil {
		h = wrapHandler(h)
	}
	srv.Config.Handler = st.wrap(h)
	srv.CloseClientConnections()

	if *certOut != "" {
		pemCert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
		if err := os.WriteFile(*certOut, pemCert, 0644); err != nil {
			srv.Close()
			model.Remove()
			fail("%v", err)
		}
	}
	if serving != nil {
		if err := serving(model); err != nil {
			srv.Close()
			model.Remove()
			fail("%v", err)
		}
	}
	u := *srv.URL
	u.User = nil
	raw := srv.Certificate().Raw
	s256, s1 := sha256.Sum256(raw), sha1.Sum(raw)
	fmt.Fprintf(os.Stdout, "VCSIM_URL=%s\nVCSIM_SHA256=%s\nVCSIM_SHA1=%s\nVCSIM_PID=%d\nVCSIM_READY=1\n",
		u.String(), fingerprint(s256[:]), fingerprint(s1[:]), os.Getpid())
	_ = os.Stdout.Sync()

	if *parent > 0 {
		go func() {
			for alive(*parent) {
				time.Sleep(time.Second)
			}
			sig <- syscall.SIGTERM
		}()
	}
	<-sig
	srv.Close()
}
