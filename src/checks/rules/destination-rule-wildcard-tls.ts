import { MeshRule, Severity } from './types';
import { describe, spec, tlsModes } from './util';

export const destinationRuleWildcardTls: MeshRule = {
  id: 'destination-rule-wildcard-tls',
  severity: Severity.ERROR,
  title: 'no DestinationRule sets TLS for a wildcard host such as *.local',
  why: 'a mesh-wide TLS DestinationRule turns off auto-mTLS detection, so calls to out-of-mesh Services break (FACTS §1.6, istio.io PR#2131)',
  fix: 'delete the wildcard DestinationRule: auto-mTLS already uses Istio mTLS towards in-mesh endpoints',
  check(ctx) {
    return ctx
      .byKind('DestinationRule', 'networking.istio.io')
      .filter(dr => String(spec(dr).host ?? '').startsWith('*') && tlsModes(spec(dr)).length > 0)
      .map(dr => ({ object: dr, message: `${describe(dr)} sets TLS for host ${spec(dr).host}` }));
  },
};
