import { MeshRule, Severity } from './types';
import { annotationsOf, describe, albIngresses } from './util';

export const albTargetType: MeshRule = {
  id: 'alb-target-type',
  severity: Severity.WARNING,
  title: 'the ALB targets gateway pods by IP',
  why: 'instance targets need a NodePort gateway Service and probe nodes, not pods; NodePort changes break health checks (istio#35348, FACTS §8.4)',
  fix: 'set alb.ingress.kubernetes.io/target-type: ip and keep the gateway Service ClusterIP',
  check(ctx) {
    return albIngresses(ctx).flatMap(ing => {
      const t = annotationsOf(ing)['alb.ingress.kubernetes.io/target-type'];
      return t === 'ip' ? [] : [{ object: ing, message: `${describe(ing)} has target-type ${t ?? 'unset (instance)'}` }];
    });
  },
};
