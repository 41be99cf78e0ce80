import { RuleFinding, LocatedManifest, MeshRule, RuleContext, Severity } from './types';
import { asList, describe, gatewayWorkloadNamespace, namespaceOf, spec } from './util';

/** Objects that create a Secret of their name or target: SealedSecret, ExternalSecret (target.name) and plain Secrets. */
function secretMakers(ctx: RuleContext, namespace: string, name: string): LocatedManifest[] {
  const inNs = (o: LocatedManifest) => namespaceOf(o) === namespace;
  return [
    ...ctx.byKind('Secret', '').filter(o => inNs(o) && o.manifest.metadata.name === name),
    ...ctx.byKind('SealedSecret').filter(o => inNs(o) && (spec(o).template?.metadata?.name ?? o.manifest.metadata.name) === name),
    ...ctx.byKind('ExternalSecret').filter(o => inNs(o) && (spec(o).target?.name ?? o.manifest.metadata.name) === name),
  ];
}

export const gatewayCredentialCertificate: MeshRule = {
  id: 'gateway-credential-certificate',
  severity: Severity.ERROR,
  title: "a gateway's credentialName is a Secret in the namespace of the gateway pods",
  why: 'the gateway reads TLS Secrets only from the namespace of its pods (the workload its selector matches, not the Gateway object), and cert-manager writes a Secret only beside its Certificate (istio/istio pkg/config/analysis/analyzers/gateway/secret.go getGatewayNamespace, istio#27740, cert-manager#2522)',
  fix: 'create the Secret (a cert-manager Certificate with that spec.secretName, or any other means) in the namespace of the gateway pods',
  warnsWhen:
    'no Certificate, Secret, SealedSecret or ExternalSecret in the files makes the Secret (it may be made another way); silent when the gateway pods cannot be found in the files',
  check(ctx) {
    const certificates = ctx.byKind('Certificate', 'cert-manager.io');
    return ctx.byKind('Gateway', 'networking.istio.io').flatMap(gateway => {
      const ns = gatewayWorkloadNamespace(ctx, gateway);
      if (ns === undefined) return [];
      return asList(spec(gateway).servers)
        .filter((s: any) => typeof s?.tls?.credentialName === 'string' && s.tls.credentialName)
        .flatMap((s: any): RuleFinding[] => {
          const secret: string = s.tls.credentialName;
          const producers = certificates.filter(c => spec(c).secretName === secret);
          if (producers.some(c => namespaceOf(c) === ns) || secretMakers(ctx, ns, secret).length > 0) return [];
          if (producers.length > 0) {
            return [
              {
                object: gateway,
                message: `${describe(gateway)} selects gateway pods in ${ns}, which read Secret ${secret} there, but ${describe(producers[0])} writes it in ${namespaceOf(producers[0])}`,
              },
            ];
          }
          return [
            {
              object: gateway,
              severity: Severity.WARNING,
              message: `${describe(gateway)} selects gateway pods in ${ns}, which read Secret ${secret} there; nothing in these files makes it`,
              fix: `make sure Secret ${ns}/${secret} exists (a Certificate with secretName ${secret} in ${ns}, or a Secret made another way)`,
            },
          ];
        });
    });
  },
};
