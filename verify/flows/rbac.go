package main

import (
	"net/netip"
	"regexp"
	"sort"
	"strings"

	corepb "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	rbacpb "github.com/envoyproxy/go-control-plane/envoy/config/rbac/v3"
	routepb "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	matcherpb "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
)

// Request is what an Envoy RBAC filter sees of a connection or an HTTP request.
type Request struct {
	// Peer is the peer's mTLS identity (URI SAN, spiffe://...) or "" for plaintext.
	Peer string
	// PeerFromFilterState: the identity reaches the filter as the io.istio.peer_principal filter
	// state (a waypoint terminating HBONE) rather than as the TLS peer certificate.
	PeerFromFilterState bool
	SrcIP               netip.Addr
	DstIP               netip.Addr
	DstPort             uint32
	SNI                 string
	HTTP                bool
	// Headers: lower-case names, including the pseudo-headers :authority, :method and :path.
	Headers map[string]string
	// Metadata: dynamic metadata by filter name, each a tree of map[string]any / string / []any.
	Metadata map[string]map[string]any
}

// RBACDecision is the outcome of the RBAC filters of one filter chain.
type RBACDecision struct {
	Allow   bool
	Matched string
}

// DecideRBAC runs the rules of the RBAC filters of one filter chain in their order (a filter without
// rules is shadow-only and left out by the caller): an ALLOW filter
// passes when one of its policies matches, a DENY filter passes when none does, a LOG filter or one
// without rules (shadow only) always passes. The request is allowed when every filter passes.
// Policy names are reported as Istio names them (ns[<ns>]-policy[<name>]-rule[<i>]), converted to
// namespace/name.
func DecideRBAC(filters []*rbacpb.RBAC, r Request) RBACDecision {
	var matchedAllow []string
	for _, rules := range filters {
		if rules == nil {
			continue
		}
		name := matchingPolicy(rules, r)
		switch rules.GetAction() {
		case rbacpb.RBAC_ALLOW:
			if name == "" {
				return RBACDecision{Allow: false, Matched: "default deny"}
			}
			matchedAllow = append(matchedAllow, name)
		case rbacpb.RBAC_DENY:
			if name != "" {
				return RBACDecision{Allow: false, Matched: name}
			}
		}
	}
	if len(matchedAllow) == 0 {
		return RBACDecision{Allow: true, Matched: "(none)"}
	}
	return RBACDecision{Allow: true, Matched: strings.Join(matchedAllow, ",")}
}

// matchingPolicy returns the name (namespace/name) of the first policy, in name order, that
// matches, or "".
func matchingPolicy(rules *rbacpb.RBAC, r Request) string {
	names := make([]string, 0, len(rules.GetPolicies()))
	for n := range rules.GetPolicies() {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if PolicyMatches(rules.GetPolicies()[n], r) {
			return istioPolicyName(n)
		}
	}
	return ""
}

var istioPolicyNameRe = regexp.MustCompile(`^ns\[([^\]]*)\]-policy\[([^\]]*)\]-rule\[[0-9]+\]$`)

func istioPolicyName(n string) string {
	if m := istioPolicyNameRe.FindStringSubmatch(n); m != nil {
		return m[1] + "/" + m[2]
	}
	return n
}

// PolicyMatches: a policy matches when one of its permissions and one of its principals match.
func PolicyMatches(p *rbacpb.Policy, r Request) bool {
	perm := false
	for _, x := range p.GetPermissions() {
		if PermissionMatches(x, r) {
			perm = true
			break
		}
	}
	if !perm {
		return false
	}
	for _, x := range p.GetPrincipals() {
		if PrincipalMatches(x, r) {
			return true
		}
	}
	return false
}

// PermissionMatches evaluates one envoy.config.rbac.v3.Permission.
func PermissionMatches(p *rbacpb.Permission, r Request) bool {
	switch rule := p.GetRule().(type) {
	case *rbacpb.Permission_Any:
		return rule.Any
	case *rbacpb.Permission_AndRules:
		for _, x := range rule.AndRules.GetRules() {
			if !PermissionMatches(x, r) {
				return false
			}
		}
		return true
	case *rbacpb.Permission_OrRules:
		for _, x := range rule.OrRules.GetRules() {
			if PermissionMatches(x, r) {
				return true
			}
		}
		return false
	case *rbacpb.Permission_NotRule:
		return !PermissionMatches(rule.NotRule, r)
	case *rbacpb.Permission_DestinationPort:
		return rule.DestinationPort == r.DstPort
	case *rbacpb.Permission_DestinationPortRange:
		return int64(r.DstPort) >= int64(rule.DestinationPortRange.GetStart()) && int64(r.DstPort) < int64(rule.DestinationPortRange.GetEnd())
	case *rbacpb.Permission_DestinationIp:
		return cidrContains(rule.DestinationIp, r.DstIP)
	case *rbacpb.Permission_RequestedServerName:
		return StringMatcherMatches(rule.RequestedServerName, r.SNI)
	case *rbacpb.Permission_Header:
		return r.HTTP && HeaderMatches(rule.Header, r.Headers)
	case *rbacpb.Permission_UrlPath:
		return r.HTTP && pathMatches(rule.UrlPath, r.Headers[":path"])
	case *rbacpb.Permission_Metadata:
		return MetadataMatches(rule.Metadata, r.Metadata)
	}
	// An attribute this evaluator does not model (uri_template, matcher extensions, sourced
	// metadata) never matches: for an ALLOW policy that errs towards deny.
	return false
}

// PrincipalMatches evaluates one envoy.config.rbac.v3.Principal.
func PrincipalMatches(p *rbacpb.Principal, r Request) bool {
	switch id := p.GetIdentifier().(type) {
	case *rbacpb.Principal_Any:
		return id.Any
	case *rbacpb.Principal_AndIds:
		for _, x := range id.AndIds.GetIds() {
			if !PrincipalMatches(x, r) {
				return false
			}
		}
		return true
	case *rbacpb.Principal_OrIds:
		for _, x := range id.OrIds.GetIds() {
			if PrincipalMatches(x, r) {
				return true
			}
		}
		return false
	case *rbacpb.Principal_NotId:
		return !PrincipalMatches(id.NotId, r)
	case *rbacpb.Principal_Authenticated_:
		if r.Peer == "" || r.PeerFromFilterState {
			return false
		}
		if id.Authenticated.GetPrincipalName() == nil {
			return true
		}
		return StringMatcherMatches(id.Authenticated.GetPrincipalName(), r.Peer)
	case *rbacpb.Principal_FilterState:
		if id.FilterState.GetKey() != "io.istio.peer_principal" || !r.PeerFromFilterState || r.Peer == "" {
			return false
		}
		sm := id.FilterState.GetStringMatch()
		return sm != nil && StringMatcherMatches(sm, r.Peer)
	case *rbacpb.Principal_DirectRemoteIp:
		return cidrContains(id.DirectRemoteIp, r.SrcIP)
	case *rbacpb.Principal_RemoteIp:
		return cidrContains(id.RemoteIp, r.SrcIP)
	case *rbacpb.Principal_SourceIp: //nolint:staticcheck // still accepted by Envoy
		return cidrContains(id.SourceIp, r.SrcIP)
	case *rbacpb.Principal_Header:
		return r.HTTP && HeaderMatches(id.Header, r.Headers)
	case *rbacpb.Principal_UrlPath:
		return r.HTTP && pathMatches(id.UrlPath, r.Headers[":path"])
	case *rbacpb.Principal_Metadata:
		return MetadataMatches(id.Metadata, r.Metadata)
	}
	return false
}

func cidrContains(c *corepb.CidrRange, ip netip.Addr) bool {
	base, err := netip.ParseAddr(c.GetAddressPrefix())
	if err != nil || !ip.IsValid() {
		return false
	}
	bits := base.BitLen()
	if c.GetPrefixLen() != nil {
		bits = int(c.GetPrefixLen().GetValue())
	}
	pfx, err := base.Prefix(bits)
	if err != nil {
		return false
	}
	return pfx.Contains(ip)
}

// StringMatcherMatches evaluates an envoy.type.matcher.v3.StringMatcher.
func StringMatcherMatches(m *matcherpb.StringMatcher, v string) bool {
	ic := m.GetIgnoreCase()
	fold := func(s string) string {
		if ic {
			return strings.ToLower(s)
		}
		return s
	}
	switch p := m.GetMatchPattern().(type) {
	case *matcherpb.StringMatcher_Exact:
		return fold(v) == fold(p.Exact)
	case *matcherpb.StringMatcher_Prefix:
		return strings.HasPrefix(fold(v), fold(p.Prefix))
	case *matcherpb.StringMatcher_Suffix:
		return strings.HasSuffix(fold(v), fold(p.Suffix))
	case *matcherpb.StringMatcher_Contains:
		return strings.Contains(fold(v), fold(p.Contains))
	case *matcherpb.StringMatcher_SafeRegex:
		re, err := regexp.Compile("^(?:" + p.SafeRegex.GetRegex() + ")$")
		return err == nil && re.MatchString(v)
	}
	return false
}

// pathMatches: the path without its query string, as Envoy's url_path matcher compares it.
func pathMatches(m *matcherpb.PathMatcher, path string) bool {
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	return StringMatcherMatches(m.GetPath(), path)
}

// HeaderMatches evaluates an envoy.config.route.v3.HeaderMatcher against the request headers.
func HeaderMatches(h *routepb.HeaderMatcher, headers map[string]string) bool {
	v, present := headers[strings.ToLower(h.GetName())]
	var res bool
	switch spec := h.GetHeaderMatchSpecifier().(type) {
	case *routepb.HeaderMatcher_PresentMatch:
		res = present == spec.PresentMatch
		if h.GetInvertMatch() {
			return !res
		}
		return res
	case *routepb.HeaderMatcher_StringMatch:
		res = present && StringMatcherMatches(spec.StringMatch, v)
	case *routepb.HeaderMatcher_ExactMatch: //nolint:staticcheck
		res = present && v == spec.ExactMatch
	case *routepb.HeaderMatcher_PrefixMatch: //nolint:staticcheck
		res = present && strings.HasPrefix(v, spec.PrefixMatch)
	case *routepb.HeaderMatcher_SuffixMatch: //nolint:staticcheck
		res = present && strings.HasSuffix(v, spec.SuffixMatch)
	case *routepb.HeaderMatcher_ContainsMatch: //nolint:staticcheck
		res = present && strings.Contains(v, spec.ContainsMatch)
	case *routepb.HeaderMatcher_SafeRegexMatch: //nolint:staticcheck
		res = present && StringMatcherMatches(&matcherpb.StringMatcher{MatchPattern: &matcherpb.StringMatcher_SafeRegex{SafeRegex: spec.SafeRegexMatch}}, v)
	case nil:
		res = present
	default:
		res = false
	}
	if !present {
		// A header that is absent never matches, inverted or not, unless treat_missing_header_as_empty.
		if h.GetTreatMissingHeaderAsEmpty() {
			return StringMatcherMatches(h.GetStringMatch(), "") != h.GetInvertMatch()
		}
		return false
	}
	if h.GetInvertMatch() {
		return !res
	}
	return res
}

// MetadataMatches evaluates an envoy.type.matcher.v3.MetadataMatcher: the value at filter/path
// must match; a missing value never matches (inverted: matches).
func MetadataMatches(m *matcherpb.MetadataMatcher, md map[string]map[string]any) bool {
	var cur any = map[string]any(md[m.GetFilter()])
	if md[m.GetFilter()] == nil {
		cur = nil
	}
	for _, seg := range m.GetPath() {
		mm, ok := cur.(map[string]any)
		if !ok {
			cur = nil
			break
		}
		cur = mm[seg.GetKey()]
	}
	res := cur != nil && valueMatches(m.GetValue(), cur)
	if m.GetInvert() {
		return !res
	}
	return res
}

func valueMatches(v *matcherpb.ValueMatcher, val any) bool {
	switch p := v.GetMatchPattern().(type) {
	case *matcherpb.ValueMatcher_StringMatch:
		s, ok := val.(string)
		return ok && StringMatcherMatches(p.StringMatch, s)
	case *matcherpb.ValueMatcher_PresentMatch:
		return p.PresentMatch
	case *matcherpb.ValueMatcher_ListMatch:
		l, ok := val.([]any)
		if !ok {
			return false
		}
		for _, x := range l {
			if valueMatches(p.ListMatch.GetOneOf(), x) {
				return true
			}
		}
		return false
	case *matcherpb.ValueMatcher_OrMatch:
		for _, x := range p.OrMatch.GetValueMatchers() {
			if valueMatches(x, val) {
				return true
			}
		}
		return false
	}
	return false
}
