import { Labels } from '../../core/labels';
import { LocatedManifest, MeshRule, Severity } from './types';
import { describe, labelsOf, waypointExists } from './util';

export const useWaypointExists: MeshRule = {
  id: 'use-waypoint-exists',
  severity: Severity.ERROR,
  title: 'every istio.io/use-waypoint label names a waypoint that exists',
  why: 'a dangling label silently sends traffic around the intended L7 policies (istio.io PR#15007, istio#57764)',
  warnsWhen: 'no environment config is given: the waypoint may be made outside these files (istioctl waypoint apply)',
  fix: 'define the waypoint Gateway (class istio-waypoint) in that namespace, or set istio.io/use-waypoint-namespace, or remove the label',
  check(ctx) {
    return ctx.objects.flatMap((o: LocatedManifest) => {
      const value = labelsOf(o)[Labels.USE_WAYPOINT];
      if (!value || value === '#none' || value === 'none') return [];
      const ns =
        labelsOf(o)['istio.io/use-waypoint-namespace'] ??
        (o.manifest.kind === 'Namespace' ? o.manifest.metadata.name : o.manifest.metadata.namespace);
      if (waypointExists(ctx, ns, value)) return [];
      if (ctx.env) return [{ object: o, message: `${describe(o)} uses waypoint ${value}, but ${ns} has no istio-waypoint Gateway of that name` }];
      return [
        {
          object: o,
          severity: Severity.WARNING,
          message: `${describe(o)} uses waypoint ${value}, which is not in these files (namespace ${ns})`,
          fix: `check that ${ns}/${value} exists (kubectl get gateway -n ${ns}); define it in the files if it is yours`,
        },
      ];
    });
  },
};
