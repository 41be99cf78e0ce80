import { MeshRule, RuleContext, Severity } from './types';
import { albIngresses, annotationsOf, asList, describe, ingressBackends, namespaceOf, restrictingPolicies, spec } from './util';

/** The pod labels of the Services an ip-target ALB Ingress sends to: `{ namespace, labels, service }`. */
function albTargetPods(ctx: RuleContext): Array<{ namespace: string; labels: Record<string, string>; service: string }> {
  const found: Array<{ namespace: string; labels: Record<string, string>; service: string }> = [];
  for (const ing of albIngresses(ctx).filter(i => annotationsOf(i)['alb.ingress.kubernetes.io/target-type'] === 'ip')) {
    for (const b of ingressBackends(ing)) {
      const svc = ctx.inNamespace('Service', '', namespaceOf(ing)).find(s => s.manifest.metadata.name === b.name);
      const selector = svc ? spec(svc).selector : undefined;
      if (selector && typeof selector === 'object' && !Array.isArray(selector) && !found.some(f => f.service === `${namespaceOf(ing)}/${b.name}`)) {
        found.push({ namespace: namespaceOf(ing), labels: selector, service: `${namespaceOf(ing)}/${b.name}` });
      }
    }
  }
  return found;
}

export const networkPolicyAlbTargets: MeshRule = {
  id: 'network-policy-alb-targets',
  severity: Severity.ERROR,
  title: 'NetworkPolicies around ALB ip targets admit traffic from outside the cluster',
  why: 'with target-type ip the ALB connects from its own VPC addresses straight to the pods; pod and namespace selectors never match it, so a policy that admits only selectors drops the traffic and the health checks (aws-load-balancer-controller pkg/ingress/model_build_target_group.go; Kubernetes NetworkPolicy ipBlock)',
  fix: 'add an ingress rule with an ipBlock of the VPC (or ALB subnet) CIDRs on the target and health-check ports for the gateway pods',
  check(ctx) {
    return albTargetPods(ctx).flatMap(({ namespace, labels, service }) => {
      const policies = restrictingPolicies(ctx, namespace, labels, 'Ingress');
      if (!policies || policies.length === 0) return [];
      const admitsOutside = policies.some(np =>
        asList(spec(np).ingress).some((r: any) => asList(r?.from).length === 0 || asList(r?.from).some((f: any) => f?.ipBlock)),
      );
      return admitsOutside
        ? []
        : policies.map(np => ({
            object: np,
            message: `${describe(np)} restricts ingress to the pods of ${service}, which the ALB targets by IP, and no policy for them admits an ipBlock: the ALB's traffic is dropped`,
          }));
    });
  },
};
