import { MeshRule, Severity } from './types';
import { describe, spec } from './util';

export const telemetryProviderDefined: MeshRule = {
  id: 'telemetry-provider-defined',
  severity: Severity.ERROR,
  title: "a Telemetry's providers are extension providers the mesh defines",
  why: 'a provider name missing from meshConfig.extensionProviders makes the Telemetry do nothing; an empty list means every provider, which can double spans (istio/api PR#1740, istio#38920)',
  fix: 'name a provider defined in meshConfig.extensionProviders (the environment telemetry.tracingProvider)',
  check(ctx) {
    const defined = ctx.definedProviders;
    return ctx.byKind('Telemetry', 'telemetry.istio.io').flatMap(t => {
      const findings = [];
      for (const section of ['tracing', 'accessLogging', 'metrics']) {
        for (const entry of spec(t)[section] ?? []) {
          const providers: string[] = (entry.providers ?? []).map((p: any) => p.name);
          if (section === 'tracing' && providers.length === 0 && !entry.disableSpanReporting) {
            findings.push({ object: t, message: `${describe(t)} traces without naming a provider (that means every provider)` });
          }
          for (const name of providers.filter(n => defined && !defined.has(n))) {
            findings.push({ object: t, message: `${describe(t)} ${section} names provider ${name}; defined: ${[...defined!].sort().join(', ')}` });
          }
        }
      }
      return findings;
    });
  },
};

export const ambientTelemetryNeedsWaypoint: MeshRule = {
  id: 'ambient-telemetry-needs-waypoint',
  severity: Severity.WARNING,
  title: 'tracing in an ambient namespace attaches to a waypoint',
  why: 'ztunnel is L4 only and emits no spans; in ambient, traces come from waypoints, which ignore selector-based Telemetry (FACTS §3, kiali#8916)',
  fix: 'give the namespace a waypoint and attach the Telemetry to it with targetRefs',
  check(ctx) {
    return ctx.byKind('Telemetry', 'telemetry.istio.io')
      .filter(t => ctx.isAmbient(t.manifest.metadata.namespace) && (spec(t).tracing ?? []).length > 0 && !(spec(t).targetRefs ?? []).length)
      .map(t => ({ object: t, message: `${describe(t)} configures tracing in an ambient namespace without targetRefs to a waypoint` }));
  },
};
