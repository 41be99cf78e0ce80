import { MeshRule, Severity } from './types';
import { describe, REMOVED_INGRESS_APIS } from './util';

export const ingressApiRemoved: MeshRule = {
  id: 'ingress-api-removed',
  severity: Severity.ERROR,
  title: 'no Ingress of a removed API version (extensions/v1beta1, networking.k8s.io/v1beta1)',
  why: 'Kubernetes 1.22 removed both Ingress beta APIs, so the API server refuses the object and Flux stops applying its folder; their backends (serviceName, servicePort) have another shape than networking.k8s.io/v1, so no other rule reads them (https://kubernetes.io/docs/reference/using-api/deprecation-guide/#ingress-v122; aws-load-balancer-controller v2.4 needs networking.k8s.io/v1)',
  fix: 'rewrite it as networking.k8s.io/v1: spec.ingressClassName, pathType on every path, backend.service.name and backend.service.port.number or .name',
  check(ctx) {
    return ctx
      .byKind('Ingress')
      .filter(i => REMOVED_INGRESS_APIS.includes(i.manifest.apiVersion))
      .map(i => ({ object: i, message: `${describe(i)} uses ${i.manifest.apiVersion}, which Kubernetes 1.22 removed` }));
  },
};
