import { MeshRule, Severity } from './types';
import { describe, spec } from './util';

export const ambientTelemetryNeedsWaypoint: MeshRule = {
  id: 'ambient-telemetry-needs-waypoint',
  severity: Severity.WARNING,
  title: 'tracing in an ambient namespace attaches to a waypoint',
  why: 'ztunnel is L4 only and emits no spans; in ambient, traces come from waypoints, which ignore selector-based Telemetry (FACTS §3, kiali#8916)',
  fix: 'give the namespace a waypoint and attach the Telemetry to it with targetRefs',
  check(ctx) {
    return ctx
      .byKind('Telemetry', 'telemetry.istio.io')
      .filter(t => ctx.isAmbient(t.manifest.metadata.namespace) && (spec(t).tracing ?? []).length > 0 && !(spec(t).targetRefs ?? []).length)
      .map(t => ({ object: t, message: `${describe(t)} configures tracing in an ambient namespace without targetRefs to a waypoint` }));
  },
};
