import { MeshRule, Severity } from './types';
import { describe, spec } from './util';

export const noDenyAllNotPrincipals: MeshRule = {
  id: 'no-deny-not-principals-wildcard',
  severity: Severity.ERROR,
  title: 'no DENY policy with notPrincipals ["*"]',
  why: 'it denies every request without a principal, which locks out health checks, metrics scrapes and plaintext clients for the whole scope (istio#53723)',
  fix: 'deny named principals, or use a default-deny ALLOW policy with explicit allows',
  check(ctx) {
    return ctx
      .byKind('AuthorizationPolicy', 'security.istio.io')
      .filter(
        p =>
          spec(p).action === 'DENY' &&
          (spec(p).rules ?? []).some((r: any) => (r.from ?? []).some((f: any) => (f.source?.notPrincipals ?? []).includes('*'))),
      )
      .map(p => ({ object: p, message: `${describe(p)} denies notPrincipals ["*"]` }));
  },
};
