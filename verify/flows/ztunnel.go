package main

import (
	"net/netip"
	"sort"
	"strings"

	"istio.io/istio/pkg/workloadapi/security"
)

// L4Conn is what ztunnel knows about an inbound connection when it authorizes it: the source
// address, the destination address and port, and the peer's SPIFFE identity (empty for a
// plaintext peer).
type L4Conn struct {
	SrcIP    netip.Addr
	DstIP    netip.Addr
	DstPort  uint32
	Identity string // "spiffe://<td>/ns/<ns>/sa/<sa>" or ""
}

func (c L4Conn) namespace() string {
	_, ns, _ := parseSpiffe(c.Identity)
	return ns
}

// parseSpiffe splits spiffe://td/ns/NS/sa/SA; ok is false for anything else.
func parseSpiffe(id string) (td, ns string, sa string) {
	rest, found := strings.CutPrefix(id, "spiffe://")
	if !found {
		return "", "", ""
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 5 || parts[1] != "ns" || parts[3] != "sa" {
		return "", "", ""
	}
	return parts[0], parts[2], parts[4]
}

// ZtunnelPolicySet is the set of istio.security.Authorization protos istiod pushes to ztunnel, and
// which of them a destination workload lists (its authorization_policies field).
type ZtunnelPolicySet struct {
	// All policies by "namespace/name".
	All map[string]*security.Authorization
}

// ZtunnelDecision is the outcome of ztunnel's inbound authorization.
type ZtunnelDecision struct {
	Allow   bool
	Matched string // "namespace/name" of the deciding policy, or "(none)" / "default deny"
}

// applicable returns the policies ztunnel applies to a workload of namespace ns that lists the
// given selector-scoped policy keys: every NAMESPACE-scoped policy of ns, every GLOBAL-scoped policy,
// and the listed ones. Sorted by key so the first match reported is deterministic.
// Mirrors istio/ztunnel src/state.rs DemandProxyState::assert_rbac (ns + global + workload lists).
func (s ZtunnelPolicySet) applicable(ns string, workloadKeys []string) []*security.Authorization {
	keys := map[string]bool{}
	for k, p := range s.All {
		switch p.GetScope() {
		case security.Scope_NAMESPACE:
			if p.GetNamespace() == ns {
				keys[k] = true
			}
		case security.Scope_GLOBAL:
			keys[k] = true
		}
	}
	for _, k := range workloadKeys {
		if _, ok := s.All[k]; ok {
			keys[k] = true
		}
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	out := make([]*security.Authorization, 0, len(sorted))
	for _, k := range sorted {
		out = append(out, s.All[k])
	}
	return out
}

// DecideZtunnel applies the documented AuthorizationPolicy precedence the way ztunnel does: a
// matching DENY policy denies; with no ALLOW policy the connection is allowed; else an ALLOW
// policy must match. Dry-run policies are not enforced.
func DecideZtunnel(policies []*security.Authorization, c L4Conn) ZtunnelDecision {
	var allows []*security.Authorization
	for _, p := range policies {
		if p.GetDryRun() {
			continue
		}
		if p.GetAction() == security.Action_DENY {
			if ZtunnelMatches(p, c) {
				return ZtunnelDecision{Allow: false, Matched: p.GetNamespace() + "/" + p.GetName()}
			}
			continue
		}
		allows = append(allows, p)
	}
	if len(allows) == 0 {
		return ZtunnelDecision{Allow: true, Matched: "(none)"}
	}
	for _, p := range allows {
		if ZtunnelMatches(p, c) {
			return ZtunnelDecision{Allow: true, Matched: p.GetNamespace() + "/" + p.GetName()}
		}
	}
	return ZtunnelDecision{Allow: false, Matched: "default deny"}
}

// ZtunnelMatches evaluates one Authorization: groups are alternatives (any group matches), the
// rules of a group must all match, a rule matches when any of its matches does; a match with no
// field set never matches, a rule with no matches always does, a policy without groups never does.
// Within a match every set field must hold: a positive list needs one hit, a not_ list needs none.
// (istio/ztunnel src/rbac.rs Authorization::matches / matches_internal.)
func ZtunnelMatches(p *security.Authorization, c L4Conn) bool {
	if len(p.GetGroups()) == 0 {
		return false
	}
	for _, g := range p.GetGroups() {
		all := true
		for _, r := range g.GetRules() {
			if len(r.GetMatches()) == 0 {
				continue
			}
			any := false
			for _, m := range r.GetMatches() {
				if matchEmpty(m) {
					continue
				}
				if matchOne(m, c) {
					any = true
					break
				}
			}
			if !any {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

func matchEmpty(m *security.Match) bool {
	return len(m.GetNamespaces())+len(m.GetNotNamespaces())+len(m.GetServiceAccounts())+len(m.GetNotServiceAccounts())+
		len(m.GetPrincipals())+len(m.GetNotPrincipals())+len(m.GetSourceIps())+len(m.GetNotSourceIps())+
		len(m.GetDestinationIps())+len(m.GetNotDestinationIps())+len(m.GetDestinationPorts())+len(m.GetNotDestinationPorts()) == 0
}

func both[T any](pos, neg []T, pred func(T) bool) bool {
	if len(pos) > 0 {
		hit := false
		for _, v := range pos {
			if pred(v) {
				hit = true
				break
			}
		}
		if !hit {
			return false
		}
	}
	for _, v := range neg {
		if pred(v) {
			return false
		}
	}
	return true
}

func addrContains(a *security.Address, ip netip.Addr) bool {
	base, ok := netip.AddrFromSlice(a.GetAddress())
	if !ok || !ip.IsValid() {
		return false
	}
	pfx, err := base.Unmap().Prefix(int(a.GetLength()))
	if err != nil {
		return false
	}
	return pfx.Contains(ip.Unmap())
}

func stringMatches(m *security.StringMatch, v string) bool {
	switch t := m.GetMatchType().(type) {
	case *security.StringMatch_Exact:
		return v == t.Exact
	case *security.StringMatch_Prefix:
		return strings.HasPrefix(v, t.Prefix)
	case *security.StringMatch_Suffix:
		return strings.HasSuffix(v, t.Suffix)
	case *security.StringMatch_Presence:
		return v != ""
	}
	return false
}

func matchOne(m *security.Match, c L4Conn) bool {
	_, ns, sa := parseSpiffe(c.Identity)
	// Principals are compared without the spiffe:// prefix; a peer without it never matches.
	principal, hasSpiffe := strings.CutPrefix(c.Identity, "spiffe://")
	return both(m.GetDestinationIps(), m.GetNotDestinationIps(), func(a *security.Address) bool { return addrContains(a, c.DstIP) }) &&
		both(m.GetSourceIps(), m.GetNotSourceIps(), func(a *security.Address) bool { return addrContains(a, c.SrcIP) }) &&
		both(m.GetDestinationPorts(), m.GetNotDestinationPorts(), func(p uint32) bool { return p == c.DstPort }) &&
		both(m.GetServiceAccounts(), m.GetNotServiceAccounts(), func(s *security.ServiceAccountMatch) bool {
			return ns != "" && s.GetNamespace() == ns && s.GetServiceAccount() == sa
		}) &&
		both(m.GetPrincipals(), m.GetNotPrincipals(), func(s *security.StringMatch) bool { return hasSpiffe && stringMatches(s, principal) }) &&
		both(m.GetNamespaces(), m.GetNotNamespaces(), func(s *security.StringMatch) bool { return stringMatches(s, c.namespace()) })
}
