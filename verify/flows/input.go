package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"
)

// InputError is bad input: the engine prints it as one line and exits 2.
type InputError struct {
	File, Object, Field, Message string
}

func (e *InputError) Error() string {
	obj := e.Object
	if obj == "" {
		obj = "(file)"
	}
	return fmt.Sprintf("%s: %s: %s: %s", e.File, obj, e.Field, e.Message)
}

// FlowsFile is flows.json.
type FlowsFile struct {
	Environment    string          `json:"environment"`
	TrustDomain    string          `json:"trustDomain"`
	RootNamespace  string          `json:"rootNamespace"`
	IngressGateway *IngressGateway `json:"ingressGateway"`
	AlbSourceCidrs []string        `json:"albSourceCidrs"`
	Flows          []Flow          `json:"flows"`
}

type IngressGateway struct {
	Namespace      string `json:"namespace"`
	Pod            string `json:"pod"`
	ServiceAccount string `json:"serviceAccount"`
	Port           int    `json:"port"`
}

type Flow struct {
	ID     string    `json:"id"`
	Expect string    `json:"expect"`
	Origin string    `json:"origin"`
	Why    string    `json:"why"`
	From   FlowFrom  `json:"from"`
	To     FlowTo    `json:"to"`
	HTTP   *FlowHTTP `json:"http,omitempty"`
}

type FlowFrom struct {
	Pod string `json:"pod,omitempty"`
	ALB bool   `json:"alb,omitempty"`
}

type FlowTo struct {
	Service  string `json:"service,omitempty"`
	Pod      string `json:"pod,omitempty"`
	External string `json:"external,omitempty"`
	Port     int    `json:"port"`
}

type FlowHTTP struct {
	Host   string   `json:"host"`
	Method string   `json:"method"`
	Path   string   `json:"path"`
	JWT    *FlowJWT `json:"jwt,omitempty"`
}

type FlowJWT struct {
	Issuer  string `json:"issuer"`
	Subject string `json:"subject"`
}

// Objects is objects.yaml, split by what the engine does with each kind.
type Objects struct {
	// KubeDocs: documents for the fake Kubernetes client (core kinds, Gateway API, Istio kinds the
	// ambient index watches).
	KubeDocs []string
	// IstioDocs: Istio configuration for the config store the push context reads.
	IstioDocs []string

	Namespaces      map[string]*corev1.Namespace
	Pods            map[string]*corev1.Pod // namespace/name
	Services        map[string]*corev1.Service
	NetworkPolicies []*networkingv1.NetworkPolicy
	// Waypoints: Gateway API Gateways of class istio-waypoint, namespace/name.
	Waypoints []string
	// PeerAuthentications for reporting only.
}

var istioGroups = map[string]bool{
	"networking.istio.io": true, "security.istio.io": true, "telemetry.istio.io": true, "extensions.istio.io": true,
}

// kinds of the Istio groups that the ambient index reads from the Kubernetes client
var ambientWatched = map[string]bool{"AuthorizationPolicy": true, "PeerAuthentication": true, "ServiceEntry": true, "WorkloadEntry": true}

func splitYAMLDocs(data []byte) []string {
	var docs []string
	var cur []string
	flush := func() {
		s := strings.TrimSpace(strings.Join(cur, "\n"))
		cur = nil
		if s == "" {
			return
		}
		// a document made only of comments is empty
		empty := true
		for _, l := range strings.Split(s, "\n") {
			t := strings.TrimSpace(l)
			if t != "" && !strings.HasPrefix(t, "#") {
				empty = false
				break
			}
		}
		if !empty {
			docs = append(docs, s)
		}
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.TrimRight(line, " \r") == "---" || strings.HasPrefix(line, "--- ") {
			flush()
			continue
		}
		cur = append(cur, line)
	}
	flush()
	return docs
}

type meta struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"metadata"`
}

// LoadObjects reads and checks objects.yaml.
func LoadObjects(path string) (*Objects, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &InputError{File: path, Field: "(read)", Message: err.Error()}
	}
	o := &Objects{Namespaces: map[string]*corev1.Namespace{}, Pods: map[string]*corev1.Pod{}, Services: map[string]*corev1.Service{}}
	for i, doc := range splitYAMLDocs(data) {
		var m meta
		if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
			return nil, &InputError{File: path, Object: fmt.Sprintf("document %d", i+1), Field: "(yaml)", Message: err.Error()}
		}
		id := fmt.Sprintf("%s %s/%s", m.Kind, m.Metadata.Namespace, m.Metadata.Name)
		if m.Kind == "" || m.APIVersion == "" {
			return nil, &InputError{File: path, Object: fmt.Sprintf("document %d", i+1), Field: "kind", Message: "every document needs apiVersion and kind"}
		}
		if m.Metadata.Name == "" {
			return nil, &InputError{File: path, Object: id, Field: "metadata.name", Message: "missing"}
		}
		group := ""
		if j := strings.Index(m.APIVersion, "/"); j >= 0 {
			group = m.APIVersion[:j]
		}
		strict := func(into any) error {
			if err := yaml.UnmarshalStrict([]byte(doc), into); err != nil {
				// status and unknown fields are tolerated; only type errors are bad input
				if err2 := yaml.Unmarshal([]byte(doc), into); err2 != nil {
					return &InputError{File: path, Object: id, Field: "(schema)", Message: err2.Error()}
				}
			}
			return nil
		}
		switch {
		case group == "" && m.Kind == "Namespace":
			ns := &corev1.Namespace{}
			if err := strict(ns); err != nil {
				return nil, err
			}
			o.Namespaces[ns.Name] = ns
			o.KubeDocs = append(o.KubeDocs, doc)
		case group == "" && m.Kind == "Pod":
			p := &corev1.Pod{}
			if err := strict(p); err != nil {
				return nil, err
			}
			if p.Namespace == "" {
				return nil, &InputError{File: path, Object: id, Field: "metadata.namespace", Message: "missing"}
			}
			if _, err := netip.ParseAddr(p.Status.PodIP); err != nil {
				return nil, &InputError{File: path, Object: id, Field: "status.podIP", Message: fmt.Sprintf("%q is not an IP address", p.Status.PodIP)}
			}
			p.TypeMeta = metaType("v1", "Pod")
			o.Pods[p.Namespace+"/"+p.Name] = p
		case group == "" && m.Kind == "Service":
			s := &corev1.Service{}
			if err := strict(s); err != nil {
				return nil, err
			}
			if s.Namespace == "" {
				return nil, &InputError{File: path, Object: id, Field: "metadata.namespace", Message: "missing"}
			}
			o.Services[s.Namespace+"/"+s.Name] = s
			o.KubeDocs = append(o.KubeDocs, doc)
		case group == "" && m.Kind == "ServiceAccount":
			o.KubeDocs = append(o.KubeDocs, doc)
		case group == "networking.k8s.io" && m.Kind == "NetworkPolicy":
			np := &networkingv1.NetworkPolicy{}
			if err := strict(np); err != nil {
				return nil, err
			}
			o.NetworkPolicies = append(o.NetworkPolicies, np)
		case group == "gateway.networking.k8s.io":
			if m.Kind == "Gateway" {
				var gw struct {
					Spec struct {
						GatewayClassName string `json:"gatewayClassName"`
					} `json:"spec"`
				}
				_ = yaml.Unmarshal([]byte(doc), &gw)
				if gw.Spec.GatewayClassName == "istio-waypoint" {
					o.Waypoints = append(o.Waypoints, m.Metadata.Namespace+"/"+m.Metadata.Name)
					doc = withWaypointStatus(doc, m.Metadata.Name, m.Metadata.Namespace)
				}
			}
			o.KubeDocs = append(o.KubeDocs, doc)
		case istioGroups[group]:
			o.IstioDocs = append(o.IstioDocs, doc)
			if ambientWatched[m.Kind] {
				o.KubeDocs = append(o.KubeDocs, doc)
			}
		}
	}
	sort.Strings(o.Waypoints)
	// Pods go in after the namespaces are known: istio-cni marks the pods it captures.
	for _, k := range sortedKeys(o.Pods) {
		p := o.Pods[k]
		if o.AmbientEnrolled(p) {
			if p.Annotations == nil {
				p.Annotations = map[string]string{}
			}
			p.Annotations["ambient.istio.io/redirection"] = "enabled"
		}
		o.KubeDocs = append(o.KubeDocs, mustYAML(p))
	}
	o.addWaypointWorkloads()
	o.addEndpointSlices()
	return o, nil
}

// withWaypointStatus sets the address the Istio gateway deployment controller reports for a ready
// waypoint (its Service hostname): the ambient index only treats a Gateway with an address as a
// waypoint (pilot/pkg/serviceregistry/ambient/waypoints.go).
func withWaypointStatus(doc, name, ns string) string {
	var m map[string]any
	if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
		return doc
	}
	m["status"] = map[string]any{"addresses": []any{map[string]any{"type": "Hostname", "value": fmt.Sprintf("%s.%s.svc.cluster.local", name, ns)}}}
	out, err := yaml.Marshal(m)
	if err != nil {
		return doc
	}
	return string(out)
}

// addWaypointWorkloads writes what Istio's gateway deployment controller would create for each
// waypoint: a ServiceAccount and a Service named after the Gateway (HBONE 15008) and one ready Pod.
func (o *Objects) addWaypointWorkloads() {
	hasClass := false
	for _, d := range o.KubeDocs {
		if strings.Contains(d, "kind: GatewayClass") && strings.Contains(d, "name: istio-waypoint") {
			hasClass = true
		}
	}
	if len(o.Waypoints) > 0 && !hasClass {
		o.KubeDocs = append(o.KubeDocs, "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata:\n  name: istio-waypoint\nspec:\n  controllerName: istio.io/mesh-controller\n")
	}
	for i, key := range o.Waypoints {
		ns, name, _ := strings.Cut(key, "/")
		podIP := fmt.Sprintf("10.98.%d.%d", (i+1)/250, (i+1)%250+1)
		svcIP := fmt.Sprintf("10.97.%d.%d", (i+1)/250, (i+1)%250+1)
		labels := map[string]string{"gateway.networking.k8s.io/gateway-name": name, "gateway.istio.io/managed": "istio.io-mesh-controller", "istio.io/dataplane-mode": "none", "networking.istio.io/tunnel": "http"}
		svc := &corev1.Service{
			TypeMeta:   metaType("v1", "Service"),
			ObjectMeta: objMeta(name, ns, map[string]string{"gateway.networking.k8s.io/gateway-name": name, "gateway.istio.io/managed": "istio.io-mesh-controller"}),
			Spec: corev1.ServiceSpec{
				ClusterIP: svcIP, ClusterIPs: []string{svcIP},
				Selector: map[string]string{"gateway.networking.k8s.io/gateway-name": name},
				Ports: []corev1.ServicePort{
					{Name: "status-port", Port: 15021, TargetPort: intstr.FromInt32(15021), Protocol: corev1.ProtocolTCP},
					{Name: "mesh", Port: 15008, TargetPort: intstr.FromInt32(15008), Protocol: corev1.ProtocolTCP},
				},
			},
		}
		pod := &corev1.Pod{
			TypeMeta:   metaType("v1", "Pod"),
			ObjectMeta: objMeta(name+"-flows-0", ns, labels),
			Spec: corev1.PodSpec{ServiceAccountName: name, Containers: []corev1.Container{{Name: "istio-proxy", Image: "istio/proxyv2",
				Ports: []corev1.ContainerPort{{ContainerPort: 15008, Protocol: corev1.ProtocolTCP}, {ContainerPort: 15021, Protocol: corev1.ProtocolTCP}}}}},
			Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: podIP, PodIPs: []corev1.PodIP{{IP: podIP}},
				Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}},
		}
		sa := &corev1.ServiceAccount{TypeMeta: metaType("v1", "ServiceAccount"), ObjectMeta: objMeta(name, ns, nil)}
		o.Services[ns+"/"+name] = svc
		o.Pods[ns+"/"+pod.Name] = pod
		o.KubeDocs = append(o.KubeDocs, mustYAML(svc), mustYAML(pod), mustYAML(sa))
	}
}

// addEndpointSlices derives the EndpointSlice the endpoint controller would write for every
// Service with a selector: its ready pods, each Service port mapped to the pod's target port.
func (o *Objects) addEndpointSlices() {
	keys := sortedKeys(o.Services)
	for _, key := range keys {
		svc := o.Services[key]
		if len(svc.Spec.Selector) == 0 {
			continue
		}
		pods := o.PodsOf(svc)
		if len(pods) == 0 {
			continue
		}
		type epPort struct {
			Name     string `json:"name"`
			Port     int32  `json:"port"`
			Protocol string `json:"protocol"`
		}
		var ports []epPort
		for _, sp := range svc.Spec.Ports {
			tp := ResolveTargetPort(sp, pods[0])
			proto := string(sp.Protocol)
			if proto == "" {
				proto = "TCP"
			}
			ports = append(ports, epPort{Name: sp.Name, Port: tp, Protocol: proto})
		}
		var eps []map[string]any
		for _, p := range pods {
			eps = append(eps, map[string]any{
				"addresses":  []string{p.Status.PodIP},
				"conditions": map[string]any{"ready": true, "serving": true, "terminating": false},
				"targetRef":  map[string]any{"kind": "Pod", "name": p.Name, "namespace": p.Namespace},
			})
		}
		slice := map[string]any{
			"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
			"metadata":    map[string]any{"name": svc.Name + "-flows", "namespace": svc.Namespace, "labels": map[string]string{"kubernetes.io/service-name": svc.Name, "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"}},
			"addressType": "IPv4",
			"endpoints":   eps,
			"ports":       ports,
		}
		o.KubeDocs = append(o.KubeDocs, mustYAML(slice))
	}
}

// Sidecar: the pod runs an injected sidecar: labelled sidecar.istio.io/inject=true, or in a
// namespace with istio-injection=enabled or an istio.io/rev label, unless the pod opts out.
func (o *Objects) Sidecar(p *corev1.Pod) bool {
	switch p.Labels["sidecar.istio.io/inject"] {
	case "true":
		return true
	case "false":
		return false
	}
	ns := o.Namespaces[p.Namespace]
	if ns == nil {
		return false
	}
	return ns.Labels["istio-injection"] == "enabled" || (ns.Labels["istio.io/rev"] != "" && ns.Labels["istio-injection"] != "disabled")
}

// AmbientEnrolled: istio-cni captures the pod for ztunnel, and marks it with the
// ambient.istio.io/redirection=enabled annotation the ambient index reads
// (cni/pkg/util/podutil.go PodFullyEnrolled; pilot/pkg/serviceregistry/ambient/workloads.go): the
// pod or its namespace carries istio.io/dataplane-mode=ambient, the pod does not opt out with
// istio.io/dataplane-mode=none, and it has no sidecar.
func (o *Objects) AmbientEnrolled(p *corev1.Pod) bool {
	if o.Sidecar(p) {
		return false
	}
	switch p.Labels["istio.io/dataplane-mode"] {
	case "ambient":
		return true
	case "none":
		return false
	}
	ns := o.Namespaces[p.Namespace]
	return ns != nil && ns.Labels["istio.io/dataplane-mode"] == "ambient"
}

// PodsOf returns the pods a Service selects, by name.
func (o *Objects) PodsOf(svc *corev1.Service) []*corev1.Pod {
	var out []*corev1.Pod
	if len(svc.Spec.Selector) == 0 {
		return nil
	}
	for _, k := range sortedKeys(o.Pods) {
		p := o.Pods[k]
		if p.Namespace != svc.Namespace {
			continue
		}
		ok := true
		for lk, lv := range svc.Spec.Selector {
			if p.Labels[lk] != lv {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, p)
		}
	}
	return out
}

// ResolveTargetPort maps a Service port to the pod's port: a number, a named container port, or
// the Service port itself when unset.
func ResolveTargetPort(sp corev1.ServicePort, pod *corev1.Pod) int32 {
	switch {
	case sp.TargetPort.Type == intstr.Int && sp.TargetPort.IntVal != 0:
		return sp.TargetPort.IntVal
	case sp.TargetPort.Type == intstr.String && sp.TargetPort.StrVal != "":
		if n, err := strconv.Atoi(sp.TargetPort.StrVal); err == nil {
			return int32(n)
		}
		for _, c := range pod.Spec.Containers {
			for _, cp := range c.Ports {
				if cp.Name == sp.TargetPort.StrVal {
					return cp.ContainerPort
				}
			}
		}
	}
	return sp.Port
}

// LoadFlows reads and checks flows.json against the objects.
func LoadFlows(path string, o *Objects) (*FlowsFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &InputError{File: path, Field: "(read)", Message: err.Error()}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	f := &FlowsFile{}
	if err := dec.Decode(f); err != nil {
		return nil, &InputError{File: path, Field: "(json)", Message: err.Error()}
	}
	bad := func(obj, field, msg string) error {
		return &InputError{File: path, Object: obj, Field: field, Message: msg}
	}
	if f.TrustDomain == "" {
		return nil, bad("", "trustDomain", "missing")
	}
	if f.RootNamespace == "" {
		return nil, bad("", "rootNamespace", "missing")
	}
	for _, c := range f.AlbSourceCidrs {
		if _, err := netip.ParsePrefix(c); err != nil {
			return nil, bad("", "albSourceCidrs", fmt.Sprintf("%q is not a CIDR", c))
		}
	}
	if g := f.IngressGateway; g != nil {
		if _, ok := o.Pods[g.Namespace+"/"+g.Pod]; !ok {
			return nil, bad("", "ingressGateway.pod", fmt.Sprintf("no Pod %s/%s in the objects", g.Namespace, g.Pod))
		}
		if g.Port <= 0 || g.Port > 65535 {
			return nil, bad("", "ingressGateway.port", fmt.Sprintf("%d is not a port", g.Port))
		}
	}
	seen := map[string]bool{}
	for i, fl := range f.Flows {
		obj := fmt.Sprintf("flows[%d] %q", i, fl.ID)
		if fl.ID == "" {
			return nil, bad(obj, "id", "missing")
		}
		if seen[fl.ID] {
			return nil, bad(obj, "id", "duplicate id")
		}
		seen[fl.ID] = true
		if fl.Expect != "allow" && fl.Expect != "deny" {
			return nil, bad(obj, "expect", fmt.Sprintf("%q: must be allow or deny", fl.Expect))
		}
		if fl.Origin != "declared" && fl.Origin != "must-deny" {
			return nil, bad(obj, "origin", fmt.Sprintf("%q: must be declared or must-deny", fl.Origin))
		}
		switch {
		case fl.From.ALB && fl.From.Pod != "":
			return nil, bad(obj, "from", "either pod or alb, not both")
		case fl.From.ALB:
			if f.IngressGateway == nil {
				return nil, bad(obj, "from.alb", "needs ingressGateway")
			}
			if len(f.AlbSourceCidrs) == 0 {
				return nil, bad(obj, "from.alb", "needs albSourceCidrs")
			}
		case fl.From.Pod != "":
			if _, ok := o.Pods[fl.From.Pod]; !ok {
				return nil, bad(obj, "from.pod", fmt.Sprintf("no Pod %s in the objects", fl.From.Pod))
			}
		default:
			return nil, bad(obj, "from", "needs pod or alb")
		}
		n := 0
		if fl.To.Service != "" {
			n++
			if _, ok := o.Services[fl.To.Service]; !ok {
				return nil, bad(obj, "to.service", fmt.Sprintf("no Service %s in the objects", fl.To.Service))
			}
		}
		if fl.To.Pod != "" {
			n++
			if _, ok := o.Pods[fl.To.Pod]; !ok {
				return nil, bad(obj, "to.pod", fmt.Sprintf("no Pod %s in the objects", fl.To.Pod))
			}
		}
		if fl.To.External != "" {
			n++
		}
		if n != 1 {
			return nil, bad(obj, "to", "needs exactly one of service, pod, external")
		}
		if fl.To.Port <= 0 || fl.To.Port > 65535 {
			return nil, bad(obj, "to.port", fmt.Sprintf("%d is not a port", fl.To.Port))
		}
		if fl.To.Service != "" {
			svc := o.Services[fl.To.Service]
			found := false
			for _, sp := range svc.Spec.Ports {
				if int(sp.Port) == fl.To.Port {
					found = true
				}
			}
			if !found {
				return nil, bad(obj, "to.port", fmt.Sprintf("Service %s has no port %d", fl.To.Service, fl.To.Port))
			}
			if svc.Spec.ClusterIP == "" || svc.Spec.ClusterIP == "None" {
				return nil, bad(obj, "to.service", fmt.Sprintf("Service %s has no spec.clusterIP in the objects", fl.To.Service))
			}
		}
		if fl.From.ALB && (fl.HTTP == nil || fl.To.Service == "") {
			return nil, bad(obj, "http", "an ALB flow needs http and to.service")
		}
		if fl.HTTP != nil && fl.HTTP.Path != "" && !strings.HasPrefix(fl.HTTP.Path, "/") {
			return nil, bad(obj, "http.path", fmt.Sprintf("%q must start with /", fl.HTTP.Path))
		}
	}
	return f, nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
