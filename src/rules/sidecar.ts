import { MeshRule, Severity } from './types';
import { describe, spec } from './util';

export const sidecarEgressNotEmpty: MeshRule = {
  id: 'sidecar-egress-not-empty',
  severity: Severity.ERROR,
  title: 'a Sidecar with a workload selector lists its egress hosts',
  why: 'a workload Sidecar without egress falls back to */*: it bypasses the namespace default and opens every host (istio#15654, istio#59376)',
  fix: "list egress hosts, at least ./* and the namespaces called",
  check(ctx) {
    return ctx.byKind('Sidecar', 'networking.istio.io')
      .filter(s => spec(s).workloadSelector && !(spec(s).egress ?? []).some((e: any) => (e.hosts ?? []).length > 0))
      .map(s => ({ object: s, message: `${describe(s)} selects workloads and lists no egress hosts` }));
  },
};

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

export const sidecarRegistryOnly: MeshRule = {
  id: 'sidecar-registry-only',
  severity: Severity.ERROR,
  title: "a REGISTRY_ONLY Sidecar keeps the hosts the mesh itself needs (the telemetry collector)",
  why: 'REGISTRY_ONLY sends every host not listed in egress to the blackhole cluster: without the collector namespace, spans are dropped (istio#34632)',
  fix: "add '<collector namespace>/*' to the Sidecar's egress hosts",
  check(ctx) {
    const collector = ctx.collectorNamespace;
    if (!collector) return [];
    return ctx.byKind('Sidecar', 'networking.istio.io')
      .filter(s => spec(s).outboundTrafficPolicy?.mode === 'REGISTRY_ONLY')
      .filter(s => {
        const hosts: string[] = (spec(s).egress ?? []).flatMap((e: any) => e.hosts ?? []);
        return hosts.length > 0 && !hosts.some(h => h === '*/*' || h.startsWith(`${collector}/`) || (collector === s.manifest.metadata.namespace && h.startsWith('./')));
      })
      .map(s => ({ object: s, message: `${describe(s)} is REGISTRY_ONLY and its egress omits ${collector}/*, where the telemetry collector runs` }));
  },
};

export const sidecarEgressWithoutRegistryOnly: MeshRule = {
  id: 'sidecar-egress-without-registry-only',
  severity: Severity.WARNING,
  title: 'a Sidecar that lists egress hosts also sets REGISTRY_ONLY',
  why: 'with the default ALLOW_ANY, unlisted hosts still pass through: egress hosts alone limit configuration, not traffic (istio#15329, istio/api PR#1813)',
  fix: 'set outboundTrafficPolicy.mode: REGISTRY_ONLY and declare external hosts with ServiceEntries',
  check(ctx) {
    return ctx.byKind('Sidecar', 'networking.istio.io')
      .filter(s => (spec(s).egress ?? []).length > 0 && spec(s).outboundTrafficPolicy?.mode !== 'REGISTRY_ONLY')
      .map(s => ({ object: s, message: `${describe(s)} lists egress hosts without REGISTRY_ONLY` }));
  },
};
