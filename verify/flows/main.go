// Command flows-engine decides every flow of flows.json against the objects of objects.yaml with
// Istio's own translation code, and writes decisions.json.
//
//	flows-engine --objects <dir>/objects.yaml --flows <dir>/flows.json --out <dir>/decisions.json
//
// Exit 0 when every flow was decided (whatever the decisions), 2 on bad input (objects the control
// plane refuses included), 1 when a flow could not be decided or the output not written. Errors
// are one line on stderr.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"testing"

	meshconfig "istio.io/api/mesh/v1alpha1"

	"istio.io/istio/pilot/pkg/features"
	"istio.io/istio/pilot/pkg/model"
	"istio.io/istio/pilot/pkg/simulation"
	"istio.io/istio/pilot/test/xds"
	"istio.io/istio/pkg/config/mesh"
	istiolog "istio.io/istio/pkg/log"
)

// IstioModule is the istio.io/istio module version the engine is built from (verify/tools.ts
// ISTIOCTL_MODULE_VERSION); read from the build info so it cannot drift.
func IstioModule() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "istio.io/istio" {
				return d.Path + " " + d.Version
			}
		}
	}
	return "istio.io/istio (unknown)"
}

// failer is the test.Failer the in-memory control plane wants: it records the first failure and
// ends the goroutine that failed (like testing.T.FailNow), instead of panicking the process.
// Cleanups run when the engine is done.
type failer struct {
	mu       sync.Mutex
	err      error
	cleanups []func()
}

func (f *failer) record(msg string) {
	f.mu.Lock()
	if f.err == nil {
		f.err = errors.New(msg)
	}
	f.mu.Unlock()
}
func (f *failer) Fail()             { f.record("control plane failed") }
func (f *failer) FailNow()          { f.record("control plane failed"); runtime.Goexit() }
func (f *failer) Fatal(args ...any) { f.record(fmt.Sprint(args...)); runtime.Goexit() }
func (f *failer) Fatalf(format string, a ...any) {
	f.record(fmt.Sprintf(format, a...))
	runtime.Goexit()
}
func (f *failer) Log(args ...any)              {}
func (f *failer) Logf(format string, a ...any) {}
func (f *failer) Helper()                      {}
func (f *failer) Skip(args ...any)             { f.record(fmt.Sprint(args...)); runtime.Goexit() }
func (f *failer) TempDir() string {
	d, err := os.MkdirTemp("", "flows-engine")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = os.RemoveAll(d) })
	return d
}
func (f *failer) Cleanup(fn func()) { f.mu.Lock(); f.cleanups = append(f.cleanups, fn); f.mu.Unlock() }
func (f *failer) Err() error        { f.mu.Lock(); defer f.mu.Unlock(); return f.err }
func (f *failer) RunCleanups() {
	f.mu.Lock()
	c := f.cleanups
	f.cleanups = nil
	f.mu.Unlock()
	for i := len(c) - 1; i >= 0; i-- {
		c[i]()
	}
}

// newFake builds the in-memory control plane in its own goroutine so a Fatal ends only that.
func newFake(f *failer, o *Objects, ff *FlowsFile) (*xds.FakeDiscoveryServer, error) {
	m := mesh.DefaultMeshConfig()
	m.TrustDomain = ff.TrustDomain
	m.RootNamespace = ff.RootNamespace
	m.OutboundTrafficPolicy = &meshconfig.MeshConfig_OutboundTrafficPolicy{Mode: meshconfig.MeshConfig_OutboundTrafficPolicy_REGISTRY_ONLY}
	var fake *xds.FakeDiscoveryServer
	done := make(chan struct{})
	go func() {
		defer close(done)
		fake = xds.NewFakeDiscoveryServer(f, xds.FakeOptions{
			ConfigString:           strings.Join(o.IstioDocs, "\n---\n"),
			KubernetesObjectString: strings.Join(o.KubeDocs, "\n---\n"),
			MeshConfig:             m,
		})
	}()
	<-done
	if err := f.Err(); err != nil {
		return nil, err
	}
	return fake, nil
}

type options struct{ objects, flows, out string }

var opts options

// run decides all flows; t is the testing.T the simulation package needs.
func run(t *testing.T) int {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(os.Stderr, "flows-engine: internal error: %v\n", firstLine(fmt.Sprint(r)))
			os.Exit(1)
		}
	}()
	o, err := LoadObjects(opts.objects)
	if err != nil {
		fmt.Fprintln(os.Stderr, "flows-engine: bad input: "+err.Error())
		return 2
	}
	ff, err := LoadFlows(opts.flows, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "flows-engine: bad input: "+err.Error())
		return 2
	}
	decisions, err := Run(t, o, ff)
	if err != nil {
		var ie *InputError
		if errors.As(err, &ie) {
			fmt.Fprintln(os.Stderr, "flows-engine: bad input: "+err.Error())
			return 2
		}
		fmt.Fprintln(os.Stderr, "flows-engine: "+firstLine(err.Error()))
		return 1
	}
	out, _ := MarshalDecisions(decisions)
	if err := os.WriteFile(opts.out, out, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "flows-engine: cannot write "+opts.out+": "+err.Error())
		return 1
	}
	return 0
}

// Run loads the control plane and decides every flow in order.
func Run(t *testing.T, o *Objects, ff *FlowsFile) ([]Decision, error) {
	f := &failer{}
	defer f.RunCleanups()
	fake, err := newFake(f, o, ff)
	if err != nil {
		return nil, &InputError{File: "objects.yaml", Object: "(control plane)", Field: "(objects)", Message: firstLine(err.Error())}
	}
	e := &Engine{t: t, fake: fake, o: o, f: ff, proxies: map[string]*model.Proxy{}, sims: map[string]*simulation.Simulation{}}
	e.loadAmbient()
	out := make([]Decision, 0, len(ff.Flows))
	for _, fl := range ff.Flows {
		out = append(out, e.Decide(fl))
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// MarshalDecisions writes decisions.json (two-space indent, trailing newline).
func MarshalDecisions(ds []Decision) ([]byte, error) {
	doc := struct {
		Engine    map[string]string `json:"engine"`
		Decisions []Decision        `json:"decisions"`
	}{Engine: map[string]string{"istio": IstioModule()}, Decisions: ds}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

var secretRe = regexp.MustCompile(`\s+`)

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	s = secretRe.ReplaceAllString(s, " ")
	if len(s) > 400 {
		s = s[:400] + "..."
	}
	return s
}

func quietLogs() {
	for _, s := range istiolog.Scopes() {
		s.SetOutputLevel(istiolog.NoneLevel)
	}
}

func main() {
	fs := flag.NewFlagSet("flows-engine", flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	fs.StringVar(&opts.objects, "objects", "", "objects.yaml")
	fs.StringVar(&opts.flows, "flows", "", "flows.json")
	fs.StringVar(&opts.out, "out", "", "decisions.json to write")
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	if opts.objects == "" || opts.flows == "" || opts.out == "" {
		fmt.Fprintln(os.Stderr, "flows-engine: usage: flows-engine --objects objects.yaml --flows flows.json --out decisions.json")
		os.Exit(2)
	}
	// istiod reads its ambient feature defaults once, at start (pilot/pkg/features/ambient.go
	// registerAmbient): run as an ambient-enabled istiod by starting again with PILOT_ENABLE_AMBIENT.
	if !features.EnableAmbient {
		self, err := os.Executable()
		if err == nil {
			err = syscall.Exec(self, os.Args, append(os.Environ(), "PILOT_ENABLE_AMBIENT=true"))
		}
		fmt.Fprintln(os.Stderr, "flows-engine: cannot start with PILOT_ENABLE_AMBIENT=true: "+err.Error())
		os.Exit(1)
	}
	quietLogs()
	// pilot/pkg/simulation takes a *testing.T: run the engine as the single test of a testing.Main
	// so it gets a real one, and leave with the engine's own exit code.
	os.Args = []string{os.Args[0], "-test.run=^TestFlowsEngine$"}
	testing.Main(func(pat, str string) (bool, error) {
		return pat == "" || str == "TestFlowsEngine" || strings.Contains(pat, str), nil
	},
		[]testing.InternalTest{{Name: "TestFlowsEngine", F: func(t *testing.T) { os.Exit(run(t)) }}}, nil, nil)
}
