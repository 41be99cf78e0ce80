import { MeshRule, RuleContext, Severity } from './types';
import { describe, namespaceInMesh, namespaceOf, spec, tlsModes } from './util';

/**
 * The namespace of a Kubernetes Service host: `name`, `name.ns`, `name.ns.svc`, `name.ns.svc.<domain>`.
 * A two-label host counts only when its second label is a Namespace in the files (else it may be a DNS name).
 */
function hostNamespace(ctx: RuleContext, host: string, drNamespace: string): string | undefined {
  if (!host || host.includes('*')) return undefined;
  const labels = host.split('.');
  if (labels.length === 1) return drNamespace;
  if (labels.length >= 3 && labels[2] === 'svc') return labels[1];
  if (labels.length === 2 && ctx.namespaceObject(labels[1])) return labels[1];
  return undefined;
}

export const destinationRuleTls: MeshRule = {
  id: 'destination-rule-tls',
  severity: Severity.ERROR,
  title: 'a DestinationRule to a Service of a meshed namespace sets no TLS mode but ISTIO_MUTUAL',
  why: 'any other mode replaces Istio mTLS (auto-mTLS) towards that host: DISABLE sends plaintext that STRICT peers refuse, SIMPLE/MUTUAL skip the mesh identity (istio#7590, istio#36672); a host counts as in the mesh only when its namespace is labelled for injection or ambient in the files and is not the root namespace, since istiod and other sidecar-less Services legitimately need SIMPLE',
  fix: 'remove trafficPolicy.tls (auto-mTLS applies) or set mode ISTIO_MUTUAL; declare out-of-mesh hosts with a MESH_EXTERNAL ServiceEntry',
  check(ctx) {
    const external = new Set(
      ctx
        .byKind('ServiceEntry', 'networking.istio.io')
        .filter(se => spec(se).location !== 'MESH_INTERNAL')
        .flatMap(se => (Array.isArray(spec(se).hosts) ? spec(se).hosts : [])),
    );
    return ctx.byKind('DestinationRule', 'networking.istio.io').flatMap(dr => {
      const host = String(spec(dr).host ?? '');
      if (external.has(host)) return [];
      const ns = hostNamespace(ctx, host, namespaceOf(dr));
      if (ns === undefined || ns === ctx.rootNamespace || !namespaceInMesh(ctx, ns)) return [];
      return tlsModes(spec(dr))
        .filter(t => t.mode !== 'ISTIO_MUTUAL')
        .map(t => ({ object: dr, message: `${describe(dr)} sets ${t.where} mode ${t.mode} for host ${host} in meshed namespace ${ns}` }));
    });
  },
};
