import { MeshRule, Severity } from './types';
import { describe, spec } from './util';

export const sidecarRegistryOnly: MeshRule = {
  id: 'sidecar-registry-only',
  severity: Severity.ERROR,
  title: 'a REGISTRY_ONLY Sidecar keeps the hosts the mesh itself needs (the telemetry collector)',
  why: 'REGISTRY_ONLY sends every host not listed in egress to the blackhole cluster: without the collector namespace, spans are dropped (istio#34632)',
  fix: "add '<collector namespace>/*' to the Sidecar's egress hosts",
  check(ctx) {
    const collector = ctx.collectorNamespace;
    if (!collector) return [];
    return ctx
      .byKind('Sidecar', 'networking.istio.io')
      .filter(s => spec(s).outboundTrafficPolicy?.mode === 'REGISTRY_ONLY')
      .filter(s => {
        const hosts: string[] = (spec(s).egress ?? []).flatMap((e: any) => e.hosts ?? []);
        return (
          hosts.length > 0 &&
          !hosts.some(h => h === '*/*' || h.startsWith(`${collector}/`) || (collector === s.manifest.metadata.namespace && h.startsWith('./')))
        );
      })
      .map(s => ({ object: s, message: `${describe(s)} is REGISTRY_ONLY and its egress omits ${collector}/*, where the telemetry collector runs` }));
  },
};
