/**
 * Small readers shared by rules.
 */
import { Labels } from '../../core/labels';
import {
  annotationsOf as manifestAnnotations,
  apiGroupOf,
  describeObject,
  labelsOf as manifestLabels,
  namespaceOf as manifestNamespace,
} from '../../core/manifest';
import { LocatedManifest, RuleContext } from './types';

/** `Kind namespace/name`, as reports name an object. */
export function describe(o: LocatedManifest): string {
  return describeObject(o.manifest);
}

/** API group of a manifest (`''` for core). */
export function groupOf(o: LocatedManifest): string {
  return apiGroupOf(o.manifest);
}

export function labelsOf(o: LocatedManifest): Record<string, string> {
  return manifestLabels(o.manifest);
}

export function annotationsOf(o: LocatedManifest): Record<string, string> {
  return manifestAnnotations(o.manifest);
}

const isMapping = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A value as a list: itself when it is an array, else empty. */
export function asList(v: unknown): any[] {
  return Array.isArray(v) ? v : [];
}

export function spec(o: LocatedManifest): any {
  return o.manifest.spec ?? {};
}

/** The controller name of AWS Load Balancer Controller IngressClasses (pkg/ingress/class_loader.go). */
export const ALB_INGRESS_CONTROLLER = 'ingress.k8s.aws/alb';

/**
 * True for an Ingress handled by the AWS Load Balancer Controller: class `alb` (the controller
 * chart's IngressClass), or one of `albClasses` (IngressClasses of controller ingress.k8s.aws/alb).
 */
export function isAlbIngress(o: LocatedManifest, albClasses: ReadonlySet<string> = new Set()): boolean {
  const cls = spec(o).ingressClassName;
  return o.manifest.kind === 'Ingress' && (cls === 'alb' || albClasses.has(cls) || annotationsOf(o)['kubernetes.io/ingress.class'] === 'alb');
}

/** Ingress API versions removed in Kubernetes 1.22: their backends have another shape (serviceName, servicePort). */
export const REMOVED_INGRESS_APIS: readonly string[] = ['extensions/v1beta1', 'networking.k8s.io/v1beta1'];

/**
 * Every `networking.k8s.io/v1` Ingress handled by the AWS Load Balancer Controller, with the
 * IngressClasses in the set. Ingresses of removed APIs are left to `ingress-api-removed`.
 */
export function albIngresses(ctx: RuleContext): LocatedManifest[] {
  const classes = new Set(
    ctx
      .byKind('IngressClass', 'networking.k8s.io')
      .filter(c => spec(c).controller === ALB_INGRESS_CONTROLLER)
      .map(c => c.manifest.metadata.name as string),
  );
  return ctx.byKind('Ingress').filter(i => !REMOVED_INGRESS_APIS.includes(i.manifest.apiVersion) && isAlbIngress(i, classes));
}

/**
 * The port name that makes an ALB Ingress backend an action of the annotation
 * `alb.ingress.kubernetes.io/actions.<service name>` instead of a Service
 * (aws-load-balancer-controller pkg/ingress/enhanced_backend_builder.go, `magicServicePortUseAnnotation`).
 */
export const ALB_USE_ANNOTATION = 'use-annotation';

/** Every backend of an Ingress, Services and ALB annotation actions apart. */
export function ingressBackendRefs(o: LocatedManifest): Array<{ name: string; port?: number; portName?: string; action: boolean }> {
  const s = spec(o);
  const backends = [s.defaultBackend, ...asList(s.rules).flatMap((r: any) => asList(r?.http?.paths).map((p: any) => p?.backend))].filter(Boolean);
  return backends.map((b: any) => ({
    name: b.service?.name,
    port: b.service?.port?.number,
    portName: b.service?.port?.name,
    action: b.service?.port?.name === ALB_USE_ANNOTATION,
  }));
}

/** Every backend Service of an Ingress: `{ name, port }` (ALB annotation actions left out). */
export function ingressBackends(o: LocatedManifest): Array<{ name: string; port?: number; portName?: string }> {
  return ingressBackendRefs(o)
    .filter(b => !b.action)
    .map(({ name, port, portName }) => ({ name, port, portName }));
}

/** The namespace of an object as the API server sees it: `default` when none is set. */
export function namespaceOf(o: LocatedManifest): string {
  return manifestNamespace(o.manifest);
}

/** True when every label of `selector` is in `labels` (an empty selector matches nothing here). */
export function selectorMatches(selector: unknown, labels: unknown): boolean {
  if (!isMapping(selector) || !isMapping(labels)) return false;
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}

const WORKLOAD_KINDS = ['Deployment', 'DaemonSet', 'StatefulSet', 'ReplicaSet'];

/**
 * The namespace of the pods an Istio Gateway selects, which is where its `credentialName` Secrets are
 * read (istio/istio pkg/config/analysis/analyzers/gateway/secret.go getGatewayNamespace): from a
 * workload or Pod whose labels match the selector, a Service whose selector includes it, a release
 * of Istio's gateway chart (selector labels `app: <name>`, `istio: <name without istio->`,
 * manifests/charts/gateway/templates/_helpers.tpl), or the environment's ingress gateway. Undefined
 * when nothing in the files shows it, or when it matches pods in more than one namespace.
 */
export function gatewayWorkloadNamespace(ctx: RuleContext, gateway: LocatedManifest): string | undefined {
  const selector = spec(gateway).selector;
  if (!isMapping(selector) || Object.keys(selector).length === 0) return undefined;
  const found = new Set<string>();
  for (const kind of WORKLOAD_KINDS) {
    for (const w of ctx.byKind(kind)) if (selectorMatches(selector, spec(w).template?.metadata?.labels)) found.add(namespaceOf(w));
  }
  for (const pod of ctx.byKind('Pod', '')) if (selectorMatches(selector, labelsOf(pod))) found.add(namespaceOf(pod));
  for (const svc of ctx.byKind('Service', '')) if (selectorMatches(selector, spec(svc).selector)) found.add(namespaceOf(svc));
  for (const release of ctx.byKind('HelmRelease')) {
    const s = spec(release);
    if (s.chart?.spec?.chart !== 'gateway' && s.chartRef?.name !== 'gateway') continue;
    const name = String(s.values?.name ?? s.releaseName ?? release.manifest.metadata.name);
    const labels = {
      app: s.values?.labels?.app ?? name,
      istio: s.values?.labels?.istio ?? name.replace(/^istio-/, ''),
      ...(isMapping(s.values?.labels) ? s.values.labels : {}),
    };
    if (selectorMatches(selector, labels)) found.add(String(s.targetNamespace ?? namespaceOf(release)));
  }
  const gw = ctx.ingressGateway;
  if (found.size === 0 && gw && selectorMatches(selector, { app: gw.serviceName, istio: gw.serviceName.replace(/^istio-/, '') }))
    found.add(gw.namespace);
  return found.size === 1 ? [...found][0] : undefined;
}

const L7_OPERATION_KEYS = ['hosts', 'notHosts', 'methods', 'notMethods', 'paths', 'notPaths'];
const L7_SOURCE_KEYS = ['requestPrincipals', 'notRequestPrincipals', 'remoteIpBlocks', 'notRemoteIpBlocks'];
const L4_WHEN_KEYS = ['source.ip', 'source.namespace', 'source.principal', 'destination.ip', 'destination.port', 'connection.sni'];

/** The L7 (HTTP) fields an AuthorizationPolicy uses; ztunnel cannot enforce any of them. */
export function l7FieldsOf(policy: LocatedManifest): string[] {
  const found = new Set<string>();
  for (const rule of spec(policy).rules ?? []) {
    for (const to of rule.to ?? []) for (const k of L7_OPERATION_KEYS) if (to.operation?.[k]?.length) found.add(k);
    for (const from of rule.from ?? []) for (const k of L7_SOURCE_KEYS) if (from.source?.[k]?.length) found.add(k);
    for (const w of rule.when ?? []) if (!L4_WHEN_KEYS.includes(w.key)) found.add(`when ${w.key}`);
  }
  return [...found].sort();
}

/** Parse a SPIFFE principal `<trust domain>/ns/<namespace>/sa/<service account>`. */
export function parsePrincipal(principal: string): { trustDomain: string; namespace: string; serviceAccount: string } | undefined {
  const m = /^(.+)\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(principal);
  return m ? { trustDomain: m[1], namespace: m[2], serviceAccount: m[3] } : undefined;
}

/** Every `principals` entry of an AuthorizationPolicy. */
export function principalsOf(policy: LocatedManifest): string[] {
  return (spec(policy).rules ?? []).flatMap((r: any) => (r.from ?? []).flatMap((f: any) => f.source?.principals ?? []));
}

export function waypointExists(ctx: RuleContext, namespace: string | undefined, name: string): boolean {
  return ctx
    .byKind('Gateway', 'gateway.networking.k8s.io')
    .some(g => g.manifest.metadata.namespace === namespace && g.manifest.metadata.name === name && spec(g).gatewayClassName === 'istio-waypoint');
}

/** The waypoint a Service (or its namespace) sends traffic through, if any. */
export function waypointOf(ctx: RuleContext, namespace: string | undefined, service?: string): string | undefined {
  const svc = service
    ? ctx.byKind('Service', '').find(s => s.manifest.metadata.namespace === namespace && s.manifest.metadata.name === service)
    : undefined;
  const fromService = svc ? labelsOf(svc)[Labels.USE_WAYPOINT] : undefined;
  const nsObject = namespace ? ctx.namespaceObject(namespace) : undefined;
  const value = fromService ?? (nsObject ? labelsOf(nsObject)[Labels.USE_WAYPOINT] : undefined);
  return value && value !== '#none' && value !== 'none' ? value : undefined;
}

/** TLS modes a DestinationRule sets at the top and per port. */
export function tlsModes(dr: any): Array<{ where: string; mode: string }> {
  const tp = dr.trafficPolicy ?? {};
  const found = tp.tls?.mode ? [{ where: 'trafficPolicy.tls', mode: tp.tls.mode }] : [];
  (tp.portLevelSettings ?? []).forEach((p: any, i: number) => {
    if (p.tls?.mode) found.push({ where: `portLevelSettings[${i}].tls`, mode: p.tls.mode });
  });
  return found;
}

/** Istio Gateway servers on a port, in the gateway namespace that an ALB Ingress targets. */
export function serversOnPort(ctx: RuleContext, ingress: LocatedManifest, port: number): Array<{ gateway: LocatedManifest; server: any }> {
  const ns = ctx.ingressGateway?.namespace ?? namespaceOf(ingress);
  return ctx
    .byKind('Gateway', 'networking.istio.io')
    .filter(g => (gatewayWorkloadNamespace(ctx, g) ?? namespaceOf(g)) === ns)
    .flatMap(gateway =>
      asList(spec(gateway).servers)
        .filter((s: any) => s?.port?.number === port)
        .map((server: any) => ({ gateway, server })),
    );
}

/**
 * Whether a NetworkPolicy's podSelector selects pods with these labels: true, false, or undefined
 * when it uses matchExpressions (not evaluated here, so no finding may rest on it).
 */
export function networkPolicySelects(np: LocatedManifest, podLabels: Record<string, string>): boolean | undefined {
  const sel = spec(np).podSelector;
  if (!isMapping(sel)) return true;
  if (asList(sel.matchExpressions).length > 0) return undefined;
  const match = isMapping(sel.matchLabels) ? sel.matchLabels : {};
  return Object.entries(match).every(([k, v]) => podLabels[k] === v);
}

/** The policy types of a NetworkPolicy (Kubernetes defaults: Ingress, plus Egress when egress rules are given). */
export function networkPolicyTypes(np: LocatedManifest): string[] {
  const types = spec(np).policyTypes;
  if (Array.isArray(types)) return types.map(String);
  return spec(np).egress !== undefined ? ['Ingress', 'Egress'] : ['Ingress'];
}

/** True when a NetworkPolicy port entry admits TCP `port` (no port means every port). */
export function admitsTcpPort(entry: any, port: number): boolean {
  if (!isMapping(entry)) return false;
  if ((entry.protocol ?? 'TCP') !== 'TCP') return false;
  if (entry.port === undefined) return true;
  const p = Number(entry.port);
  if (Number.isNaN(p)) return false;
  return p === port || (typeof entry.endPort === 'number' && p <= port && port <= entry.endPort);
}

/**
 * The NetworkPolicies of a namespace that restrict `direction` traffic of pods with these labels.
 * Undefined when one of the namespace's policies cannot be evaluated (matchExpressions).
 */
export function restrictingPolicies(
  ctx: RuleContext,
  namespace: string,
  podLabels: Record<string, string>,
  direction: 'Ingress' | 'Egress',
): LocatedManifest[] | undefined {
  const found: LocatedManifest[] = [];
  for (const np of ctx.inNamespace('NetworkPolicy', 'networking.k8s.io', namespace).filter(p => networkPolicyTypes(p).includes(direction))) {
    const selects = networkPolicySelects(np, podLabels);
    if (selects === undefined) return undefined;
    if (selects) found.push(np);
  }
  return found;
}

/** True when the files show the namespace enrolled in the mesh: sidecar injection or ambient. */
export function namespaceInMesh(ctx: RuleContext, namespace: string): boolean {
  const ns = ctx.namespaceObject(namespace);
  if (!ns) return false;
  const l = labelsOf(ns);
  return l[Labels.INJECTION] === 'enabled' || (!!l[Labels.REVISION] && l[Labels.INJECTION] !== 'disabled') || l[Labels.DATAPLANE_MODE] === 'ambient';
}

/** The label Istio's gateway controller puts on the pods of a Gateway API gateway (and waypoint). */
export const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';
