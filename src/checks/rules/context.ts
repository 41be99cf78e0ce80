/**
 * Build what rules know about an environment: from its config when given, else from the
 * manifests themselves (the Istio install's HelmReleases name the gateway and the providers).
 */
import { parse } from 'yaml';
import { BUILT_IN_TELEMETRY_PROVIDERS } from '../../config/istio-version';
import { ResolvedEnvironment } from '../../config/resolve-environment';
import { Labels } from '../../core/labels';
import { principalOf } from '../../core/names';
import { LocatedManifest, RuleContext } from './types';
import { groupOf, labelsOf, namespaceOf, spec } from './util';

/** Extension providers every mesh has without configuration. */
export const BUILT_IN_PROVIDERS: readonly string[] = BUILT_IN_TELEMETRY_PROVIDERS;

function helmReleasesOfChart(objects: readonly LocatedManifest[], chart: string): LocatedManifest[] {
  return objects.filter(o => o.manifest.kind === 'HelmRelease' && (spec(o).chart?.spec?.chart === chart || spec(o).chartRef?.name === chart));
}

const isMapping = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An istiod install in the files: its revision and meshConfig. */
interface MeshInstall {
  readonly revision: string;
  readonly meshConfig: Record<string, any>;
}

/**
 * Every istiod install the files show, with its meshConfig: a HelmRelease of the istiod chart
 * (`values.meshConfig`, `values.revision`), an IstioOperator (`spec.meshConfig`, `spec.revision`),
 * and the mesh ConfigMap istiod reads (`istio` or `istio-<revision>`, YAML in `data.mesh`;
 * istio/istio manifests/charts/istio-control/istio-discovery/templates/configmap.yaml).
 * Values of the wrong type are read as absent.
 */
function meshInstalls(objects: readonly LocatedManifest[]): MeshInstall[] {
  const installs: MeshInstall[] = [];
  const mc = (v: unknown) => (isMapping(v) ? v : {});
  const rev = (v: unknown) => (typeof v === 'string' && v ? v : 'default');
  for (const o of helmReleasesOfChart(objects, 'istiod'))
    installs.push({ revision: rev(spec(o).values?.revision), meshConfig: mc(spec(o).values?.meshConfig) });
  for (const o of objects.filter(x => x.manifest.kind === 'IstioOperator' && groupOf(x) === 'install.istio.io')) {
    installs.push({ revision: rev(spec(o).revision), meshConfig: mc(spec(o).meshConfig) });
  }
  for (const o of objects.filter(x => x.manifest.kind === 'ConfigMap' && groupOf(x) === '')) {
    const name = String(o.manifest.metadata.name ?? '');
    const mesh = (o.manifest as any).data?.mesh;
    if (!/^istio(-.+)?$/.test(name) || typeof mesh !== 'string') continue;
    let meshConfig: unknown;
    try {
      meshConfig = parse(mesh, { maxAliasCount: 100 });
    } catch {
      continue;
    }
    installs.push({ revision: name === 'istio' ? 'default' : name.slice('istio-'.length), meshConfig: mc(meshConfig) });
  }
  return installs;
}

/** Build the rule context of one environment's objects. */
export function buildContext(objects: readonly LocatedManifest[], env?: ResolvedEnvironment): RuleContext {
  const installs = meshInstalls(objects);
  const trustDomain = env?.istio.trustDomain ?? installs.map(i => i.meshConfig.trustDomain).find(t => typeof t === 'string' && t) ?? 'cluster.local';
  const rootNamespace = env?.istio.rootNamespace ?? 'istio-system';

  let ingressGateway: RuleContext['ingressGateway'];
  if (env) {
    ingressGateway = {
      namespace: env.ingressGateway.namespace,
      serviceName: env.ingressGateway.serviceName,
      principal: env.ingressGateway.principal,
    };
  } else {
    const release = helmReleasesOfChart(objects, 'gateway')[0];
    if (release) {
      const s = spec(release);
      const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
      const namespace = str(s.targetNamespace) ?? str(release.manifest.metadata.namespace) ?? 'default';
      const serviceName = str(s.values?.name) ?? str(s.releaseName) ?? String(release.manifest.metadata.name);
      const serviceAccount = str(s.values?.serviceAccount?.name) ?? serviceName;
      ingressGateway = { namespace, serviceName, principal: principalOf(trustDomain, namespace, serviceAccount) };
    }
  }

  let definedProviders: Set<string> | undefined;
  const providers = installs.flatMap(i => (Array.isArray(i.meshConfig.extensionProviders) ? i.meshConfig.extensionProviders : []).filter(isMapping));
  const meshProviders = providers.map(p => p.name).filter((n): n is string => typeof n === 'string');
  if (installs.length > 0) definedProviders = new Set([...BUILT_IN_PROVIDERS, ...meshProviders]);
  else if (env) definedProviders = new Set([...BUILT_IN_PROVIDERS, env.telemetry.tracingProvider]);

  let collectorNamespace = env?.telemetry.collectorNamespace;
  if (!collectorNamespace) {
    const service = providers.map(p => p.opentelemetry?.service).find((v): v is string => typeof v === 'string' && v.length > 0);
    if (service) collectorNamespace = service.includes('/') ? service.split('/')[0] : service.split('.')[1];
  }

  const installedRevisions = installs.length > 0 ? new Set(installs.map(i => i.revision)) : undefined;

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
    if (!list) ofKindAndGroup.set(key, (list = all.filter(o => groupOf(o) === group)));
    return [...list];
  };
  // And by namespace, for rules that look up the objects of one namespace for each of many.
  const ofKindGroupAndNamespace = new Map<string, Map<string, LocatedManifest[]>>();
  const inNamespace = (kind: string, group: string, namespace: string): readonly LocatedManifest[] => {
    const key = `${group}/${kind}`;
    let index = ofKindGroupAndNamespace.get(key);
    if (!index) {
      index = new Map();
      for (const o of byKind(kind, group)) {
        const ns = namespaceOf(o);
        const list = index.get(ns);
        if (list) list.push(o);
        else index.set(ns, [o]);
      }
      ofKindGroupAndNamespace.set(key, index);
    }
    return index.get(namespace) ?? [];
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
    inNamespace,
    namespaceObject: name => namespaces.get(name),
    isAmbient: ns =>
      !!ns && labelsOf(namespaces.get(ns) ?? ({ manifest: { metadata: {} } } as unknown as LocatedManifest))[Labels.DATAPLANE_MODE] === 'ambient',
  };
}
