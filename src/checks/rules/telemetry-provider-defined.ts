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
