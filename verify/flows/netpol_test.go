package main

import (
	"net/netip"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func npPod(ns, name, ip string, l map[string]string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: l}, Status: corev1.PodStatus{PodIP: ip},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}}}}}}
}

func port(p int32) []networkingv1.NetworkPolicyPort {
	v := intstr.FromInt32(p)
	return []networkingv1.NetworkPolicyPort{{Port: &v}}
}

func TestNetworkPolicy(t *testing.T) {
	a := npPod("a", "client", "10.99.0.1", map[string]string{"app": "client"})
	b := npPod("b", "server", "10.99.0.2", map[string]string{"app": "server"})
	c := npPod("c", "other", "10.99.0.3", map[string]string{"app": "client"})
	o := &Objects{Namespaces: map[string]*corev1.Namespace{
		"a": {ObjectMeta: metav1.ObjectMeta{Name: "a", Labels: map[string]string{"team": "a"}}},
		"b": {ObjectMeta: metav1.ObjectMeta{Name: "b"}},
		"c": {ObjectMeta: metav1.ObjectMeta{Name: "c"}},
	}}
	alb := Endpoint{IP: netip.MustParseAddr("10.0.0.1")}
	decide := func(src, dst Endpoint, p int32) bool {
		return DecideNetworkPolicy(o, src, dst, p, corev1.ProtocolTCP).Allow
	}

	if !decide(podEP(a), podEP(b), 8080) {
		t.Fatal("no policy: open")
	}
	o.NetworkPolicies = []*networkingv1.NetworkPolicy{{ObjectMeta: metav1.ObjectMeta{Namespace: "b", Name: "deny"},
		Spec: networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}}}}
	if decide(podEP(a), podEP(b), 8080) {
		t.Fatal("selected by an ingress policy without rules: closed")
	}
	if !decide(podEP(b), podEP(a), 8080) {
		t.Fatal("an ingress policy of b does not close b's egress")
	}
	o.NetworkPolicies = append(o.NetworkPolicies, &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "b", Name: "from-team-a"},
		Spec: networkingv1.NetworkPolicySpec{Ingress: []networkingv1.NetworkPolicyIngressRule{{
			From:  []networkingv1.NetworkPolicyPeer{{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"team": "a"}}, PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "client"}}}},
			Ports: port(8080),
		}, {
			From:  []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "10.0.0.0/16", Except: []string{"10.0.9.0/24"}}}},
			Ports: port(15008),
		}}}})
	if d := DecideNetworkPolicy(o, podEP(a), podEP(b), 8080, corev1.ProtocolTCP); !d.Allow || d.Matched != "b/from-team-a" {
		t.Fatalf("namespace+pod selector and port: %+v", d)
	}
	if decide(podEP(a), podEP(b), 9090) {
		t.Fatal("other port: closed")
	}
	if decide(podEP(c), podEP(b), 8080) {
		t.Fatal("same pod labels, namespace not selected: closed")
	}
	if !decide(alb, podEP(b), 15008) {
		t.Fatal("ipBlock admits an address outside the pods")
	}
	if decide(Endpoint{IP: netip.MustParseAddr("10.0.9.9")}, podEP(b), 15008) {
		t.Fatal("ipBlock except excludes")
	}
	if decide(Endpoint{IP: netip.MustParseAddr("10.0.0.1")}, podEP(b), 8080) {
		t.Fatal("ipBlock rule is for its own port only")
	}
	// egress side
	o.NetworkPolicies = append(o.NetworkPolicies, &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "egress"},
		Spec: networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
			Egress: []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": "c"}}}}}}}})
	if decide(podEP(a), podEP(b), 8080) {
		t.Fatal("egress of a only to namespace c: closed towards b")
	}
	if !decide(podEP(a), podEP(c), 8080) {
		t.Fatal("egress to c by the namespace name label: open")
	}
	// named port
	named := intstr.FromString("http")
	o.NetworkPolicies = []*networkingv1.NetworkPolicy{{ObjectMeta: metav1.ObjectMeta{Namespace: "b", Name: "named"},
		Spec: networkingv1.NetworkPolicySpec{Ingress: []networkingv1.NetworkPolicyIngressRule{{Ports: []networkingv1.NetworkPolicyPort{{Port: &named}}}}}}}
	if !decide(podEP(a), podEP(b), 8080) || decide(podEP(a), podEP(b), 8081) {
		t.Fatal("a named port resolves to the destination's container port")
	}
}
