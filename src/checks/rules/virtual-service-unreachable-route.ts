import { RuleFinding, MeshRule, Severity } from './types';
import { asList, describe, spec } from './util';

/** A stable text of a match (keys sorted), to compare matches. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (typeof v === 'object' && v !== null)
    return `{${Object.keys(v)
      .filter(k => k !== 'name')
      .sort()
      .map(k => `${JSON.stringify(k)}:${canonical((v as any)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

export const virtualServiceUnreachableRoute: MeshRule = {
  id: 'virtual-service-unreachable-route',
  severity: Severity.ERROR,
  title: 'no VirtualService http route is unreachable',
  why: 'Istio tries http routes in order and takes the first that matches: a route after one without match conditions, or whose every match an earlier route already has, never receives traffic (istio/istio pkg/config/validation analyzeUnreachableHTTPRules, analyzer message IST0130 VirtualServiceUnreachableRule)',
  fix: 'move the catch-all route (no match) last, and give each route a match no earlier route has',
  check(ctx) {
    return ctx.byKind('VirtualService', 'networking.istio.io').flatMap(vs => {
      const findings: RuleFinding[] = [];
      const seen = new Set<string>();
      let catchAll: number | undefined;
      asList(spec(vs).http).forEach((route: any, i: number) => {
        const name = typeof route?.name === 'string' ? `http[${i}] (${route.name})` : `http[${i}]`;
        const matches = asList(route?.match);
        if (catchAll !== undefined) {
          findings.push({
            object: vs,
            message: `${describe(vs)} route ${name} is unreachable: http[${catchAll}] before it has no match and takes all traffic`,
          });
          return;
        }
        if (matches.length === 0) {
          catchAll = i;
          return;
        }
        const keys = matches.map(canonical);
        if (keys.every(k => seen.has(k)))
          findings.push({ object: vs, message: `${describe(vs)} route ${name} is unreachable: earlier routes have all its matches` });
        keys.forEach(k => seen.add(k));
      });
      return findings;
    });
  },
};
