// realism.go — what makes the second test vCenter behave more like a real one than govmomi's
// simulator does by itself. main.go (shared with tests/vcsim, a symlink) calls it through its
// prepare and serving hooks. Every item follows the vSphere Web Services API reference:
//
//  1. Asynchronous tasks (-task-delay MS, -task-jitter CV): every task waits about that long
//     before it runs, as a real vCenter's reconfigure takes seconds, so a *_Task call returns
//     while its task is queued, the entity's recentTask lists it, and waits really wait.
//     The simulator's "lock hand-off" is turned off so that property reads of a VM are not
//     blocked while one of its tasks is queued (a real vCenter answers reads meanwhile).
//
//  2. VirtualMachineConfigSpec.changeVersion (vim.vm.ConfigSpec): "If specified when updating
//     a specification, the changes will only be applied if the current changeVersion matches
//     the specified changeVersion". A ReconfigVM_Task whose spec carries a changeVersion other
//     than the VM's config.changeVersion when its task runs fails with ConcurrentAccess ("thrown
//     when an operation fails because another operation has modified the datastructure",
//     vim.fault.ConcurrentAccess; ReconfigVM_Task lists it); every successful one gives the VM a
//     new config.changeVersion (the simulator already does; checked here).
//
//  3. DVPortgroupConfigSpec.configVersion (vim.dvs.DistributedVirtualPortgroup.ConfigSpec):
//     "required in reconfiguring a portgroup and should be set to the same value as the
//     DVPortgroupConfigInfo.configVersion". A ReconfigureDVPortgroup_Task without one fails with
//     InvalidArgument, one with a stale one with ConcurrentAccess; every successful one, and
//     every port group's creation, gives it a new configVersion (the simulator keeps "" forever).
//
//  4. The session cookie is not the session key. UserSession.key is "a unique identifier for
//     this session, also known as the session ID" (vim.UserSession); it is what Login,
//     SessionManager.currentSession and sessionList show, and what TerminateSession and
//     SessionIsActive take. A real vCenter's vmware_soap_session cookie is another, opaque
//     value (quoted hex), and the key alone does not authenticate a request. The simulator
//     uses the key as the cookie; sessionCookies (an HTTP layer around the simulator, through
//     main.go's wrapHandler hook) gives the client an opaque cookie of its own for each key
//     in Set-Cookie and translates it back on every request; a vmware_soap_session cookie it
//     did not hand out is dropped, so the key sent as a cookie is NotAuthenticated, as on a
//     real vCenter. Each session handed out is printed on stdout as a line
//     "VCSIM_SESSION key=KEY cookie=COOKIE", for tests that look for either in a trace.
//
//  5. Entity names stored escaped (%2f, %5c, %25), as ManagedEntity.name says: see names.go.
//
//  6. NSX-T needs no layer: the simulator models OpaqueNetwork itself (main.go's -opaque N,
//     Model.OpaqueNetwork, in both test vCenters; the API has no call that makes one), and its
//     ReconfigVM_Task keeps a VirtualEthernetCardOpaqueNetworkBackingInfo as sent. Its
//     AddDVPortgroup_Task lets port groups named "NSX-..." share a name, as the port groups of
//     an NSX segment spanning several switches do.
//
//  7. PCI slot numbers of ethernet cards (VirtualDevice.slotInfo.pciSlotNumber) as ESXi
//     assigns them, on a reconfigure of a powered-off VM or at power-on: see slots.go.
//  8. Fault details (MethodFault.faultMessage, faultCause) on the fault a NIC on a switch the
//     VM's host is not a member of gets: see faults.go.
//  9. A vCenter restart on a test's demand (POST /vcsim/restart?down=MS): every session, and
//     with it its filters and views, gone; requests refused for a while: see restart.go.
//
// How (2 and 3): the registry's method Handler hands those two methods to the realism object, which
// takes the entity's lock (serializing calls on one object, as the simulator's own dispatch
// does), registers the check and calls the simulator's method; a registry PutObject hook wraps
// the Execute function of the task the simulator creates for that call, before the task starts:
// the check then runs when the task runs, under the lock the task holds on its entity, like a
// real vCenter's. The Handler points the call's This at the realism object rather than
// returning a wrapper: for a logged-in session the simulator's dispatch (Service.call) replaces
// the Handler's object with Session.Get(This), which falls back to the registry's own object,
// so a returned wrapper is never called (the realism object is in the registry for that).
package main

import (
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

var (
	taskDelay  = flag.Int("task-delay", 0, "milliseconds every task waits before it runs (0: tasks end before the call returns)")
	taskJitter = flag.Float64("task-jitter", 0.5, "task delay jitter, as stddev/mean (with -task-delay)")
	noChecks   = flag.Bool("no-version-checks", false, "do not check changeVersion/configVersion (the plain simulator's behaviour)")
)

func init() {
	prepare = realismPrepare
	serving = realismServing
	cookies = newSessionCookies()
	wrapHandler = cookies.wrap
}

// The one cookie layer (restart.go forgets its cookies).
var cookies *sessionCookies

// sessionCookies is item 4 of the header: opaque cookies in place of the session keys.
type sessionCookies struct {
	mu    sync.Mutex
	toKey map[string]string // cookie handed out -> the simulator's session key
}

func newSessionCookies() *sessionCookies {
	return &sessionCookies{toKey: map[string]string{}}
}

// cookieFor returns a new opaque cookie for key (20 random bytes in hex, as long as a real
// vCenter's) and prints the pair.
func (c *sessionCookies) cookieFor(key string) string {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	cookie := hex.EncodeToString(b)
	c.mu.Lock()
	c.toKey[cookie] = key
	c.mu.Unlock()
	fmt.Printf("VCSIM_SESSION key=%s cookie=%s\n", key, cookie)
	return cookie
}

// translate replaces the client's vmware_soap_session cookie with the key it stands for,
// or drops it when this layer did not hand it out.
func (c *sessionCookies) translate(r *http.Request) {
	cookies := r.Cookies()
	if len(r.Header.Values("Cookie")) == 0 {
		return
	}
	var kept []string
	for _, ck := range cookies {
		if ck.Name == soap.SessionCookieName {
			c.mu.Lock()
			key, ok := c.toKey[ck.Value]
			c.mu.Unlock()
			if !ok {
				continue
			}
			ck = &http.Cookie{Name: ck.Name, Value: key}
		}
		kept = append(kept, ck.Name+"="+ck.Value)
	}
	r.Header.Del("Cookie")
	if len(kept) > 0 {
		r.Header.Set("Cookie", strings.Join(kept, "; "))
	}
}

// cookieWriter rewrites the simulator's Set-Cookie for a new session before the headers go.
type cookieWriter struct {
	http.ResponseWriter
	c    *sessionCookies
	done bool
}

func (w *cookieWriter) WriteHeader(status int) {
	if !w.done {
		w.done = true
		h := w.Header()
		var out []string
		for _, v := range h.Values("Set-Cookie") {
			name, rest, _ := strings.Cut(v, "=")
			key, _, _ := strings.Cut(rest, ";")
			if key = strings.Trim(strings.TrimSpace(key), `"`); strings.TrimSpace(name) == soap.SessionCookieName && key != "" {
				// A real vCenter's shape: quoted, Path=/, HttpOnly, Secure.
				v = fmt.Sprintf("%s=\"%s\"; Path=/; HttpOnly; Secure", soap.SessionCookieName, w.c.cookieFor(key))
			}
			out = append(out, v)
		}
		if len(out) > 0 {
			h["Set-Cookie"] = out
		}
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *cookieWriter) Write(b []byte) (int, error) {
	if !w.done {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func (w *cookieWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (c *sessionCookies) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.translate(r)
		next.ServeHTTP(&cookieWriter{ResponseWriter: w, c: c}, r)
	})
}

// check runs inside a task, before the simulator's own work; a fault stops the task.
type check struct {
	descriptionID string // the task's Info.DescriptionId: only that call's task takes it
	before        func() types.BaseMethodFault
	after         func() // after a successful run
}

type realism struct {
	self    types.ManagedObjectReference // for the registry's handler table
	mu      sync.Mutex
	pending map[types.ManagedObjectReference]*check // entity -> the check for its next task
	version int64                                   // configVersion counter (port groups)
}

func (r *realism) Reference() types.ManagedObjectReference { return r.self }

// PutObject wraps the Execute of a task created for a call that registered a check.
func (r *realism) PutObject(obj mo.Reference) {
	switch o := obj.(type) {
	case *simulator.Task:
		if o.Info.Entity == nil {
			return
		}
		if strings.HasSuffix(o.Info.DescriptionId, ".addDVPortgroup") {
			// The simulator puts a new port group in the registry first and sets its Config
			// (with the spec's configVersion, "" from a client) afterwards: stamp it when the
			// task has run. CreateDVS makes its uplink port group through this task too.
			run := o.Execute
			o.Execute = func(t *simulator.Task) (types.AnyType, types.BaseMethodFault) {
				res, f := run(t)
				r.stampPortgroups()
				return res, f
			}
			return
		}
		if strings.HasSuffix(o.Info.DescriptionId, ".powerOn") {
			// ESXi gives cards without a slot theirs at power-on (slots.go).
			run := o.Execute
			o.Execute = func(t *simulator.Task) (types.AnyType, types.BaseMethodFault) {
				res, f := run(t)
				if vm, ok := simulator.Map.Get(*o.Info.Entity).(*simulator.VirtualMachine); ok && f == nil {
					stampSlots(simulator.Map, vm)
				}
				return res, f
			}
			return
		}
		r.mu.Lock()
		c := r.pending[*o.Info.Entity]
		if c != nil && c.descriptionID == o.Info.DescriptionId {
			delete(r.pending, *o.Info.Entity)
		} else {
			c = nil
		}
		r.mu.Unlock()
		if c == nil {
			return
		}
		run := o.Execute
		o.Execute = func(t *simulator.Task) (types.AnyType, types.BaseMethodFault) {
			if f := c.before(); f != nil {
				return nil, f
			}
			res, f := run(t)
			if f == nil && c.after != nil {
				c.after()
			}
			if f != nil && c.descriptionID == "VirtualMachine.reconfigVm" {
				f = detailFault(*o.Info.Entity, f)
			}
			return res, f
		}
	}
}

// stampPortgroups gives every port group without a configVersion its first one.
func (r *realism) stampPortgroups() {
	for _, o := range simulator.Map.All("DistributedVirtualPortgroup") {
		if pg, ok := o.(*simulator.DistributedVirtualPortgroup); ok && pg.Config.ConfigVersion == "" {
			simulator.Map.Update(pg, []types.PropertyChange{{Name: "config.configVersion",
				Val: r.nextVersion(), Op: types.PropertyChangeOpAssign}})
		}
	}
}

func (r *realism) UpdateObject(mo.Reference, []types.PropertyChange)             {}
func (r *realism) RemoveObject(*simulator.Context, types.ManagedObjectReference) {}

func (r *realism) nextVersion() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.version++
	return strconv.FormatInt(r.version, 10)
}

// expect registers the check for the task the next call on ref creates.
func (r *realism) expect(ref types.ManagedObjectReference, c *check) {
	r.mu.Lock()
	r.pending[ref] = c
	r.mu.Unlock()
}

// forget drops a check the call did not use (it created no task).
func (r *realism) forget(ref types.ManagedObjectReference) {
	r.mu.Lock()
	delete(r.pending, ref)
	r.mu.Unlock()
}

func concurrent(what, have, want string) types.BaseMethodFault {
	return &types.ConcurrentAccess{VimFault: types.VimFault{MethodFault: types.MethodFault{
		FaultMessage: []types.LocalizableMessage{{Key: "vtrunk.vcsim.concurrentAccess",
			Message: fmt.Sprintf("%s is %q, the spec carries %q", what, have, want)}}}}}
}

// Lock and Unlock make the realism object opt out of the registry's per-object lock (see
// Registry.locker): the dispatch would otherwise lock it around every checked call, making
// calls on different entities wait for each other; each method locks its entity instead.
func (r *realism) Lock()   {}
func (r *realism) Unlock() {}

// entityCall runs call on the entity ref under its lock, with c registered for the task the
// call creates. name is the method's simulator name, for its DisabledMethod check (which the
// dispatch made on the entity before the call was routed here).
func (r *realism) entityCall(ctx *simulator.Context, obj mo.Entity, name string, c *check, call func()) *soap.Fault {
	e := obj.Entity()
	for _, dm := range e.DisabledMethod {
		if dm == name {
			return simulator.Fault(fmt.Sprintf("%s method is disabled: %s", e.Self, name), &types.MethodDisabled{})
		}
	}
	ctx.Map.WithLock(ctx, obj, func() {
		r.expect(e.Self, c)
		defer r.forget(e.Self)
		call()
	})
	return nil
}

func notFound(ref types.ManagedObjectReference) *soap.Fault {
	return simulator.Fault(fmt.Sprintf("managed object not found: %s", ref), &types.ManagedObjectNotFound{Obj: ref})
}

func (r *realism) ReconfigVMTask(ctx *simulator.Context, req *types.ReconfigVM_Task) soap.HasFault {
	vm, ok := ctx.Map.Get(req.This).(*simulator.VirtualMachine)
	if !ok {
		return &methods.ReconfigVM_TaskBody{Fault_: notFound(req.This)}
	}
	want := req.Spec.ChangeVersion
	var before string
	var res soap.HasFault
	c := &check{
		descriptionID: "VirtualMachine.reconfigVm",
		before: func() types.BaseMethodFault {
			before = vm.Config.ChangeVersion
			if want != "" && want != before {
				return concurrent("config.changeVersion", before, want)
			}
			return nil
		},
		after: func() {
			if vm.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOff {
				stampSlots(ctx.Map, vm) // slots.go
			}
			if vm.Config.ChangeVersion == before {
				ctx.Map.Update(vm, []types.PropertyChange{{Name: "config.changeVersion",
					Val: before + "." + r.nextVersion(), Op: types.PropertyChangeOpAssign}})
			}
		},
	}
	if f := r.entityCall(ctx, vm, "ReconfigVMTask", c, func() { res = vm.ReconfigVMTask(ctx, req) }); f != nil {
		return &methods.ReconfigVM_TaskBody{Fault_: f}
	}
	return res
}

func (r *realism) ReconfigureDVPortgroupTask(ctx *simulator.Context, req *types.ReconfigureDVPortgroup_Task) soap.HasFault {
	pg, ok := ctx.Map.Get(req.This).(*simulator.DistributedVirtualPortgroup)
	if !ok {
		return &methods.ReconfigureDVPortgroup_TaskBody{Fault_: notFound(req.This)}
	}
	want := req.Spec.ConfigVersion
	var res soap.HasFault
	c := &check{
		descriptionID: "DistributedVirtualPortgroup.reconfigureDvPortgroup",
		before: func() types.BaseMethodFault {
			if want == "" {
				return &types.InvalidArgument{InvalidProperty: "spec.configVersion"}
			}
			if have := pg.Config.ConfigVersion; want != have {
				return concurrent("config.configVersion", have, want)
			}
			return nil
		},
		after: func() {
			ctx.Map.Update(pg, []types.PropertyChange{{Name: "config.configVersion",
				Val: r.nextVersion(), Op: types.PropertyChangeOpAssign}})
		},
	}
	if f := r.entityCall(ctx, pg, "ReconfigureDVPortgroupTask", c, func() { res = pg.ReconfigureDVPortgroupTask(ctx, req) }); f != nil {
		return &methods.ReconfigureDVPortgroup_TaskBody{Fault_: f}
	}
	return res
}

func realismPrepare(model *simulator.Model) error {
	if *taskDelay < 0 || *taskJitter < 0 {
		return fmt.Errorf("-task-delay and -task-jitter must be >= 0")
	}
	if *noChecks {
		return nil
	}
	m := simulator.Map
	r := &realism{self: types.ManagedObjectReference{Type: "VtrunkRealism", Value: "realism-1"},
		pending: map[types.ManagedObjectReference]*check{}}
	for _, o := range m.All("VirtualMachine") {
		if vm, ok := o.(*simulator.VirtualMachine); ok {
			if *modelNIC == "vmxnet3" {
				modelVmxnet3(vm)
			}
			stampSlots(m, vm) // slots.go: the model's VMs have been powered on
		}
	}
	r.stampPortgroups() // the model's
	m.Put(r)            // Session.Get(This) must find it (see the header)
	m.AddHandler(r)
	m.Handler = func(ctx *simulator.Context, method *simulator.Method) (mo.Reference, types.BaseMethodFault) {
		if ctx.Session == nil { // refused as NotAuthenticated, naming the real This
			return nil, nil
		}
		escapeRequestNames(method.Body) // names.go
		route := false
		switch method.Name {
		case "ReconfigVM_Task":
			_, route = ctx.Map.Get(method.This).(*simulator.VirtualMachine)
		case "ReconfigureDVPortgroup_Task":
			_, route = ctx.Map.Get(method.This).(*simulator.DistributedVirtualPortgroup)
		}
		if !route {
			return nil, nil
		}
		// The request body keeps the entity (req.This); the dispatch then finds r.
		method.This = r.self
		return r, nil
	}
	return nil
}

// realismServing sets the task delay once set-up is over (a set-up task would take it too).
func realismServing(model *simulator.Model) error {
	if *taskDelay > 0 {
		simulator.TaskDelay.Delay = *taskDelay
		simulator.TaskDelay.DelayJitter = *taskJitter
		simulator.TaskDelay.MethodDelay = map[string]int{"LockHandoff": 0}
	}
	return nil
}
