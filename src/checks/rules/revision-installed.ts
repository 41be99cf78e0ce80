import { Labels } from '../../core/labels';
import { MeshRule, Severity } from './types';
import { describe, labelsOf } from './util';

export const revisionInstalled: MeshRule = {
  id: 'revision-installed',
  severity: Severity.ERROR,
  title: 'istio.io/rev names an installed istiod revision',
  why: 'a namespace or waypoint pointing at a revision no istiod serves gets no injection or no proxy at all (istio/istio manifests/charts/istio-control/istio-discovery/templates/mutatingwebhook.yaml: the webhook of each revision selects only the namespaces labelled with that revision)',
  fix: 'point istio.io/rev at an installed revision, or install that revision first',
  check(ctx) {
    const installed = ctx.installedRevisions;
    if (!installed) return [];
    return ctx.objects
      .filter(
        o =>
          ['Namespace', 'Gateway'].includes(o.manifest.kind) &&
          labelsOf(o)[Labels.REVISION] !== undefined &&
          !installed.has(labelsOf(o)[Labels.REVISION]),
      )
      .map(o => ({
        object: o,
        message: `${describe(o)} uses revision ${labelsOf(o)[Labels.REVISION]}; installed: ${[...installed].sort().join(', ')}`,
      }));
  },
};
