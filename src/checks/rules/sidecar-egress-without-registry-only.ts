import { MeshRule, Severity } from './types';
import { describe, spec } from './util';

export const sidecarEgressWithoutRegistryOnly: MeshRule = {
  id: 'sidecar-egress-without-registry-only',
  severity: Severity.WARNING,
  title: 'a Sidecar that lists egress hosts also sets REGISTRY_ONLY',
  why: 'with the default ALLOW_ANY, unlisted hosts still pass through: egress hosts alone limit configuration, not traffic (istio#15329, istio/api PR#1813)',
  fix: 'set outboundTrafficPolicy.mode: REGISTRY_ONLY and declare external hosts with ServiceEntries',
  check(ctx) {
    return ctx
      .byKind('Sidecar', 'networking.istio.io')
      .filter(s => (spec(s).egress ?? []).length > 0 && spec(s).outboundTrafficPolicy?.mode !== 'REGISTRY_ONLY')
      .map(s => ({ object: s, message: `${describe(s)} lists egress hosts without REGISTRY_ONLY` }));
  },
};
