package main

import (
	"fmt"
	"net/netip"
	"sort"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"
)

// Endpoint of a connection for the NetworkPolicy check: a pod, or an address outside the cluster.
type Endpoint struct {
	Pod *corev1.Pod
	IP  netip.Addr
}

// NPDecision is the NetworkPolicy verdict of one connection: the egress side of the source and the
// ingress side of the destination must both allow it.
type NPDecision struct {
	Allow   bool
	Matched string
}

// DecideNetworkPolicy follows the Kubernetes NetworkPolicy semantics (k8s.io/api networking/v1
// types.go): a pod selected by no policy of a direction is open in that direction; a selected pod
// accepts only what one of its selecting policies' rules allows (rules are additive). A peer
// matches by podSelector (same namespace), namespaceSelector (+ podSelector) or ipBlock (which
// applies to addresses outside the cluster's pods; pod IPs are matched by selectors only, the
// common CNI behaviour). A rule without peers matches every peer, without ports every port.
func DecideNetworkPolicy(o *Objects, src, dst Endpoint, port int32, proto corev1.Protocol) NPDecision {
	if src.Pod != nil {
		allowed, matched, selected := sideAllows(o, src.Pod, dst, port, proto, networkingv1.PolicyTypeEgress)
		if selected && !allowed {
			return NPDecision{Allow: false, Matched: fmt.Sprintf("default deny (egress of %s/%s)", src.Pod.Namespace, src.Pod.Name)}
		}
		_ = matched
	}
	if dst.Pod != nil {
		allowed, matched, selected := sideAllows(o, dst.Pod, src, port, proto, networkingv1.PolicyTypeIngress)
		if selected && !allowed {
			return NPDecision{Allow: false, Matched: fmt.Sprintf("default deny (ingress of %s/%s)", dst.Pod.Namespace, dst.Pod.Name)}
		}
		if selected {
			return NPDecision{Allow: true, Matched: matched}
		}
	}
	return NPDecision{Allow: true, Matched: "(none)"}
}

func policyTypes(np *networkingv1.NetworkPolicy) (ingress, egress bool) {
	if len(np.Spec.PolicyTypes) == 0 {
		return true, len(np.Spec.Egress) > 0
	}
	for _, t := range np.Spec.PolicyTypes {
		switch t {
		case networkingv1.PolicyTypeIngress:
			ingress = true
		case networkingv1.PolicyTypeEgress:
			egress = true
		}
	}
	return ingress, egress
}

func selects(sel *metav1.LabelSelector, l map[string]string) bool {
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return false
	}
	return s.Matches(labels.Set(l))
}

// sideAllows: for the pod `self`, whether policies of direction dir select it, and whether one of
// their rules admits `peer` on port/proto.
func sideAllows(o *Objects, self *corev1.Pod, peer Endpoint, port int32, proto corev1.Protocol, dir networkingv1.PolicyType) (allowed bool, matched string, selected bool) {
	var names []string
	for _, np := range o.NetworkPolicies {
		if np.Namespace != self.Namespace || !selects(&np.Spec.PodSelector, self.Labels) {
			continue
		}
		in, eg := policyTypes(np)
		if (dir == networkingv1.PolicyTypeIngress && !in) || (dir == networkingv1.PolicyTypeEgress && !eg) {
			continue
		}
		selected = true
		if dir == networkingv1.PolicyTypeIngress {
			for _, r := range np.Spec.Ingress {
				if peersMatch(o, self.Namespace, r.From, peer) && portsMatch(r.Ports, port, proto, self) {
					names = append(names, np.Namespace+"/"+np.Name)
					break
				}
			}
		} else {
			for _, r := range np.Spec.Egress {
				if peersMatch(o, self.Namespace, r.To, peer) && portsMatch(r.Ports, port, proto, peer.Pod) {
					names = append(names, np.Namespace+"/"+np.Name)
					break
				}
			}
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		return false, "", selected
	}
	return true, names[0], selected
}

func peersMatch(o *Objects, selfNS string, peers []networkingv1.NetworkPolicyPeer, peer Endpoint) bool {
	if len(peers) == 0 {
		return true
	}
	for _, p := range peers {
		if p.IPBlock != nil {
			if peer.Pod != nil {
				continue
			}
			pfx, err := netip.ParsePrefix(p.IPBlock.CIDR)
			if err != nil || !pfx.Contains(peer.IP) {
				continue
			}
			excluded := false
			for _, e := range p.IPBlock.Except {
				if ep, err := netip.ParsePrefix(e); err == nil && ep.Contains(peer.IP) {
					excluded = true
				}
			}
			if !excluded {
				return true
			}
			continue
		}
		if peer.Pod == nil {
			continue
		}
		if p.NamespaceSelector != nil {
			ns := o.Namespaces[peer.Pod.Namespace]
			nsLabels := map[string]string{"kubernetes.io/metadata.name": peer.Pod.Namespace}
			if ns != nil {
				for k, v := range ns.Labels {
					nsLabels[k] = v
				}
			}
			if !selects(p.NamespaceSelector, nsLabels) {
				continue
			}
		} else if peer.Pod.Namespace != selfNS {
			continue
		}
		if p.PodSelector != nil && !selects(p.PodSelector, peer.Pod.Labels) {
			continue
		}
		return true
	}
	return false
}

// portsMatch: a numeric port, a named port of the destination pod, or a port range.
func portsMatch(ports []networkingv1.NetworkPolicyPort, port int32, proto corev1.Protocol, dstPod *corev1.Pod) bool {
	if len(ports) == 0 {
		return true
	}
	for _, p := range ports {
		pp := corev1.ProtocolTCP
		if p.Protocol != nil {
			pp = *p.Protocol
		}
		if pp != proto {
			continue
		}
		if p.Port == nil {
			return true
		}
		if p.Port.Type == 0 { // Int
			lo, hi := p.Port.IntVal, p.Port.IntVal
			if p.EndPort != nil {
				hi = *p.EndPort
			}
			if port >= lo && port <= hi {
				return true
			}
			continue
		}
		if dstPod != nil {
			for _, c := range dstPod.Spec.Containers {
				for _, cp := range c.Ports {
					cpp := cp.Protocol
					if cpp == "" {
						cpp = corev1.ProtocolTCP
					}
					if cp.Name == p.Port.StrVal && cp.ContainerPort == port && cpp == proto {
						return true
					}
				}
			}
		}
	}
	return false
}

func metaType(apiVersion, kind string) metav1.TypeMeta {
	return metav1.TypeMeta{APIVersion: apiVersion, Kind: kind}
}

func objMeta(name, ns string, l map[string]string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: ns, Labels: l}
}

func mustYAML(v any) string {
	b, err := yaml.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
