import { MeshRule, Severity } from './types';
import { annotationsOf, describe, albIngresses } from './util';

const A = 'alb.ingress.kubernetes.io';

export const albHealthCheck: MeshRule = {
  id: 'alb-health-check',
  severity: Severity.ERROR,
  title: 'the ALB health check asks the gateway status port over HTTP',
  why: 'the health check protocol defaults to the backend protocol (HTTPS), which always fails on the plain-HTTP status port 15021; the traffic port is unhealthy until routes exist (FACTS §5, istio#12503); with ip targets the agent port 15020 answers /healthz/ready too, since Envoy serves 15021 /healthz/ready from the agent cluster on the status port (istio/istio tools/packaging/common/envoy_bootstrap.json, cluster agent)',
  fix: `set ${A}/healthcheck-port: '15021', ${A}/healthcheck-path: /healthz/ready and ${A}/healthcheck-protocol: HTTP`,
  check(ctx) {
    return albIngresses(ctx).flatMap(ing => {
      const a = annotationsOf(ing);
      const wrong: string[] = [];
      if (a[`${A}/healthcheck-protocol`] !== 'HTTP')
        wrong.push(`healthcheck-protocol is ${a[`${A}/healthcheck-protocol`] ?? 'unset (defaults to the backend protocol)'}`);
      const ipTargets = a[`${A}/target-type`] === 'ip';
      const port = String(a[`${A}/healthcheck-port`] ?? '');
      if (!(['15021', 'status-port'].includes(port) || (ipTargets && port === '15020')))
        wrong.push(`healthcheck-port is ${a[`${A}/healthcheck-port`] ?? 'unset (the traffic port)'}`);
      if (a[`${A}/healthcheck-path`] !== '/healthz/ready') wrong.push(`healthcheck-path is ${a[`${A}/healthcheck-path`] ?? 'unset'}`);
      return wrong.length ? [{ object: ing, message: `${describe(ing)}: ${wrong.join(', ')}` }] : [];
    });
  },
};
