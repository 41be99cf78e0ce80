package main

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"istio.io/istio/pilot/pkg/features"
)

var update = flag.Bool("update", false, "rewrite testdata/*/decisions.json")

// TestMain runs the tests as an ambient-enabled istiod, like main does.
func TestMain(m *testing.M) {
	if !features.EnableAmbient {
		self, err := os.Executable()
		if err == nil {
			err = syscall.Exec(self, os.Args, append(os.Environ(), "PILOT_ENABLE_AMBIENT=true"))
		}
		panic(err)
	}
	quietLogs()
	os.Exit(m.Run())
}

func decideFixture(t *testing.T, dir string) ([]Decision, *FlowsFile) {
	t.Helper()
	o, err := LoadObjects(filepath.Join(dir, "objects.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	ff, err := LoadFlows(filepath.Join(dir, "flows.json"), o)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := Run(t, o, ff)
	if err != nil {
		t.Fatal(err)
	}
	return ds, ff
}

// The hand-written fixture: every flow gets the decision its author expects, and the whole
// decisions.json matches the reviewed golden file byte for byte.
func TestFixtureBasic(t *testing.T) {
	dir := filepath.Join("testdata", "basic")
	ds, ff := decideFixture(t, dir)
	for i, d := range ds {
		if d.ID != ff.Flows[i].ID {
			t.Fatalf("decision %d is for %q, flow is %q", i, d.ID, ff.Flows[i].ID)
		}
		if d.Decision != ff.Flows[i].Expect {
			t.Errorf("%s: decision %s (layer %s), expected %s; hops %+v", d.ID, d.Decision, d.Layer, ff.Flows[i].Expect, d.Hops)
		}
	}
	got, err := MarshalDecisions(ds)
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join(dir, "decisions.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("decisions differ from %s (go test -run TestFixtureBasic -update to rewrite after review):\n%s", golden, got)
	}
}

func find(ds []Decision, id string) Decision {
	for _, d := range ds {
		if d.ID == id {
			return d
		}
	}
	return Decision{}
}

// A sidecar caller of a namespace behind a waypoint: the sidecar sends straight to the pod (EDS
// gives the pod, not the waypoint), so only ztunnel's policies apply, and the waypoint-bound allow
// that names the caller never does.
func TestSidecarCallerOfWaypointNamespaceDeniedAtZtunnel(t *testing.T) {
	ds, _ := decideFixture(t, filepath.Join("testdata", "basic"))
	d := find(ds, "sidecar caller of a waypoint namespace")
	if d.Decision != "deny" || d.Layer != "ztunnel" {
		t.Fatalf("got %s at %s: %+v", d.Decision, d.Layer, d.Hops)
	}
	first := d.Hops[0]
	if !strings.Contains(first.Hop, "endpoints payments/payments-api-flows-0") {
		t.Fatalf("the sidecar's EDS must give the pod, not the waypoint: %s", first.Hop)
	}
	last := d.Hops[len(d.Hops)-1]
	if last.Component != "ztunnel" || last.Matched != "default deny" {
		t.Fatalf("last hop: %+v", last)
	}
	// the ambient caller of the same Service goes through the waypoint and is allowed
	a := find(ds, "ambient caller through the waypoint")
	if a.Decision != "allow" || !strings.Contains(a.Hops[0].Hop, "via waypoint payments/waypoint-flows-0") {
		t.Fatalf("ambient caller: %+v", a)
	}
}

// Same input, same bytes.
func TestDeterministic(t *testing.T) {
	dir := filepath.Join("testdata", "basic")
	a, _ := decideFixture(t, dir)
	b, _ := decideFixture(t, dir)
	ja, _ := MarshalDecisions(a)
	jb, _ := MarshalDecisions(b)
	if !bytes.Equal(ja, jb) {
		t.Fatal("two runs differ")
	}
}

func writeFixture(t *testing.T, objects, flows string) (string, string) {
	dir := t.TempDir()
	op, fp := filepath.Join(dir, "objects.yaml"), filepath.Join(dir, "flows.json")
	if err := os.WriteFile(op, []byte(objects), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fp, []byte(flows), 0o644); err != nil {
		t.Fatal(err)
	}
	return op, fp
}

const onePod = `apiVersion: v1
kind: Pod
metadata:
  name: a
  namespace: ns
status:
  podIP: 10.99.0.1
`

func TestBadInput(t *testing.T) {
	cases := []struct{ name, objects, flows, field string }{
		{"pod without IP", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  namespace: ns\n", `{}`, "status.podIP"},
		{"document without kind", "apiVersion: v1\nmetadata:\n  name: a\n", `{}`, "kind"},
		{"broken yaml", "apiVersion: v1\nkind: Pod\nmetadata: [\n", `{}`, "(yaml)"},
		{"unknown flows field", onePod, `{"trustDomain":"cluster.local","rootNamespace":"istio-system","nope":1}`, "(json)"},
		{"unknown from pod", onePod, `{"trustDomain":"cluster.local","rootNamespace":"istio-system","flows":[{"id":"x","expect":"allow","origin":"declared","from":{"pod":"ns/b"},"to":{"pod":"ns/a","port":80}}]}`, "from.pod"},
		{"bad expect", onePod, `{"trustDomain":"cluster.local","rootNamespace":"istio-system","flows":[{"id":"x","expect":"maybe","origin":"declared","from":{"pod":"ns/a"},"to":{"pod":"ns/a","port":80}}]}`, "expect"},
		{"bad port", onePod, `{"trustDomain":"cluster.local","rootNamespace":"istio-system","flows":[{"id":"x","expect":"allow","origin":"declared","from":{"pod":"ns/a"},"to":{"pod":"ns/a","port":0}}]}`, "to.port"},
		{"two targets", onePod, `{"trustDomain":"cluster.local","rootNamespace":"istio-system","flows":[{"id":"x","expect":"allow","origin":"declared","from":{"pod":"ns/a"},"to":{"pod":"ns/a","external":"x.com","port":80}}]}`, "to"},
		{"alb without gateway", onePod, `{"trustDomain":"cluster.local","rootNamespace":"istio-system","flows":[{"id":"x","expect":"allow","origin":"declared","from":{"alb":true},"to":{"pod":"ns/a","port":80}}]}`, "from.alb"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			op, fp := writeFixture(t, c.objects, c.flows)
			o, err := LoadObjects(op)
			if err == nil {
				_, err = LoadFlows(fp, o)
			}
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("want an InputError, got %v", err)
			}
			if ie.Field != c.field {
				t.Fatalf("field %q, want %q (%v)", ie.Field, c.field, err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("not one line: %q", err.Error())
			}
		})
	}
}
