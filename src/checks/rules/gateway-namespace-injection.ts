import { Labels } from '../../core/labels';
import { MeshRule, Severity } from './types';
import { describe, labelsOf, spec } from './util';

export const gatewayNamespaceInjection: MeshRule = {
  id: 'gateway-namespace-injection',
  severity: Severity.ERROR,
  title: "the ingress gateway's namespace is not labelled istio-injection: disabled",
  why: 'the gateway chart relies on injection (image: auto); in a namespace with injection disabled its pods fail to pull (istio#37482, istio#54841)',
  fix: 'remove istio-injection: disabled from the gateway namespace',
  check(ctx) {
    const gatewayNamespaces = new Set([
      ...(ctx.ingressGateway ? [ctx.ingressGateway.namespace] : []),
      ...ctx
        .byKind('HelmRelease')
        .filter(r => spec(r).chart?.spec?.chart === 'gateway')
        .map(r => spec(r).targetNamespace ?? r.manifest.metadata.namespace),
    ]);
    return [...gatewayNamespaces].flatMap(name => {
      const ns = ctx.namespaceObject(name);
      return ns && labelsOf(ns)[Labels.INJECTION] === 'disabled'
        ? [{ object: ns, message: `${describe(ns)} runs the ingress gateway but has istio-injection: disabled` }]
        : [];
    });
  },
};
