package main

import (
	"fmt"
	"net/netip"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	listenerpb "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	rbacpb "github.com/envoyproxy/go-control-plane/envoy/config/rbac/v3"
	jwtpb "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/jwt_authn/v3"
	httprbac "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/rbac/v3"
	hcmpb "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	netrbac "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/rbac/v3"
	"google.golang.org/protobuf/encoding/protojson"
	corev1 "k8s.io/api/core/v1"

	"istio.io/istio/pilot/pkg/model"
	"istio.io/istio/pilot/pkg/simulation"
	"istio.io/istio/pilot/pkg/xds/filters"
	"istio.io/istio/pilot/test/xds"
	"istio.io/istio/pkg/util/sets"
	"istio.io/istio/pkg/workloadapi"
	"istio.io/istio/pkg/workloadapi/security"
)

// Hop is one step of a flow's path.
type Hop struct {
	Hop       string `json:"hop"`
	Component string `json:"component"`
	Decision  string `json:"decision"`
	Matched   string `json:"matched"`
}

// Decision of one flow.
type Decision struct {
	ID       string `json:"id"`
	Decision string `json:"decision"`
	Layer    string `json:"layer"`
	Hops     []Hop  `json:"hops"`
}

// Mode is how a pod takes part in the mesh.
type Mode string

const (
	ModeAmbient  Mode = "ambient"
	ModeSidecar  Mode = "sidecar"
	ModeGateway  Mode = "gateway"
	ModeWaypoint Mode = "waypoint"
	ModeNone     Mode = "none"
)

// Engine holds the in-memory control plane loaded with the objects.
type Engine struct {
	t    *testing.T
	fake *xds.FakeDiscoveryServer
	o    *Objects
	f    *FlowsFile

	proxies   map[string]*model.Proxy
	sims      map[string]*simulation.Simulation
	workloads map[string]*workloadapi.Workload // by pod IP
	services  map[string]*workloadapi.Service  // by namespace/name
	policies  ZtunnelPolicySet
}

func (e *Engine) loadAmbient() {
	e.workloads = map[string]*workloadapi.Workload{}
	e.services = map[string]*workloadapi.Service{}
	idx := e.fake.Env().AmbientIndexes
	infos, _ := idx.AddressInformation(sets.New[string]())
	for _, ai := range infos {
		if w := ai.GetWorkload(); w != nil {
			for _, a := range w.GetAddresses() {
				if ip, ok := netip.AddrFromSlice(a); ok {
					e.workloads[ip.String()] = w
				}
			}
		}
		if s := ai.GetService(); s != nil {
			e.services[s.GetNamespace()+"/"+s.GetName()] = s
		}
	}
	e.policies = ZtunnelPolicySet{All: map[string]*security.Authorization{}}
	for _, wa := range idx.Policies(nil) {
		a := wa.Authorization
		e.policies.All[a.GetNamespace()+"/"+a.GetName()] = a
	}
	if os.Getenv("FLOWS_ENGINE_DEBUG") != "" {
		fmt.Fprintf(os.Stderr, "ambient index %T: %d addresses, %d workloads, %d services, %d policies\n", idx, len(infos), len(e.workloads), len(e.services), len(e.policies.All))
		for ip, w := range e.workloads {
			fmt.Fprintf(os.Stderr, "  workload %s %s/%s tunnel=%v waypoint=%v policies=%v\n", ip, w.GetNamespace(), w.GetName(), w.GetTunnelProtocol(), w.GetWaypoint(), w.GetAuthorizationPolicies())
		}
		for k, s := range e.services {
			fmt.Fprintf(os.Stderr, "  service %s waypoint=%v\n", k, s.GetWaypoint())
		}
		for k := range e.policies.All {
			fmt.Fprintf(os.Stderr, "  policy %s\n", k)
		}
	}
}

// mode decides how a pod takes part in the mesh: the ingress gateway and waypoints by role, a pod
// the ambient index captures with HBONE is ambient, a pod in an injection-enabled namespace (or
// labelled for injection) is a sidecar, anything else is outside the mesh.
func (e *Engine) mode(p *corev1.Pod) Mode {
	if g := e.f.IngressGateway; g != nil && p.Namespace == g.Namespace && p.Name == g.Pod {
		return ModeGateway
	}
	if p.Labels["gateway.istio.io/managed"] == "istio.io-mesh-controller" {
		return ModeWaypoint
	}
	if e.o.Sidecar(p) {
		return ModeSidecar
	}
	if w := e.workloads[p.Status.PodIP]; w != nil && w.GetTunnelProtocol() == workloadapi.TunnelProtocol_HBONE {
		return ModeAmbient
	}
	return ModeNone
}

func (e *Engine) spiffe(p *corev1.Pod) string {
	sa := p.Spec.ServiceAccountName
	if sa == "" {
		sa = "default"
	}
	return fmt.Sprintf("spiffe://%s/ns/%s/sa/%s", e.f.TrustDomain, p.Namespace, sa)
}

func (e *Engine) proxy(p *corev1.Pod, m Mode) *model.Proxy {
	key := p.Namespace + "/" + p.Name
	if px := e.proxies[key]; px != nil {
		return px
	}
	t := model.SidecarProxy
	switch m {
	case ModeGateway:
		t = model.Router
	case ModeWaypoint:
		t = model.Waypoint
	}
	sa := p.Spec.ServiceAccountName
	if sa == "" {
		sa = "default"
	}
	px := &model.Proxy{
		Type:            t,
		ID:              p.Name + "." + p.Namespace,
		IPAddresses:     []string{p.Status.PodIP},
		ConfigNamespace: p.Namespace,
		Labels:          p.Labels,
		Metadata: &model.NodeMetadata{
			Namespace:      p.Namespace,
			Labels:         p.Labels,
			ServiceAccount: sa,
			ClusterID:      "Kubernetes",
			IstioVersion:   "1.30.3",
			WorkloadName:   p.Name,
		},
	}
	px = e.fake.SetupProxy(px)
	e.proxies[key] = px
	return px
}

func (e *Engine) sim(p *corev1.Pod, m Mode) *simulation.Simulation {
	key := p.Namespace + "/" + p.Name
	if s := e.sims[key]; s != nil {
		return s
	}
	s := simulation.NewSimulation(e.t, e.fake, e.proxy(p, m))
	e.sims[key] = s
	return s
}

func named(n string) string {
	if n == "" {
		return "(unnamed)"
	}
	return n
}

// flowState carries one flow's hops.
type flowState struct {
	hops  []Hop
	layer string
}

func (s *flowState) add(hop, component string, allow bool, matched string) bool {
	d := "allow"
	if !allow {
		d = "deny"
		if s.layer == "" {
			s.layer = component
		}
	}
	if matched == "" {
		matched = "(none)"
	}
	s.hops = append(s.hops, Hop{Hop: hop, Component: component, Decision: d, Matched: matched})
	return allow
}

func podKey(p *corev1.Pod) string { return p.Namespace + "/" + p.Name }

// Decide walks one flow through its hops.
func (e *Engine) Decide(fl Flow) Decision {
	st := &flowState{}
	e.walk(fl, st)
	d := Decision{ID: fl.ID, Decision: "allow", Layer: "allowed", Hops: st.hops}
	if st.layer != "" {
		d.Decision = "deny"
		d.Layer = st.layer
	}
	if d.Hops == nil {
		d.Hops = []Hop{}
	}
	return d
}

// target is where a caller's connection is going after service resolution.
type target struct {
	svc     *corev1.Service
	svcPort int32
	pod     *corev1.Pod
	podPort int32
}

func (e *Engine) resolveTarget(fl Flow) (target, error) {
	if fl.To.Service != "" {
		svc := e.o.Services[fl.To.Service]
		pods := e.o.PodsOf(svc)
		if len(pods) == 0 {
			return target{svc: svc, svcPort: int32(fl.To.Port)}, fmt.Errorf("Service %s selects no pod", fl.To.Service)
		}
		var sp corev1.ServicePort
		for _, p := range svc.Spec.Ports {
			if int(p.Port) == fl.To.Port {
				sp = p
			}
		}
		return target{svc: svc, svcPort: int32(fl.To.Port), pod: pods[0], podPort: ResolveTargetPort(sp, pods[0])}, nil
	}
	p := e.o.Pods[fl.To.Pod]
	return target{pod: p, podPort: int32(fl.To.Port)}, nil
}

func (e *Engine) walk(fl Flow, st *flowState) {
	if fl.To.External != "" {
		e.walkExternal(fl, st)
		return
	}
	tg, err := e.resolveTarget(fl)
	if err != nil {
		st.add("routing "+fl.To.Service, "routing", false, err.Error())
		return
	}
	if fl.From.ALB {
		e.walkALB(fl, tg, st)
		return
	}
	src := e.o.Pods[fl.From.Pod]
	switch m := e.mode(src); m {
	case ModeAmbient:
		e.walkAmbientCaller(fl, src, tg, st)
	case ModeSidecar, ModeGateway:
		e.walkSidecarCaller(fl, src, m, tg, st)
	default:
		e.walkPlaintextCaller(fl, src, tg, st)
	}
}

func (e *Engine) svcHost(svc *corev1.Service) string {
	return fmt.Sprintf("%s.%s.svc.cluster.local", svc.Name, svc.Namespace)
}

// serviceWaypoint: the waypoint pod a Service's traffic is sent to by ztunnel (the ambient index's
// Service.waypoint), or nil.
func (e *Engine) serviceWaypoint(svc *corev1.Service) *corev1.Pod {
	ws := e.services[svc.Namespace+"/"+svc.Name]
	if ws == nil || ws.GetWaypoint() == nil {
		return nil
	}
	return e.waypointPod(ws.GetWaypoint())
}

func (e *Engine) waypointPod(gw *workloadapi.GatewayAddress) *corev1.Pod {
	if h := gw.GetHostname(); h != nil {
		parts := strings.Split(h.GetHostname(), ".")
		if len(parts) >= 2 {
			if svc := e.o.Services[parts[1]+"/"+parts[0]]; svc != nil {
				if pods := e.o.PodsOf(svc); len(pods) > 0 {
					return pods[0]
				}
			}
		}
	}
	if a := gw.GetAddress(); a != nil {
		if ip, ok := netip.AddrFromSlice(a.GetAddress()); ok {
			for _, k := range sortedKeys(e.o.Services) {
				svc := e.o.Services[k]
				if svc.Spec.ClusterIP == ip.String() {
					if pods := e.o.PodsOf(svc); len(pods) > 0 {
						return pods[0]
					}
				}
			}
		}
	}
	return nil
}

// np adds the NetworkPolicy hop for one connection.
func (e *Engine) np(st *flowState, src, dst Endpoint, port int32, label string) bool {
	d := DecideNetworkPolicy(e.o, src, dst, port, corev1.ProtocolTCP)
	return st.add(fmt.Sprintf("network-policy %s -> %s:%d", label, endpointName(dst), port), "network-policy", d.Allow, d.Matched)
}

func endpointName(ep Endpoint) string {
	if ep.Pod != nil {
		return podKey(ep.Pod)
	}
	return ep.IP.String()
}

func podEP(p *corev1.Pod) Endpoint {
	ip, _ := netip.ParseAddr(p.Status.PodIP)
	return Endpoint{Pod: p, IP: ip}
}

// ---- ambient caller ----

func (e *Engine) walkAmbientCaller(fl Flow, src *corev1.Pod, tg target, st *flowState) {
	id := e.spiffe(src)
	if tg.svc != nil {
		if wp := e.serviceWaypoint(tg.svc); wp != nil {
			hop := fmt.Sprintf("ztunnel outbound %s -> %s:%d via waypoint %s", podKey(src), e.svcHost(tg.svc), tg.svcPort, podKey(wp))
			st.add(hop, "ztunnel", true, "service waypoint "+podKey(wp))
			if !e.np(st, podEP(src), podEP(wp), 15008, podKey(src)) {
				return
			}
			// the waypoint pod's own ztunnel does not capture it: waypoints receive HBONE directly
			if !e.waypointHop(fl, wp, tg, src, id, st) {
				return
			}
			e.inbound(fl, wp, e.spiffe(wp), tg, st, true)
			return
		}
	}
	target := tg.pod.Namespace + "/" + tg.pod.Name
	if tg.svc != nil {
		target = e.svcHost(tg.svc)
	}
	st.add(fmt.Sprintf("ztunnel outbound %s -> %s:%d direct to %s", podKey(src), target, fl.To.Port, podKey(tg.pod)), "ztunnel", true, "(no waypoint)")
	e.inbound(fl, src, id, tg, st, true)
}

// ---- sidecar (and gateway) caller ----

func (e *Engine) walkSidecarCaller(fl Flow, src *corev1.Pod, m Mode, tg target, st *flowState) {
	s := e.sim(src, m)
	addr := tg.pod.Status.PodIP
	port := int(tg.podPort)
	label := podKey(tg.pod)
	if tg.svc != nil {
		addr = tg.svc.Spec.ClusterIP
		port = int(tg.svcPort)
		label = e.svcHost(tg.svc)
	}
	call := simulation.Call{Address: addr, Port: port, Protocol: simulation.TCP, CallMode: simulation.CallModeOutbound}
	if fl.HTTP != nil {
		call.Protocol = simulation.HTTP
		call.HostHeader = fl.HTTP.Host
		if call.HostHeader == "" {
			call.HostHeader = label
		}
		call.Path = fl.HTTP.Path
		call.Headers = map[string][]string{":method": {method(fl)}}
	}
	res := s.Run(call)
	hop := fmt.Sprintf("sidecar outbound %s -> %s:%d listener %s chain %s route %s -> %s", podKey(src), label, port, named(res.ListenerMatched), named(res.FilterChainMatched), named(res.RouteMatched), named(res.ClusterMatched))
	if res.Error != nil {
		st.add(hop, "routing", false, res.Error.Error())
		return
	}
	if res.ClusterMatched == "" || strings.Contains(res.ClusterMatched, "BlackHole") {
		st.add(hop, "routing", false, "BlackHoleCluster")
		return
	}
	eps := e.clusterTargets(e.proxy(src, m), res.ClusterMatched)
	dst := tg.pod
	if len(eps) > 0 {
		dst = eps[0]
	}
	matched := res.ClusterMatched
	st.add(hop+" endpoints "+podList(eps), "sidecar", true, matched)
	if dst.Labels["gateway.istio.io/managed"] == "istio.io-mesh-controller" {
		if !e.np(st, podEP(src), podEP(dst), 15008, podKey(src)) {
			return
		}
		if !e.waypointHop(fl, dst, tg, src, e.spiffe(src), st) {
			return
		}
		e.inbound(fl, dst, e.spiffe(dst), tg, st, true)
		return
	}
	e.inbound(fl, src, e.spiffe(src), tg, st, true)
}

func podList(ps []*corev1.Pod) string {
	if len(ps) == 0 {
		return "(none)"
	}
	var n []string
	for _, p := range ps {
		n = append(n, podKey(p))
	}
	return strings.Join(n, ",")
}

var ipRe = regexp.MustCompile(`\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b`)

// clusterTargets: the pods whose addresses EDS returns for a cluster, as the given proxy sees it
// (the endpoint itself, or the tunnel destination of an HBONE endpoint).
func (e *Engine) clusterTargets(px *model.Proxy, cluster string) []*corev1.Pod {
	byIP := map[string]*corev1.Pod{}
	for _, k := range sortedKeys(e.o.Pods) {
		p := e.o.Pods[k]
		byIP[p.Status.PodIP] = p
	}
	seen := map[string]bool{}
	var out []*corev1.Pod
	for _, cla := range e.fake.Endpoints(px) {
		if cla.GetClusterName() != cluster {
			continue
		}
		for _, le := range cla.GetEndpoints() {
			for _, lb := range le.GetLbEndpoints() {
				js, _ := protojson.Marshal(lb)
				for _, ip := range ipRe.FindAllString(string(js), -1) {
					if p := byIP[ip]; p != nil && !seen[podKey(p)] {
						seen[podKey(p)] = true
						out = append(out, p)
					}
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return podKey(out[i]) < podKey(out[j]) })
	return out
}

// asHTTP: a TCP flow that lands on an HTTP chain is decided as a plain request (GET / to host).
func asHTTP(fl Flow, host string) Flow {
	if fl.HTTP == nil {
		fl.HTTP = &FlowHTTP{Host: host, Method: "GET", Path: "/"}
	}
	return fl
}

func method(fl Flow) string {
	if fl.HTTP == nil || fl.HTTP.Method == "" {
		return "GET"
	}
	return fl.HTTP.Method
}

// ---- plaintext caller (outside the mesh) ----

func (e *Engine) walkPlaintextCaller(fl Flow, src *corev1.Pod, tg target, st *flowState) {
	st.add(fmt.Sprintf("plaintext %s -> %s:%d (kube-proxy to %s)", podKey(src), fl.To.Service+fl.To.Pod, fl.To.Port, podKey(tg.pod)), "routing", true, "(no mesh)")
	e.inbound(fl, src, "", tg, st, false)
}

// ---- ALB caller ----

func (e *Engine) walkALB(fl Flow, tg target, st *flowState) {
	g := e.f.IngressGateway
	gw := e.o.Pods[g.Namespace+"/"+g.Pod]
	pfx, _ := netip.ParsePrefix(e.f.AlbSourceCidrs[0])
	albIP := pfx.Addr().Next()
	if !e.np(st, Endpoint{IP: albIP}, podEP(gw), int32(g.Port), "alb "+albIP.String()) {
		return
	}
	s := e.sim(gw, ModeGateway)
	// The ALB does not send SNI to its targets: Host header only.
	call := simulation.Call{
		Address: gw.Status.PodIP, Port: g.Port, Protocol: simulation.HTTP, TLS: simulation.TLS, CallMode: simulation.CallModeGateway,
		Path: fl.HTTP.Path, Headers: map[string][]string{"Host": {fl.HTTP.Host}, ":method": {method(fl)}},
	}
	res := s.Run(call)
	hop := fmt.Sprintf("gateway listener %s chain %s route %s %s -> %s", named(res.ListenerMatched), named(res.FilterChainMatched), fl.HTTP.Host, named(res.RouteMatched), named(res.ClusterMatched))
	if res.Error != nil {
		st.add(hop, "gateway", false, res.Error.Error())
		return
	}
	want := fmt.Sprintf("outbound|%d||%s", tg.svcPort, e.svcHost(tg.svc))
	if res.ClusterMatched != want {
		st.add(hop, "routing", false, fmt.Sprintf("route goes to %s, not %s", res.ClusterMatched, want))
		return
	}
	fc := e.chain(s.Listeners, res.ListenerMatched, res.FilterChainMatched)
	rbac := rbacOfChain(fc, true)
	req := e.httpRequest(fl, "", albIP, gw, int32(g.Port), false, jwtIssuers(fc))
	d := DecideRBAC(rbac, req)
	if !st.add(hop, "gateway", d.Allow, d.Matched) {
		return
	}
	eps := e.clusterTargets(e.proxy(gw, ModeGateway), res.ClusterMatched)
	if len(eps) == 0 {
		st.add("gateway endpoints "+res.ClusterMatched, "routing", false, "no endpoints")
		return
	}
	dst := eps[0]
	if dst.Labels["gateway.istio.io/managed"] == "istio.io-mesh-controller" {
		st.add(fmt.Sprintf("gateway outbound %s -> waypoint %s", res.ClusterMatched, podKey(dst)), "gateway", true, "ingress-use-waypoint")
		if !e.np(st, podEP(gw), podEP(dst), 15008, podKey(gw)) {
			return
		}
		if !e.waypointHop(fl, dst, tg, gw, e.spiffe(gw), st) {
			return
		}
		e.inbound(fl, dst, e.spiffe(dst), tg, st, true)
		return
	}
	st.add(fmt.Sprintf("gateway outbound %s -> %s", res.ClusterMatched, podKey(dst)), "gateway", true, "endpoint "+podKey(dst))
	e.inbound(fl, gw, e.spiffe(gw), tg, st, true)
}

// ---- external ----

func (e *Engine) walkExternal(fl Flow, st *flowState) {
	if fl.From.ALB {
		st.add("alb -> external", "routing", false, "the ALB only sends to the gateway")
		return
	}
	src := e.o.Pods[fl.From.Pod]
	m := e.mode(src)
	if m != ModeSidecar && m != ModeGateway {
		st.add(fmt.Sprintf("%s %s -> %s:%d", m, podKey(src), fl.To.External, fl.To.Port), "routing", true, "(not modelled: no sidecar decides this egress)")
		return
	}
	s := e.sim(src, m)
	// A resolved external name: an address that is no Service's, on the flow's port.
	call := simulation.Call{Address: "203.0.113.10", Port: fl.To.Port, Protocol: simulation.TCP, CallMode: simulation.CallModeOutbound}
	if fl.To.Port == 443 {
		call.TLS = simulation.TLS
		call.Sni = fl.To.External
		call.Protocol = simulation.HTTP
		call.HostHeader = fl.To.External
	}
	res := s.Run(call)
	hop := fmt.Sprintf("sidecar outbound %s -> %s:%d listener %s chain %s -> %s", podKey(src), fl.To.External, fl.To.Port, named(res.ListenerMatched), named(res.FilterChainMatched), named(res.ClusterMatched))
	if res.Error != nil {
		st.add(hop, "routing", false, res.Error.Error())
		return
	}
	if res.ClusterMatched == "" || strings.Contains(res.ClusterMatched, "BlackHole") {
		st.add(hop, "routing", false, "BlackHoleCluster (outboundTrafficPolicy REGISTRY_ONLY)")
		return
	}
	st.add(hop, "sidecar", true, res.ClusterMatched)
}

// ---- waypoint ----

// waypointHop evaluates the waypoint's RBAC for the service it serves.
func (e *Engine) waypointHop(fl Flow, wp *corev1.Pod, tg target, caller *corev1.Pod, callerID string, st *flowState) bool {
	s := e.sim(wp, ModeWaypoint)
	if tg.svc == nil {
		return st.add(fmt.Sprintf("waypoint %s (workload address)", podKey(wp)), "waypoint", true, "(not modelled)")
	}
	proto := "tcp"
	if fl.HTTP != nil {
		proto = "http"
	}
	chain := fmt.Sprintf("inbound-vip|%d|%s|%s", tg.svcPort, proto, e.svcHost(tg.svc))
	fc := findChain(s.Listeners, "main_internal", chain)
	if fc == nil {
		// the waypoint builds one chain per Service port, by the port's protocol
		other := map[string]string{"http": "tcp", "tcp": "http"}[proto]
		chain = fmt.Sprintf("inbound-vip|%d|%s|%s", tg.svcPort, other, e.svcHost(tg.svc))
		fc = findChain(s.Listeners, "main_internal", chain)
	}
	hop := fmt.Sprintf("waypoint %s listener main_internal chain %s", podKey(wp), chain)
	if fc == nil {
		return st.add(hop, "waypoint", false, "no filter chain for the service")
	}
	rbac := rbacOfChain(fc, true)
	ip, _ := netip.ParseAddr(caller.Status.PodIP)
	var req Request
	if strings.Contains(chain, "|http|") {
		req = e.httpRequest(asHTTP(fl, e.svcHost(tg.svc)), callerID, ip, wp, tg.svcPort, true, jwtIssuers(fc))
	} else {
		req = Request{Peer: callerID, PeerFromFilterState: true, SrcIP: ip, DstPort: uint32(tg.svcPort)}
		req.DstIP, _ = netip.ParseAddr(tg.svc.Spec.ClusterIP)
	}
	d := DecideRBAC(rbac, req)
	return st.add(hop, "waypoint", d.Allow, d.Matched)
}

func (e *Engine) httpRequest(fl Flow, peer string, src netip.Addr, dst *corev1.Pod, port int32, fromFilterState bool, issuers map[string]bool) Request {
	dstIP, _ := netip.ParseAddr(dst.Status.PodIP)
	path := fl.HTTP.Path
	if path == "" {
		path = "/"
	}
	r := Request{
		Peer: peer, PeerFromFilterState: fromFilterState, SrcIP: src, DstIP: dstIP, DstPort: uint32(port), HTTP: true,
		Headers:  map[string]string{":authority": fl.HTTP.Host, ":method": method(fl), ":path": path, "host": fl.HTTP.Host},
		Metadata: map[string]map[string]any{},
	}
	if j := fl.HTTP.JWT; j != nil && issuers[j.Issuer] {
		// The claims Envoy's jwt_authn filter writes for a token it verified: only when the chain's
		// jwt_authn filter has a provider for that issuer (a RequestAuthentication for it applies).
		r.Metadata[filters.EnvoyJwtFilterName] = map[string]any{filters.EnvoyJwtFilterPayload: map[string]any{"iss": j.Issuer, "sub": j.Subject}}
		r.Metadata["istio_authn"] = map[string]any{"request.auth.principal": j.Issuer + "/" + j.Subject}
	}
	return r
}

// ---- destination ----

// inbound decides the destination side: NetworkPolicy to the pod, then ztunnel (ambient pod) or the
// inbound sidecar (sidecar pod). peerPod/peerID are the last hop's sender; mtls false means plaintext.
func (e *Engine) inbound(fl Flow, peerPod *corev1.Pod, peerID string, tg target, st *flowState, mtls bool) {
	dst := tg.pod
	dm := e.mode(dst)
	port := tg.podPort
	srcIP, _ := netip.ParseAddr(peerPod.Status.PodIP)
	switch dm {
	case ModeAmbient:
		npPort := int32(15008)
		if !mtls {
			npPort = port
		}
		if !e.np(st, podEP(peerPod), podEP(dst), npPort, podKey(peerPod)) {
			return
		}
		w := e.workloads[dst.Status.PodIP]
		dstIP, _ := netip.ParseAddr(dst.Status.PodIP)
		pols := e.policies.applicable(dst.Namespace, w.GetAuthorizationPolicies())
		conn := L4Conn{SrcIP: srcIP, DstIP: dstIP, DstPort: uint32(port)}
		if mtls {
			conn.Identity = peerID
		}
		d := DecideZtunnel(pols, conn)
		who := peerID
		if who == "" {
			who = "plaintext"
		}
		st.add(fmt.Sprintf("ztunnel inbound %s:%d from %s", podKey(dst), port, who), "ztunnel", d.Allow, d.Matched)
	case ModeSidecar, ModeGateway:
		if !e.np(st, podEP(peerPod), podEP(dst), port, podKey(peerPod)) {
			return
		}
		s := e.sim(dst, dm)
		call := simulation.Call{Address: dst.Status.PodIP, Port: int(port), Protocol: simulation.TCP, CallMode: simulation.CallModeInbound}
		if mtls {
			call.TLS = simulation.MTLS
		}
		httpChain := fl.HTTP != nil
		if httpChain {
			call.Protocol = simulation.HTTP
			call.HostHeader = fl.HTTP.Host
			call.Path = fl.HTTP.Path
		}
		res := s.Run(call)
		if res.Error == simulation.ErrProtocolError {
			// the port's protocol decides the chain: HTTP on a TCP chain or TCP on an HTTP chain
			httpChain = !httpChain
			if httpChain {
				fl = asHTTP(fl, fmt.Sprintf("%s.%s", dst.Name, dst.Namespace))
				call.Protocol, call.HostHeader, call.Path = simulation.HTTP, fl.HTTP.Host, fl.HTTP.Path
			} else {
				call.Protocol, call.HostHeader, call.Path = simulation.TCP, "", ""
			}
			res = s.Run(call)
		}
		hop := fmt.Sprintf("sidecar inbound %s:%d listener %s chain %s", podKey(dst), port, named(res.ListenerMatched), named(res.FilterChainMatched))
		if res.Error != nil {
			m := res.Error.Error()
			if !mtls && (res.Error == simulation.ErrMTLSError || res.Error == simulation.ErrNoFilterChain || res.Error == simulation.ErrTLSError) {
				m = "plaintext rejected: STRICT mTLS (" + m + ")"
			}
			st.add(hop, "sidecar", false, m)
			return
		}
		fc := e.chain(s.Listeners, res.ListenerMatched, res.FilterChainMatched)
		rbac := rbacOfChain(fc, httpChain)
		dstIP, _ := netip.ParseAddr(dst.Status.PodIP)
		var req Request
		if httpChain {
			req = e.httpRequest(fl, "", srcIP, dst, port, false, jwtIssuers(fc))
			if mtls {
				req.Peer = peerID
			}
		} else {
			req = Request{SrcIP: srcIP, DstIP: dstIP, DstPort: uint32(port)}
			if mtls {
				req.Peer = peerID
			}
		}
		d := DecideRBAC(rbac, req)
		st.add(hop, "sidecar", d.Allow, d.Matched)
	case ModeWaypoint:
		st.add("inbound "+podKey(dst), "routing", false, "a waypoint is no destination")
	default:
		if !e.np(st, podEP(peerPod), podEP(dst), port, podKey(peerPod)) {
			return
		}
		if mtls && e.mode(peerPod) == ModeSidecar {
			st.add(fmt.Sprintf("inbound %s:%d (no mesh)", podKey(dst), port), "routing", true, "(not modelled: mTLS to a pod outside the mesh)")
			return
		}
		st.add(fmt.Sprintf("inbound %s:%d (no mesh)", podKey(dst), port), "routing", true, "(no mesh)")
	}
}

func findChain(ls []*listenerpb.Listener, listener, chain string) *listenerpb.FilterChain {
	for _, l := range ls {
		if l.GetName() != listener {
			continue
		}
		for _, fc := range l.GetFilterChains() {
			if fc.GetName() == chain {
				return fc
			}
		}
	}
	return nil
}

// chain returns the filter chain the simulation matched, by listener and chain name (the first of
// that name; the default chain last).
func (e *Engine) chain(ls []*listenerpb.Listener, listener, chain string) *listenerpb.FilterChain {
	for _, l := range ls {
		if l.GetName() != listener {
			continue
		}
		for _, fc := range l.GetFilterChains() {
			if fc.GetName() == chain {
				return fc
			}
		}
		if dfc := l.GetDefaultFilterChain(); dfc != nil && dfc.GetName() == chain {
			return dfc
		}
	}
	return nil
}

// hcmOf returns the chain's HTTP connection manager, or nil.
func hcmOf(fc *listenerpb.FilterChain) *hcmpb.HttpConnectionManager {
	for _, f := range fc.GetFilters() {
		if f.GetName() != "envoy.filters.network.http_connection_manager" {
			continue
		}
		h := &hcmpb.HttpConnectionManager{}
		if f.GetTypedConfig().UnmarshalTo(h) == nil {
			return h
		}
	}
	return nil
}

// jwtIssuers: the issuers of the providers of the chain's jwt_authn HTTP filter.
func jwtIssuers(fc *listenerpb.FilterChain) map[string]bool {
	out := map[string]bool{}
	for _, hf := range hcmOf(fc).GetHttpFilters() {
		if hf.GetName() != filters.EnvoyJwtFilterName {
			continue
		}
		j := &jwtpb.JwtAuthentication{}
		if hf.GetTypedConfig().UnmarshalTo(j) != nil {
			continue
		}
		for _, p := range j.GetProviders() {
			out[p.GetIssuer()] = true
		}
	}
	return out
}

// rbacOfChain: the network RBAC filters of the chain, then (for HTTP) the HTTP RBAC filters of its
// HTTP connection manager.
func rbacOfChain(fc *listenerpb.FilterChain, http bool) []*rbacpb.RBAC {
	var out []*rbacpb.RBAC
	for _, f := range fc.GetFilters() {
		switch f.GetName() {
		case "envoy.filters.network.rbac":
			n := &netrbac.RBAC{}
			if f.GetTypedConfig().UnmarshalTo(n) == nil && n.GetRules() != nil {
				out = append(out, n.GetRules())
			}
		case "envoy.filters.network.http_connection_manager":
			if !http {
				continue
			}
			for _, hf := range hcmOf(fc).GetHttpFilters() {
				if hf.GetName() != "envoy.filters.http.rbac" {
					continue
				}
				r := &httprbac.RBAC{}
				if hf.GetTypedConfig().UnmarshalTo(r) == nil && r.GetRules() != nil {
					out = append(out, r.GetRules())
				}
			}
		}
	}
	return out
}
