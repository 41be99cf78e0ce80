import { MeshRule, Severity } from './types';
import { describe } from './util';

export const noSidecarInAmbient: MeshRule = {
  id: 'no-sidecar-in-ambient',
  severity: Severity.ERROR,
  title: 'no Sidecar resource in an ambient namespace',
  why: 'ztunnel and waypoints ignore the Sidecar resource, including REGISTRY_ONLY: it promises an egress lockdown that does not exist (istio#54281, FACTS §1.6)',
  fix: 'remove it; restrict egress with NetworkPolicies (and an egress gateway or waypoint)',
  check(ctx) {
    return ctx
      .byKind('Sidecar', 'networking.istio.io')
      .filter(s => ctx.isAmbient(s.manifest.metadata.namespace))
      .map(s => ({ object: s, message: `${describe(s)} is in ambient namespace ${s.manifest.metadata.namespace}` }));
  },
};
