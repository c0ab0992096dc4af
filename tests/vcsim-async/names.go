// names.go — item 5 of realism.go's header: entity names stored escaped, as a real vCenter
// stores them.
//
// ManagedEntity.name (vSphere Web Services API reference, vim.ManagedEntity): "Any / (slash),
// \ (backslash), character used in this name element will be escaped. Similarly, any %
// (percent) character used in this name element will be escaped, unless it is used to start
// an escape sequence. A slash is escaped as %2F or %2f. A backslash is escaped as %5C or %5c,
// and a percent is escaped as %25."
//
// govmomi's simulator 0.38 escapes the names of new VMs (CreateVM_Task) and folders
// (CreateFolder) only, and escapes every % even when it starts an escape sequence. Port
// groups (AddDVPortgroup_Task, ReconfigureDVPortgroup_Task's spec.name), switches
// (CreateDVS_Task) and Rename_Task keep the name as sent. This layer escapes those names in
// the request before the simulator's method sees it (through realism.go's registry Handler),
// so the simulator's own DuplicateName check compares the stored, escaped form, as vCenter's.
package main

import (
	"strings"

	"github.com/vmware/govmomi/vim25/types"
)

// escapeName is vCenter's rule: /, \ and a % that starts no escape sequence get escaped.
func escapeName(name string) string {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch c {
		case '/':
			b.WriteString("%2f")
		case '\\':
			b.WriteString("%5c")
		case '%':
			if seq := strings.ToLower(name[i:min(i+3, len(name))]); seq == "%2f" || seq == "%5c" || seq == "%25" {
				b.WriteByte(c)
			} else {
				b.WriteString("%25")
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func min(a, b int) int {
	if a < b {
		return a
	}
	return b
}

// escapeRequestNames escapes the entity names a request carries, in place.
func escapeRequestNames(body types.AnyType) {
	switch req := body.(type) {
	case *types.AddDVPortgroup_Task:
		for i := range req.Spec {
			req.Spec[i].Name = escapeName(req.Spec[i].Name)
		}
	case *types.ReconfigureDVPortgroup_Task:
		if req.Spec.Name != "" {
			req.Spec.Name = escapeName(req.Spec.Name)
		}
	case *types.Rename_Task:
		req.NewName = escapeName(req.NewName)
	case *types.CreateDVS_Task:
		if cs := req.Spec.ConfigSpec; cs != nil {
			if c := cs.GetDVSConfigSpec(); c.Name != "" {
				c.Name = escapeName(c.Name)
			}
		}
	}
}
