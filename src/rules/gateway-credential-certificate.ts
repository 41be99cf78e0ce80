import { MeshRule, Severity } from './types';
import { describe, spec } from './util';

export const gatewayCredentialCertificate: MeshRule = {
  id: 'gateway-credential-certificate',
  severity: Severity.ERROR,
  title: "a gateway's credentialName is the secretName of a Certificate in the gateway's namespace",
  why: 'the gateway reads TLS Secrets only from its own namespace, and cert-manager writes a Secret only beside its Certificate (istio#27740, cert-manager#2522)',
  fix: "define a cert-manager Certificate in the gateway's namespace whose spec.secretName equals the server's tls.credentialName",
  check(ctx) {
    const certificates = ctx.byKind('Certificate', 'cert-manager.io');
    return ctx.byKind('Gateway', 'networking.istio.io').flatMap(gateway => {
      const ns = gateway.manifest.metadata.namespace;
      return (spec(gateway).servers ?? []).filter((s: any) => s.tls?.credentialName).flatMap((s: any) => {
        const secret = s.tls.credentialName;
        const producers = certificates.filter(c => spec(c).secretName === secret);
        if (producers.some(c => c.manifest.metadata.namespace === ns)) return [];
        if (producers.length > 0) {
          return [{ object: gateway, message: `${describe(gateway)} reads Secret ${secret} from ${ns}, but its Certificate ${describe(producers[0])} writes it in ${producers[0].manifest.metadata.namespace}` }];
        }
        return [{ object: gateway, message: `${describe(gateway)} reads Secret ${secret}, which no Certificate in ${ns} writes` }];
      });
    });
  },
};
