import { MeshRule, Severity } from './types';
import { describe, spec } from './util';

export const sidecarEgressNotEmpty: MeshRule = {
  id: 'sidecar-egress-not-empty',
  severity: Severity.ERROR,
  title: 'a Sidecar with a workload selector lists its egress hosts',
  why: 'a workload Sidecar without egress falls back to */*: it bypasses the namespace default and opens every host (istio#15654, istio#59376)',
  fix: 'list egress hosts, at least ./* and the namespaces called',
  check(ctx) {
    return ctx
      .byKind('Sidecar', 'networking.istio.io')
      .filter(s => spec(s).workloadSelector && !(spec(s).egress ?? []).some((e: any) => (e.hosts ?? []).length > 0))
      .map(s => ({ object: s, message: `${describe(s)} selects workloads and lists no egress hosts` }));
  },
};
