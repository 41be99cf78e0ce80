package main

import (
	"net/netip"
	"testing"

	corepb "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	rbacpb "github.com/envoyproxy/go-control-plane/envoy/config/rbac/v3"
	routepb "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	matcherpb "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

func sExact(s string) *matcherpb.StringMatcher {
	return &matcherpb.StringMatcher{MatchPattern: &matcherpb.StringMatcher_Exact{Exact: s}}
}

func sPrefix(s string) *matcherpb.StringMatcher {
	return &matcherpb.StringMatcher{MatchPattern: &matcherpb.StringMatcher_Prefix{Prefix: s}}
}

var anyPerm = &rbacpb.Permission{Rule: &rbacpb.Permission_Any{Any: true}}
var anyPrin = &rbacpb.Principal{Identifier: &rbacpb.Principal_Any{Any: true}}

func authn(s string) *rbacpb.Principal {
	return &rbacpb.Principal{Identifier: &rbacpb.Principal_Authenticated_{Authenticated: &rbacpb.Principal_Authenticated{PrincipalName: sExact(s)}}}
}

func cidr(c string) *corepb.CidrRange {
	p := netip.MustParsePrefix(c)
	return &corepb.CidrRange{AddressPrefix: p.Addr().String(), PrefixLen: wrapperspb.UInt32(uint32(p.Bits()))}
}

func jwtMeta(claim string, m *matcherpb.StringMatcher) *matcherpb.MetadataMatcher {
	return &matcherpb.MetadataMatcher{Filter: "envoy.filters.http.jwt_authn", Path: []*matcherpb.MetadataMatcher_PathSegment{
		{Segment: &matcherpb.MetadataMatcher_PathSegment_Key{Key: "payload"}}, {Segment: &matcherpb.MetadataMatcher_PathSegment_Key{Key: claim}},
	}, Value: &matcherpb.ValueMatcher{MatchPattern: &matcherpb.ValueMatcher_StringMatch{StringMatch: m}}}
}

var req = Request{
	Peer:  "spiffe://cluster.local/ns/istio-system/sa/istio-ingressgateway",
	SrcIP: netip.MustParseAddr("10.0.3.4"), DstIP: netip.MustParseAddr("10.99.0.7"), DstPort: 8080, HTTP: true,
	Headers:  map[string]string{":authority": "pay.example.com", ":method": "GET", ":path": "/v1/x?q=1"},
	Metadata: map[string]map[string]any{"envoy.filters.http.jwt_authn": {"payload": map[string]any{"iss": "https://auth.example.com", "sub": "flows"}}},
}

func TestRBACPrincipals(t *testing.T) {
	cases := []struct {
		name string
		p    *rbacpb.Principal
		r    func(Request) Request
		want bool
	}{
		{"any", anyPrin, nil, true},
		{"authenticated hit", authn("spiffe://cluster.local/ns/istio-system/sa/istio-ingressgateway"), nil, true},
		{"authenticated miss", authn("spiffe://cluster.local/ns/orders/sa/x"), nil, false},
		{"authenticated plaintext", authn("spiffe://cluster.local/ns/istio-system/sa/istio-ingressgateway"), func(r Request) Request { r.Peer = ""; return r }, false},
		{"filter state hit", &rbacpb.Principal{Identifier: &rbacpb.Principal_FilterState{FilterState: &matcherpb.FilterStateMatcher{Key: "io.istio.peer_principal",
			Matcher: &matcherpb.FilterStateMatcher_StringMatch{StringMatch: sExact(req.Peer)}}}}, func(r Request) Request { r.PeerFromFilterState = true; return r }, true},
		{"filter state miss without waypoint", &rbacpb.Principal{Identifier: &rbacpb.Principal_FilterState{FilterState: &matcherpb.FilterStateMatcher{Key: "io.istio.peer_principal",
			Matcher: &matcherpb.FilterStateMatcher_StringMatch{StringMatch: sExact(req.Peer)}}}}, nil, false},
		{"direct remote ip hit", &rbacpb.Principal{Identifier: &rbacpb.Principal_DirectRemoteIp{DirectRemoteIp: cidr("10.0.0.0/16")}}, nil, true},
		{"direct remote ip miss", &rbacpb.Principal{Identifier: &rbacpb.Principal_DirectRemoteIp{DirectRemoteIp: cidr("192.168.0.0/16")}}, nil, false},
		{"remote ip hit", &rbacpb.Principal{Identifier: &rbacpb.Principal_RemoteIp{RemoteIp: cidr("10.0.3.4/32")}}, nil, true},
		{"remote ip miss", &rbacpb.Principal{Identifier: &rbacpb.Principal_RemoteIp{RemoteIp: cidr("10.0.3.5/32")}}, nil, false},
		{"not_id inverts", &rbacpb.Principal{Identifier: &rbacpb.Principal_NotId{NotId: authn("spiffe://cluster.local/ns/orders/sa/x")}}, nil, true},
		{"not_id inverts a hit", &rbacpb.Principal{Identifier: &rbacpb.Principal_NotId{NotId: anyPrin}}, nil, false},
		{"and_ids all", &rbacpb.Principal{Identifier: &rbacpb.Principal_AndIds{AndIds: &rbacpb.Principal_Set{Ids: []*rbacpb.Principal{anyPrin, authn(req.Peer)}}}}, nil, true},
		{"and_ids one fails", &rbacpb.Principal{Identifier: &rbacpb.Principal_AndIds{AndIds: &rbacpb.Principal_Set{Ids: []*rbacpb.Principal{anyPrin, authn("x")}}}}, nil, false},
		{"or_ids one", &rbacpb.Principal{Identifier: &rbacpb.Principal_OrIds{OrIds: &rbacpb.Principal_Set{Ids: []*rbacpb.Principal{authn("x"), authn(req.Peer)}}}}, nil, true},
		{"or_ids none", &rbacpb.Principal{Identifier: &rbacpb.Principal_OrIds{OrIds: &rbacpb.Principal_Set{Ids: []*rbacpb.Principal{authn("x"), authn("y")}}}}, nil, false},
		{"jwt iss hit", &rbacpb.Principal{Identifier: &rbacpb.Principal_Metadata{Metadata: jwtMeta("iss", sExact("https://auth.example.com"))}}, nil, true},
		{"jwt iss miss", &rbacpb.Principal{Identifier: &rbacpb.Principal_Metadata{Metadata: jwtMeta("iss", sExact("https://other"))}}, nil, false},
		{"jwt absent", &rbacpb.Principal{Identifier: &rbacpb.Principal_Metadata{Metadata: jwtMeta("sub", sExact("flows"))}}, func(r Request) Request { r.Metadata = nil; return r }, false},
		{"header hit", &rbacpb.Principal{Identifier: &rbacpb.Principal_Header{Header: &routepb.HeaderMatcher{Name: ":method", HeaderMatchSpecifier: &routepb.HeaderMatcher_StringMatch{StringMatch: sExact("GET")}}}}, nil, true},
		{"header miss", &rbacpb.Principal{Identifier: &rbacpb.Principal_Header{Header: &routepb.HeaderMatcher{Name: ":method", HeaderMatchSpecifier: &routepb.HeaderMatcher_StringMatch{StringMatch: sExact("POST")}}}}, nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := req
			if c.r != nil {
				r = c.r(r)
			}
			if got := PrincipalMatches(c.p, r); got != c.want {
				t.Fatalf("got %v want %v", got, c.want)
			}
		})
	}
}

func TestRBACPermissions(t *testing.T) {
	hdr := func(name string, m *matcherpb.StringMatcher, invert bool) *rbacpb.Permission {
		return &rbacpb.Permission{Rule: &rbacpb.Permission_Header{Header: &routepb.HeaderMatcher{Name: name, InvertMatch: invert, HeaderMatchSpecifier: &routepb.HeaderMatcher_StringMatch{StringMatch: m}}}}
	}
	path := func(m *matcherpb.StringMatcher) *rbacpb.Permission {
		return &rbacpb.Permission{Rule: &rbacpb.Permission_UrlPath{UrlPath: &matcherpb.PathMatcher{Rule: &matcherpb.PathMatcher_Path{Path: m}}}}
	}
	cases := []struct {
		name string
		p    *rbacpb.Permission
		want bool
	}{
		{"any", anyPerm, true},
		{"port hit", &rbacpb.Permission{Rule: &rbacpb.Permission_DestinationPort{DestinationPort: 8080}}, true},
		{"port miss", &rbacpb.Permission{Rule: &rbacpb.Permission_DestinationPort{DestinationPort: 80}}, false},
		{"destination ip hit", &rbacpb.Permission{Rule: &rbacpb.Permission_DestinationIp{DestinationIp: cidr("10.99.0.0/16")}}, true},
		{"destination ip miss", &rbacpb.Permission{Rule: &rbacpb.Permission_DestinationIp{DestinationIp: cidr("10.98.0.0/16")}}, false},
		{"method hit", hdr(":method", sExact("GET"), false), true},
		{"method miss", hdr(":method", sExact("POST"), false), false},
		{"method inverted", hdr(":method", sExact("POST"), true), true},
		{"host ignore case", hdr(":authority", &matcherpb.StringMatcher{MatchPattern: &matcherpb.StringMatcher_Exact{Exact: "PAY.example.com"}, IgnoreCase: true}, false), true},
		{"path exact ignores query", path(sExact("/v1/x")), true},
		{"path exact miss", path(sExact("/v1")), false},
		{"path prefix hit", path(sPrefix("/v1/")), true},
		{"path prefix miss", path(sPrefix("/v2/")), false},
		{"not_rule", &rbacpb.Permission{Rule: &rbacpb.Permission_NotRule{NotRule: path(sPrefix("/admin"))}}, true},
		{"and_rules one fails", &rbacpb.Permission{Rule: &rbacpb.Permission_AndRules{AndRules: &rbacpb.Permission_Set{Rules: []*rbacpb.Permission{anyPerm, path(sExact("/"))}}}}, false},
		{"or_rules one", &rbacpb.Permission{Rule: &rbacpb.Permission_OrRules{OrRules: &rbacpb.Permission_Set{Rules: []*rbacpb.Permission{path(sExact("/")), anyPerm}}}}, true},
		{"safe regex", path(&matcherpb.StringMatcher{MatchPattern: &matcherpb.StringMatcher_SafeRegex{SafeRegex: &matcherpb.RegexMatcher{Regex: "/v1/.*"}}}), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := PermissionMatches(c.p, req); got != c.want {
				t.Fatalf("got %v want %v", got, c.want)
			}
		})
	}
	tcp := req
	tcp.HTTP = false
	if PermissionMatches(hdr(":method", sExact("GET"), false), tcp) {
		t.Fatal("a header permission never matches a TCP connection")
	}
}

func TestDecideRBAC(t *testing.T) {
	allowGW := &rbacpb.RBAC{Action: rbacpb.RBAC_ALLOW, Policies: map[string]*rbacpb.Policy{
		"ns[payments]-policy[allow-gw]-rule[0]": {Permissions: []*rbacpb.Permission{anyPerm}, Principals: []*rbacpb.Principal{authn(req.Peer)}},
	}}
	allowOther := &rbacpb.RBAC{Action: rbacpb.RBAC_ALLOW, Policies: map[string]*rbacpb.Policy{
		"ns[payments]-policy[allow-other]-rule[0]": {Permissions: []*rbacpb.Permission{anyPerm}, Principals: []*rbacpb.Principal{authn("x")}},
	}}
	denyAll := &rbacpb.RBAC{Action: rbacpb.RBAC_DENY, Policies: map[string]*rbacpb.Policy{
		"ns[payments]-policy[deny]-rule[0]": {Permissions: []*rbacpb.Permission{anyPerm}, Principals: []*rbacpb.Principal{anyPrin}},
	}}
	allowNothing := &rbacpb.RBAC{Action: rbacpb.RBAC_ALLOW}
	if d := DecideRBAC(nil, req); !d.Allow {
		t.Fatal("no RBAC filter allows")
	}
	if d := DecideRBAC([]*rbacpb.RBAC{allowGW}, req); !d.Allow || d.Matched != "payments/allow-gw" {
		t.Fatalf("matching allow: %+v", d)
	}
	if d := DecideRBAC([]*rbacpb.RBAC{allowOther}, req); d.Allow || d.Matched != "default deny" {
		t.Fatalf("non-matching allow denies: %+v", d)
	}
	if d := DecideRBAC([]*rbacpb.RBAC{denyAll, allowGW}, req); d.Allow || d.Matched != "payments/deny" {
		t.Fatalf("deny first: %+v", d)
	}
	if d := DecideRBAC([]*rbacpb.RBAC{allowNothing}, req); d.Allow {
		t.Fatalf("an ALLOW filter without policies denies everything: %+v", d)
	}
	// a policy needs both a permission and a principal
	p := &rbacpb.Policy{Permissions: []*rbacpb.Permission{anyPerm}, Principals: []*rbacpb.Principal{authn("x")}}
	if PolicyMatches(p, req) {
		t.Fatal("principal must match too")
	}
}
