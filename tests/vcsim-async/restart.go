// restart.go — item 9 of realism.go's list: a vCenter restart, on a test's demand.
//
//  9. What a client of a real vCenter sees when vpxd restarts (a service restart, a patch, an
//     appliance reboot): every session is gone — sessions are held in vpxd's memory, so a
//     vmware_soap_session cookie from before the restart is NotAuthenticated afterwards
//     ("The session is not authenticated", vim.fault.NotAuthenticated) and the client must
//     Login again — and with them every session-scoped object: the session's PropertyCollector
//     filters (vmodl.query.PropertyCollector.Filter: "a filter ... is destroyed when the
//     session ends") and its views (vim.view.ViewManager: "views are session-scoped").
//     Connections open at that moment are cut, a WaitForUpdatesEx under way with them; and
//     for a while requests fail: while vpxd is down the reverse proxy in front of it
//     (rhttpproxy/envoy) either closes the connection without an answer or answers
//     "503 Service Unavailable". The inventory itself is in vCenter's database: managed object
//     references (vm-123) survive the restart.
//
// How: POST /vcsim/restart?down=MS (answers {"restarts": N, "terminated": N}). Every session
// this server handed out is terminated in the simulator's SessionManager (so its filters and
// views, which live in the session's registry, are unreachable) and its opaque cookie is
// forgotten (realism.go item 4); every client connection is then closed. For the next MS
// milliseconds every request but /vcsim/* gets no answer (its connection is closed) in the
// first half and a 503 in the second. Tasks queued at that moment are not lost (a real
// restart may fail them); clients that log in afterwards see the same inventory.
package main

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

type restarter struct {
	mu       sync.Mutex
	downFrom time.Time
	upAt     time.Time
	restarts int
}

var restarts = &restarter{}

func init() {
	prev := wrapHandler // realism.go's (init order: file names)
	wrapHandler = func(next http.Handler) http.Handler {
		if prev != nil {
			next = prev(next)
		}
		return restarts.wrap(next)
	}
}

// down says how a request is refused now: 0 served, 'c' connection closed, '5' 503.
func (r *restarter) down(now time.Time) byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !now.Before(r.upAt) {
		return 0
	}
	if now.Sub(r.downFrom) < r.upAt.Sub(r.downFrom)/2 {
		return 'c'
	}
	return '5'
}

// restart ends every session handed out; returns how many the simulator still had.
func (r *restarter) restart(down time.Duration) (int, int) {
	now := time.Now()
	r.mu.Lock()
	r.downFrom, r.upAt = now, now.Add(down)
	r.restarts++
	n := r.restarts
	r.mu.Unlock()

	cookies.mu.Lock()
	keys := make([]string, 0, len(cookies.toKey))
	for _, key := range cookies.toKey {
		keys = append(keys, key)
	}
	cookies.toKey = map[string]string{}
	cookies.mu.Unlock()

	sm := simulator.Map.SessionManager()
	ctx := &simulator.Context{Map: simulator.Map,
		Session: &simulator.Session{UserSession: types.UserSession{Key: "vcsim-restart"}}}
	terminated := 0
	for _, key := range keys {
		if sm.TerminateSession(ctx, &types.TerminateSession{SessionId: []string{key}}).Fault() == nil {
			terminated++
		}
	}
	return n, terminated
}

func (r *restarter) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path == "/vcsim/restart" {
			if req.Method != http.MethodPost {
				http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
				return
			}
			ms, err := strconv.Atoi(req.URL.Query().Get("down"))
			if err != nil || ms < 0 {
				http.Error(w, "down=MS: milliseconds >= 0", http.StatusBadRequest)
				return
			}
			n, t := r.restart(time.Duration(ms) * time.Millisecond)
			b, _ := json.Marshal(map[string]int{"restarts": n, "terminated": t})
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Connection", "close")
			_, _ = w.Write(append(b, '\n'))
			// Every connection is cut, this one too once its answer is out.
			go func() {
				time.Sleep(50 * time.Millisecond)
				if httpServer != nil {
					httpServer.CloseClientConnections()
				}
			}()
			return
		}
		if !strings.HasPrefix(req.URL.Path, "/vcsim/") {
			switch r.down(time.Now()) {
			case 'c':
				if hj, ok := w.(http.Hijacker); ok {
					if conn, _, err := hj.Hijack(); err == nil {
						_ = conn.Close()
						return
					}
				}
				fallthrough
			case '5':
				w.Header().Set("Connection", "close")
				http.Error(w, "503 Service Unavailable (vcsim: restarting)", http.StatusServiceUnavailable)
				return
			}
		}
		next.ServeHTTP(w, req)
	})
}
