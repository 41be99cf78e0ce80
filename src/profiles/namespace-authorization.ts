/**
 * The authorization of one team namespace: its AuthorizationPolicies (deny by default, then the
 * allows its declarations ask for) and its RequestAuthentications (JWT validation for the Services
 * whose policies read the token). Takes declarations a namespace profile has already validated.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import {
  AuthorizationPolicy,
  AuthorizationPolicySpec,
  AuthorizationPolicySpecAction,
  AuthorizationPolicySpecRules,
  AuthorizationPolicySpecTargetRefs,
  RequestAuthentication,
} from '../../imports/istio-security.istio.io';
import { Annotations } from '../core/labels';
import { principalOf } from '../core/names';
import { byCodePoint } from '../core/sort';
import type { CallerDeclaration, DataplaneMode, JwtRuleDeclaration, L7PolicyDeclaration, ServiceDeclaration } from './types';

/**
 * Where a caller's requests meet this namespace's authorization when the namespace has a waypoint.
 *
 * Istio 1.30 sends to a Service's waypoint only from ztunnel (ambient clients) and from gateways
 * that opt in (`pilot/pkg/xds/endpoints/endpoint_builder.go`, `findServiceWaypoint`: "Currently only
 * ingress and e/w gateway will call waypoints"). A sidecar sends straight to the destination pod,
 * so ztunnel there decides with the selector policies, at L4; the waypoint's policies
 * (`targetRefs`) never see that traffic.
 */
export enum CallerPath {
  /** Ambient client: through the waypoint. */
  WAYPOINT = 'waypoint',
  /** Sidecar client: straight to the pod. */
  DIRECT = 'direct',
  /** Not known (outside the environment, or out of the mesh for now): both are admitted. */
  EITHER = 'either',
}

/** Properties of {@link NamespaceAuthorization}. */
export interface NamespaceAuthorizationProps {
  /** The namespace. */
  readonly namespace: string;
  /** Trust domain of the mesh (principals are `<trustDomain>/ns/<namespace>/sa/<serviceAccount>`). */
  readonly trustDomain: string;
  /** Principal of the shared ingress gateway. */
  readonly gatewayPrincipal: string;
  /** The declared Services. */
  readonly services: readonly ServiceDeclaration[];
  /** Per Service, the container ports the ingress gateway's routes reach (absent: not routed). */
  readonly gatewayPorts: ReadonlyMap<string, readonly number[]>;
  /** Workloads allowed to call the Services. */
  readonly callers: readonly CallerDeclaration[];
  /** L7 policies. */
  readonly l7Policies: readonly L7PolicyDeclaration[];
  /** Accepted JWT issuers, each with the Services it applies to. */
  readonly jwtRules: readonly JwtRuleDeclaration[];
  /**
   * The namespace's waypoint, when the namespace is ambient and has one.
   *
   * @default - no waypoint: policies select the pods
   */
  readonly waypoint?: { readonly name: string; readonly ingressThroughWaypoint: boolean };
  /** How requests of a workload in `namespace` travel (see {@link CallerPath}). */
  readonly callerPath: (namespace: string, declared?: DataplaneMode) => CallerPath;
}

const sortedUnique = (items: Iterable<string>) => [...new Set(items)].sort(byCodePoint);
const isAllow = (p: L7PolicyDeclaration) => (p.action ?? 'ALLOW') === 'ALLOW';

/**
 * Deny by default, then explicit allows. Without a waypoint every policy selects the pods of a
 * Service (L4 for callers and the gateway; L7 policies in sidecar namespaces). With a waypoint,
 * ztunnel admits the waypoint (`allow-waypoint`) and the callers that bypass it
 * (`allow-direct-<service>`), and the waypoint denies by default and admits per Service with
 * `targetRefs`.
 */
export class NamespaceAuthorization extends Construct {
  constructor(scope: Construct, id: string, props: NamespaceAuthorizationProps) {
    super(scope, id);
    const services = new Map(props.services.map(s => [s.name, s]));
    const podSelector = (svc: string) => ({ matchLabels: { ...services.get(svc)!.selector } });
    const principal = (w: { namespace: string; serviceAccount: string }) => principalOf(props.trustDomain, w.namespace, w.serviceAccount);
    const allTargetPorts = (svc: string) => services.get(svc)!.ports.map(p => p.targetPort ?? p.port);
    const callersOf = (svc: string) => props.callers.filter(c => !c.services || c.services.includes(svc));
    // An L7 ALLOW policy that admits the ingress gateway replaces the blanket gateway allow, so
    // that its conditions (for example a JWT) apply to internet traffic too.
    const gatewayGovernedByL7 = new Set(props.l7Policies.filter(p => isAllow(p) && p.from?.ingressGateway).flatMap(p => p.services));
    const externalPrincipals = new Set([
      ...props.callers.filter(c => c.external).map(principal),
      ...props.l7Policies
        .flatMap(p => p.from?.workloads ?? [])
        .filter(w => w.external)
        .map(principal),
    ]);

    const policy = (name: string, spec: AuthorizationPolicySpec) => {
      // Principals outside this environment are declared, so the principal-resolves rule accepts them.
      const outside = sortedUnique(
        (spec.rules ?? []).flatMap(r => (r.from ?? []).flatMap(f => f.source?.principals ?? [])).filter(pr => externalPrincipals.has(pr)),
      );
      // A selector policy names the Service whose pods it selects, so that reports can draw it.
      const selected = spec.selector
        ? [...services.values()].find(s => JSON.stringify(s.selector) === JSON.stringify(spec.selector!.matchLabels))
        : undefined;
      const annotations = {
        ...(outside.length ? { [Annotations.EXTERNAL_PRINCIPALS]: outside.join(',') } : {}),
        ...(selected ? { [Annotations.SERVICE]: selected.name } : {}),
      };
      return new AuthorizationPolicy(this, name, {
        metadata: { name, namespace: props.namespace, annotations: Object.keys(annotations).length ? annotations : undefined },
        spec,
      });
    };
    const principalsRule = (principals: string[], ports?: readonly number[]): AuthorizationPolicySpecRules => ({
      from: [{ source: { principals: sortedUnique(principals) } }],
      ...(ports ? { to: [{ operation: { ports: [...new Set(ports)].sort((a, b) => a - b).map(String) } }] } : {}),
    });

    policy('default-deny', {});
    const waypoint = props.waypoint;
    if (waypoint) {
      // ztunnel admits only the waypoint, so no client can skip the L7 policies below.
      policy('allow-waypoint', { rules: [principalsRule([principalOf(props.trustDomain, props.namespace, waypoint.name)])] });
      // Waypoints ignore selector policies: deny by default there too.
      const waypointRef: AuthorizationPolicySpecTargetRefs = { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: waypoint.name };
      policy('waypoint-default-deny', { targetRefs: [waypointRef] });
    }

    for (const svc of [...services.keys()].sort(byCodePoint)) {
      const gatewayPorts = gatewayGovernedByL7.has(svc) ? undefined : props.gatewayPorts.get(svc);
      if (waypoint) {
        // Where each caller is admitted depends on whether its traffic reaches the waypoint at all
        // (see CallerPath): through the waypoint, the Service-attached policy decides; around it,
        // ztunnel on the destination node decides with selector policies, at L4.
        const viaWaypoint = callersOf(svc).filter(c => props.callerPath(c.namespace, c.dataplane) !== CallerPath.DIRECT);
        const direct = callersOf(svc).filter(c => props.callerPath(c.namespace, c.dataplane) !== CallerPath.WAYPOINT);
        const rules: AuthorizationPolicySpecRules[] = [];
        if (gatewayPorts && waypoint.ingressThroughWaypoint) rules.push(principalsRule([props.gatewayPrincipal]));
        if (viaWaypoint.length > 0) rules.push(principalsRule(viaWaypoint.map(principal)));
        if (rules.length > 0) policy(`allow-${svc}`, { targetRefs: [{ group: '', kind: 'Service', name: svc }], rules });
        const directRules: AuthorizationPolicySpecRules[] = [];
        if (gatewayPorts && !waypoint.ingressThroughWaypoint) directRules.push(principalsRule([props.gatewayPrincipal], gatewayPorts));
        if (direct.length > 0) directRules.push(principalsRule(direct.map(principal), allTargetPorts(svc)));
        if (directRules.length > 0) policy(`allow-direct-${svc}`, { selector: podSelector(svc), rules: directRules });
      } else {
        const rules: AuthorizationPolicySpecRules[] = [];
        if (gatewayPorts) rules.push(principalsRule([props.gatewayPrincipal], gatewayPorts));
        const callerPrincipals = callersOf(svc).map(principal);
        if (callerPrincipals.length > 0) rules.push(principalsRule(callerPrincipals, allTargetPorts(svc)));
        if (rules.length > 0) policy(`allow-${svc}`, { selector: podSelector(svc), rules });
      }
    }

    for (const p of props.l7Policies) {
      const rule = l7Rule(p, principal, props.gatewayPrincipal);
      const action = (p.action ?? 'ALLOW') as unknown as AuthorizationPolicySpecAction;
      if (waypoint) {
        policy(p.name, { targetRefs: sortedUnique(p.services).map(s => ({ group: '', kind: 'Service', name: s })), action, rules: [rule] });
      } else {
        for (const svc of sortedUnique(p.services)) {
          policy(p.services.length === 1 ? p.name : `${p.name}-${svc}`, { selector: podSelector(svc), action, rules: [rule] });
        }
      }
    }

    // JWT validation only where a policy reads the token: one RequestAuthentication per Service,
    // attached to it at the waypoint (targetRefs) or selecting its pods (sidecars).
    const jwtBySvc = new Map<string, JwtRuleDeclaration[]>();
    for (const r of props.jwtRules) for (const svc of r.services ?? []) jwtBySvc.set(svc, [...(jwtBySvc.get(svc) ?? []), r]);
    const jwt = new Construct(this, 'RequestAuthentication');
    for (const svc of [...jwtBySvc.keys()].sort(byCodePoint)) {
      // A raw object: the imported class renders the legacy field name jwks_uri; Istio documents jwksUri.
      new ApiObject(jwt, svc, {
        apiVersion: RequestAuthentication.GVK.apiVersion,
        kind: RequestAuthentication.GVK.kind,
        metadata: { name: `jwt-${svc}`, namespace: props.namespace },
        spec: {
          ...(waypoint ? { targetRefs: [{ group: '', kind: 'Service', name: svc }] } : { selector: podSelector(svc) }),
          jwtRules: [...jwtBySvc.get(svc)!]
            .sort((a, b) => byCodePoint(a.issuer, b.issuer))
            .map(r => ({
              issuer: r.issuer,
              jwksUri: r.jwksUri,
              ...(r.audiences?.length ? { audiences: sortedUnique(r.audiences) } : {}),
              ...(r.forwardOriginalToken ? { forwardOriginalToken: true } : {}),
            })),
        },
      });
    }
  }
}

/** The one rule of an L7 policy: who (principals, JWT principals), what (methods, paths), when. */
function l7Rule(
  p: L7PolicyDeclaration,
  principal: (w: { namespace: string; serviceAccount: string }) => string,
  gatewayPrincipal: string,
): AuthorizationPolicySpecRules {
  const from = p.from;
  return {
    ...(from
      ? {
          from: [
            {
              source: {
                ...(from.workloads?.length || from.ingressGateway
                  ? {
                      principals: sortedUnique([...(from.workloads ?? []).map(principal), ...(from.ingressGateway ? [gatewayPrincipal] : [])]),
                    }
                  : {}),
                ...(from.requestPrincipals?.length ? { requestPrincipals: sortedUnique(from.requestPrincipals) } : {}),
              },
            },
          ],
        }
      : {}),
    ...(p.to?.methods?.length || p.to?.paths?.length
      ? {
          to: [
            {
              operation: {
                ...(p.to.methods?.length ? { methods: sortedUnique(p.to.methods) } : {}),
                ...(p.to.paths?.length ? { paths: sortedUnique(p.to.paths) } : {}),
              },
            },
          ],
        }
      : {}),
    ...(p.when?.length ? { when: p.when.map(w => ({ key: w.key, values: [...w.values] })) } : {}),
  };
}
