import { Labels } from '../../core/labels';
import { LocatedManifest, MeshRule, RuleContext, Severity } from './types';
import { describe, labelsOf, parsePrincipal, principalsOf, spec } from './util';

/** True when the Namespace enrols its pods in the mesh: ambient, or sidecar injection by revision or label. */
function enrolled(ns: LocatedManifest): boolean {
  const labels = labelsOf(ns);
  return labels[Labels.DATAPLANE_MODE] === 'ambient' || !!labels[Labels.REVISION] || labels[Labels.INJECTION] === 'enabled';
}

export const callerNamespaceInMesh: MeshRule = {
  id: 'caller-namespace-in-mesh',
  severity: Severity.WARNING,
  title: 'an ALLOW policy in the mesh admits principals of namespaces that are in the mesh',
  why: 'pods of a namespace out of the mesh have no proxy and send plaintext without an identity, so no principal-based rule matches them: the grant admits nobody until their namespace joins (and STRICT refuses their plaintext) (istio/api security/v1beta1/authorization.proto, Source.principals requires mTLS)',
  fix: 'enrol the caller namespace (PERMISSIVE first, see the migration plan), or expect its calls to be denied until then',
  check(ctx: RuleContext) {
    const platform = new Set([ctx.rootNamespace, ctx.ingressGateway?.namespace].filter((n): n is string => !!n));
    return ctx.byKind('AuthorizationPolicy', 'security.istio.io').flatMap(p => {
      const own = ctx.namespaceObject(p.manifest.metadata.namespace ?? 'default');
      if (!own || !enrolled(own) || (spec(p).action ?? 'ALLOW') !== 'ALLOW') return [];
      const outside = [
        ...new Set(
          principalsOf(p)
            .map(pr => parsePrincipal(pr)?.namespace)
            .filter((n): n is string => !!n && !platform.has(n)),
        ),
      ]
        .filter(n => {
          const ns = ctx.namespaceObject(n);
          return !!ns && !enrolled(ns);
        })
        .sort();
      return outside.map(n => ({
        object: p,
        message: `${describe(p)} admits principals of namespace ${n}, which is out of the mesh: its pods call without an identity, so this grant admits none of them`,
      }));
    });
  },
};
