package main

import (
	"net/netip"
	"testing"

	"google.golang.org/protobuf/types/known/emptypb"

	"istio.io/istio/pkg/workloadapi/security"
)

func exact(s string) *security.StringMatch {
	return &security.StringMatch{MatchType: &security.StringMatch_Exact{Exact: s}}
}

func presence() *security.StringMatch {
	return &security.StringMatch{MatchType: &security.StringMatch_Presence{Presence: &emptypb.Empty{}}}
}

func addr(cidr string) *security.Address {
	p := netip.MustParsePrefix(cidr)
	return &security.Address{Address: p.Addr().AsSlice(), Length: uint32(p.Bits())}
}

func pol(action security.Action, matches ...*security.Match) *security.Authorization {
	return &security.Authorization{Name: "p", Namespace: "ns", Scope: security.Scope_NAMESPACE, Action: action,
		Groups: []*security.Group{{Rules: []*security.Rules{{Matches: matches}}}}}
}

var conn = L4Conn{
	SrcIP: netip.MustParseAddr("10.0.0.5"), DstIP: netip.MustParseAddr("10.0.1.9"), DstPort: 8080,
	Identity: "spiffe://cluster.local/ns/orders/sa/orders-api",
}

func TestZtunnelMatchers(t *testing.T) {
	cases := []struct {
		name string
		m    *security.Match
		want bool
	}{
		{"principal exact hit", &security.Match{Principals: []*security.StringMatch{exact("cluster.local/ns/orders/sa/orders-api")}}, true},
		{"principal exact miss", &security.Match{Principals: []*security.StringMatch{exact("cluster.local/ns/orders/sa/other")}}, false},
		{"principal prefix hit", &security.Match{Principals: []*security.StringMatch{{MatchType: &security.StringMatch_Prefix{Prefix: "cluster.local/ns/orders/"}}}}, true},
		{"principal suffix miss", &security.Match{Principals: []*security.StringMatch{{MatchType: &security.StringMatch_Suffix{Suffix: "/sa/x"}}}}, false},
		{"not_principals hit denies match", &security.Match{NotPrincipals: []*security.StringMatch{exact("cluster.local/ns/orders/sa/orders-api")}}, false},
		{"not_principals miss", &security.Match{NotPrincipals: []*security.StringMatch{exact("cluster.local/ns/x/sa/y")}}, true},
		{"namespace hit", &security.Match{Namespaces: []*security.StringMatch{exact("orders")}}, true},
		{"namespace miss", &security.Match{Namespaces: []*security.StringMatch{exact("payments")}}, false},
		{"not_namespace hit", &security.Match{NotNamespaces: []*security.StringMatch{exact("orders")}}, false},
		{"not_namespace miss", &security.Match{NotNamespaces: []*security.StringMatch{exact("payments")}}, true},
		{"service account hit", &security.Match{ServiceAccounts: []*security.ServiceAccountMatch{{Namespace: "orders", ServiceAccount: "orders-api"}}}, true},
		{"service account miss", &security.Match{ServiceAccounts: []*security.ServiceAccountMatch{{Namespace: "orders", ServiceAccount: "x"}}}, false},
		{"not service account hit", &security.Match{NotServiceAccounts: []*security.ServiceAccountMatch{{Namespace: "orders", ServiceAccount: "orders-api"}}}, false},
		{"source ip hit", &security.Match{SourceIps: []*security.Address{addr("10.0.0.0/24")}}, true},
		{"source ip miss", &security.Match{SourceIps: []*security.Address{addr("10.9.0.0/16")}}, false},
		{"not source ip hit", &security.Match{NotSourceIps: []*security.Address{addr("10.0.0.5/32")}}, false},
		{"destination ip hit", &security.Match{DestinationIps: []*security.Address{addr("10.0.1.0/24")}}, true},
		{"not destination ip hit", &security.Match{NotDestinationIps: []*security.Address{addr("10.0.1.0/24")}}, false},
		{"destination port hit", &security.Match{DestinationPorts: []uint32{8080}}, true},
		{"destination port miss", &security.Match{DestinationPorts: []uint32{9090}}, false},
		{"not destination port hit", &security.Match{NotDestinationPorts: []uint32{8080}}, false},
		{"not destination port miss", &security.Match{NotDestinationPorts: []uint32{9090}}, true},
		{"fields are and-ed", &security.Match{Namespaces: []*security.StringMatch{exact("orders")}, DestinationPorts: []uint32{9090}}, false},
		{"empty match never matches", &security.Match{}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := ZtunnelMatches(pol(security.Action_ALLOW, c.m), conn); got != c.want {
				t.Fatalf("got %v want %v", got, c.want)
			}
		})
	}
}

func TestZtunnelPresenceNeedsIdentity(t *testing.T) {
	plain := conn
	plain.Identity = ""
	strict := pol(security.Action_DENY, &security.Match{NotPrincipals: []*security.StringMatch{presence()}})
	if !ZtunnelMatches(strict, plain) {
		t.Fatal("STRICT deny (not_principals presence) must match a plaintext peer")
	}
	if ZtunnelMatches(strict, conn) {
		t.Fatal("STRICT deny must not match an mTLS peer")
	}
}

func TestZtunnelStructure(t *testing.T) {
	ns := &security.Match{Namespaces: []*security.StringMatch{exact("orders")}}
	wrongPort := &security.Match{DestinationPorts: []uint32{1}}
	// rules of a group are and-ed
	and := &security.Authorization{Action: security.Action_ALLOW, Groups: []*security.Group{{Rules: []*security.Rules{{Matches: []*security.Match{ns}}, {Matches: []*security.Match{wrongPort}}}}}}
	if ZtunnelMatches(and, conn) {
		t.Fatal("a failing rule must fail the group")
	}
	// matches of a rule are or-ed
	or := &security.Authorization{Action: security.Action_ALLOW, Groups: []*security.Group{{Rules: []*security.Rules{{Matches: []*security.Match{wrongPort, ns}}}}}}
	if !ZtunnelMatches(or, conn) {
		t.Fatal("one matching match must match the rule")
	}
	// groups are or-ed
	groups := &security.Authorization{Action: security.Action_ALLOW, Groups: []*security.Group{{Rules: []*security.Rules{{Matches: []*security.Match{wrongPort}}}}, {Rules: []*security.Rules{{Matches: []*security.Match{ns}}}}}}
	if !ZtunnelMatches(groups, conn) {
		t.Fatal("one matching group must match the policy")
	}
	// a group whose rules are empty matches anything (allow-all rule), no groups matches nothing
	if !ZtunnelMatches(&security.Authorization{Groups: []*security.Group{{}}}, conn) {
		t.Fatal("an empty group must match")
	}
	if ZtunnelMatches(&security.Authorization{}, conn) {
		t.Fatal("a policy without groups must not match")
	}
}

func TestDecideZtunnel(t *testing.T) {
	allowOrders := pol(security.Action_ALLOW, &security.Match{Namespaces: []*security.StringMatch{exact("orders")}})
	allowOther := pol(security.Action_ALLOW, &security.Match{Namespaces: []*security.StringMatch{exact("other")}})
	denyOrders := pol(security.Action_DENY, &security.Match{Namespaces: []*security.StringMatch{exact("orders")}})
	denyOrders.Name = "deny"
	if d := DecideZtunnel(nil, conn); !d.Allow {
		t.Fatal("no policy allows")
	}
	if d := DecideZtunnel([]*security.Authorization{allowOrders}, conn); !d.Allow || d.Matched != "ns/p" {
		t.Fatalf("matching allow: %+v", d)
	}
	if d := DecideZtunnel([]*security.Authorization{allowOther}, conn); d.Allow || d.Matched != "default deny" {
		t.Fatalf("an allow policy that does not match denies: %+v", d)
	}
	if d := DecideZtunnel([]*security.Authorization{allowOrders, denyOrders}, conn); d.Allow || d.Matched != "ns/deny" {
		t.Fatalf("deny wins over allow: %+v", d)
	}
	dry := pol(security.Action_DENY, &security.Match{Namespaces: []*security.StringMatch{exact("orders")}})
	dry.DryRun = true
	if d := DecideZtunnel([]*security.Authorization{dry}, conn); !d.Allow {
		t.Fatal("a dry-run deny is not enforced")
	}
}

func TestZtunnelApplicableScopes(t *testing.T) {
	mk := func(ns, name string, scope security.Scope) *security.Authorization {
		return &security.Authorization{Namespace: ns, Name: name, Scope: scope}
	}
	s := ZtunnelPolicySet{All: map[string]*security.Authorization{
		"payments/ns-wide":  mk("payments", "ns-wide", security.Scope_NAMESPACE),
		"orders/ns-wide":    mk("orders", "ns-wide", security.Scope_NAMESPACE),
		"istio-system/mesh": mk("istio-system", "mesh", security.Scope_GLOBAL),
		"payments/selected": mk("payments", "selected", security.Scope_WORKLOAD_SELECTOR),
		"payments/unlisted": mk("payments", "unlisted", security.Scope_WORKLOAD_SELECTOR),
	}}
	got := s.applicable("payments", []string{"payments/selected"})
	var names []string
	for _, p := range got {
		names = append(names, p.Namespace+"/"+p.Name)
	}
	want := []string{"istio-system/mesh", "payments/ns-wide", "payments/selected"}
	if len(names) != len(want) {
		t.Fatalf("got %v want %v", names, want)
	}
	for i := range want {
		if names[i] != want[i] {
			t.Fatalf("got %v want %v", names, want)
		}
	}
}
