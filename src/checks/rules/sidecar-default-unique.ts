import { MeshRule, Severity } from './types';
import { describe, spec } from './util';

export const sidecarDefaultUnique: MeshRule = {
  id: 'sidecar-default-unique',
  severity: Severity.ERROR,
  title: 'at most one selector-less Sidecar per namespace, and none with a selector in the root namespace',
  why: 'with two namespace-wide Sidecars Istio picks one arbitrarily; selector Sidecars in the root namespace are ignored (istio#39989)',
  fix: 'merge them into one Sidecar named default',
  check(ctx) {
    const sidecars = ctx.byKind('Sidecar', 'networking.istio.io');
    const findings = [];
    const defaults = new Map<string, number>();
    for (const s of sidecars.filter(s => !spec(s).workloadSelector)) {
      const ns = s.manifest.metadata.namespace ?? 'default';
      defaults.set(ns, (defaults.get(ns) ?? 0) + 1);
      if (defaults.get(ns) === 2) findings.push({ object: s, message: `${describe(s)} is a second selector-less Sidecar in ${ns}` });
    }
    for (const s of sidecars.filter(s => spec(s).workloadSelector && s.manifest.metadata.namespace === ctx.rootNamespace)) {
      findings.push({ object: s, message: `${describe(s)} has a selector in the root namespace, where it is ignored` });
    }
    return findings;
  },
};
