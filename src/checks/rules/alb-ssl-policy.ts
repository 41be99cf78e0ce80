import { DEFAULT_SSL_POLICY, sslPolicyProblem } from '../../config/ssl-policies';
import { MeshRule, Severity } from './types';
import { annotationsOf, describe, albIngresses } from './util';

export const albSslPolicy: MeshRule = {
  id: 'alb-ssl-policy',
  severity: Severity.ERROR,
  title: 'the ALB listener uses a TLS 1.3 security policy',
  why: 'without ssl-policy the controller uses ELBSecurityPolicy-2016-08, which offers TLS 1.0 and no TLS 1.3 (aws-load-balancer-controller pkg/config/controller_config.go)',
  fix: `set alb.ingress.kubernetes.io/ssl-policy to a TLS 1.3 policy such as ${DEFAULT_SSL_POLICY}`,
  check(ctx) {
    return albIngresses(ctx).flatMap(ing => {
      const policy = annotationsOf(ing)['alb.ingress.kubernetes.io/ssl-policy'];
      const problem = sslPolicyProblem(policy || undefined);
      return problem ? [{ object: ing, message: `${describe(ing)}: ssl-policy${policy ? ` ${policy}` : ''} ${problem}` }] : [];
    });
  },
};
