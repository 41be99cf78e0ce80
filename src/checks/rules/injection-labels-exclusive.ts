import { Labels } from '../../core/labels';
import { MeshRule, Severity } from './types';
import { describe, labelsOf } from './util';

export const injectionLabelsExclusive: MeshRule = {
  id: 'injection-labels-exclusive',
  severity: Severity.ERROR,
  title: 'a namespace carries one mesh enrolment: istio-injection, istio.io/rev or ambient',
  why: 'with both injection labels, istio-injection wins and a non-default revision injects nothing; with ambient and an injection label, sidecar injection wins (FACTS §1.1-1.2, istio#43621)',
  fix: 'keep exactly one: istio.io/rev=<revision> (or istio-injection=enabled) for sidecars, istio.io/dataplane-mode=ambient for ambient',
  check(ctx) {
    return ctx.byKind('Namespace', '').flatMap(ns => {
      const l = labelsOf(ns);
      const injection = l[Labels.INJECTION] === 'enabled';
      const revision = l[Labels.REVISION] !== undefined;
      const ambient = l[Labels.DATAPLANE_MODE] === 'ambient';
      if (injection && revision) return [{ object: ns, message: `${describe(ns)} has both istio-injection and istio.io/rev` }];
      if (ambient && (injection || revision)) return [{ object: ns, message: `${describe(ns)} is ambient and also labelled for sidecar injection` }];
      return [];
    });
  },
};
