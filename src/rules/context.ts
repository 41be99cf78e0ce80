/**
 * Build what rules know about an environment: from its config when given, else from the
 * manifests themselves (the Istio install's HelmReleases name the gateway and the providers).
 */
import { ResolvedEnvironment } from '../config/resolve-environment';
import { Labels } from '../lib/labels';
import { principalOf } from '../lib/names';
import { LocatedManifest, RuleContext } from './types';
import { groupOf, labelsOf, spec } from './util';

/** Extension providers every mesh has without configuration. */
export const BUILT_IN_PROVIDERS: readonly string[] = ['envoy', 'prometheus', 'stackdriver'];

function helmReleasesOfChart(objects: readonly LocatedManifest[], chart: string): LocatedManifest[] {
  return objects.filter(o => o.manifest.kind === 'HelmRelease' && (spec(o).chart?.spec?.chart === chart || spec(o).chartRef?.name === chart));
}

/** Build the rule context of one environment's objects. */
export function buildContext(objects: readonly LocatedManifest[], env?: ResolvedEnvironment): RuleContext {
  const istiods = helmReleasesOfChart(objects, 'istiod');
  const trustDomain = env?.istio.trustDomain ?? istiods.map(o => spec(o).values?.meshConfig?.trustDomain).find(Boolean) ?? 'cluster.local';
  const rootNamespace = env?.istio.rootNamespace ?? 'istio-system';

  let ingressGateway: RuleContext['ingressGateway'];
  if (env) {
    ingressGateway = { namespace: env.ingressGateway.namespace, serviceName: env.ingressGateway.serviceName, principal: env.ingressGateway.principal };
  } else {
    const release = helmReleasesOfChart(objects, 'gateway')[0];
    if (release) {
      const s = spec(release);
      const namespace = s.targetNamespace ?? release.manifest.metadata.namespace;
      const serviceName = s.values?.name ?? s.releaseName ?? release.manifest.metadata.name;
      const serviceAccount = s.values?.serviceAccount?.name ?? serviceName;
      ingressGateway = { namespace, serviceName, principal: principalOf(trustDomain, namespace, serviceAccount) };
    }
  }

  let definedProviders: Set<string> | undefined;
  const meshProviders = istiods.flatMap(o => (spec(o).values?.meshConfig?.extensionProviders ?? []).map((p: any) => p.name));
  if (istiods.length > 0) definedProviders = new Set([...BUILT_IN_PROVIDERS, ...meshProviders]);
  else if (env) definedProviders = new Set([...BUILT_IN_PROVIDERS, env.telemetry.tracingProvider]);

  let collectorNamespace = env?.telemetry.collectorNamespace;
  if (!collectorNamespace) {
    const service: string | undefined = istiods.flatMap(o => spec(o).values?.meshConfig?.extensionProviders ?? []).map((p: any) => p.opentelemetry?.service).find(Boolean);
    if (service) collectorNamespace = service.includes('/') ? service.split('/')[0] : service.split('.')[1];
  }

  const installedRevisions = istiods.length > 0 ? new Set(istiods.map(o => spec(o).values?.revision || 'default')) : undefined;

  const namespaces = new Map(objects.filter(o => o.manifest.kind === 'Namespace' && groupOf(o) === '').map(o => [o.manifest.metadata.name!, o]));
  // Objects by kind, then by kind and group: rules ask for the same few kinds many times.
  const ofKind = new Map<string, LocatedManifest[]>();
  for (const o of objects) {
    const list = ofKind.get(o.manifest.kind);
    if (list) list.push(o);
    else ofKind.set(o.manifest.kind, [o]);
  }
  const ofKindAndGroup = new Map<string, LocatedManifest[]>();
  const byKind = (kind: string, group?: string): LocatedManifest[] => {
    const all = ofKind.get(kind) ?? [];
    if (group === undefined) return [...all];
    const key = `${group}/${kind}`;
    let list = ofKindAndGroup.get(key);
    if (!list) ofKindAndGroup.set(key, list = all.filter(o => groupOf(o) === group));
    return [...list];
  };
  return {
    objects,
    env,
    trustDomain,
    rootNamespace,
    ingressGateway,
    definedProviders,
    collectorNamespace,
    installedRevisions,
    byKind,
    namespaceObject: name => namespaces.get(name),
    isAmbient: ns => !!ns && labelsOf(namespaces.get(ns) ?? ({ manifest: { metadata: {} } } as unknown as LocatedManifest))[Labels.DATAPLANE_MODE] === 'ambient',
  };
}
