import { MeshRule, Severity } from './types';
import { describe, spec } from './util';

const isAnyAddress = (cidr: unknown) => typeof cidr === 'string' && cidr.trim().endsWith('/0');

/**
 * A NetworkPolicy that lets pods reach every public address on a port is the only egress control
 * for a pod that runs without a proxy: REGISTRY_ONLY binds only pods whose traffic Envoy handles.
 */
export const networkPolicyEgressAny: MeshRule = {
  id: 'network-policy-egress-any',
  severity: Severity.WARNING,
  title: 'NetworkPolicy egress to 0.0.0.0/0 opens the port to every public address',
  why: 'REGISTRY_ONLY is not a security boundary: a pod started with sidecar.istio.io/inject: "false" (or any traffic that bypasses Envoy) is held back only by the NetworkPolicy, which then admits any host on that port (istio/api PR#3270, mesh/v1alpha1/config.proto OutboundTrafficPolicy; istio/api PR#1813)',
  fix: "declare the provider's published ranges in externalHosts() cidrs, or route the host through an egress gateway",
  check(ctx) {
    return ctx.byKind('NetworkPolicy', 'networking.k8s.io').flatMap(np =>
      ((spec(np).egress ?? []) as any[]).flatMap((rule, i) => {
        const open = ((rule?.to ?? []) as any[]).filter(peer => isAnyAddress(peer?.ipBlock?.cidr));
        if (open.length === 0) return [];
        const ports = ((rule?.ports ?? []) as any[]).map(p => `${p?.protocol ?? 'TCP'} ${p?.port ?? 'any'}`).join(', ') || 'every port';
        return [
          {
            object: np,
            message: `${describe(np)} egress[${i}] admits ${open.map(p => p.ipBlock.cidr).join(', ')} on ${ports}: pods without a proxy reach any host there`,
          },
        ];
      }),
    );
  },
};
