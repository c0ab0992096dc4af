// realism_pc.go — item 5 of realism.go's list: every session's PropertyCollector sees every
// change of the inventory.
//
//  5. "Each session has its own PropertyCollector" (vmodl.query.PropertyCollector: the
//     collector of ServiceContent is a per-session instance; filters and the version of
//     WaitForUpdatesEx belong to it). The simulator does make a per-session instance, but it
//     hears of created, changed and destroyed objects through one registry handler keyed by
//     the collector's reference, which every instance shares: the session whose first
//     WaitForUpdatesEx came last takes the updates, and every other session's filters see no
//     VM appear, change or go from then on (a watcher's filter goes deaf as soon as any other
//     client waits for a task). Here each session's collector gets a handler of its own key
//     on its first WaitForUpdatesEx, which forwards every change to it. The simulator's own
//     handler still feeds the last such session as well; a duplicate modify it then sees is
//     harmless (the same value twice) and a duplicate enter or leave is dropped by the filter.
package main

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

type pcFanout struct {
	self types.ManagedObjectReference
	pc   simulator.RegisterObject
	last atomic.Int64 // unix seconds of the session's last WaitForUpdatesEx
}

func (f *pcFanout) live() bool { return time.Now().Unix()-f.last.Load() < 60 }

func (f *pcFanout) Reference() types.ManagedObjectReference { return f.self }
func (f *pcFanout) PutObject(o mo.Reference) {
	if f.live() {
		f.pc.PutObject(o)
	}
}
func (f *pcFanout) UpdateObject(o mo.Reference, c []types.PropertyChange) {
	if f.live() {
		f.pc.UpdateObject(o, c)
	}
}
func (f *pcFanout) RemoveObject(ctx *simulator.Context, ref types.ManagedObjectReference) {
	if f.live() {
		f.pc.RemoveObject(ctx, ref)
	}
}

func init() {
	prev := prepare
	prepare = func(model *simulator.Model) error {
		if err := prev(model); err != nil {
			return err
		}
		var mu sync.Mutex
		seen := map[string]*pcFanout{}
		m := simulator.Map
		next := m.Handler
		m.Handler = func(ctx *simulator.Context, method *simulator.Method) (mo.Reference, types.BaseMethodFault) {
			if ctx.Session != nil && method.Name == "WaitForUpdatesEx" {
				key := ctx.Session.Key
				mu.Lock()
				f := seen[key]
				if f == nil {
					if pc, ok := ctx.Session.Get(method.This).(simulator.RegisterObject); ok {
						f = &pcFanout{self: types.ManagedObjectReference{Type: "VtrunkPCFanout", Value: key}, pc: pc}
						seen[key] = f
						m.AddHandler(f)
					}
				}
				if f != nil {
					f.last.Store(time.Now().Unix())
				}
				mu.Unlock()
			}
			if next != nil {
				return next(ctx, method)
			}
			return nil, nil
		}
		return nil
	}
}
