import { Labels } from '../../core/labels';
import { MeshRule, Severity } from './types';
import { describe, labelsOf } from './util';

export const injectionLabelValue: MeshRule = {
  id: 'injection-label-value',
  severity: Severity.ERROR,
  title: 'istio-injection is enabled or disabled',
  why: 'the injector webhooks match only enabled (and disabled); any other value silently injects nothing (istio PR#50683)',
  fix: 'use istio-injection: enabled, or istio.io/rev: <revision>',
  check(ctx) {
    return ctx
      .byKind('Namespace', '')
      .filter(ns => labelsOf(ns)[Labels.INJECTION] !== undefined && !['enabled', 'disabled'].includes(labelsOf(ns)[Labels.INJECTION]))
      .map(ns => ({ object: ns, message: `${describe(ns)} has istio-injection: ${labelsOf(ns)[Labels.INJECTION]}` }));
  },
};
