/**
 * What a namespace profile renders around its workloads, from validated declarations: the
 * Namespace (mesh enrolment, Pod Security, declared ServiceAccounts), its PeerAuthentication, the
 * dataplane objects (waypoint, Telemetry, the sidecars' egress Sidecar) and the NetworkPolicies
 * for the pods of the declared Services.
 */
import { JsonPatch } from 'cdk8s';
import { k8s } from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import { Sidecar, SidecarSpecOutboundTrafficPolicyMode } from '../../imports/istio-networking.istio.io';
import { PeerAuthentication, PeerAuthenticationSpecMtlsMode } from '../../imports/istio-security.istio.io';
import { InjectionStyle, MtlsMode } from '../config/environment-config';
import { ResolvedEnvironment } from '../config/resolve-environment';
import { FLUX_PRUNE_ANNOTATION, FLUX_PRUNE_DISABLED } from '../constructs/flux-prune';
import { MeshTelemetry } from '../constructs/mesh-telemetry';
import { NamespaceNetworkPolicies, PodPorts } from '../constructs/namespace-network-policies';
import { Waypoint } from '../constructs/waypoint';
import { Annotations, Labels } from '../core/labels';
import { byCodePoint } from '../core/sort';
import { ResolvedDeclarations } from './declaration-checks';
import { DataplaneMode, PolicyAction, WaypointOptions } from './types';

/** The namespace a profile renders, and where it stands in the environment. */
export interface RenderedNamespace {
  readonly namespace: string;
  readonly env: ResolvedEnvironment;
  /** Where the namespace stands (its migration state, else the profile's target). */
  readonly dataplaneMode: DataplaneMode;
  readonly mtlsMode: MtlsMode;
  readonly declarations: ResolvedDeclarations;
  /** The namespace's waypoint: declared, and the namespace is ambient now. */
  readonly waypoint?: Required<WaypointOptions>;
  /** Per Service, the container ports the ingress gateway's routes reach. */
  readonly gatewayPorts: ReadonlyMap<string, readonly number[]>;
}

/** Public address ranges: everything but private, link-local and carrier-grade NAT space. */
const PUBLIC_INTERNET = { cidrs: ['0.0.0.0/0'], except: ['10.0.0.0/8', '100.64.0.0/10', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16'] };

const sortedUnique = (items: Iterable<string>) => [...new Set(items)].sort(byCodePoint);

/** Per Service, the container ports the routes send to. */
export function routedTargetPorts(d: ResolvedDeclarations): Map<string, number[]> {
  const services = new Map(d.services.map(s => [s.name, s]));
  const exposed = new Map<string, number[]>();
  for (const route of d.routes) {
    for (const rule of route.rules) {
      const targetPort = services.get(rule.service)!.ports.find(p => p.port === rule.port)!.targetPort ?? rule.port;
      exposed.set(rule.service, [...(exposed.get(rule.service) ?? []), targetPort]);
    }
  }
  return exposed;
}

/** The Namespace and its PeerAuthentication. */
export function renderNamespace(scope: Construct, n: RenderedNamespace): void {
  const d = n.declarations;
  const labels: Record<string, string> = { ...d.namespaceLabels, [Labels.POD_SECURITY_ENFORCE]: d.podSecurityLevel };
  if (n.dataplaneMode === DataplaneMode.AMBIENT) {
    labels[Labels.DATAPLANE_MODE] = 'ambient';
    if (d.waypoint) {
      labels[Labels.USE_WAYPOINT] = d.waypoint.name;
      if (d.waypoint.ingressThroughWaypoint) labels[Labels.INGRESS_USE_WAYPOINT] = 'true';
    }
  } else if (n.dataplaneMode === DataplaneMode.OUT_OF_MESH) {
    // Out of the mesh (not enrolled yet, or rollback level 2): no enrolment label at all.
  } else if (n.env.istio.injectionStyle === InjectionStyle.REVISION_LABEL) {
    labels[Labels.REVISION] = n.env.istio.revision;
  } else {
    labels[Labels.INJECTION] = 'enabled';
  }
  const serviceAccounts = sortedUnique(d.services.map(s => s.serviceAccount).filter((sa): sa is string => !!sa));
  // Flux never deletes the Namespace (and the team's workloads in it): see README, "Migration and rollback".
  const annotations = {
    ...(serviceAccounts.length ? { [Annotations.SERVICE_ACCOUNTS]: serviceAccounts.join(',') } : {}),
    [FLUX_PRUNE_ANNOTATION]: FLUX_PRUNE_DISABLED,
  };
  // The chart's default namespace (this namespace) must not land on the cluster-scoped Namespace.
  new k8s.KubeNamespace(scope, 'Namespace', { metadata: { name: n.namespace, labels, annotations } }).addJsonPatch(
    JsonPatch.remove('/metadata/namespace'),
  );

  new PeerAuthentication(scope, 'PeerAuthentication', {
    metadata: { name: 'default', namespace: n.namespace },
    spec: { mtls: { mode: n.mtlsMode as unknown as PeerAuthenticationSpecMtlsMode } },
  });
}

/** The waypoint, the namespace's Telemetry, and for sidecars the egress Sidecar. */
export function renderDataplane(scope: Construct, n: RenderedNamespace): void {
  const { env, waypoint } = n;
  if (waypoint)
    new Waypoint(scope, 'Waypoint', {
      namespace: n.namespace,
      name: waypoint.name,
      revision: env.istio.revision,
      availability: env.availability.replicas,
    });

  // Ambient: only the waypoint can trace, and it applies only Telemetry that targets it.
  const sidecarMode = n.dataplaneMode === DataplaneMode.SIDECAR;
  const telemetry = n.declarations.telemetry;
  if (waypoint || (sidecarMode && telemetry)) {
    const o = telemetry ?? {};
    new MeshTelemetry(scope, 'Telemetry', {
      namespace: n.namespace,
      name: waypoint ? waypoint.name : 'default',
      tracingProvider: env.telemetry.tracingProvider,
      samplingPercentage: o.samplingPercentage ?? env.telemetry.samplingPercentage,
      customTags: { ...env.telemetry.customTags, ...(o.customTags ?? {}) },
      accessLogging: o.accessLogging ?? env.telemetry.accessLogging,
      waypoint: waypoint?.name,
    });
  }

  if (sidecarMode) {
    // Egress lockdown for sidecars: only the registry, and only the namespaces declared.
    new Sidecar(scope, 'Sidecar', {
      metadata: { name: 'default', namespace: n.namespace },
      spec: {
        egress: [
          {
            hosts: sortedUnique([
              './*',
              `${env.istio.rootNamespace}/*`,
              `${env.telemetry.collectorNamespace}/*`,
              ...n.declarations.dependencies.map(dep => `${dep.namespace}/*`),
            ]),
          },
        ],
        outboundTrafficPolicy: { mode: SidecarSpecOutboundTrafficPolicyMode.REGISTRY_UNDERSCORE_ONLY },
      },
    });
  }
}

/** NetworkPolicies: who may reach the pods of each declared Service, and where the pods may go. */
export function renderNetworkPolicies(scope: Construct, n: RenderedNamespace): void {
  const { env, waypoint } = n;
  const d = n.declarations;
  const callersOf = (svc: string) => d.callers.filter(c => !c.services || c.services.includes(svc));
  const targets: PodPorts[] = d.services.map(s => ({
    name: s.name,
    selector: s.selector,
    ports: s.ports.map(p => p.targetPort ?? p.port),
    gatewayPorts: n.gatewayPorts.get(s.name) ?? [],
    // Workloads an L7 ALLOW admits must get through the NetworkPolicies too.
    fromNamespaces: [
      ...callersOf(s.name).map(c => c.namespace),
      ...d.l7Policies
        .filter(p => (p.action ?? PolicyAction.ALLOW) === PolicyAction.ALLOW && p.services.includes(s.name))
        .flatMap(p => (p.from?.workloads ?? []).map(w => w.namespace)),
    ].filter(ns => ns !== n.namespace),
  }));
  const envoyInNamespace = n.dataplaneMode === DataplaneMode.SIDECAR || !!waypoint;
  new NamespaceNetworkPolicies(scope, 'NetworkPolicies', {
    namespace: n.namespace,
    ambient: n.dataplaneMode === DataplaneMode.AMBIENT,
    waypoint: !!waypoint,
    ingressGateway: { namespace: env.ingressGateway.namespace, selector: env.ingressGateway.selectorLabels },
    targets,
    dependencies: d.dependencies,
    external: d.externalHosts.map(h =>
      h.cidrs?.length ? { cidrs: [...h.cidrs].sort(byCodePoint), port: h.port } : { ...PUBLIC_INTERNET, port: h.port },
    ),
    istiod: envoyInNamespace ? { namespace: env.istio.rootNamespace } : undefined,
    telemetry: envoyInNamespace ? { namespace: env.telemetry.collectorNamespace, port: env.telemetry.collectorPort } : undefined,
    ipFamily: env.cluster.ipFamily,
    monitoring: envoyInNamespace && env.monitoring ? { namespace: env.monitoring.namespace, selector: env.monitoring.podLabels } : undefined,
  });
}
