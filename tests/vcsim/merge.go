// merge.go — makes both test vCenters merge a ReconfigureDVPortgroup_Task spec into the port
// group's config as a real vCenter does, where govmomi's simulator replaces it whole (its
// DistributedVirtualPortgroup.ReconfigureDVPortgroupTask assigns every field of the spec,
// unset ones too). The vSphere Web Services API reference, DVPortgroupConfigSpec
// (vim.dvs.DistributedVirtualPortgroup.ConfigSpec), used by ReconfigureDVPortgroup_Task:
// "unset properties are left unchanged" — a property missing from the spec keeps its value,
// at every level of the spec (defaultPortConfig's policies included).
//
// How: an HTTP layer in front of the simulator (installed by main.go for both kinds; this file
// is compiled into tests/vcsim and, through a symlink, tests/vcsim-async). For that one method
// it decodes the request with the simulator's own decoder, fills every unset (zero) field of
// the spec from the port group's current config, recursively through structs and pointers
// to structs (an interface value of another xsi:type replaces the current one), re-encodes it
// and hands it on. Bools that are not pointers cannot say "unset" and are taken as sent; a
// list is taken as sent unless empty. The merge reads the config when the call arrives; a
// change queued in between fails the later call on configVersion (realism.go) as on a real
// vCenter. Works the same against Debian's govmomi 0.24 and the 0.38 module (reflection only).
package main

import (
	"bytes"
	"io"
	"net/http"
	"reflect"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
	"github.com/vmware/govmomi/vim25/xml"
)

func mergeSpecs(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.Body != nil {
			body, err := io.ReadAll(r.Body)
			_ = r.Body.Close()
			if err == nil {
				if out := mergeBody(body); out != nil {
					body = out
					r.ContentLength = int64(len(body))
					r.Header.Del("Content-Length")
				}
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		next.ServeHTTP(w, r)
	})
}

// mergeBody returns the request with its spec merged, or nil to send it on unchanged.
func mergeBody(body []byte) []byte {
	if soapMethod(bytes.TrimSpace(body)) != "ReconfigureDVPortgroup_Task" {
		return nil
	}
	method, err := simulator.UnmarshalBody(types.TypeFunc(), body)
	if err != nil {
		return nil // the simulator answers it with its own fault
	}
	req, ok := method.Body.(*types.ReconfigureDVPortgroup_Task)
	if !ok {
		return nil
	}
	pg, ok := simulator.Map.Get(req.This).(*simulator.DistributedVirtualPortgroup)
	if !ok {
		return nil
	}
	fillFrom(reflect.ValueOf(&req.Spec).Elem(), reflect.ValueOf(&pg.Config).Elem())
	env := soap.Envelope{Body: &methods.ReconfigureDVPortgroup_TaskBody{Req: req}}
	out, err := xml.Marshal(env)
	if err != nil {
		return nil
	}
	return append([]byte(xml.Header), out...)
}

// fillFrom sets every unset field of the struct spec from the same-named field of cur.
func fillFrom(spec, cur reflect.Value) {
	for i := 0; i < spec.NumField(); i++ {
		f := spec.Type().Field(i)
		if f.Name == "DynamicData" {
			continue
		}
		c := cur.FieldByName(f.Name)
		if !c.IsValid() || !c.Type().AssignableTo(f.Type) {
			continue
		}
		mergeValue(spec.Field(i), c)
	}
}

func mergeValue(s, c reflect.Value) {
	switch s.Kind() {
	case reflect.Bool:
		return // no "unset" for a plain bool
	case reflect.Struct:
		fillFrom(s, c)
		return
	case reflect.Ptr:
		if s.IsNil() {
			s.Set(c)
		} else if !c.IsNil() && s.Elem().Kind() == reflect.Struct {
			fillFrom(s.Elem(), c.Elem())
		}
		return
	case reflect.Interface:
		if s.IsNil() {
			s.Set(c)
		} else if !c.IsNil() && s.Elem().Type() == c.Elem().Type() && s.Elem().Kind() == reflect.Ptr &&
			s.Elem().Elem().Kind() == reflect.Struct {
			fillFrom(s.Elem().Elem(), c.Elem().Elem())
		}
		return
	}
	if s.IsZero() {
		s.Set(c)
	}
}
