import { MeshRule, Severity } from './types';
import { albIngresses, annotationsOf, describe, ingressBackends, namespaceInMesh, namespaceOf, spec } from './util';

export const serviceExposesMesh: MeshRule = {
  id: 'service-exposes-mesh',
  severity: Severity.ERROR,
  title: 'no LoadBalancer or NodePort Service exposes a meshed workload, or the ALB-fronted gateway, around the ALB',
  why: 'type LoadBalancer makes the cloud provider (or aws-load-balancer-controller pkg/service/model_builder.go) build a second load balancer to the node ports, and NodePort opens every node: clients reach the pods without the ALB, its TLS policy and WAF, and (for app pods) without the ingress gateway routing and policies (Kubernetes Service types)',
  fix: 'keep the Service type ClusterIP and publish through the ALB Ingress and the ingress gateway',
  check(ctx) {
    // Gateway Services an ALB Ingress targets: NodePort is their instance-target mode, LoadBalancer a second entry.
    const albTargets = new Map<string, boolean>();
    for (const ing of albIngresses(ctx)) {
      const instance = annotationsOf(ing)['alb.ingress.kubernetes.io/target-type'] !== 'ip';
      for (const b of ingressBackends(ing))
        albTargets.set(`${namespaceOf(ing)}/${b.name}`, (albTargets.get(`${namespaceOf(ing)}/${b.name}`) ?? false) || instance);
    }
    return ctx.byKind('Service', '').flatMap(svc => {
      const type = spec(svc).type;
      if (type !== 'LoadBalancer' && type !== 'NodePort') return [];
      const key = `${namespaceOf(svc)}/${svc.manifest.metadata.name}`;
      if (albTargets.has(key)) {
        if (type === 'NodePort' && albTargets.get(key)) return [];
        return [{ object: svc, message: `${describe(svc)} is type ${type}, but an ALB Ingress fronts it: it is a second way in around the ALB` }];
      }
      if (!namespaceInMesh(ctx, namespaceOf(svc))) return [];
      return [
        {
          object: svc,
          message: `${describe(svc)} is type ${type} in meshed namespace ${namespaceOf(svc)}: it exposes the workload around the ALB and the ingress gateway`,
        },
      ];
    });
  },
};
