import { Labels } from '../lib/labels';
import { MeshRule, Severity } from './types';
import { describe, labelsOf, spec } from './util';

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

export const injectionLabelValue: MeshRule = {
  id: 'injection-label-value',
  severity: Severity.ERROR,
  title: 'istio-injection is enabled or disabled',
  why: 'the injector webhooks match only enabled (and disabled); any other value silently injects nothing (istio PR#50683)',
  fix: 'use istio-injection: enabled, or istio.io/rev: <revision>',
  check(ctx) {
    return ctx.byKind('Namespace', '').filter(ns => labelsOf(ns)[Labels.INJECTION] !== undefined && !['enabled', 'disabled'].includes(labelsOf(ns)[Labels.INJECTION]))
      .map(ns => ({ object: ns, message: `${describe(ns)} has istio-injection: ${labelsOf(ns)[Labels.INJECTION]}` }));
  },
};

export const gatewayNamespaceInjection: MeshRule = {
  id: 'gateway-namespace-injection',
  severity: Severity.ERROR,
  title: "the ingress gateway's namespace is not labelled istio-injection: disabled",
  why: 'the gateway chart relies on injection (image: auto); in a namespace with injection disabled its pods fail to pull (istio#37482, istio#54841)',
  fix: 'remove istio-injection: disabled from the gateway namespace',
  check(ctx) {
    const gatewayNamespaces = new Set([
      ...(ctx.ingressGateway ? [ctx.ingressGateway.namespace] : []),
      ...ctx.byKind('HelmRelease').filter(r => spec(r).chart?.spec?.chart === 'gateway').map(r => spec(r).targetNamespace ?? r.manifest.metadata.namespace),
    ]);
    return [...gatewayNamespaces].flatMap(name => {
      const ns = ctx.namespaceObject(name);
      return ns && labelsOf(ns)[Labels.INJECTION] === 'disabled' ? [{ object: ns, message: `${describe(ns)} runs the ingress gateway but has istio-injection: disabled` }] : [];
    });
  },
};

export const revisionInstalled: MeshRule = {
  id: 'revision-installed',
  severity: Severity.ERROR,
  title: 'istio.io/rev names an installed istiod revision',
  why: 'a namespace or waypoint pointing at a revision no istiod serves gets no injection or no proxy at all (istio.io canary upgrades)',
  fix: 'point istio.io/rev at an installed revision, or install that revision first',
  check(ctx) {
    const installed = ctx.installedRevisions;
    if (!installed) return [];
    return ctx.objects.filter(o => ['Namespace', 'Gateway'].includes(o.manifest.kind) && labelsOf(o)[Labels.REVISION] !== undefined && !installed.has(labelsOf(o)[Labels.REVISION]))
      .map(o => ({ object: o, message: `${describe(o)} uses revision ${labelsOf(o)[Labels.REVISION]}; installed: ${[...installed].sort().join(', ')}` }));
  },
};
