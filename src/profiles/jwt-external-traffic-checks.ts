/**
 * The checks of what leaves the namespace and how it is verified: `dependencies()` and
 * `externalHosts()` (names, ports, protocols, CIDRs), `jwtRules()` (issuer, JWKS URL, the
 * Services they apply to) and `trafficPolicies()` (no TLS that would replace Istio mTLS).
 */
import { isDnsLabel, isDomainName } from '../core/names';
import {
  DependencyDeclaration,
  ExternalHostDeclaration,
  ExternalProtocol,
  JwtRuleDeclaration,
  L7PolicyDeclaration,
  TrafficPolicyDeclaration,
} from './types';
import { DeclarationKit, isPort, readsJwt, sortedUnique } from './declaration-kit';
import { DeclaredServices } from './service-route-checks';

const CIDR = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(3[0-2]|[12]?\d)$/;

/** The problems of `dependencies()`. */
export function checkDependencies(kit: DeclarationKit, value: DependencyDeclaration[]): void {
  const { bad, list, duplicates } = kit;
  const dependencies = list('dependencies', value);
  dependencies.forEach((dep, i) => {
    if (!isDnsLabel(dep?.namespace))
      bad('dependencies', `[${i}].namespace`, dep?.namespace, 'is not a valid namespace name', 'name the namespace called');
    (dep?.ports ?? []).forEach((p, j) => {
      if (!isPort(p)) bad('dependencies', `[${i}].ports[${j}]`, p, 'is not a port number', 'use 1 to 65535');
    });
  });
  duplicates(
    'dependencies',
    dependencies.map(dep => dep?.namespace),
    'dependency',
  );
}

/** The problems of `externalHosts()`. */
export function checkExternalHosts(kit: DeclarationKit, value: ExternalHostDeclaration[]): void {
  const { bad, list, duplicates } = kit;
  const externalHosts = list('externalHosts', value);
  externalHosts.forEach((h, i) => {
    if (!isDomainName(h?.host))
      bad('externalHosts', `[${i}].host`, h?.host, 'is not a DNS name (wildcards are not allowed)', 'give the exact host, e.g. api.stripe.com');
    if (!isPort(h?.port)) bad('externalHosts', `[${i}].port`, h?.port, 'is not a port number', 'use 1 to 65535');
    if (!Object.values(ExternalProtocol).includes(h?.protocol))
      bad(
        'externalHosts',
        `[${i}].protocol`,
        h?.protocol,
        `must be one of ${Object.values(ExternalProtocol).join(', ')}`,
        'use ExternalProtocol.TLS for HTTPS APIs reached by the app itself',
      );
    (h?.cidrs ?? []).forEach((c, j) => {
      if (!CIDR.test(c)) bad('externalHosts', `[${i}].cidrs[${j}]`, c, 'is not an IPv4 CIDR', 'e.g. 203.0.113.0/24');
      else if (c.endsWith('/0'))
        bad(
          'externalHosts',
          `[${i}].cidrs[${j}]`,
          c,
          'opens every address',
          'omit cidrs to allow public addresses only, or list the provider ranges',
        );
    });
  });
  duplicates(
    'externalHosts',
    externalHosts.map(h => `${h?.host}:${h?.port}`),
    'host and port',
  );
}

/** The problems of `jwtRules()`; `needsWaypoint` when the namespace is ambient without a waypoint. */
export function checkJwtRules(
  kit: DeclarationKit,
  value: JwtRuleDeclaration[],
  l7Policies: readonly L7PolicyDeclaration[],
  needsWaypoint: boolean,
  { knownService }: DeclaredServices,
): void {
  const { ctx, bad, list, duplicates } = kit;
  const jwtServices = sortedUnique(l7Policies.filter(readsJwt).flatMap(p => p?.services ?? []));
  const jwtRules = list('jwtRules', value);
  jwtRules.forEach((r, i) => {
    if (typeof r?.issuer !== 'string' || r.issuer.length === 0)
      bad('jwtRules', `[${i}].issuer`, r?.issuer, 'must not be empty', 'give the iss claim of accepted tokens');
    if (typeof r?.jwksUri !== 'string' || !/^https:\/\/[^\s/]+\/\S*$/.test(r.jwksUri))
      bad('jwtRules', `[${i}].jwksUri`, r?.jwksUri, 'must be an https URL', "give the issuer's JWKS URL");
    if (needsWaypoint) bad('jwtRules', `[${i}]`, r?.issuer, 'needs a waypoint: ztunnel cannot validate JWTs', ctx.addWaypoint);
    if (r?.forwardOriginalToken !== undefined && typeof r.forwardOriginalToken !== 'boolean')
      bad('jwtRules', `[${i}].forwardOriginalToken`, r.forwardOriginalToken, 'must be true or false', 'return a boolean');
    (r?.services ?? []).forEach((svc, j) => knownService('jwtRules', `[${i}].services[${j}]`, svc));
    if (r?.services !== undefined && r.services.length === 0)
      bad(
        'jwtRules',
        `[${i}].services`,
        r.services,
        'is empty: no request would be checked against this issuer',
        'list the Services, or omit the field for those whose L7 policies read the JWT',
      );
    if (r?.services === undefined && jwtServices.length === 0) {
      bad(
        'jwtRules',
        `[${i}]`,
        r?.issuer,
        'applies to no Service: no L7 policy reads a JWT (requestPrincipals or a request.auth. condition), and the rule names no services',
        `require the token in ${ctx.written('l7Policies')}, or list the Services in services`,
      );
    }
  });
  duplicates(
    'jwtRules',
    jwtRules.map(r => r?.issuer),
    'issuer',
  );
}

/** The problems of `trafficPolicies()`. */
export function checkTrafficPolicies(kit: DeclarationKit, value: TrafficPolicyDeclaration[], { knownService }: DeclaredServices): void {
  const { bad, list, duplicates } = kit;
  const trafficPolicies = list('trafficPolicies', value);
  trafficPolicies.forEach((tp, i) => {
    knownService('trafficPolicies', `[${i}].service`, tp?.service);
    const tlsModes: Array<[string, string | undefined]> = [['.trafficPolicy.tls.mode', tp?.trafficPolicy?.tls?.mode]];
    (tp?.trafficPolicy?.portLevelSettings ?? []).forEach((pl, j) => tlsModes.push([`.trafficPolicy.portLevelSettings[${j}].tls.mode`, pl.tls?.mode]));
    for (const [path, mode] of tlsModes) {
      if (mode !== undefined && mode !== 'ISTIO_MUTUAL')
        bad(
          'trafficPolicies',
          `[${i}]${path}`,
          mode,
          'would replace Istio mTLS to an in-mesh Service',
          'remove tls (auto-mTLS applies) or set ISTIO_MUTUAL',
        );
    }
  });
  duplicates(
    'trafficPolicies',
    trafficPolicies.map(tp => tp?.service),
    'traffic policy for',
  );
}
